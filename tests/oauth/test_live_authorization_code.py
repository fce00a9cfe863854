"""The authorization code flow end to end: a live server, a browser session, Authlib as the client.

A ``requests.Session`` plays the browser: it opens the authorization URL, is sent to the sign-in
page, submits it (with the page's CSRF token and ``next``), is sent back to the consent page and
submits Approve, the way a browser submits those forms. Authlib's ``OAuth2Session`` is the client
application: it builds the authorization URL with ``state`` and a PKCE S256 challenge, checks
``state`` and exchanges the code with the verifier, refreshes, and calls the GraphQL API with
its bearer token. Nothing leaves the loopback interface: the redirect to the client's redirect
URI is read from ``Location``, never followed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.contrib.auth.models import User

from gqlauth.models import ClientType, GrantType
from tests.conftest import PASSWORD, Client

# Never contacted: the browser stops at the redirect and hands its Location to the client.
REDIRECT_URI = "http://127.0.0.1:8080/callback"
TIMEOUT = 10
SCOPE = "read groups"
TOKEN_KEYS = {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
QUERY = "{ me { user { username groups { name } } clientId scopes } users { username } }"


@dataclass
class Form:
    """A POST form of a page: its action, its hidden fields and its named submit buttons."""

    action: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, list[str]] = field(default_factory=dict)

    def names(self) -> set[str]:
        return set(self.fields) | set(self.buttons)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and attributes.get("method", "").lower() == "post":
            self._current = Form(action=attributes.get("action", ""))
            self.forms.append(self._current)
        elif self._current is None or "name" not in attributes:
            return
        elif tag == "input" and attributes.get("type") == "hidden":
            self._current.fields[attributes["name"]] = attributes.get("value", "")
        elif tag == "button":
            self._current.buttons.setdefault(attributes["name"], []).append(
                attributes.get("value", "")
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def form_with(page: requests.Response, name: str) -> Form:
    """The one POST form of ``page`` that has a hidden field or a button called ``name``."""
    parser = _FormParser()
    parser.feed(page.text)
    found = [form for form in parser.forms if name in form.names()]
    assert len(found) == 1, f"{len(found)} forms with {name!r} on {page.url}"
    return found[0]


def submit(
    browser: requests.Session,
    page: requests.Response,
    form: Form,
    data: dict[str, str],
    **kwargs: Any,
) -> requests.Response:
    """Submit ``form`` of ``page`` as a browser does: its hidden fields plus ``data``."""
    return browser.post(
        urljoin(page.url, form.action),
        data={**form.fields, **data},
        # Django checks the Referer only over HTTPS; a browser sends it anyway.
        headers={"Referer": page.url},
        timeout=TIMEOUT,
        **kwargs,
    )


def sign_in_and_approve(browser: requests.Session, authorization_url: str, user: User) -> str:
    """What the user does in the browser; returns the Location of the redirect to the client."""
    login = browser.get(authorization_url, timeout=TIMEOUT)
    assert [r.status_code for r in login.history] == [HTTPStatus.FOUND]
    assert login.status_code == HTTPStatus.OK
    assert urlsplit(login.url).path == "/accounts/login/"
    login_form = form_with(login, "next")
    assert login_form.names() == {"csrfmiddlewaretoken", "next"}
    assert urljoin(login.url, login_form.fields["next"]) == authorization_url

    credentials = {"username": user.get_username(), "password": PASSWORD}
    consent = submit(browser, login, login_form, credentials)
    assert [r.status_code for r in consent.history] == [HTTPStatus.FOUND]
    assert consent.status_code == HTTPStatus.OK
    assert consent.url == authorization_url
    consent_form = form_with(consent, "decision")
    assert consent_form.fields.keys() == {"csrfmiddlewaretoken"}
    assert consent_form.buttons == {"decision": ["approve", "deny"]}
    assert urljoin(consent.url, consent_form.action) == authorization_url

    decided = submit(browser, consent, consent_form, {"decision": "approve"}, allow_redirects=False)
    assert decided.status_code == HTTPStatus.FOUND, decided.text
    return str(decided.headers["Location"])


@dataclass(eq=False)  # Authlib keeps hooks in a set
class Recorder:
    """An Authlib compliance hook that keeps the token endpoint's raw answers."""

    responses: list[requests.Response] = field(default_factory=list)

    def __call__(self, response: requests.Response) -> requests.Response:
        self.responses.append(response)
        return response


def assert_token_response(response: requests.Response) -> dict[str, Any]:
    """The exact RFC 6749 §5.1 answer; returns its JSON."""
    assert response.status_code == HTTPStatus.OK, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.json()
    assert set(body) == TOKEN_KEYS
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 36000
    assert body["scope"] == SCOPE
    assert len(body["access_token"]) >= 43
    assert len(body["refresh_token"]) >= 43
    return body


def auth_method_of(request: requests.PreparedRequest) -> str:
    """Which RFC 7591 ``token_endpoint_auth_method`` a token request used, read off the wire."""
    body = parse_qs(str(request.body))
    basic = str(request.headers.get("Authorization", "")).startswith("Basic ")
    if basic and "client_secret" not in body:
        return "client_secret_basic"
    if not basic and "client_secret" in body and "client_id" in body:
        return "client_secret_post"
    if not basic and "client_secret" not in body and "client_id" in body:
        return "none"
    return "mixed"


def form_of(request: requests.PreparedRequest) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(str(request.body)).items()}


def graphql(url: str, token: str) -> requests.Response:
    return requests.post(
        url,
        json={"query": QUERY},
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )


@pytest.fixture
def developer(make_user: Callable[..., User]) -> User:
    return make_user(username="developer")


@pytest.fixture
def alice(make_user: Callable[..., User]) -> User:
    return make_user(username="alice", groups=("developers",))


@pytest.fixture
def issuer(live_server: Any, settings: Any) -> str:
    """The live server is the issuer: ``iss`` in its redirects must name it."""
    url: str = live_server.url
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ISSUER": url}
    return url


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("client_type", "auth_method"),
    [
        (ClientType.PUBLIC, "none"),
        (ClientType.CONFIDENTIAL, "client_secret_basic"),
        (ClientType.CONFIDENTIAL, "client_secret_post"),
    ],
)
def test_authorization_code_flow_with_authlib(
    issuer: str,
    make_application: Callable[..., Client],
    developer: User,
    alice: User,
    client_type: str,
    auth_method: str,
) -> None:
    client = make_application(
        client_type=client_type,
        grant_types=(GrantType.AUTHORIZATION_CODE,),
        user=developer,
        redirect_uris=REDIRECT_URI,
    )
    authorize_url = f"{issuer}/o/authorize/"
    token_url = f"{issuer}/o/token/"
    graphql_url = f"{issuer}/graphql/"
    recorder = Recorder()

    with (
        OAuth2Session(
            client_id=client.client_id,
            client_secret=client.secret or None,
            token_endpoint_auth_method=auth_method,
            scope=SCOPE,
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
            default_timeout=TIMEOUT,
        ) as oauth,
        requests.Session() as browser,
    ):
        oauth.register_compliance_hook("access_token_response", recorder)
        oauth.register_compliance_hook("refresh_token_response", recorder)
        code_verifier = generate_token(64)
        authorization_url, state = oauth.create_authorization_url(
            authorize_url, code_verifier=code_verifier
        )
        sent = {k: v[0] for k, v in parse_qs(urlsplit(authorization_url).query).items()}
        assert sent["code_challenge_method"] == "S256"
        assert sent["state"] == state

        location = sign_in_and_approve(browser, authorization_url, alice)

        # The redirect: the registered URI with code, the client's state and our issuer.
        assert location.startswith(REDIRECT_URI + "?")
        params = parse_qs(urlsplit(location).query)
        assert set(params) == {"code", "state", "iss"}
        assert params["state"] == [state]
        assert params["iss"] == [issuer]

        # Authlib checks state, then sends code, redirect_uri, code_verifier and its credentials.
        token = oauth.fetch_token(
            token_url, authorization_response=location, state=state, code_verifier=code_verifier
        )
        issued = assert_token_response(recorder.responses[-1])
        assert token["access_token"] == issued["access_token"]
        exchange = recorder.responses[-1].request
        assert auth_method_of(exchange) == auth_method
        assert (
            form_of(exchange).items()
            >= {
                "grant_type": "authorization_code",
                "code": params["code"][0],
                "redirect_uri": REDIRECT_URI,
                "code_verifier": code_verifier,
            }.items()
        )

        expected = {
            "data": {
                "me": {
                    "user": {"username": "alice", "groups": [{"name": "developers"}]},
                    "clientId": client.client_id,
                    "scopes": ["read", "groups"],
                },
                # alice holds no auth.view_user: whatever the scopes, she reads herself alone.
                "users": [{"username": "alice"}],
            }
        }
        response = oauth.post(graphql_url, json={"query": QUERY})
        assert response.status_code == HTTPStatus.OK
        assert response.headers["Content-Type"] == "application/json"
        assert response.json() == expected

        # Refresh with Authlib: a new pair, same scopes; the old access token stops working.
        refreshed = oauth.refresh_token(token_url, refresh_token=token["refresh_token"])
        renewed = assert_token_response(recorder.responses[-1])
        assert len(recorder.responses) == 2
        assert auth_method_of(recorder.responses[-1].request) == auth_method
        assert refreshed["access_token"] == renewed["access_token"]
        assert renewed["access_token"] != issued["access_token"]
        assert renewed["refresh_token"] != issued["refresh_token"]
        assert graphql(graphql_url, issued["access_token"]).status_code == HTTPStatus.UNAUTHORIZED
        response = oauth.post(graphql_url, json={"query": QUERY})
        assert response.status_code == HTTPStatus.OK
        assert response.json() == expected

        # The code works once: a second exchange is invalid_grant and revokes what it gave.
        replay = requests.post(
            token_url,
            data={
                "grant_type": "authorization_code",
                "code": params["code"][0],
                "redirect_uri": REDIRECT_URI,
                "code_verifier": code_verifier,
                "client_id": client.client_id,
                **({"client_secret": client.secret} if client.secret else {}),
            },
            timeout=TIMEOUT,
        )
        assert replay.status_code == HTTPStatus.BAD_REQUEST
        assert replay.json() == {
            "error": "invalid_grant",
            "error_description": "The authorization code was already used; its tokens are revoked.",
        }
        revoked = graphql(graphql_url, renewed["access_token"])
        assert revoked.status_code == HTTPStatus.UNAUTHORIZED
        assert revoked.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
        refused = requests.post(
            token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": renewed["refresh_token"],
                **({} if client.secret else {"client_id": client.client_id}),
            },
            auth=client.basic if client.secret else None,
            timeout=TIMEOUT,
        )
        assert refused.status_code == HTTPStatus.BAD_REQUEST
        assert refused.json()["error"] == "invalid_grant"


@pytest.mark.django_db(transaction=True)
def test_a_different_redirect_uri_at_the_token_endpoint_is_invalid_grant(
    issuer: str, make_application: Callable[..., Client], developer: User, alice: User
) -> None:
    other_uri = "http://127.0.0.1:8080/other"
    client = make_application(
        client_type=ClientType.PUBLIC,
        grant_types=(GrantType.AUTHORIZATION_CODE,),
        user=developer,
        redirect_uris=f"{REDIRECT_URI} {other_uri}",
    )
    code_verifier = generate_token(64)
    with (
        OAuth2Session(
            client_id=client.client_id,
            scope=SCOPE,
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
            default_timeout=TIMEOUT,
        ) as oauth,
        requests.Session() as browser,
    ):
        authorization_url, _state = oauth.create_authorization_url(
            f"{issuer}/o/authorize/", code_verifier=code_verifier
        )
        location = sign_in_and_approve(browser, authorization_url, alice)

    response = requests.post(
        f"{issuer}/o/token/",
        data={
            "grant_type": "authorization_code",
            "code": parse_qs(urlsplit(location).query)["code"][0],
            # Registered for the client, but not the one the code was issued for.
            "redirect_uri": other_uri,
            "client_id": client.client_id,
            "code_verifier": code_verifier,
        },
        timeout=TIMEOUT,
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_grant"
