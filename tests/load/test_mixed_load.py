"""A mixed run against a live multi-worker gunicorn server: many clients, every kind of request.

CLIENTS threads, each one client with its own user and token pairs, send a random (seeded) mix for
DURATION seconds (at most MAX_OPS requests each): GraphQL reads, refreshes that follow their chain,
new password grants, client-credentials grants, ``createUser`` (some names unique, some contended
between clients), revocations of the current access or refresh token, and replays of a rotated
refresh token (theft detection). Meanwhile a monitor reads the database every 50 ms. Then:

- no answer is a 5xx, and every answer is the one the client's own history calls for;
- every ``createUser`` answered with success names a user that exists exactly once, with that id,
  and no name was created twice;
- the monitor never saw a refresh family with two live refresh tokens or two live access tokens;
- no revoked token (revoked, or retired by rotation) is accepted afterwards: each is probed right
  after its revocation, and all of them again at the end, over HTTP and in the database.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connections
from django.db.models import Count

from gqlauth.models import AccessToken, GrantType, RefreshToken
from tests.conftest import PASSWORD
from tests.load.client import Answer, Connection

CLIENTS = 16
USERS = 4
DURATION = 15.0
MAX_OPS = 300
WORKERS = 3
SHARED_NAMES = 12  # createUser names that several clients race for
# Operation -> weight.
MIX = {
    "read": 30,
    "refresh": 20,
    "create": 14,
    "password": 6,
    "client_credentials": 6,
    "revoke": 8,
    "replay": 4,
}

READ = "{ users(limit: 20) { id username } me { scopes user { username } } }"
CREATE = (
    "mutation ($username: String!, $password: String!) "
    "{ createUser(username: $username, password: $password) { id username } }"
)


@dataclass
class Ledger:
    """What every client saw, shared under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[int] = field(default_factory=Counter)
    ops: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    created: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    refused_names: list[str] = field(default_factory=list)
    dead_access: list[str] = field(default_factory=list)  # revoked or rotated away
    dead_refresh: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


class LoadClient:
    """One client: a user, a connection, and the token pair it currently holds."""

    def __init__(
        self, index: int, port: int, app: tuple[str, str], username: str, ledger: Ledger
    ) -> None:
        self.index = index
        self.app = app
        self.username = username
        self.ledger = ledger
        self.rng = random.Random(index)
        self.http = Connection(port)
        self.access = ""
        self.refresh = ""
        self.rotated: list[str] = []  # earlier refresh tokens of the current family
        self.created = 0

    # -- requests, each answer counted ------------------------------------------------------

    def _seen(self, op: str, answer: Answer) -> Answer:
        with self.ledger.lock:
            self.ledger.statuses[answer.status] += 1
            self.ledger.ops[op] += 1
        if answer.status >= 500:
            self.ledger.problem(f"client {self.index} {op}: HTTP {answer.status} {answer.body!r}")
        return answer

    def _expect(self, op: str, answer: Answer, ok: bool, what: str) -> bool:
        if not ok:
            self.ledger.problem(
                f"client {self.index} {op}: expected {what}, got HTTP {answer.status} "
                f"{answer.body!r}"
            )
        return ok

    def _take_pair(self, op: str, answer: Answer) -> bool:
        body = answer.body
        good = (
            answer.status == 200
            and isinstance(body, dict)
            and bool(body.get("access_token"))
            and bool(body.get("refresh_token"))
        )
        if self._expect(op, answer, good, "a new token pair"):
            self.access, self.refresh = body["access_token"], body["refresh_token"]
        return good

    def sign_in(self) -> None:
        answer = self._seen(
            "password",
            self.http.token(
                self.app,
                grant_type="password",
                username=self.username,
                password=PASSWORD,
                scope="read write",
            ),
        )
        self.rotated = []
        if not self._take_pair("password", answer):
            self.access = self.refresh = ""

    def _retire(self, access: str, refresh: str | None) -> None:
        with self.ledger.lock:
            self.ledger.dead_access.append(access)
            if refresh is not None:
                self.ledger.dead_refresh.append(refresh)

    def _probe_dead_pair(self, op: str, access: str, refresh: str) -> None:
        """Right after a revocation: neither token of the pair is accepted any more."""
        answer = self._seen(op, self.http.graphql("{ me { scopes } }", access))
        self._expect(op, answer, answer.status == 401, "401 for a revoked access token")
        answer = self._seen(
            op, self.http.token(self.app, grant_type="refresh_token", refresh_token=refresh)
        )
        self._expect(
            op,
            answer,
            (answer.status, answer.error) == (400, "invalid_grant"),
            "invalid_grant for a revoked refresh token",
        )

    # -- operations -------------------------------------------------------------------------

    def read(self) -> None:
        answer = self._seen("read", self.http.graphql(READ, self.access))
        body = answer.body
        good = (
            answer.status == 200
            and isinstance(body, dict)
            and "errors" not in body
            and len(body["data"]["users"]) > 0
            and body["data"]["me"]["user"]["username"] == self.username
        )
        self._expect("read", answer, good, "users and me without errors")

    def refresh_pair(self) -> None:
        old_access, old_refresh = self.access, self.refresh
        answer = self._seen(
            "refresh",
            self.http.token(self.app, grant_type="refresh_token", refresh_token=old_refresh),
        )
        if self._take_pair("refresh", answer):
            self.rotated.append(old_refresh)
            self._retire(old_access, old_refresh)
            # The rotated-away access token is refused at once.
            answer = self._seen("refresh", self.http.graphql("{ me { scopes } }", old_access))
            self._expect("refresh", answer, answer.status == 401, "401 for a rotated token")
        else:
            self.sign_in()

    def create(self) -> None:
        if self.rng.random() < 0.4:
            name = f"load-shared-{self.rng.randrange(SHARED_NAMES)}"
        else:
            self.created += 1
            name = f"load-{self.index}-{self.created}"
        answer = self._seen(
            "create",
            self.http.graphql(
                CREATE, self.access, {"username": name, "password": secrets.token_urlsafe(12)}
            ),
        )
        body = answer.body if isinstance(answer.body, dict) else {}
        data = body.get("data") or {}
        if answer.status == 200 and data.get("createUser") and "errors" not in body:
            user = data["createUser"]
            self._expect("create", answer, user["username"] == name, f"the user {name}")
            with self.ledger.lock:
                self.ledger.created[name].append(user["id"])
            return
        errors = body.get("errors") or [{}]
        refused = (
            answer.status == 200
            and name.startswith("load-shared-")
            and errors[0].get("extensions", {}).get("code") == "BAD_USER_INPUT"
            and errors[0]["extensions"].get("field") == "username"
        )
        if self._expect("create", answer, refused, f"createUser {name} or a taken-name error"):
            with self.ledger.lock:
                self.ledger.refused_names.append(name)

    def client_credentials(self) -> None:
        answer = self._seen(
            "client_credentials",
            self.http.token(self.app, grant_type="client_credentials", scope="read"),
        )
        body = answer.body
        if not self._expect(
            "client_credentials",
            answer,
            answer.status == 200 and isinstance(body, dict) and "refresh_token" not in body,
            "an access token without a refresh token",
        ):
            return
        answer = self._seen(
            "client_credentials", self.http.graphql("{ me { clientId } }", body["access_token"])
        )
        self._expect(
            "client_credentials",
            answer,
            answer.status == 200 and answer.body["data"]["me"]["clientId"] == self.app[0],
            "me of the client",
        )

    def revoke(self) -> None:
        which = self.rng.choice(["access_token", "refresh_token"])
        token = self.access if which == "access_token" else self.refresh
        answer = self._seen("revoke", self.http.revoke(self.app, token, which))
        self._expect("revoke", answer, answer.status == 200, "200 from the revocation endpoint")
        # Either way the pair ends: revoking an access token revokes its refresh token too,
        # revoking a refresh token its whole family.
        self._retire(self.access, self.refresh)
        self._probe_dead_pair("revoke", self.access, self.refresh)
        self.sign_in()

    def replay(self) -> None:
        if not self.rotated:
            self.refresh_pair()  # the family needs a rotated token to steal
            if not self.rotated:
                return
        stolen = self.rng.choice(self.rotated)
        answer = self._seen(
            "replay", self.http.token(self.app, grant_type="refresh_token", refresh_token=stolen)
        )
        self._expect(
            "replay",
            answer,
            (answer.status, answer.error) == (400, "invalid_grant"),
            "invalid_grant for a replayed rotated token",
        )
        # The replay revoked the family: the current pair is dead too.
        self._retire(self.access, self.refresh)
        self._probe_dead_pair("replay", self.access, self.refresh)
        self.sign_in()

    def run(self, deadline: float) -> None:
        ops = list(MIX)
        weights = list(MIX.values())
        try:
            self.sign_in()
            for _ in range(MAX_OPS):
                if time.monotonic() >= deadline:
                    break
                if not self.access:
                    self.sign_in()
                    continue
                op = self.rng.choices(ops, weights)[0]
                if op == "password":
                    self.sign_in()
                else:
                    getattr(self, {"refresh": "refresh_pair"}.get(op, op))()
        except Exception as exc:  # a connection error or a malformed answer
            self.ledger.problem(f"client {self.index}: {type(exc).__name__}: {exc}")
        finally:
            self.http.close()


def _double_live_families() -> list[str]:
    """Families with two live refresh tokens, or two live access tokens, right now."""
    refresh = (
        RefreshToken.objects.live()
        .values("family")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("family", flat=True)
    )
    access = (
        AccessToken.objects.valid()
        .filter(refresh_token__isnull=False)
        .values("refresh_token__family")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("refresh_token__family", flat=True)
    )
    return [f"refresh {f}" for f in refresh] + [f"access {f}" for f in access]


def _monitor(stop: threading.Event, seen: list[str], samples: list[int]) -> None:
    try:
        while not stop.wait(0.05):
            seen.extend(_double_live_families())
            samples[0] += 1
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_mixed_load_keeps_every_invariant(gunicorn_server, make_application, make_user):
    server = gunicorn_server(workers=WORKERS)
    perms = Permission.objects.filter(
        content_type__app_label="auth", codename__in=["view_user", "add_user"]
    )
    users = [make_user(f"loader{i}") for i in range(USERS)]
    for user in users:
        user.user_permissions.add(*perms)
    app = make_application(
        grant_types=(GrantType.PASSWORD, GrantType.CLIENT_CREDENTIALS), user=users[0]
    )
    ledger = Ledger()
    clients = [
        LoadClient(i, server.port, app.basic, users[i % USERS].username, ledger)
        for i in range(CLIENTS)
    ]

    stop = threading.Event()
    double_live: list[str] = []
    samples = [0]
    monitor = threading.Thread(target=_monitor, args=(stop, double_live, samples))
    monitor.start()
    deadline = time.monotonic() + DURATION
    threads = [threading.Thread(target=c.run, args=(deadline,)) for c in clients]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=DURATION + 60)
    finally:
        stop.set()
        monitor.join(timeout=30)

    assert not any(t.is_alive() for t in threads), "a client did not finish in time"
    assert not [s for s in ledger.statuses if s >= 500], f"{ledger.statuses}\n{server.log_tail()}"
    assert not ledger.problems, "\n".join(ledger.problems[:20]) + f"\n{server.log_tail()}"
    # The run did real work of every kind.
    assert set(ledger.ops) >= set(MIX), ledger.ops
    assert sum(ledger.ops.values()) >= 100, ledger.ops

    # createUser: one success per name, and that user exists exactly once, with that id.
    assert ledger.created
    twice = {name: ids for name, ids in ledger.created.items() if len(ids) > 1}
    assert not twice, twice
    for name, (user_id,) in ledger.created.items():
        assert list(User.objects.filter(username=name).values_list("pk", flat=True)) == [
            int(user_id)
        ]
    # A name was refused only because another client had created it.
    assert set(ledger.refused_names) <= set(ledger.created)
    assert (
        not User.objects.filter(username__startswith="load-")
        .exclude(username__in=list(ledger.created))
        .exists()
    )

    # No refresh family ever held two live tokens (sampled while the load ran, and now).
    assert samples[0] > 0
    assert not double_live, sorted(set(double_live))
    assert not _double_live_families()

    # No revoked or rotated-away token is accepted afterwards: none is valid in the database,
    # and over HTTP (a sample, to bound the run) each is refused.
    assert ledger.dead_access
    assert ledger.dead_refresh
    for token in ledger.dead_access:
        assert not AccessToken.objects.lookup(token).exists()
    for token in ledger.dead_refresh:
        assert not RefreshToken.objects.lookup(token).live().exists()
    probe = Connection(server.port)
    try:
        rng = random.Random(0)
        for token in rng.sample(ledger.dead_access, min(60, len(ledger.dead_access))):
            assert probe.graphql("{ me { scopes } }", token).status == 401
        for token in rng.sample(ledger.dead_refresh, min(60, len(ledger.dead_refresh))):
            answer = probe.token(app.basic, grant_type="refresh_token", refresh_token=token)
            assert (answer.status, answer.error) == (400, "invalid_grant")
    finally:
        probe.close()
