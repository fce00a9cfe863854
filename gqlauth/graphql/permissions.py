"""Access rules: OAuth2 scopes and Django permissions checked against the request's bearer token.

Every rule is a strawberry :class:`~strawberry.extensions.FieldExtension` that also works as a
decorator above ``@strawberry.field`` or ``@strawberry.mutation`` (strawberry-django's fields too),
and the scope rules also above a type's ``@strawberry.type`` (a *type-level* rule; also on an
interface, an enum, or a scalar made with ``strawberry.scalar``)::

    @requires_scope("read")
    @strawberry.field
    def users(self) -> list[User]: ...

    groups: list[Group] | None = strawberry.field(extensions=[requires_scope("groups")])

    @requires_scope("groups")
    @strawberry.federation.type(keys=["id"])
    class Group: ...

- :func:`requires_scope` -- the token must carry *all* listed scopes. Alternatives combine with
  ``|``: ``requires_scope("a", "b") | requires_scope("c")`` means (a and b) or c. Printed as
  Apollo Federation's ``@requiresScopes(scopes: [["a", "b"], ["c"]])``: the outer list is "any
  of", each inner list "all of".
- :func:`requires_read_write_scope` -- django-oauth-toolkit's ``TokenHasReadWriteScope`` for
  GraphQL: ``READ_SCOPE`` on Query fields and ``WRITE_SCOPE`` on Mutation fields, chosen by
  operation type when the schema is built (never by HTTP verb: every GraphQL request may arrive
  as a POST); printed as the ``@requiresScopes`` of the scope it resolves to.
- :func:`authenticated` -- any valid token, whatever its scopes; printed as ``@authenticated``.
- :func:`requires_permission` -- the token's *user* must hold all listed Django permissions
  (``user.has_perm``). Scopes say what the user let the client do, permissions what the user
  may do at all: a field with both rules needs both. A ``client_credentials`` token has no user,
  hence no permission, and is refused. With ``except_own=True`` a user without the permissions
  is not refused but limited to their own records, which the resolver applies with
  :func:`own_records_only`. No federation directive expresses it (a gateway cannot know a
  user's permissions): the field's description states it, and the server enforces it.
- :func:`public` -- no token needed; an explicit, reviewable opt-out.

A type-level rule applies wherever the type is returned (and to ``_entities``, see
:mod:`gqlauth.graphql.declarations`): the schema adds it to every such field, after the field's
own scope rules. :class:`gqlauth.graphql.schema.Schema` refuses to build when a root field
declares none of these (fail closed), and a misused rule (no scopes, a scope missing from
``OAUTH2_PROVIDER["SCOPES"]``, a permission not written ``app_label.codename`` or of an app that
is not installed) raises :class:`ScopeConfigurationError` at build time, never at request time.

Denials raise :class:`~gqlauth.graphql.errors.UnauthenticatedError` (no token) or
:class:`~gqlauth.graphql.errors.ForbiddenError` (scope or permission missing) for that field
alone; sibling fields still resolve, as behind a federation gateway. Make guarded nested fields
nullable so a denial nulls only them, not their parent. Rules run from the top decorator down:
the scope rule must be above the permission rule (else the build fails), so that a token
lacking the scope is told about the scope, and no permission is looked up for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from strawberry.federation.schema_directives import Authenticated as AuthenticatedDirective
from strawberry.federation.schema_directives import RequiresScopes as RequiresScopesDirective
from strawberry.types.field import StrawberryField

from gqlauth.conf import oauth2_settings
from gqlauth.graphql.context import BearerCredentials, credentials_of
from gqlauth.graphql.errors import ForbiddenError, UnauthenticatedError
from gqlauth.graphql.rules import (
    AccessRule,
    ReturnedTypeRule,
    ScopeConfigurationError,
    words,
)

if TYPE_CHECKING:
    from strawberry.types import Info

    from gqlauth.models import UserModel

__all__ = [
    "AccessRule",
    "OwnRecordsOnly",
    "PermissionRequirement",
    "ScopeConfigurationError",
    "ScopeRequirement",
    "authenticated",
    "own_records_only",
    "public",
    "records_visible_to",
    "requires_permission",
    "requires_read_write_scope",
    "requires_scope",
]


class Public(AccessRule):
    """No token needed. Exists so that opening a root field is a visible decision."""

    type_level = True

    def check(self, credentials: BearerCredentials | None) -> None:
        return None

    def describe(self) -> str:
        return "Open to anonymous callers."


class Authenticated(AccessRule):
    """Any valid bearer token, whatever its scopes (user tokens and client tokens alike)."""

    type_level = True

    def check(self, credentials: BearerCredentials | None) -> None:
        if credentials is None:
            raise UnauthenticatedError

    def describe(self) -> str:
        return "Requires a bearer token (any scopes)."

    def implies(self, other: AccessRule) -> bool:
        return isinstance(other, Authenticated)

    def directive(self) -> object:
        return AuthenticatedDirective()


class ScopeRequirement(AccessRule):
    """The token must carry every scope of at least one of :attr:`alternatives`.

    Printed as ``@requiresScopes(scopes: [...])`` with the same nesting: any of the inner
    lists, all scopes of one. ``rule | other`` adds ``other``'s alternatives.
    """

    type_level = True

    def __init__(self, alternatives: tuple[tuple[str, ...], ...]) -> None:
        super().__init__()
        self.alternatives = alternatives

    def __or__(self, other: ScopeRequirement) -> ScopeRequirement:
        if not isinstance(other, ScopeRequirement):
            return NotImplemented
        if isinstance(self, ReadWriteScope) or isinstance(other, ReadWriteScope):
            raise ScopeConfigurationError(
                "requires_read_write_scope() cannot be combined with |; spell the scopes out "
                "with requires_scope(...)."
            )
        return ScopeRequirement((*self.alternatives, *other.alternatives))

    def check(self, credentials: BearerCredentials | None) -> None:
        if credentials is None:
            raise UnauthenticatedError
        held = credentials.scopes
        if not any(held.issuperset(scopes) for scopes in self.alternatives):
            raise ForbiddenError(self.alternatives)

    def describe(self) -> str:
        if len(self.alternatives) == 1:
            (scopes,) = self.alternatives
            noun = "scope" if len(scopes) == 1 else "scopes"
            return f"Requires a bearer token with the {noun} {words(scopes)}."
        options = [
            scopes[0] if len(scopes) == 1 else f"({words(scopes)})" for scopes in self.alternatives
        ]
        return f"Requires a bearer token with the scopes {' or '.join(options)}."

    def directive(self) -> object:
        return RequiresScopesDirective(scopes=[list(scopes) for scopes in self.alternatives])

    def implies(self, other: AccessRule) -> bool:
        if isinstance(other, Authenticated):
            return True
        return isinstance(other, ScopeRequirement) and all(
            any(set(mine).issuperset(theirs) for theirs in other.alternatives)
            for mine in self.alternatives
        )

    def validate(self, label: str) -> None:
        """Raise unless every alternative names at least one scope, all of them configured."""
        if not self.alternatives or not all(self.alternatives):
            raise ScopeConfigurationError(f"{label}: requires_scope() needs a scope.")
        known = oauth2_settings().scopes
        unknown = sorted({s for scopes in self.alternatives for s in scopes if s not in known})
        if unknown:
            raise ScopeConfigurationError(
                f"{label} requires scopes missing from OAUTH2_PROVIDER['SCOPES']: "
                f"{', '.join(map(repr, unknown))}. Known scopes: {', '.join(known)}."
            )

    def apply(self, field: StrawberryField) -> None:
        """Validate the scopes against ``OAUTH2_PROVIDER["SCOPES"]``; one scope rule a field."""
        self.validate(f"Field {field.python_name!r}")
        own = [ext for ext in field.extensions if type(ext) in (ScopeRequirement, ReadWriteScope)]
        if len(own) > 1:
            raise ScopeConfigurationError(
                f"Field {field.python_name!r} has two scope requirements; list all scopes in "
                "one requires_scope(...), and alternatives with |."
            )


class ReadWriteScope(ScopeRequirement):
    """``READ_SCOPE`` on a Query field, ``WRITE_SCOPE`` on a Mutation field.

    The schema binds it to its root type before converting fields (:meth:`bind`); used anywhere
    else it fails the build.
    """

    type_level = False

    def __init__(self) -> None:
        super().__init__(())
        self.bound = False

    def bind(self, *, mutation: bool) -> None:
        settings = oauth2_settings()
        self.alternatives = ((settings.write_scope if mutation else settings.read_scope,),)
        self.bound = True

    def apply(self, field: StrawberryField) -> None:
        if not self.bound:
            raise ScopeConfigurationError(
                f"Field {field.python_name!r}: requires_read_write_scope() only applies to "
                "root Query and Mutation fields."
            )
        super().apply(field)


# Django's permission strings: an app label (a Python identifier) and a codename.
_PERMISSION = re.compile(r"(?P<app_label>[A-Za-z_][A-Za-z0-9_]*)\.(?P<codename>\S+)")


class PermissionRequirement(AccessRule):
    """The token's user must hold every Django permission in :attr:`permissions`.

    Without ``except_own`` a user lacking one is refused; with it, the resolver narrows the
    answer to the user's own records (:func:`own_records_only`). A client token is refused
    either way.
    """

    def __init__(self, permissions: tuple[str, ...], *, except_own: bool) -> None:
        super().__init__()
        self.permissions = permissions
        self.except_own = except_own

    def held_by(self, credentials: BearerCredentials) -> bool:
        """Whether the token's user holds every permission (cached per request)."""
        return all(credentials.has_perm(permission) for permission in self.permissions)

    def denial(self) -> ForbiddenError:
        return ForbiddenError(required_permissions=self.permissions)

    def check(self, credentials: BearerCredentials | None) -> None:
        if credentials is None:
            raise UnauthenticatedError
        if credentials.user is None:
            raise self.denial()  # a client token: no user, no permission
        if not self.except_own and not self.held_by(credentials):
            raise self.denial()

    def describe(self) -> str:
        noun = "permission" if len(self.permissions) == 1 else "permissions"
        sentence = f"The token's user must hold the Django {noun} {words(self.permissions)}"
        if self.except_own:
            return f"{sentence}, or gets only their own records."
        return f"{sentence}."

    def apply(self, field: StrawberryField) -> None:
        """Check each permission's form and app (the table may not exist yet), one rule a field."""
        name = field.python_name
        if not self.permissions:
            raise ScopeConfigurationError(
                f"Field {name!r}: requires_permission() needs a permission."
            )
        # Extensions run from the last in the list (the top decorator) to the first: a token
        # lacking the scope must be told about the scope, and cost no permission lookup.
        inner = field.extensions[: field.extensions.index(self)]
        if any(
            isinstance(rule, (ScopeRequirement, Authenticated))
            and not isinstance(rule, ReturnedTypeRule)
            for rule in inner
        ):
            raise ScopeConfigurationError(
                f"Field {name!r}: put requires_permission(...) below the field's scope rule, "
                "which must be checked first (in extensions=[...], list it before the scope "
                "rule)."
            )
        if sum(isinstance(ext, PermissionRequirement) for ext in field.extensions) > 1:
            raise ScopeConfigurationError(
                f"Field {name!r} has two permission requirements; list all permissions in one "
                "requires_permission(...)."
            )
        for permission in self.permissions:
            match = _PERMISSION.fullmatch(permission)
            if match is None:
                raise ScopeConfigurationError(
                    f"Field {name!r}: permission {permission!r} is not 'app_label.codename'."
                )
            app_label = match["app_label"]
            if not any(config.label == app_label for config in apps.get_app_configs()):
                raise ScopeConfigurationError(
                    f"Field {name!r}: permission {permission!r} names the app {app_label!r}, "
                    "which is not installed."
                )


@dataclass(frozen=True, slots=True)
class OwnRecordsOnly:
    """The caller lacks the field's permissions: answer with ``user``'s own records only."""

    user: UserModel
    permissions: tuple[str, ...]

    def refusal(self) -> ForbiddenError:
        """The error for a request naming records that are not the caller's."""
        return ForbiddenError(required_permissions=self.permissions)


def records_visible_to(
    credentials: BearerCredentials | None, permissions: tuple[str, ...]
) -> OwnRecordsOnly | None:
    """``None`` when the token's user holds all ``permissions`` (every record); otherwise whose
    records alone the caller may see. Raises as the permission rule does for a request without
    a token (``UNAUTHENTICATED``) or with a client token (``FORBIDDEN``): no user, no records.

    For code that reads records outside a guarded field, such as an entity's
    ``resolve_reference`` behind ``_entities``.
    """
    rule = PermissionRequirement(permissions, except_own=True)
    rule.check(credentials)
    # check() refused callers without a token or without a user.
    assert credentials is not None
    assert credentials.user is not None
    if rule.held_by(credentials):
        return None
    return OwnRecordsOnly(user=credentials.user, permissions=permissions)


def own_records_only(info: Info[Any, Any]) -> OwnRecordsOnly | None:
    """For the resolver of a ``requires_permission(..., except_own=True)`` field: ``None`` when
    the caller holds the permissions (every record), else whose records alone it may see.

    The answer comes from the field's own rule, so the permissions are written once, beside the
    scope rule; it costs no query once the rule has checked them (cached per request).
    """
    rules = [
        extension
        for extension in info._field.extensions
        if isinstance(extension, PermissionRequirement) and extension.except_own
    ]
    if not rules:
        raise ScopeConfigurationError(
            f"Field {info.python_name!r} calls own_records_only() but is not declared with "
            "requires_permission(..., except_own=True)."
        )
    (rule,) = rules  # apply() allows one permission rule per field
    return records_visible_to(credentials_of(info), rule.permissions)


def requires_permission(*permissions: str, except_own: bool = False) -> PermissionRequirement:
    """Require a token whose user holds all Django ``permissions``; an extension and decorator.

    Without a token the field fails with ``UNAUTHENTICATED``; with a client token (no user) or
    a user lacking a permission, with ``FORBIDDEN`` and ``extensions.requiredPermissions``.
    ``except_own=True`` lets a user without them through, to be limited to their own records
    by the resolver (:func:`own_records_only`). Put it below the field's scope rule; the
    permissions' form and apps are checked when the schema is built.
    """
    return PermissionRequirement(tuple(permissions), except_own=except_own)


def requires_scope(*scopes: str) -> ScopeRequirement:
    """Require a bearer token carrying all ``scopes``; a field extension and a decorator.

    Combine alternatives with ``|`` (any of them suffices). Without a token the field fails
    with ``UNAUTHENTICATED``; with a token that satisfies no alternative, with ``FORBIDDEN``
    and ``extensions.requiredScopes`` (the alternatives, as ``@requiresScopes`` nests them).
    Scopes are checked against ``OAUTH2_PROVIDER["SCOPES"]`` when the schema is built.
    """
    return ScopeRequirement((tuple(scopes),))


def requires_read_write_scope() -> ReadWriteScope:
    """Require ``READ_SCOPE`` on a root Query field, ``WRITE_SCOPE`` on a root Mutation field."""
    return ReadWriteScope()


def authenticated() -> Authenticated:
    """Require a valid bearer token with any scopes; a field extension and a decorator."""
    return Authenticated()


def public() -> Public:
    """Declare a root field (or an entity type) open to anonymous callers."""
    return Public()
