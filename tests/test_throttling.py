"""gqlauth.throttling: the policy (limits, growing back-off, slowdown) and the client address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory

from gqlauth import throttling
from gqlauth.throttling import Counts, Failures

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LIMITS = {
    "LOGIN_FAILURE_LIMIT": 3,
    "LOGIN_FAILURE_LIMIT_PER_IP": 10,
    "LOGIN_FAILURE_LIMIT_PER_USERNAME": 6,
    "LOGIN_BACKOFF_SECONDS": 60,
    "LOGIN_BACKOFF_MAX_SECONDS": 600,
    "LOGIN_SLOWDOWN_SECONDS": 15,
}


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, **LIMITS}


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


NONE = Failures()


def wait(pair=NONE, ip=NONE, username=NONE) -> int:
    return throttling.wait_seconds(NOW, Counts(pair=pair, ip=ip, username=username))


def test_nothing_failed_nothing_waits():
    assert wait() == 0


def test_below_the_pair_limit_no_wait():
    assert wait(pair=Failures(2, ago(1)), ip=Failures(2, ago(1)), username=Failures(2, ago(1))) == 0


@pytest.mark.parametrize(
    ("failures", "backoff"),
    [(3, 60), (4, 120), (5, 240), (6, 480), (7, 600), (50, 600), (10**6, 600)],
)
def test_pair_back_off_doubles_per_failure_past_the_limit_up_to_the_cap(failures, backoff):
    assert wait(pair=Failures(failures, ago(10))) == backoff - 10
    assert wait(pair=Failures(failures, ago(backoff))) == 0


def test_ip_limit_locks_every_username_from_that_ip():
    assert wait(ip=Failures(10, ago(0))) == 60
    assert wait(ip=Failures(11, ago(20))) == 100
    assert wait(ip=Failures(9, ago(0))) == 0


def test_username_past_its_limit_only_slows_an_ip_that_failed():
    under_attack = Failures(100, ago(0))
    # An address that never failed for this username (its owner's) is not delayed at all...
    assert wait(username=under_attack) == 0
    # ...one that did waits LOGIN_SLOWDOWN_SECONDS after its own latest failure, never longer.
    assert wait(pair=Failures(1, ago(5)), username=under_attack) == 10
    assert wait(pair=Failures(1, ago(15)), username=under_attack) == 0
    assert wait(pair=Failures(1, ago(5)), username=Failures(5, ago(0))) == 0


def test_the_longest_wait_wins_and_is_rounded_up():
    assert wait(pair=Failures(3, ago(0.5)), ip=Failures(11, ago(0))) == 120
    assert wait(pair=Failures(3, ago(0.5))) == 60  # 59.5 s rounds up


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(1, "1 second"), (45, "45 seconds"), (119, "119 seconds"), (120, "2 minutes"),
     (121, "3 minutes"), (3600, "60 minutes"), (7200, "2 hours"), (7201, "3 hours")],
)  # fmt: skip
def test_wait_text(seconds, text):
    assert throttling.wait_text(seconds) == text


# -- client_ip ------------------------------------------------------------------------------------


def ip_of(settings, remote: str, xff: str | None = None, proxies=()) -> str | None:
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "TRUSTED_PROXIES": list(proxies)}
    headers = {"HTTP_X_FORWARDED_FOR": xff} if xff is not None else {}
    return throttling.client_ip(RequestFactory().post("/", REMOTE_ADDR=remote, **headers))


def test_remote_addr_by_default_and_x_forwarded_for_ignored(settings):
    assert ip_of(settings, "203.0.113.9") == "203.0.113.9"
    assert ip_of(settings, "203.0.113.9", "198.51.100.1") == "203.0.113.9"


def test_x_forwarded_for_ignored_from_an_untrusted_peer(settings):
    assert ip_of(settings, "203.0.113.9", "198.51.100.1", proxies=["10.0.0.0/8"]) == "203.0.113.9"


def test_trusted_proxy_names_the_client(settings):
    assert ip_of(settings, "10.0.0.2", "198.51.100.1", proxies=["10.0.0.0/8"]) == "198.51.100.1"


def test_what_the_client_wrote_itself_is_not_believed(settings):
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the address it saw.
    got = ip_of(settings, "10.0.0.2", "1.2.3.4, 198.51.100.1", proxies=["10.0.0.2"])
    assert got == "198.51.100.1"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(settings):
    got = ip_of(
        settings, "10.0.0.2", "1.2.3.4, 198.51.100.1, 10.1.0.1, 10.0.0.3", proxies=["10.0.0.0/8"]
    )
    assert got == "198.51.100.1"
    assert ip_of(settings, "10.0.0.2", "10.0.0.5", proxies=["10.0.0.0/8"]) == "10.0.0.5"


def test_a_malformed_hop_stops_at_the_last_trusted_address(settings):
    assert ip_of(settings, "10.0.0.2", "1.2.3.4, nonsense", proxies=["10.0.0.0/8"]) == "10.0.0.2"
    assert ip_of(settings, "10.0.0.2", "", proxies=["10.0.0.0/8"]) == "10.0.0.2"


def test_ipv6_counts_per_64_and_ipv4_mapped_as_ipv4(settings):
    assert ip_of(settings, "2001:db8:1:2:aaaa::1") == "2001:db8:1:2::"
    assert ip_of(settings, "2001:db8:1:2:bbbb::9") == "2001:db8:1:2::"
    assert ip_of(settings, "::ffff:203.0.113.9") == "203.0.113.9"
    assert ip_of(settings, "::1", "2001:db8::7", proxies=["::1"]) == "2001:db8::"


def test_no_remote_addr(settings):
    assert ip_of(settings, "") is None


# -- glue ---------------------------------------------------------------------------------------


def test_lockout_response_without_the_view_answer():
    # axes calls it without a response when a view never ran (its decorators).
    request = RequestFactory().post("/")
    throttling.set_retry_after(request, 90)
    response = throttling.lockout_response(request)
    assert response.status_code == 429
    assert response["Retry-After"] == "90"
    assert response.content == b"Too many failed attempts. Try again in 90 seconds."

    throttling.set_retry_after(request, 0)  # locked by something else than gqlauth's policy
    response = throttling.lockout_response(request)
    assert response.status_code == 429
    assert not response.has_header("Retry-After")


def test_no_request_no_refusal():
    assert throttling.retry_after(None) == 0
    throttling.raise_if_refused(None)
    assert throttling.current_request() is None


def test_success_outside_a_request_or_with_axes_off_resets_nothing(settings, db):
    throttling.succeeded(None, "someone")
    settings.AXES_ENABLED = False
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    throttling.succeeded(request, "someone")
    assert not hasattr(request, "axes_ip_address")  # axes was not consulted
