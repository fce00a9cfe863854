"""Per-field access rules: OAuth2 scopes checked against the request's bearer token.

Every rule is a strawberry :class:`~strawberry.extensions.FieldExtension` that also works as a
decorator above ``@strawberry.field``, ``@strawberry.mutation`` or ``@strawberry_django.field``::

    @requires_scope("read")
    @strawberry.field
    def users(self) -> list[User]: ...

    groups: list[Group] | None = strawberry_django.field(extensions=[requires_scope("groups")])

- :func:`requires_scope` -- the token must carry *all* listed scopes; shown in the SDL and in
  introspection as ``@requiresScope(scopes: [...])``.
- :func:`requires_read_write_scope` -- django-oauth-toolkit's ``TokenHasReadWriteScope`` for
  GraphQL: ``READ_SCOPE`` on Query fields and ``WRITE_SCOPE`` on Mutation fields, chosen by
  operation type when the schema is built (never by HTTP verb: every GraphQL request may arrive
  as a POST).
- :func:`requires_permission` -- the token's *user* must hold all listed Django permissions
  (``user.has_perm``); shown as ``@requiresPermission(permissions: [...])``. Scopes say what the
  user let the client do, permissions what the user may do at all: a field with both rules
  needs both. A ``client_credentials`` token has no user, hence no permission, and is refused.
  With ``except_own=True`` a user without the permissions is not refused but limited to their
  own records, which the resolver applies with :func:`own_records_only`.
- :func:`authenticated` -- any valid token, whatever its scopes.
- :func:`public` -- no token needed; an explicit, reviewable opt-out.

:class:`gqlauth.graphql.schema.Schema` refuses to build when a root field declares none of these
(fail closed), and a misused rule (no scopes, a scope missing from ``OAUTH2_PROVIDER["SCOPES"]``,
a permission not written ``app_label.codename`` or of an app that is not installed) raises
:class:`ScopeConfigurationError` at build time, never at request time.

Denials raise :class:`~gqlauth.graphql.errors.UnauthenticatedError` (no token) or
:class:`~gqlauth.graphql.errors.ForbiddenError` (scope or permission missing) for that field
alone; sibling fields still resolve. Make guarded nested fields nullable so a denial nulls only
them, not their parent. Rules run from the top decorator down: the scope rule must be above the
permission rule (else the build fails), so that a token lacking the scope is told about the
scope, and no permission is looked up for it.
"""

from __future__ import annotations

import abc
import inspect
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import strawberry
from django.apps import apps
from strawberry.extensions import FieldExtension
from strawberry.schema_directive import Location
from strawberry.types.field import StrawberryField

from gqlauth.conf import oauth2_settings
from gqlauth.graphql.context import BearerCredentials, credentials_of
from gqlauth.graphql.errors import ForbiddenError, UnauthenticatedError

if TYPE_CHECKING:
    from collections.abc import Callable

    from strawberry.types import Info

    from gqlauth.models import UserModel

__all__ = [
    "AccessRule",
    "OwnRecordsOnly",
    "PermissionRequirement",
    "RequiresPermission",
    "RequiresScope",
    "ScopeConfigurationError",
    "authenticated",
    "own_records_only",
    "public",
    "requires_permission",
    "requires_read_write_scope",
    "requires_scope",
]

_T = TypeVar("_T")


class ScopeConfigurationError(Exception):
    """A field's declaration (access rule or marker) is wrong; raised while the schema is built."""


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="requiresScope",
    description="OAuth2 scopes a bearer token must all carry to resolve this field.",
)
class RequiresScope:
    """The one ``@requiresScope`` schema directive; every scoped field carries an instance."""

    scopes: list[str]


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="requiresPermission",
    description=(
        "Django permissions the bearer token's user must all hold to resolve this field; a "
        "client token has no user and holds none. With exceptOwn, a user without them still "
        "gets their own records, and only those."
    ),
)
class RequiresPermission:
    """The one ``@requiresPermission`` schema directive; every permission rule carries one."""

    permissions: list[str]
    except_own: bool = False


class AccessRule(FieldExtension, abc.ABC):
    """Base of the access declarations; a root field must carry at least one of them.

    Subclasses implement :meth:`check`, which raises a
    :class:`~gqlauth.graphql.errors.ClientError` to deny the field, or returns to allow it.
    """

    def __call__(self, field: _T) -> _T:
        """Decorator form: put it *above* ``@strawberry.field`` (or mutation / django field)."""
        if not isinstance(field, StrawberryField):
            raise TypeError(
                f"{type(self).__name__} decorates a strawberry field: place it above "
                "@strawberry.field, @strawberry.mutation or @strawberry_django.field."
            )
        field.extensions.append(self)
        return field

    @abc.abstractmethod
    def check(self, credentials: BearerCredentials | None) -> None:
        """Raise to deny the field to ``credentials`` (None when the request has no token)."""

    def decide(self, info: Info[Any, Any]) -> None:
        """:meth:`check` the request's credentials, once per request if they pass.

        :meth:`check` depends on the credentials alone, so an allowed decision holds for the
        whole request (every object of a list); a denial is checked again each time, so each
        denied field gets its own error, exactly as the first.
        """
        credentials = credentials_of(info)
        if credentials is None:
            self.check(None)
        elif self not in credentials.allowed_by:
            self.check(credentials)
            credentials.allowed_by.add(self)

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: Info[Any, Any], **kwargs: Any
    ) -> Any:
        self.decide(info)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info[Any, Any],
        **kwargs: Any,
    ) -> Any:
        self.decide(info)
        result = next_(source, info, **kwargs)
        if inspect.isawaitable(result):
            return await result
        return result


class Public(AccessRule):
    """No token needed. Exists so that opening a root field is a visible decision."""

    def check(self, credentials: BearerCredentials | None) -> None:
        return None


class Authenticated(AccessRule):
    """Any valid bearer token, whatever its scopes (user tokens and client tokens alike)."""

    def check(self, credentials: BearerCredentials | None) -> None:
        if credentials is None:
            raise UnauthenticatedError


class ScopeRequirement(AccessRule):
    """The token must carry every scope in :attr:`scopes`; adds ``@requiresScope`` to the field."""

    def __init__(self, scopes: tuple[str, ...]) -> None:
        super().__init__()
        self.scopes = scopes
        self._directive: RequiresScope | None = None

    def check(self, credentials: BearerCredentials | None) -> None:
        if credentials is None:
            raise UnauthenticatedError
        if not credentials.scopes.issuperset(self.scopes):
            raise ForbiddenError(self.scopes)

    def apply(self, field: StrawberryField) -> None:
        """Validate the scopes against ``OAUTH2_PROVIDER["SCOPES"]`` and attach the directive."""
        name = field.python_name
        if not self.scopes:
            raise ScopeConfigurationError(f"Field {name!r}: requires_scope() needs a scope.")
        known = oauth2_settings().scopes
        unknown = [scope for scope in self.scopes if scope not in known]
        if unknown:
            raise ScopeConfigurationError(
                f"Field {name!r} requires scopes missing from OAUTH2_PROVIDER['SCOPES']: "
                f"{', '.join(map(repr, unknown))}. Known scopes: {', '.join(known)}."
            )
        # A rebuilt schema (tests, changed settings) re-applies the rule: replace our own
        # directive instead of stacking a second one, but refuse a second rule on one field,
        # because @requiresScope is not repeatable.
        if self._directive is not None and self._directive in field.directives:
            field.directives.remove(self._directive)
        if any(isinstance(d, RequiresScope) for d in field.directives):
            raise ScopeConfigurationError(
                f"Field {name!r} has two scope requirements; list all scopes in one "
                "requires_scope(...)."
            )
        self._directive = RequiresScope(scopes=list(self.scopes))
        # Scopes print before permissions, in the order they are checked, whatever the order
        # in which the rules were applied.
        position = next(
            (i for i, d in enumerate(field.directives) if isinstance(d, RequiresPermission)),
            len(field.directives),
        )
        field.directives.insert(position, self._directive)


class ReadWriteScope(ScopeRequirement):
    """``READ_SCOPE`` on a Query field, ``WRITE_SCOPE`` on a Mutation field.

    The schema binds it to its root type before converting fields (:meth:`bind`); used anywhere
    else it fails the build.
    """

    def __init__(self) -> None:
        super().__init__(())
        self.bound = False

    def bind(self, *, mutation: bool) -> None:
        settings = oauth2_settings()
        self.scopes = (settings.write_scope if mutation else settings.read_scope,)
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

    Adds ``@requiresPermission`` to the field. Without ``except_own`` a user lacking one is
    refused; with it, the resolver narrows the answer to the user's own records
    (:func:`own_records_only`). A client token is refused either way.
    """

    def __init__(self, permissions: tuple[str, ...], *, except_own: bool) -> None:
        super().__init__()
        self.permissions = permissions
        self.except_own = except_own
        self._directive: RequiresPermission | None = None

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

    def apply(self, field: StrawberryField) -> None:
        """Check each permission's form and app (the table may not exist yet), add the directive."""
        name = field.python_name
        if not self.permissions:
            raise ScopeConfigurationError(
                f"Field {name!r}: requires_permission() needs a permission."
            )
        # Extensions run from the last in the list (the top decorator) to the first: a token
        # lacking the scope must be told about the scope, and cost no permission lookup.
        inner = field.extensions[: field.extensions.index(self)]
        if any(isinstance(rule, (ScopeRequirement, Authenticated)) for rule in inner):
            raise ScopeConfigurationError(
                f"Field {name!r}: put requires_permission(...) below the field's scope rule, "
                "which must be checked first (in extensions=[...], list it before the scope "
                "rule)."
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
        # As for scopes: replace our own directive on a rebuild, refuse a second rule.
        if self._directive is not None and self._directive in field.directives:
            field.directives.remove(self._directive)
        if any(isinstance(d, RequiresPermission) for d in field.directives):
            raise ScopeConfigurationError(
                f"Field {name!r} has two permission requirements; list all permissions in one "
                "requires_permission(...)."
            )
        self._directive = RequiresPermission(
            permissions=list(self.permissions),
            # Printed only when on: UNSET leaves the argument (default false) out of the SDL.
            except_own=True if self.except_own else strawberry.UNSET,
        )
        field.directives.append(self._directive)


@dataclass(frozen=True, slots=True)
class OwnRecordsOnly:
    """The caller lacks the field's permissions: answer with ``user``'s own records only."""

    user: UserModel
    permissions: tuple[str, ...]

    def refusal(self) -> ForbiddenError:
        """The error for a request naming records that are not the caller's."""
        return ForbiddenError(required_permissions=self.permissions)


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
    credentials = credentials_of(info)
    if credentials is None or credentials.user is None:
        rule.check(credentials)  # the rule let no such caller through; raise what it raised
        raise rule.denial()
    if rule.held_by(credentials):
        return None
    return OwnRecordsOnly(user=credentials.user, permissions=rule.permissions)


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

    Without a token the field fails with ``UNAUTHENTICATED``; with a token that lacks a scope,
    with ``FORBIDDEN`` and ``extensions.requiredScopes``. Scopes are checked against
    ``OAUTH2_PROVIDER["SCOPES"]`` when the schema is built.
    """
    return ScopeRequirement(tuple(scopes))


def requires_read_write_scope() -> ReadWriteScope:
    """Require ``READ_SCOPE`` on a root Query field, ``WRITE_SCOPE`` on a root Mutation field."""
    return ReadWriteScope()


def authenticated() -> Authenticated:
    """Require a valid bearer token with any scopes; a field extension and a decorator."""
    return Authenticated()


def public() -> Public:
    """Declare a root field open to anonymous callers; a field extension and a decorator."""
    return Public()
