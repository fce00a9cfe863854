"""Access rules: build-time validation, fail-closed roots, and per-field checks of scopes and
user permissions."""

from __future__ import annotations

import asyncio

import pytest
import strawberry
from strawberry.federation.schema_directives import RequiresScopes

from gqlauth.graphql.errors import ForbiddenError, UnauthenticatedError
from gqlauth.graphql.permissions import (
    ScopeConfigurationError,
    authenticated,
    own_records_only,
    public,
    requires_permission,
    requires_read_write_scope,
    requires_scope,
)
from gqlauth.graphql.schema import Schema
from tests.graphql.schemas import context, errors_of


def anonymous(path: list[object]) -> tuple[str, list[object], dict[str, object]]:
    """The error of a guarded field resolved without a token."""
    return ("Authentication credentials were not provided.", path, {"code": "UNAUTHENTICATED"})


def denied(path: list[object], *scopes: str) -> tuple[str, list[object], dict[str, object]]:
    """The error of a field whose token lacks some of ``scopes``."""
    return (
        "You do not have permission to perform this action.",
        path,
        {"code": "FORBIDDEN", "requiredScopes": [list(scopes)]},
    )


# --- build time -------------------------------------------------------------------------------


def test_root_field_without_access_declaration_fails_the_build():
    @strawberry.type
    class Query:
        @requires_scope("read")
        @strawberry.field
        def guarded(self) -> int:
            return 1

        @strawberry.field
        def forgotten(self) -> int:
            return 2

    @strawberry.type
    class Mutation:
        @strawberry.mutation
        def also_forgotten(self) -> int:
            return 3

    with pytest.raises(
        ScopeConfigurationError, match=r"Query\.forgotten, Mutation\.also_forgotten"
    ):
        Schema(query=Query, mutation=Mutation)


def test_plain_strawberry_field_assignment_without_declaration_fails_the_build():
    @strawberry.type
    class Query:
        name: str = "x"

    with pytest.raises(ScopeConfigurationError, match=r"Query\.name"):
        Schema(query=Query)


def test_unknown_scope_fails_the_build():
    @strawberry.type
    class Query:
        @requires_scope("read", "admin")
        @strawberry.field
        def guarded(self) -> int:
            return 1

    with pytest.raises(ScopeConfigurationError, match=r"'guarded'.*'admin'"):
        Schema(query=Query)


@strawberry.type
class BadScopeItem:
    secret: int = strawberry.field(default=1, extensions=[requires_scope("nope")])


@strawberry.type
class ReadWriteItem:
    value: int = strawberry.field(default=1, extensions=[requires_read_write_scope()])


def test_unknown_scope_on_a_nested_field_fails_the_build():
    @strawberry.type
    class Query:
        @public()
        @strawberry.field
        def item(self) -> BadScopeItem:
            return BadScopeItem()

    with pytest.raises(ScopeConfigurationError, match=r"'secret'.*'nope'"):
        Schema(query=Query)


def test_no_scopes_fails_the_build():
    @strawberry.type
    class Query:
        @requires_scope()
        @strawberry.field
        def guarded(self) -> int:
            return 1

    with pytest.raises(ScopeConfigurationError, match="needs a scope"):
        Schema(query=Query)


def test_scopes_are_validated_against_the_current_settings(settings):
    settings.OAUTH2_PROVIDER = {"SCOPES": {"read": "Read", "admin": "Admin"}}

    @strawberry.type
    class Query:
        @requires_scope("admin")
        @strawberry.field
        def guarded(self) -> int:
            return 1

    assert '@requiresScopes(scopes: [["admin"]])' in Schema(query=Query).as_str()


def test_two_scope_requirements_on_one_field_fail_the_build():
    @strawberry.type
    class Query:
        @requires_scope("read")
        @requires_scope("write")
        @strawberry.field
        def guarded(self) -> int:
            return 1

    with pytest.raises(ScopeConfigurationError, match="one requires_scope"):
        Schema(query=Query)


def test_public_combined_with_a_guard_fails_the_build():
    @strawberry.type
    class Query:
        @public()
        @requires_scope("read")
        @strawberry.field
        def confused(self) -> int:
            return 1

    with pytest.raises(ScopeConfigurationError, match=r"both public and guarded: Query\.confused"):
        Schema(query=Query)


def test_read_write_scope_outside_a_root_field_fails_the_build():
    @strawberry.type
    class Query:
        @public()
        @strawberry.field
        def item(self) -> ReadWriteItem:
            return ReadWriteItem()

    with pytest.raises(ScopeConfigurationError, match="only applies to root"):
        Schema(query=Query)


def test_decorator_below_strawberry_field_is_refused():
    with pytest.raises(TypeError, match=r"above @strawberry\.field"):

        @strawberry.type
        class Query:
            @strawberry.field
            @requires_scope("read")
            def wrong_order(self) -> int:
                return 1


def test_rebuilding_a_schema_keeps_one_directive_per_field():
    @strawberry.type
    class Query:
        @requires_scope("read")
        @strawberry.field
        def guarded(self) -> int:
            return 1

    Schema(query=Query)
    sdl = Schema(query=Query).as_str()
    assert sdl.count('@requiresScopes(scopes: [["read"]])') == 1
    assert sdl.count("Requires a bearer token with the scope read.") == 1
    (field,) = Query.__strawberry_definition__.fields
    assert [type(d) for d in field.directives] == [RequiresScopes]


# --- read / write by operation type ------------------------------------------------------------


def _read_write_schema() -> Schema:
    @strawberry.type
    class Query:
        @requires_read_write_scope()
        @strawberry.field
        def items(self) -> list[int]:
            return [1, 2]

    @strawberry.type
    class Mutation:
        @requires_read_write_scope()
        @strawberry.mutation
        def add_item(self) -> int:
            return 3

    return Schema(query=Query, mutation=Mutation)


def test_read_write_scope_is_read_on_queries_and_write_on_mutations():
    schema = _read_write_schema()
    sdl = schema.as_str()
    assert 'items: [Int!]! @requiresScopes(scopes: [["read"]])' in sdl
    assert 'addItem: Int! @requiresScopes(scopes: [["write"]])' in sdl

    read = schema.execute_sync("{ items }", context_value=context("read"))
    assert read.data == {"items": [1, 2]}
    assert read.errors is None
    refused = schema.execute_sync("mutation { addItem }", context_value=context("read"))
    assert refused.data is None
    assert errors_of(refused) == [denied(["addItem"], "write")]
    write = schema.execute_sync("mutation { addItem }", context_value=context("write"))
    assert write.data == {"addItem": 3}


def test_read_write_scope_follows_read_scope_and_write_scope_settings(settings):
    settings.OAUTH2_PROVIDER = {
        "SCOPES": {"view": "View", "edit": "Edit"},
        "READ_SCOPE": "view",
        "WRITE_SCOPE": "edit",
    }
    sdl = _read_write_schema().as_str()
    assert 'items: [Int!]! @requiresScopes(scopes: [["view"]])' in sdl
    assert 'addItem: Int! @requiresScopes(scopes: [["edit"]])' in sdl


# --- request time ------------------------------------------------------------------------------


@strawberry.type
class Box:
    label: str = "box"
    secret: str | None = strawberry.field(
        default="s3cret", extensions=[requires_scope("read", "groups")]
    )


@strawberry.type
class CheckQuery:
    @requires_scope("read")
    @strawberry.field
    def box(self) -> Box:
        return Box()

    @authenticated()
    @strawberry.field
    def whoami(self) -> str:
        return "someone"

    @public()
    @strawberry.field
    def hello(self) -> str:
        return "hello"

    @requires_scope("read")
    @strawberry.field
    async def later(self) -> str:
        return "later"


CHECK_SCHEMA = Schema(query=CheckQuery)


def test_public_field_needs_no_token():
    result = CHECK_SCHEMA.execute_sync("{ hello }", context_value=context(token=False))
    assert result.data == {"hello": "hello"}
    assert result.errors is None


def test_guarded_fields_without_token_fail_one_by_one():
    result = CHECK_SCHEMA.execute_sync("{ hello whoami }", context_value=context(token=False))
    assert result.data is None  # whoami is non-null
    assert errors_of(result) == [anonymous(["whoami"])]


def test_authenticated_accepts_a_token_without_scopes():
    result = CHECK_SCHEMA.execute_sync("{ whoami }", context_value=context())
    assert result.data == {"whoami": "someone"}


def test_all_listed_scopes_are_required_and_siblings_survive():
    result = CHECK_SCHEMA.execute_sync(
        "{ box { label secret } hello }", context_value=context("read")
    )
    assert result.data == {"box": {"label": "box", "secret": None}, "hello": "hello"}
    assert errors_of(result) == [denied(["box", "secret"], "read", "groups")]

    full = CHECK_SCHEMA.execute_sync("{ box { secret } }", context_value=context("read", "groups"))
    assert full.data == {"box": {"secret": "s3cret"}}
    assert full.errors is None


def test_a_foreign_context_counts_as_no_token():
    result = CHECK_SCHEMA.execute_sync("{ box { label } }", context_value={"user": "admin"})
    assert errors_of(result) == [anonymous(["box"])]


def test_async_fields_are_checked_too():
    refused = asyncio.run(CHECK_SCHEMA.execute("{ later }", context_value=context("write")))
    assert errors_of(refused) == [denied(["later"], "read")]
    allowed = asyncio.run(CHECK_SCHEMA.execute("{ later }", context_value=context("read")))
    assert allowed.data == {"later": "later"}


def test_error_classes_carry_the_documented_messages_and_codes():
    assert UnauthenticatedError().extensions == {"code": "UNAUTHENTICATED"}
    assert UnauthenticatedError().message == "Authentication credentials were not provided."
    assert ForbiddenError([["groups"], ["read", "write"]]).extensions == {
        "code": "FORBIDDEN",
        "requiredScopes": [["groups"], ["read", "write"]],
    }
    assert (
        ForbiddenError([["groups"]]).message == "You do not have permission to perform this action."
    )


# --- user permissions --------------------------------------------------------------------------


def no_permission(path: list[object], *permissions: str) -> tuple[str, list[object], dict]:
    """The error of a field whose token's user (or client) lacks some of ``permissions``."""
    return (
        "You do not have permission to perform this action.",
        path,
        {"code": "FORBIDDEN", "requiredPermissions": list(permissions)},
    )


@pytest.mark.parametrize(
    ("permissions", "message"),
    [
        ((), "'guarded': requires_permission\\(\\) needs a permission"),
        (("view_user",), "'guarded': permission 'view_user' is not 'app_label.codename'"),
        (("auth.",), "'guarded': permission 'auth.' is not 'app_label.codename'"),
        (("auth view_user",), "permission 'auth view_user' is not 'app_label.codename'"),
        (("1auth.view_user",), "permission '1auth.view_user' is not 'app_label.codename'"),
        (("auth.view user",), "permission 'auth.view user' is not 'app_label.codename'"),
        (
            ("auth.view_user", "blog.add_post"),
            "'guarded': permission 'blog.add_post' names the app 'blog', which is not installed",
        ),
    ],
)
def test_malformed_or_unknown_permissions_fail_the_build(permissions, message):
    @strawberry.type
    class Query:
        @requires_permission(*permissions)
        @strawberry.field
        def guarded(self) -> int:
            return 1

    with pytest.raises(ScopeConfigurationError, match=message):
        Schema(query=Query)


def test_two_permission_requirements_on_one_field_fail_the_build():
    @strawberry.type
    class Query:
        @requires_permission("auth.view_user")
        @requires_permission("auth.add_user")
        @strawberry.field
        def guarded(self) -> int:
            return 1

    with pytest.raises(ScopeConfigurationError, match="one requires_permission"):
        Schema(query=Query)


@strawberry.type
class Ledger:
    total: int = 7
    audit: str | None = strawberry.field(
        default="audited", extensions=[requires_permission("auth.view_permission")]
    )


@strawberry.type
class PermissionQuery:
    @requires_scope("read")
    @requires_permission("auth.view_user", "auth.change_user")
    @strawberry.field
    def staff_only(self) -> str:
        return "staff"

    @requires_scope("groups")
    @requires_permission("auth.view_group")
    @strawberry.field
    def groups_staff(self) -> str:
        return "groups"

    @requires_scope("read")
    @requires_permission("auth.view_user", except_own=True)
    @strawberry.field
    def visible(self, info: strawberry.Info) -> str:
        own = own_records_only(info)
        return "everyone" if own is None else f"only {own.user.username}"

    @requires_scope("read")
    @strawberry.field
    def ledger(self) -> Ledger:
        return Ledger()

    @requires_scope("read")
    @strawberry.field
    def misdeclared(self, info: strawberry.Info) -> str:
        own_records_only(info)
        return "never"


PERMISSION_SCHEMA = Schema(query=PermissionQuery)


def test_permissions_are_stated_in_descriptions_and_scopes_in_directives():
    """No federation directive states a Django permission: the description does, in words."""
    sdl = PERMISSION_SCHEMA.as_str()

    assert (
        '  """\n  Requires a bearer token with the scope read. The token\'s user must hold the '
        'Django permissions auth.view_user and auth.change_user.\n  """\n'
        '  staffOnly: String! @requiresScopes(scopes: [["read"]])\n'
    ) in sdl
    assert (
        '  """\n  Requires a bearer token with the scope read. The token\'s user must hold the '
        'Django permission auth.view_user, or gets only their own records.\n  """\n'
        '  visible: String! @requiresScopes(scopes: [["read"]])\n'
    ) in sdl
    assert (
        '  """The token\'s user must hold the Django permission auth.view_permission."""\n'
        "  audit: String\n"
    ) in sdl
    assert "requiresPermission" not in sdl
    assert "directive @" not in sdl  # federation's directives come through @link


def test_a_rebuilt_schema_keeps_one_description_per_field():
    Schema(query=PermissionQuery)
    assert Schema(query=PermissionQuery).as_str().count("auth.change_user.") == 1


@pytest.fixture
def clerk(django_user_model):
    """A user holding the permissions of PermissionQuery, by way of a group."""
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="clerks")
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=["view_user", "change_user", "view_group", "view_permission"]
        )
    )
    user = django_user_model.objects.create_user("clerk")
    user.groups.add(group)
    return user


@pytest.fixture
def plain(django_user_model):
    return django_user_model.objects.create_user("plain")


def test_both_the_scope_and_the_permission_are_needed(clerk, plain):
    def run(*scopes, user):
        return PERMISSION_SCHEMA.execute_sync(
            "{ staffOnly }", context_value=context(*scopes, user=user)
        )

    assert run("read", user=clerk).data == {"staffOnly": "staff"}
    assert errors_of(run(user=clerk)) == [denied(["staffOnly"], "read")]
    assert errors_of(run("read", user=plain)) == [
        no_permission(["staffOnly"], "auth.view_user", "auth.change_user")
    ]


def test_the_scope_is_checked_first(plain, django_assert_num_queries):
    with django_assert_num_queries(0):  # no permission is looked up
        result = PERMISSION_SCHEMA.execute_sync(
            "{ groupsStaff }", context_value=context(user=plain)
        )

    assert errors_of(result) == [denied(["groupsStaff"], "groups")]


@pytest.mark.parametrize(
    "rules",
    [
        pytest.param(lambda: [requires_scope("read"), requires_permission("auth.view_user")]),
        pytest.param(lambda: [authenticated(), requires_permission("auth.view_user")]),
    ],
)
def test_a_permission_rule_above_the_scope_rule_fails_the_build(rules):
    @strawberry.type
    class Query:
        guarded: int = strawberry.field(default=1, extensions=rules())

    with pytest.raises(ScopeConfigurationError, match="'guarded': put requires_permission"):
        Schema(query=Query)


def test_a_permission_rule_above_the_scope_decorator_fails_the_build():
    @strawberry.type
    class Query:
        @requires_permission("auth.view_user")
        @requires_scope("read")
        @strawberry.field
        def guarded(self) -> int:
            return 1

    with pytest.raises(ScopeConfigurationError, match="below the field's scope rule"):
        Schema(query=Query)


@pytest.mark.parametrize(
    ("query", "path", "permissions"),
    [
        ("{ staffOnly }", ["staffOnly"], ["auth.view_user", "auth.change_user"]),
        ("{ visible }", ["visible"], ["auth.view_user"]),  # no own records without a user
        ("{ ledger { audit } }", ["ledger", "audit"], ["auth.view_permission"]),
    ],
)
def test_a_client_token_holds_no_permission(query, path, permissions):
    result = PERMISSION_SCHEMA.execute_sync(query, context_value=context("read", "groups"))

    assert errors_of(result) == [no_permission(path, *permissions)]


def test_without_a_token_permission_fields_are_unauthenticated():
    @strawberry.type
    class Query:
        @requires_permission("auth.view_user")
        @strawberry.field
        def permission_only(self) -> int | None:
            return 1

    result = Schema(query=Query).execute_sync(
        "{ permissionOnly }", context_value=context(token=False)
    )

    assert errors_of(result) == [anonymous(["permissionOnly"])]


def test_own_records_only_refuses_a_caller_its_rule_would_refuse():
    """Called outside the rule's check (a resolver reused elsewhere), it still refuses."""

    class FakeInfo:
        python_name = "visible"
        _field = next(
            f
            for f in PermissionQuery.__strawberry_definition__.fields
            if f.python_name == "visible"
        )

        def __init__(self, ctx):
            self.context = ctx

    with pytest.raises(UnauthenticatedError):
        own_records_only(FakeInfo(context(token=False)))
    with pytest.raises(ForbiddenError):
        own_records_only(FakeInfo(context("read")))  # a client token


def test_a_superuser_holds_every_permission(django_user_model):
    root = django_user_model.objects.create_superuser("root")

    result = PERMISSION_SCHEMA.execute_sync(
        "{ staffOnly visible ledger { audit } }", context_value=context("read", user=root)
    )

    assert result.data == {
        "staffOnly": "staff",
        "visible": "everyone",
        "ledger": {"audit": "audited"},
    }


def test_an_inactive_superuser_holds_none(django_user_model):
    """The view refuses such a token first; the rule does not rely on it."""
    root = django_user_model.objects.create_superuser("root", is_active=False)

    result = PERMISSION_SCHEMA.execute_sync(
        "{ staffOnly }", context_value=context("read", user=root)
    )

    assert errors_of(result) == [no_permission(["staffOnly"], "auth.view_user", "auth.change_user")]


def test_except_own_narrows_instead_of_refusing(clerk, plain):
    mine = PERMISSION_SCHEMA.execute_sync("{ visible }", context_value=context("read", user=plain))
    everyone = PERMISSION_SCHEMA.execute_sync(
        "{ visible }", context_value=context("read", user=clerk)
    )

    assert mine.data == {"visible": "only plain"}
    assert everyone.data == {"visible": "everyone"}


def test_a_nested_permission_field_nulls_only_itself(plain):
    result = PERMISSION_SCHEMA.execute_sync(
        "{ ledger { total audit } }", context_value=context("read", user=plain)
    )

    assert result.data == {"ledger": {"total": 7, "audit": None}}
    assert errors_of(result) == [no_permission(["ledger", "audit"], "auth.view_permission")]


def test_own_records_only_on_a_field_without_its_rule_is_an_unexpected_error(plain, caplog):
    result = PERMISSION_SCHEMA.execute_sync(
        "{ misdeclared }", context_value=context("read", user=plain)
    )

    assert errors_of(result) == [
        ("Unexpected error.", ["misdeclared"], {"code": "INTERNAL_SERVER_ERROR"})
    ]
    assert "is not declared with requires_permission(..., except_own=True)" in caplog.text


def test_permissions_are_asked_once_per_request_and_permission(clerk, django_assert_num_queries):
    """Django's ModelBackend loads them with the first question (the user's and the groups'
    permissions: two queries); each permission is asked of the backends once a request."""
    ctx = context("read", user=clerk)
    asked: list[str] = []
    has_perm = clerk.has_perm
    clerk.has_perm = lambda permission, obj=None: asked.append(permission) or has_perm(permission)
    query = "{ a: staffOnly b: staffOnly c: visible d: ledger { audit } e: ledger { audit } }"

    with django_assert_num_queries(2):
        result = PERMISSION_SCHEMA.execute_sync(query, context_value=ctx)

    assert result.errors is None
    assert sorted(asked) == ["auth.change_user", "auth.view_permission", "auth.view_user"]
