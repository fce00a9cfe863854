"""Concurrent use of one refresh token against a live server (threads, real HTTP)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http import HTTPStatus
from urllib.parse import urlencode

import pytest

from gqlauth.models import RefreshToken

THREADS = 8


def _post(url: str, data: dict[str, str]) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        url,
        data=urlencode(data).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("reuse_protection", [True, False])
def test_one_refresh_token_used_concurrently_succeeds_once(
    live_server, settings, make_application, make_tokens, reuse_protection
):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "REFRESH_TOKEN_REUSE_PROTECTION": reuse_protection,
    }
    client = make_application()
    issued = make_tokens(application=client.app)
    data = {
        "grant_type": "refresh_token",
        "refresh_token": issued.refresh_token,
        "client_id": client.client_id,
        "client_secret": client.secret,
    }
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, dict[str, object]]] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        result = _post(f"{live_server.url}/o/token/", data)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(status for status, _ in results)
    assert statuses == [HTTPStatus.OK] + [HTTPStatus.BAD_REQUEST] * (THREADS - 1)
    assert all(body["error"] == "invalid_grant" for status, body in results if status != 200)
    # The losers are replays of a rotated token: with reuse protection the whole family is
    # revoked (the winner's new pair too); without it the winner's pair is the one live token.
    family = issued.refresh.family
    assert RefreshToken.objects.filter(family=family).count() == 2
    live = RefreshToken.objects.filter(family=family, revoked_at__isnull=True).count()
    assert live == (0 if reuse_protection else 1)
