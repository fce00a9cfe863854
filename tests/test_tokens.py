"""``revoke_application_tokens``: every user's tokens of an application, or one user's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from gqlauth import digests, tokens
from gqlauth.models import AccessToken, Application, AuthorizationCode, Consent, RefreshToken
from tests.conftest import Client

pytestmark = pytest.mark.django_db


def _code(application, user, *, used: bool = False) -> AuthorizationCode:
    now = timezone.now()
    return AuthorizationCode.objects.create(
        digest=digests.digest(digests.new_token(), purpose="code"),
        application=application,
        user=user,
        redirect_uri="https://app.example/cb",
        expires=now + timedelta(seconds=60),
        used_at=now if used else None,
    )


@dataclass
class World:
    me: User
    app: Application
    elsewhere: Application
    oauth_client: Client
    held: dict[str, tokens.IssuedTokens]
    codes: dict[str, AuthorizationCode]


@pytest.fixture
def world(make_user, make_application, make_tokens):
    """Two users of one application, a second application, and a client token."""
    me, other = make_user(username="me"), make_user(username="other")
    oauth_client = make_application()
    app, elsewhere = oauth_client.app, make_application().app
    held = {
        "mine": [make_tokens(user=me, application=app) for _ in range(2)],
        "theirs": make_tokens(user=other, application=app),
        "my_elsewhere": make_tokens(user=me, application=elsewhere),
        "client": make_tokens(user=False, application=app),
    }
    for user, application in ((me, app), (other, app), (me, elsewhere)):
        Consent.objects.create(user=user, application=application, scope="read")
    codes = {
        "my_pending": _code(app, me),
        "my_used": _code(app, me, used=True),
        "their_pending": _code(app, other),
    }
    return World(me, app, elsewhere, oauth_client, held, codes)


def _alive(issued: tokens.IssuedTokens) -> bool:
    """The access token exists and the refresh token is not revoked."""
    refresh = RefreshToken.objects.get(pk=issued.refresh.pk)
    return AccessToken.objects.filter(pk=issued.access.pk).exists() and refresh.revoked_at is None


def test_for_one_user_only_that_users_tokens_codes_and_consent_go(world):
    deleted = tokens.revoke_application_tokens(world.app, world.me, forget_consent=True)

    assert deleted == 2
    for issued in world.held["mine"]:
        assert not AccessToken.objects.filter(pk=issued.access.pk).exists()
        # The row stays, revoked, so a replay of it is still recognised.
        assert RefreshToken.objects.get(pk=issued.refresh.pk).revoked_at is not None
    assert _alive(world.held["theirs"])
    assert _alive(world.held["my_elsewhere"])
    assert _alive(world.held["client"])
    assert not AuthorizationCode.objects.filter(pk=world.codes["my_pending"].pk).exists()
    assert AuthorizationCode.objects.filter(pk=world.codes["my_used"].pk).exists()
    assert AuthorizationCode.objects.filter(pk=world.codes["their_pending"].pk).exists()
    assert set(Consent.objects.values_list("user__username", "application_id")) == {
        ("other", world.app.pk),
        ("me", world.elsewhere.pk),
    }


def test_a_revoked_refresh_token_is_refused_at_the_token_endpoint(client, world):
    tokens.revoke_application_tokens(world.app, world.me, forget_consent=True)
    oauth_client = world.oauth_client

    response = client.post(
        "/o/token/",
        urlencode(
            {
                "grant_type": "refresh_token",
                "refresh_token": world.held["mine"][0].refresh_token,
                "client_id": oauth_client.client_id,
                "client_secret": oauth_client.secret,
            }
        ),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_grant"
    # Presenting it again was a replay: the family stays revoked, nothing new was issued.
    assert AccessToken.objects.filter(user=world.me, application=world.app).count() == 0


def test_without_a_user_every_token_and_pending_code_goes_but_consents_stay(world):
    deleted = tokens.revoke_application_tokens(world.app)

    assert deleted == 4  # two of mine, one of theirs, the client token
    for issued in [*world.held["mine"], world.held["theirs"], world.held["client"]]:
        assert not _alive(issued)
    assert _alive(world.held["my_elsewhere"])
    assert set(AuthorizationCode.objects.values_list("pk", flat=True)) == {
        world.codes["my_used"].pk
    }
    assert Consent.objects.count() == 3


def test_forgetting_consent_without_a_user_forgets_every_users(world):
    tokens.revoke_application_tokens(world.app, forget_consent=True)

    assert list(Consent.objects.values_list("application_id", flat=True)) == [world.elsewhere.pk]
