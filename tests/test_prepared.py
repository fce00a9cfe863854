"""gqlauth.prepared: a compiled-once select returns exactly what the ORM's queryset returns."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from gqlauth import bearer, digests
from gqlauth.models import AccessToken, Application
from gqlauth.prepared import PreparedSelect


def _orm_rows(value: str) -> list[AccessToken]:
    return list(
        AccessToken.objects.lookup(value)
        .select_related("user", "application", "application__user")
        .order_by()[:1]
    )


def _state(obj: Model | None) -> dict[str, Any] | None:
    """Every column's value, as loaded, and the instance's database state."""
    if obj is None:
        return None
    fields = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    return {**fields, "_db": obj._state.db, "_adding": obj._state.adding}


def _graph(token: AccessToken) -> list[dict[str, Any] | None]:
    """The token, its user, application and application owner, read without any query."""
    return [
        _state(token),
        _state(token.user),
        _state(token.application),
        _state(token.application.user),
    ]


def _fresh() -> PreparedSelect[AccessToken]:
    # bearer's own builder, in a select whose cache this test starts empty.
    return PreparedSelect(AccessToken, bearer._rows_by_digest)


def _candidates(value: str) -> list[str]:
    return digests.candidates(value, purpose="access")


def test_user_token_equals_the_orm(make_tokens, django_assert_num_queries):
    issued = make_tokens()
    expected = _orm_rows(issued.access_token)
    prepared = _fresh()

    with django_assert_num_queries(1):
        rows = prepared.fetch(_candidates(issued.access_token))
        graph = _graph(rows[0])  # everything joined: no query to read it

    assert len(rows) == 1
    assert graph == _graph(expected[0])
    assert graph[0] == {**_state(issued.access), "_db": "default", "_adding": False}


def test_client_token_has_no_user_and_an_ownerless_application(
    make_tokens, django_assert_num_queries
):
    issued = make_tokens(user=False)
    Application.objects.filter(pk=issued.access.application_id).update(user=None)
    expected = _orm_rows(issued.access_token)

    with django_assert_num_queries(1):
        rows = _fresh().fetch(_candidates(issued.access_token))
        assert rows[0].user is None
        assert rows[0].application.user is None

    assert _graph(rows[0]) == _graph(expected[0])


def test_a_second_lookup_reuses_the_compiled_query(make_tokens, django_assert_num_queries):
    first, second = make_tokens(), make_tokens()
    prepared = _fresh()
    prepared.fetch(_candidates(first.access_token))

    with CaptureQueriesContext(connection) as prepared_queries:
        rows = prepared.fetch(_candidates(second.access_token))
    with CaptureQueriesContext(connection) as orm_queries:
        expected = _orm_rows(second.access_token)

    assert _graph(rows[0]) == _graph(expected[0])
    # The same statement with the same parameters as the ORM's.
    assert [q["sql"] for q in prepared_queries.captured_queries] == [
        q["sql"] for q in orm_queries.captured_queries
    ]


def test_fallback_key_two_candidates(settings, make_tokens, django_assert_num_queries):
    settings.SECRET_KEY = "old" * 20
    issued = make_tokens()
    settings.SECRET_KEY = "new" * 20
    settings.SECRET_KEY_FALLBACKS = ["old" * 20]
    candidates = _candidates(issued.access_token)
    assert len(candidates) == 2
    expected = _orm_rows(issued.access_token)
    prepared = _fresh()

    with django_assert_num_queries(1):
        rows = prepared.fetch(candidates)

    assert _graph(rows[0]) == _graph(expected[0])
    # The one-candidate query, compiled separately, does not find the fallback-keyed row.
    assert prepared.fetch(candidates[:1]) == []
    assert prepared.fetch(candidates[1:]) == expected


def test_token_digest_key_fallbacks(settings, make_tokens):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "TOKEN_DIGEST_KEY": "a" * 40}
    issued = make_tokens()
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "TOKEN_DIGEST_KEY": "b" * 40,
        "TOKEN_DIGEST_KEY_FALLBACKS": ["a" * 40],
    }
    candidates = _candidates(issued.access_token)
    assert len(candidates) == 2

    assert _graph(_fresh().fetch(candidates)[0]) == _graph(_orm_rows(issued.access_token)[0])


def test_unknown_digest_finds_nothing_in_one_query(db, django_assert_num_queries):
    prepared = _fresh()
    with django_assert_num_queries(1):
        assert prepared.fetch(_candidates("a" * 43)) == []
    with django_assert_num_queries(1):
        assert prepared.fetch(_candidates("b" * 43)) == []


def test_datetimes_are_aware_and_converted(make_tokens):
    issued = make_tokens()
    token = _fresh().fetch(_candidates(issued.access_token))[0]

    assert isinstance(token.expires, datetime)
    assert token.expires.utcoffset() is not None
    assert token.expires == issued.access.expires
    assert token.user is not None
    assert token.user.date_joined.utcoffset() is not None
    assert isinstance(token.application.grant_types, list)  # JSON decoded, as by the ORM


def test_user_of_a_jwt_uses_its_jti(make_tokens, django_assert_num_queries):
    issued = make_tokens()
    AccessToken.objects.filter(pk=issued.access.pk).update(jti="j" * 32)
    expected = list(
        AccessToken.objects.filter(jti="j" * 32).select_related(
            "user", "application", "application__user"
        )
    )

    with django_assert_num_queries(1):
        rows = bearer._BY_JTI.fetch(["j" * 32])

    assert _graph(rows[0]) == _graph(expected[0])
    assert bearer._BY_JTI.fetch(["k" * 32]) == []


def test_every_value_must_be_a_parameter(db):
    def ignores_its_value(values: Any) -> Any:
        return AccessToken.objects.filter(digest="fixed").select_related("user")

    with pytest.raises(ValueError, match="one parameter"):
        PreparedSelect(AccessToken, ignores_its_value).fetch(["x"])


def test_values_must_not_be_empty(db):
    with pytest.raises(ValueError, match="at least one value"):
        _fresh().fetch([])


@pytest.mark.django_db(transaction=True)
def test_threads_compile_their_own_and_agree(make_tokens):
    issued = [make_tokens() for _ in range(4)]
    prepared = _fresh()
    found: dict[int, list[int]] = {}

    def look_up(index: int) -> None:
        try:
            found[index] = [
                prepared.fetch(_candidates(each.access_token))[0].pk for each in issued * 5
            ]
        finally:
            connection.close()

    threads = [threading.Thread(target=look_up, args=(index,)) for index in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert found == {index: [each.access.pk for each in issued] * 5 for index in range(3)}
