"""Access rules: OAuth2 scopes and Django permissions checked against the request's bearer token.

Every rule is a strawberry :class:`~strawberry.extensions.FieldExtension` that also works as a
decorator above ``@strawberry.field``, ``@strawberry.mutation`` or ``@strawberry_django.field``,
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

import abc
import inspect
import re
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from strawberry.extensions import FieldExtension
from strawberry.federation.schema_directives import Authenticated as AuthenticatedDirective
from strawberry.federation.schema_directives import RequiresScopes as RequiresScopesDirective
from strawberry.types.base import has_object_definition
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.field import StrawberryField
from strawberry.types.scalar import ScalarDefinition

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
    "ScopeConfigurationError",
    "ScopeRequirement",
    "authenticated",
    "named_definition",
    "own_records_only",
    "public",
    "records_visible_to",
    "requires_permission",
    "requires_read_write_scope",
    "requires_scope",
    "type_rules",
]

_T = TypeVar("_T")

# Where a type keeps its type-level rules (set by AccessRule.__call__, read by type_rules()).
_TYPE_RULES = "__gqlauth_access__"


class ScopeConfigurationError(Exception):
    """A field's declaration (access rule or marker) is wrong; raised while the schema is built."""


def _words(items: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` (nothing for none: the build refuses that later)."""
    names = list(items)
    if not names:
        return "nothing"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def lowered(rules: Iterable[AccessRule]) -> str:
    """The rules' descriptions as the predicate of a sentence: "requires a bearer token..."."""
    return " ".join(rule.describe()[0].lower() + rule.describe()[1:] for rule in rules)


class AccessRule(FieldExtension, abc.ABC):
    """Base of the access declarations; a root field must carry at least one of them.

    Subclasses implement :meth:`check`, which raises a
    :class:`~gqlauth.graphql.errors.ClientError` to deny the field, or returns to allow it, and
    :meth:`describe`, the requirement in words for the field's description.
    """

    #: Whether the rule may decorate a type (federation allows only its own directives there).
    type_level = False

    def __call__(self, target: _T) -> _T:
        """Decorator form: put it *above* ``@strawberry.field`` (or mutation / django field),
        or, for a type-level rule, above ``@strawberry.type`` (or a federation type)."""
        if isinstance(target, StrawberryField):
            target.extensions.append(self)
            return target
        if named_definition(target) is not None:
            if not self.type_level:
                raise TypeError(
                    f"{type(self).__name__} applies to fields only; on a type use "
                    "requires_scope(...), authenticated() or public()."
                )
            # The type's own rules only, never a base class's.
            rules = (*vars(target).get(_TYPE_RULES, ()), self)
            setattr(target, _TYPE_RULES, rules)
            return target
        raise TypeError(
            f"{type(self).__name__} decorates a strawberry field: place it above "
            "@strawberry.field, @strawberry.mutation or @strawberry_django.field."
        )

    @abc.abstractmethod
    def check(self, credentials: BearerCredentials | None) -> None:
        """Raise to deny the field to ``credentials`` (None when the request has no token)."""

    @abc.abstractmethod
    def describe(self) -> str:
        """The requirement as a sentence, for the field's description (GraphiQL's docs)."""

    def directive(self) -> object | None:
        """The federation schema directive that states this rule in the SDL, if one does."""
        return None

    def implies(self, other: AccessRule) -> bool:
        """Whether every token this rule lets through also passes ``other`` (for descriptions:
        a returned type's rule the field's own rule implies goes without saying)."""
        return False

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


def named_definition(target: object) -> Any:
    """strawberry's definition of a type a rule may decorate (an object type, an interface, an
    enum or a scalar made with ``strawberry.scalar``), or None for anything else."""
    if has_object_definition(target):
        return target.__strawberry_definition__
    definition = getattr(target, "__strawberry_definition__", None)
    if isinstance(definition, StrawberryEnumDefinition):
        return definition
    definition = getattr(target, "_scalar_definition", None)
    return definition if isinstance(definition, ScalarDefinition) else None


def type_rules(target: object) -> tuple[AccessRule, ...]:
    """The type-level rules declared on ``target`` itself (not inherited), in declaration
    order."""
    rules: tuple[AccessRule, ...] = vars(target).get(_TYPE_RULES, ())
    # Decorators apply bottom-up; the one written first (on top) comes last: reverse it.
    return tuple(reversed(rules))


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
            return f"Requires a bearer token with the {noun} {_words(scopes)}."
        options = [
            scopes[0] if len(scopes) == 1 else f"({_words(scopes)})" for scopes in self.alternatives
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


class ReturnedTypeRule(AccessRule):
    """The type-level rules of the type a field returns, added to that field by the schema.

    Never written by hand: :mod:`gqlauth.graphql.declarations` adds it when the schema is
    built (and replaces it on a rebuild); it prints no directive of its own, since the SDL
    carries the rule on the type.
    """

    def __init__(self, type_name: str, rules: tuple[AccessRule, ...]) -> None:
        super().__init__()
        self.type_name = type_name
        self.rules = rules

    def check(self, credentials: BearerCredentials | None) -> None:
        for rule in self.rules:
            rule.check(credentials)

    def describe(self) -> str:
        return f"The {self.type_name} it returns {lowered(self.rules)}"


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
        sentence = f"The token's user must hold the Django {noun} {_words(self.permissions)}"
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
