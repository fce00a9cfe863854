"""GET /o/jwks/: the JWK Set of the published signing keys (RFC 7517 §5), public parts only."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import include, path
from django.utils import timezone

from gqlauth import signingkeys
from gqlauth.models import SigningKey
from gqlauth.urls import urlpatterns as oauth_urls
from gqlauth.urls import well_known_urlpatterns

URL = "/o/jwks/"
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

pytestmark = pytest.mark.django_db

# A site that does not mount the JWK Set.
urlpatterns = [
    path(
        "o/",
        include(([p for p in oauth_urls if getattr(p, "name", None) != "jwks"], "oauth2_provider")),
    ),
    path(".well-known/", include(well_known_urlpatterns)),
]


def test_no_keys(client):
    response = client.get(URL)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response.json() == {"keys": []}


def test_an_es256_key(signing_key, client):
    jwk = client.get(URL).json()["keys"]

    assert jwk == [
        {
            "kty": "EC",
            "crv": "P-256",
            "x": signing_key.public_jwk["x"],
            "y": signing_key.public_jwk["y"],
            "kid": signing_key.kid,
            "alg": "ES256",
            "use": "sig",
        }
    ]


def test_public_parameters_only(client):
    signingkeys.create(algorithm="RS256")
    signingkeys.create(algorithm="ES256")

    keys = client.get(URL).json()["keys"]

    assert [set(jwk) for jwk in keys] == [
        {"kty", "crv", "x", "y", "kid", "alg", "use"},
        {"kty", "n", "e", "kid", "alg", "use"},
    ]
    assert all(not PRIVATE_MEMBERS & set(jwk) for jwk in keys)


def test_even_a_tampered_row_serves_public_members_only(signing_key, client):
    SigningKey.objects.filter(pk=signing_key.pk).update(
        public_jwk={**signing_key.public_jwk, "d": "secret", "extra": "x"}
    )
    assert set(client.get(URL).json()["keys"][0]) == {"kty", "crv", "x", "y", "kid", "alg", "use"}


def test_pending_signing_and_retired_keys_are_published_until_their_tokens_expire(client):
    now = timezone.now()
    old = signingkeys.create(activate_now=True, now=now - timedelta(hours=2))
    gone = signingkeys.create(activate_now=True, now=now - timedelta(hours=3))
    signingkeys.retire(gone.kid, now=now - timedelta(hours=1))  # its tokens expired long ago
    new, _ = signingkeys.rotate()  # pending for an hour; old retires then

    kids = [jwk["kid"] for jwk in client.get(URL).json()["keys"]]

    assert kids == [new.kid, old.kid]


def test_head(signing_key, client):
    response = client.head(URL)
    assert response.status_code == HTTPStatus.OK
    assert response.content == b""


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_other_methods_are_405(client, method):
    response = getattr(client, method)(URL)
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "GET, HEAD"


def test_a_site_without_the_jwk_set_advertises_none(settings, signing_key, client):
    settings.ROOT_URLCONF = __name__
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_FORMAT": "jwt"}

    document = client.get("/.well-known/oauth-authorization-server").json()

    assert "jwks_uri" not in document
    assert document["token_endpoint"] == "http://testserver/o/token/"
