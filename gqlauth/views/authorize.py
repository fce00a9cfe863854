"""``/o/authorize/``: the authorization endpoint's pages (RFC 6749 §4.1.1-§4.1.2).

GET validates the request (:mod:`gqlauth.oauth.authorization`), signs the user in if needed
(sign-in page and back), and then either issues a code at once (a trusted application, or a
consent already given for these scopes) or shows the consent page. The consent page POSTs back to
the same URL, query included, so the request is validated again from the same parameters, and
Approve or Deny decide. ``prompt=none`` never shows a page (``login_required`` /
``consent_required``); ``prompt=consent`` always asks.

The pages are CSRF-protected and cannot be framed (``X-Frame-Options: DENY`` and the CSP's
``frame-ancestors 'none'``): a framed consent page could be clickjacked into approving.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods

from gqlauth.conf import oauth2_settings
from gqlauth.csp import POLICY, apply_policy
from gqlauth.issuer import issuer_for
from gqlauth.models import Consent
from gqlauth.oauth import authorization


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def _consent_policy(redirect_uri: str) -> str:
    # Browsers apply form-action to the redirect that follows the consent form's POST, so the
    # client's origin is allowed there, and only there.
    return POLICY.replace("form-action 'self'", f"form-action 'self' {_origin(redirect_uri)}")


def _needs_consent(valid: authorization.ValidAuthorization, user_id: int) -> bool:
    if valid.application.skip_authorization:
        return False
    if "consent" in valid.prompt:
        return True
    consent = Consent.objects.filter(user_id=user_id, application=valid.application).first()
    return consent is None or not consent.covers(valid.scopes)


def _remember_consent(valid: authorization.ValidAuthorization, user_id: int) -> None:
    """Record the approval; earlier approved scopes stay approved (the union is kept)."""
    with transaction.atomic():
        consent, _created = Consent.objects.select_for_update().get_or_create(
            user_id=user_id, application=valid.application
        )
        approved = set(consent.scope.split()) | set(valid.scopes)
        consent.scope = " ".join(s for s in oauth2_settings().scopes if s in approved)
        consent.save()


@sensitive_variables("valid")
@never_cache
@xframe_options_deny
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponseBase:
    """Answer an authorization request; see the module docstring for the flow."""
    try:
        valid = authorization.validate(request, issuer=issuer_for(request))
    except authorization.AuthorizationPageError as error:
        response = render(
            request,
            "gqlauth/authorize/error.html",
            {"error": error.error, "description": error.description},
            status=400,
        )
        return apply_policy(response)
    except authorization.AuthorizationRedirectError as error:
        return HttpResponseRedirect(error.location)

    if not request.user.is_authenticated:
        if "none" in valid.prompt:
            return HttpResponseRedirect(
                authorization.refuse(valid, "login_required", _("The user is not signed in."))
            )
        return redirect_to_login(request.get_full_path())
    user = request.user
    assert user.pk is not None

    if request.method == "POST":
        if request.POST.get("decision") != "approve":
            return HttpResponseRedirect(
                authorization.refuse(valid, "access_denied", _("The user denied the request."))
            )
        _remember_consent(valid, int(user.pk))
        return HttpResponseRedirect(authorization.approve(valid, user))

    if not _needs_consent(valid, int(user.pk)):
        return HttpResponseRedirect(authorization.approve(valid, user))
    if "none" in valid.prompt:
        return HttpResponseRedirect(
            authorization.refuse(valid, "consent_required", _("The user has not approved this."))
        )
    return _consent_page(request, valid)


def _consent_page(request: HttpRequest, valid: authorization.ValidAuthorization) -> HttpResponse:
    described = oauth2_settings().scopes
    response = render(
        request,
        "gqlauth/authorize/consent.html",
        {
            "application": valid.application,
            "owner": valid.application.user,
            "scopes": [(scope, described.get(scope, scope)) for scope in valid.scopes],
            "redirect_origin": _origin(valid.redirect_uri),
        },
    )
    apply_policy(response, _consent_policy(valid.redirect_uri))
    return response
