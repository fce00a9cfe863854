"""Revoking a refresh token while the same token is being refreshed, on a multi-worker server.

RFC 7009 §2.1 and our README: revoking a refresh token revokes its whole family. When a refresh
of that token runs at the same moment, either the revocation comes first (the refresh is refused)
or the refresh does (and the revocation must end the pair it issued). Afterwards no token of the
family may be accepted, whichever won.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from gqlauth.models import AccessToken, GrantType, RefreshToken
from tests.load.client import Answer, Connection

FAMILIES = 25  # raced at once: 2 requests each
# Rounds until a token survives its revocation. On PostgreSQL, before revoke_family revoked
# first and deleted on a fresh snapshot, one round of 25 races found a surviving access token
# about half the time, so 12 rounds would miss a regression about 1 in 4000; SQLite serialises
# the two requests, and 3 rounds check that it keeps doing so.
ROUNDS = 12 if connection.vendor == "postgresql" else 3
WORKERS = 3


def _race_round(server, client, make_user, make_tokens) -> tuple[int, list[str]]:
    """Race FAMILIES refresh/revoke pairs at once; (refreshes that won, tokens still accepted)."""
    issued = [make_tokens(user=make_user(), application=client.app) for _ in range(FAMILIES)]
    barrier = threading.Barrier(2 * FAMILIES)
    refreshed: dict[int, Answer] = {}
    revoked: dict[int, Answer] = {}
    failures: list[BaseException] = []
    lock = threading.Lock()

    def race(index: int, revoke: bool) -> None:
        connection = Connection(server.port)
        token = issued[index].refresh_token
        try:
            barrier.wait(timeout=30)
            if revoke:
                answer = connection.revoke(client.basic, token, "refresh_token")
            else:
                answer = connection.token(
                    client.basic, grant_type="refresh_token", refresh_token=token
                )
        except BaseException as exc:  # reported below, with the server's log
            with lock:
                failures.append(exc)
            return
        finally:
            connection.close()
        with lock:
            (revoked if revoke else refreshed)[index] = answer

    threads = [
        threading.Thread(target=race, args=(i, revoke))
        for i in range(FAMILIES)
        for revoke in (False, True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    assert not any(t.is_alive() for t in threads), "a request did not finish within 90 s"
    assert not failures, f"{failures!r}\n{server.log_tail()}"
    assert all(a.status == 200 for a in revoked.values()), revoked
    assert all(
        a.status == 200 or (a.status, a.error) == (400, "invalid_grant") for a in refreshed.values()
    ), refreshed

    accepted = []
    probe = Connection(server.port)
    try:
        for index, answer in refreshed.items():
            family = issued[index].refresh.family
            if RefreshToken.objects.live().filter(family=family).exists():
                accepted.append(f"family {index}: a live refresh token")
            if AccessToken.objects.valid().filter(refresh_token__family=family).exists():
                accepted.append(f"family {index}: a live access token")
            if answer.status != 200:
                continue
            if probe.graphql("{ me { scopes } }", answer.body["access_token"]).status != 401:
                accepted.append(f"family {index}: the refreshed access token is accepted")
            again = probe.token(
                client.basic, grant_type="refresh_token", refresh_token=answer.body["refresh_token"]
            )
            if again.status == 200:
                accepted.append(f"family {index}: the refreshed refresh token is accepted")
    finally:
        probe.close()
    return sum(a.status == 200 for a in refreshed.values()), accepted


@pytest.mark.django_db(transaction=True)
def test_revocation_racing_a_refresh_ends_the_whole_family(
    gunicorn_server, make_application, make_user, make_tokens
):
    server = gunicorn_server(workers=WORKERS)
    client = make_application(grant_types=(GrantType.PASSWORD,))
    for _ in range(ROUNDS):
        winners, accepted = _race_round(server, client, make_user, make_tokens)
        assert not accepted, f"{winners} refreshes won their race; " + "; ".join(accepted)
