"""Refresh without rotation on a live multi-worker server: one access token per refresh token.

With ``ROTATE_REFRESH_TOKEN=False`` concurrent refreshes of one refresh token used to mint an
access token each, and revoking the refresh token left some of them working (issue 9). Reissue is
a compare-and-set now: the refresh token holds one access token at a time, and revoking it ends
every access token it produced.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http import HTTPStatus
from urllib.parse import urlencode

import pytest

from gqlauth.models import AccessToken, GrantType

CLIENTS = 10
WORKERS = 3


def _post(url: str, data: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url,
        data=urlencode(data).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.django_db(transaction=True)
def test_parallel_reissues_leave_nothing_alive_after_revocation(
    gunicorn_server, make_application, make_tokens
):
    server = gunicorn_server(workers=WORKERS, extra_env={"GQLAUTH_TEST_ROTATE_REFRESH_TOKEN": "0"})
    client = make_application(grant_types=(GrantType.PASSWORD,))
    issued = make_tokens(application=client.app)
    credentials = {"client_id": client.client_id, "client_secret": client.secret}
    refresh = {"grant_type": "refresh_token", "refresh_token": issued.refresh_token, **credentials}
    barrier = threading.Barrier(CLIENTS)
    results: list[tuple[int, bytes]] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        result = _post(f"{server.url}/o/token/", refresh)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=one) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == CLIENTS
    assert not [status for status, _ in results if status >= HTTPStatus.INTERNAL_SERVER_ERROR]
    minted = [json.loads(body)["access_token"] for status, body in results if status == 200]
    assert minted
    refused = [json.loads(body) for status, body in results if status != HTTPStatus.OK]
    assert all(body["error"] == "invalid_grant" for body in refused)
    assert AccessToken.objects.filter(application=client.app).count() == 1

    revoked = _post(f"{server.url}/o/revoke_token/", {"token": issued.refresh_token, **credentials})

    assert revoked[0] == HTTPStatus.OK
    assert not AccessToken.objects.filter(application=client.app).exists()
    for token in minted:
        status, body = _post(f"{server.url}/o/introspect/", {"token": token, **credentials})
        assert (status, json.loads(body)) == (HTTPStatus.OK, {"active": False})
