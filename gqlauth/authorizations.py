"""A user's authorizations: which applications can act for them, and with which scopes.

The read side of the authorized-applications page (``/o/authorized_tokens/``); revoking goes
through :func:`gqlauth.tokens.revoke_application_tokens`. An application is listed when it holds
a live token for the user (an unexpired access token, or a live refresh token, which can mint new
access tokens, RFC 6749 §1.5) or when the user's consent lets it obtain one without asking
(RFC 6749 §4.1.1): both are access the user can withdraw there.

Cost: two queries whatever the number of tokens: the user's live token rows (one ``UNION ALL``
of the access and refresh tables, three narrow columns each) and the applications, joined with
their owners and annotated with the user's consent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from gqlauth import digests
from gqlauth.conf import oauth2_settings
from gqlauth.models import AccessToken, Application, Consent, RefreshToken

if TYPE_CHECKING:
    from gqlauth.models import UserModel


@dataclass(frozen=True, slots=True)
class AuthorizedApplication:
    """One application with access for the user.

    ``scopes`` is the union of the scopes of the user's live tokens of it, ``last_issued`` the
    newest of those tokens' issue times (both empty when only a consent remains), and
    ``approved_scopes`` the scopes of the user's consent (empty without one).
    """

    application: Application
    scopes: list[str]
    last_issued: datetime | None
    approved_scopes: list[str]

    @property
    def holds_tokens(self) -> bool:
        return self.last_issued is not None


def _settings_order(scopes: Iterable[str]) -> list[str]:
    """Scopes in ``SCOPES`` order; any no longer configured follow, sorted."""
    wanted = set(scopes)
    configured = [scope for scope in oauth2_settings().scopes if scope in wanted]
    return configured + sorted(wanted.difference(configured))


def authorized_applications(
    user: UserModel, now: datetime | None = None
) -> list[AuthorizedApplication]:
    """The applications with access for ``user``, most recently issued first.

    Tokens issued under another password than the user's current one are dead (they carry the
    fingerprint of the password hash they were issued under) and are not counted. Applications
    the user only consented to (no live token) come last, by name. Inactive applications, or
    applications of an inactive owner, are included: their tokens do not work while that lasts,
    but come back if an administrator reactivates them, so the user may still revoke them.
    """
    now = now or timezone.now()
    # The fingerprint of the current hash under every accepted digest key (key rotation).
    current = digests.candidates(user.password, purpose="password")
    mine = {"user_id": user.pk, "user_fingerprint__in": current}
    access = AccessToken.objects.filter(**mine).valid(now)
    refresh = RefreshToken.objects.filter(**mine).live(now)
    columns = ("application_id", "scope", "created")
    rows = (
        access.order_by()
        .values_list(*columns)
        .union(refresh.order_by().values_list(*columns), all=True)
    )
    scopes: defaultdict[int, set[str]] = defaultdict(set)
    issued: dict[int, datetime] = {}
    for application_id, scope, created in rows:
        scopes[application_id].update(scope.split())
        if application_id not in issued or created > issued[application_id]:
            issued[application_id] = created

    consents = Consent.objects.filter(user_id=user.pk)
    applications = (
        Application.objects.filter(
            Q(pk__in=list(issued)) | Q(pk__in=consents.values("application_id"))
        )
        .select_related("user")
        .annotate(
            approved=Subquery(consents.filter(application=OuterRef("pk")).values("scope")[:1])
        )
    )
    found = [
        AuthorizedApplication(
            application=app,
            scopes=_settings_order(scopes.get(app.pk, ())),
            last_issued=issued.get(app.pk),
            # The annotation above; the type checker does not see annotated attributes.
            approved_scopes=_settings_order(str(getattr(app, "approved", None) or "").split()),
        )
        for app in applications
    ]
    with_tokens = [entry for entry in found if entry.last_issued is not None]
    with_tokens.sort(key=lambda entry: (entry.last_issued, entry.application.pk), reverse=True)
    consent_only = [entry for entry in found if entry.last_issued is None]
    consent_only.sort(key=lambda entry: (entry.application.name.casefold(), entry.application.pk))
    return with_tokens + consent_only
