"""``/o/authorized_tokens/``: the applications a signed-in user has let act on their behalf.

The page lists what :func:`gqlauth.authorizations.authorized_applications` finds (two queries,
whatever the number of tokens), each with a **Revoke** form. Revoking (a CSRF-protected POST)
ends that application's tokens for this user only, through
:func:`gqlauth.tokens.revoke_application_tokens`, and forgets the user's consent, so the next
authorization request shows the consent page again (RFC 6749 §4.1.1). Other users' tokens of the
same application are untouched.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render

from gqlauth import tokens
from gqlauth.authorizations import authorized_applications
from gqlauth.models import AccessToken, Application, AuthorizationCode, Consent, RefreshToken
from gqlauth.views.applications import developer_page, signed_in_user_id


@developer_page("GET", "HEAD")
def authorized_token_list(request: HttpRequest) -> HttpResponse:
    """The signed-in user's authorized applications, newest token first."""
    user = request.user
    assert not isinstance(user, AnonymousUser)  # developer_page signs users in first
    entries = authorized_applications(user)
    return render(request, "gqlauth/authorized/list.html", {"authorized": entries})


def _authorized_application(user_id: int, pk: int) -> Application:
    """Application ``pk`` if it holds anything of user ``user_id``; 404 otherwise.

    "Anything" is a token (even a revoked refresh token, harmless to revoke again), a code or a
    consent. Other applications answer 404 like missing ones, so their names never show.
    """
    mine = OuterRef("pk")
    holds = (
        Exists(AccessToken.objects.filter(application=mine, user_id=user_id))
        | Exists(RefreshToken.objects.filter(application=mine, user_id=user_id))
        | Exists(AuthorizationCode.objects.filter(application=mine, user_id=user_id))
        | Exists(Consent.objects.filter(application=mine, user_id=user_id))
    )
    app = Application.objects.filter(holds, pk=pk).first()
    if app is None:
        raise Http404("No such authorized application.")
    return app


@developer_page("POST")
def authorized_token_revoke(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Revoke application ``pk``'s access for the signed-in user, then back to the list."""
    user = request.user
    assert not isinstance(user, AnonymousUser)  # developer_page signs users in first
    app = _authorized_application(signed_in_user_id(request), pk)
    tokens.revoke_application_tokens(app, user, forget_consent=True)
    messages.success(
        request,
        f"Revoked the access of “{app.name}”: its tokens for your account stop working now, "
        "and it must ask for your approval again.",
    )
    return redirect("oauth2_provider:authorized-tokens")
