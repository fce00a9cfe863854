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
- :func:`authenticated` -- any valid token, whatever its scopes.
- :func:`public` -- no token needed; an explicit, reviewable opt-out.

:class:`gqlauth.graphql.schema.Schema` refuses to build when a root field declares none of these
(fail closed), and a misused rule (no scopes, a scope missing from ``OAUTH2_PROVIDER["SCOPES"]``)
raises :class:`ScopeConfigurationError` at build time, never at request time.

Denials raise :class:`~gqlauth.graphql.errors.UnauthenticatedError` (no token) or
:class:`~gqlauth.graphql.errors.ForbiddenError` (scope missing) for that field alone; sibling fields
still resolve. Make guarded nested fields nullable so a denial nulls only them, not their parent.
"""

from __future__ import annotations

import abc
import inspect
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.schema_directive import Location
from strawberry.types.field import StrawberryField

from gqlauth.conf import oauth2_settings
from gqlauth.graphql.context import BearerCredentials, credentials_of
from gqlauth.graphql.errors import ForbiddenError, UnauthenticatedError

if TYPE_CHECKING:
    from collections.abc import Callable

    from strawberry.types import Info

__all__ = [
    "AccessRule",
    "RequiresScope",
    "ScopeConfigurationError",
    "authenticated",
    "public",
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

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: Info[Any, Any], **kwargs: Any
    ) -> Any:
        self.check(credentials_of(info))
        return next_(source, info, **kwargs)

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info[Any, Any],
        **kwargs: Any,
    ) -> Any:
        self.check(credentials_of(info))
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
        field.directives.append(self._directive)


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
