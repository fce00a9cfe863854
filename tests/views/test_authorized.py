"""``/o/authorized_tokens/``: the applications with access to my account, and Revoke."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone

from gqlauth.models import (
    AccessToken,
    Application,
    AuthorizationCode,
    Consent,
    GrantType,
    RefreshToken,
)
from tests.oauth.test_authorization_code import REDIRECT, pkce_pair
from tests.views.conftest import page_text

PAGE = reverse("oauth2_provider:authorized-tokens")
CSP = "Content-Security-Policy"


def revoke_url(app) -> str:
    return reverse("oauth2_provider:authorized-token-revoke", args=[app.pk])


@pytest.fixture
def code_client(make_application, make_user):
    return make_application(
        name="Photo printer",
        user=make_user(username="printer-dev"),
        grant_types=(GrantType.AUTHORIZATION_CODE,),
        redirect_uris=REDIRECT,
    )


def _live(issued) -> bool:
    return (
        AccessToken.objects.filter(pk=issued.access.pk).exists()
        and RefreshToken.objects.get(pk=issued.refresh.pk).revoked_at is None
    )


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_sign_in_first(client, code_client, method):
    target = PAGE if method == "get" else revoke_url(code_client.app)

    response = getattr(client, method)(target)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('login')}?next={target}"


def test_revoke_is_post_only(browser, owner, code_client, make_tokens):
    make_tokens(user=owner, application=code_client.app)

    response = browser.get(revoke_url(code_client.app))

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "POST"
    assert AccessToken.objects.count() == 1


# --- The list ----------------------------------------------------------------------------------


def test_lists_applications_holding_my_live_tokens_with_scopes_and_issue_time(
    browser, owner, code_client, make_application, make_user, make_tokens
):
    issued_at = timezone.now() - timedelta(days=3)
    first = make_tokens(scopes=("groups",), user=owner, application=code_client.app)
    make_tokens(scopes=("read",), user=owner, application=code_client.app)
    AccessToken.objects.filter(pk=first.access.pk).update(created=issued_at)
    RefreshToken.objects.filter(pk=first.refresh.pk).update(created=issued_at)
    theirs = make_application(name="Someone else's").app
    make_tokens(user=make_user(), application=theirs)

    response = browser.get(PAGE)

    assert response.status_code == HTTPStatus.OK
    html = page_text(response)
    assert "<strong>Photo printer</strong>" in html
    assert "registered by printer-dev" in html
    assert "<code>read</code> <code>groups</code>" in html
    # Issue time of the newest token, access or refresh (the refresh row is written last).
    newest = RefreshToken.objects.filter(user=owner).order_by("-created").first().created
    assert f'<time datetime="{dateformat.format(timezone.localtime(newest), "c")}">' in html
    assert f'action="{revoke_url(code_client.app)}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Someone else" not in html


def test_a_consent_without_tokens_is_listed_as_approved(browser, owner, code_client):
    Consent.objects.create(user=owner, application=code_client.app, scope="read write")

    html = page_text(browser.get(PAGE))

    assert "Approved: <code>read</code> <code>write</code>" in html
    assert "No live tokens" in html
    assert f'action="{revoke_url(code_client.app)}"' in html


@pytest.mark.parametrize("inactive", ["application", "its owner"])
def test_a_suspended_application_is_listed_with_a_note(
    browser, owner, code_client, make_tokens, inactive
):
    make_tokens(user=owner, application=code_client.app)
    if inactive == "application":
        Application.objects.filter(pk=code_client.app.pk).update(active=False)
    else:
        User.objects.filter(pk=code_client.app.user_id).update(is_active=False)

    html = page_text(browser.get(PAGE))

    assert "Suspended by an administrator" in html


def test_empty(browser):
    response = browser.get(PAGE)

    assert response.status_code == HTTPStatus.OK
    assert "No application has access to your account." in page_text(response)
    assert "<table" not in response.content.decode()


def test_page_sends_the_csp_and_is_not_cached(browser):
    response = browser.get(PAGE)

    assert "default-src 'self'" in response[CSP]
    assert "unsafe-inline" not in response[CSP]
    assert "no-store" in response["Cache-Control"]


def test_nav_links_the_page_and_marks_it_current(browser):
    html = browser.get(PAGE).content.decode()

    assert f'<a href="{PAGE}" aria-current="page">Authorized apps</a>' in html
    assert f'<a href="{reverse("oauth2_provider:list")}">Applications</a>' in html


def test_query_count_does_not_grow_with_tokens(
    browser, owner, make_application, make_tokens, django_assert_num_queries
):
    def grow(count: int) -> None:
        for _ in range(count):
            app = make_application().app
            make_tokens(user=owner, application=app)
            make_tokens(user=owner, application=app, scopes=("read",))
            Consent.objects.create(user=owner, application=app, scope="read")

    grow(1)
    browser.get(PAGE)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert browser.get(PAGE).status_code == HTTPStatus.OK
    grow(20)
    with CaptureQueriesContext(connection) as many:
        assert browser.get(PAGE).status_code == HTTPStatus.OK

    assert len(many) == len(few)
    # The session, the user, and the page's two: token rows, then applications with owners.
    with django_assert_num_queries(4):
        browser.get(PAGE)


# --- Revoke ------------------------------------------------------------------------------------


def test_revoke_ends_my_tokens_codes_and_consent_and_leaves_other_users_alone(
    browser, owner, code_client, make_user, make_tokens
):
    other = make_user(username="other")
    mine = [make_tokens(user=owner, application=code_client.app) for _ in range(2)]
    theirs = make_tokens(user=other, application=code_client.app)
    Consent.objects.create(user=owner, application=code_client.app, scope="read")
    Consent.objects.create(user=other, application=code_client.app, scope="read")

    response = browser.post(revoke_url(code_client.app))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == PAGE
    for issued in mine:
        assert not AccessToken.objects.filter(pk=issued.access.pk).exists()
        # Revoked, not deleted: a replay of it is still recognised.
        assert RefreshToken.objects.get(pk=issued.refresh.pk).revoked_at is not None
    assert _live(theirs)
    assert list(Consent.objects.values_list("user__username", flat=True)) == ["other"]
    page = page_text(browser.get(PAGE))
    assert (
        "Revoked the access of “Photo printer”: its tokens for your account stop working now, "
        "and it must ask for your approval again." in page
    )
    assert "No application has access to your account." in page


def test_after_revoking_the_next_authorization_asks_again(browser, owner, code_client):
    def authorize():
        return browser.get(
            "/o/authorize/?"
            + urlencode(
                {
                    "response_type": "code",
                    "client_id": code_client.client_id,
                    "scope": "read",
                    "code_challenge": pkce_pair()[1],
                    "code_challenge_method": "S256",
                }
            )
        )

    Consent.objects.create(user=owner, application=code_client.app, scope="read")
    assert authorize().status_code == HTTPStatus.FOUND  # approved before: a code at once
    pending = AuthorizationCode.objects.get()

    browser.post(revoke_url(code_client.app))

    consent_page = authorize()
    assert consent_page.status_code == HTTPStatus.OK
    assert 'value="approve"' in consent_page.content.decode()
    assert not AuthorizationCode.objects.filter(pk=pending.pk).exists()


def test_revoking_an_application_without_access_to_me_is_404(
    browser, code_client, make_user, make_tokens
):
    theirs = make_tokens(user=make_user(), application=code_client.app)

    missing = browser.post(reverse("oauth2_provider:authorized-token-revoke", args=[999999]))
    not_mine = browser.post(revoke_url(code_client.app))

    assert missing.status_code == HTTPStatus.NOT_FOUND
    assert not_mine.status_code == HTTPStatus.NOT_FOUND
    assert "Photo printer" not in not_mine.content.decode()
    assert _live(theirs)


def test_revoke_needs_the_csrf_token(owner, code_client, make_tokens):
    mine = make_tokens(user=owner, application=code_client.app)
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(owner)

    response = browser.post(revoke_url(code_client.app))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert _live(mine)


def test_the_consent_page_links_here(browser, code_client):
    response = browser.get(
        "/o/authorize/?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": code_client.client_id,
                "code_challenge": pkce_pair()[1],
                "code_challenge_method": "S256",
            }
        )
    )

    assert response.status_code == HTTPStatus.OK
    assert (
        f'You can revoke this access at any time on your <a href="{PAGE}">authorized '
        "applications page</a>." in response.content.decode()
    )
