"""50 concurrent refreshes of one refresh token against a live multi-worker gunicorn server."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from gqlauth.models import AccessToken, GrantType, RefreshToken
from tests.load.client import Answer, Connection

CLIENTS = 50
WORKERS = 3


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_refreshes_of_one_token_succeed_once(
    gunicorn_server, make_application, make_user, make_tokens
):

    server = gunicorn_server(workers=WORKERS)
    assert len(server.worker_pids()) == WORKERS
    user = make_user()
    client = make_application(grant_types=(GrantType.PASSWORD,), user=user)
    issued = make_tokens(user=user, application=client.app)
    family = issued.refresh.family

    barrier = threading.Barrier(CLIENTS)
    answers: list[Answer] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def refresh() -> None:
        connection = Connection(server.port)
        try:
            barrier.wait(timeout=30)
            answer = connection.token(
                client.basic, grant_type="refresh_token", refresh_token=issued.refresh_token
            )
        except BaseException as exc:  # reported below, with the server's log
            with lock:
                failures.append(exc)
            return
        finally:
            connection.close()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=refresh) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(t.is_alive() for t in threads), "a request did not finish within 60 s"
    assert not failures, f"{failures!r}\n{server.log_tail()}"
    statuses = Counter(answer.status for answer in answers)
    assert not [s for s in statuses if s >= 500], f"{statuses}\n{server.log_tail()}"
    assert statuses == {200: 1, 400: CLIENTS - 1}, statuses
    assert Counter(a.error for a in answers if a.status == 400) == {"invalid_grant": CLIENTS - 1}
    winner = next(a.body for a in answers if a.status == 200)

    # At most one live pair in the family; with reuse protection (the default) the losers are
    # replays of a rotated token, so the family ends: the winner's pair is revoked too.
    live_refresh = RefreshToken.objects.live().filter(family=family)
    live_access = AccessToken.objects.valid().filter(refresh_token__family=family)
    assert live_refresh.count() <= 1
    assert live_access.count() <= 1
    assert not live_refresh.exists()
    assert not live_access.exists()
    # Two rows: the original (rotated) and the winner's; no loser wrote a token.
    assert RefreshToken.objects.filter(family=family).count() == 2

    connection = Connection(server.port)
    try:
        for token in (issued.access_token, winner["access_token"]):
            assert connection.graphql("{ me { scopes } }", token).status == 401
        for token in (issued.refresh_token, winner["refresh_token"]):
            again = connection.token(client.basic, grant_type="refresh_token", refresh_token=token)
            assert (again.status, again.error) == (400, "invalid_grant")
    finally:
        connection.close()
