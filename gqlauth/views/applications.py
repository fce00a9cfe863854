"""Application management pages: a signed-in developer's own OAuth2 clients.

Every view looks applications up through :func:`owned`, so another user's application answers
404 exactly like a missing one. A client secret is shown exactly once, in the response to the POST
that generated it (register, rotate, or an edit that made a client confidential); it is never put
in the session, a message or a URL, and that response is marked ``no-store``.

Reloading such a response would re-send the POST and register or rotate again. Forms that generate
a secret therefore carry a one-time ``submission`` value; a second POST with the same value
redirects to the application's page, where the secret is no longer shown.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from gqlauth import tokens
from gqlauth.csp import csp_protect
from gqlauth.forms import DeveloperApplicationForm
from gqlauth.models import AccessToken, Application, GrantType
from gqlauth.registration import registration_refused

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])

# Session key: submission values already used -> application pk (no secrets in the session).
_SUBMITTED = "gqlauth.applications.submitted"
_KEEP_SUBMISSIONS = 20


def signed_in_user_id(request: HttpRequest) -> int:
    """The signed-in user's id (every view here is behind ``login_required``)."""
    pk = request.user.pk
    assert pk is not None
    return int(pk)


def owned(request: HttpRequest, pk: int) -> Application:
    """The signed-in user's application ``pk``; 404 for anyone else's."""
    return get_object_or_404(Application, pk=pk, user_id=signed_in_user_id(request))


def _new_submission() -> str:
    return secrets.token_urlsafe(16)


def _already_submitted(request: HttpRequest) -> HttpResponse | None:
    """Redirect to the application a repeated POST already created or rotated, if any."""
    submission = request.POST.get("submission", "")
    pk = request.session.get(_SUBMITTED, {}).get(submission) if submission else None
    if pk is None:
        return None
    messages.info(
        request,
        "That form was already submitted. The client secret was shown once and is not "
        "shown again; rotate it if you did not copy it.",
    )
    if not Application.objects.filter(pk=pk, user_id=signed_in_user_id(request)).exists():
        return redirect("oauth2_provider:list")
    return redirect("oauth2_provider:detail", pk=pk)


def _remember_submission(request: HttpRequest, app: Application) -> None:
    submission = request.POST.get("submission", "")
    if not submission:
        return
    done: dict[str, int] = dict(request.session.get(_SUBMITTED, {}))
    done[submission] = app.pk
    request.session[_SUBMITTED] = dict(list(done.items())[-_KEEP_SUBMISSIONS:])


def _show_secret(
    request: HttpRequest, app: Application, secret: str, *, event: str
) -> HttpResponse:
    """The only response that ever contains a client secret."""
    response = render(
        request,
        "gqlauth/applications/secret.html",
        {
            "application": app,
            "client_secret": secret,
            "event": event,
            **_usage(request, app, secret),
        },
    )
    add_never_cache_headers(response)
    return response


def _usage(request: HttpRequest, app: Application, secret: str | None = None) -> dict[str, Any]:
    """Ready-to-paste curl commands for the application's grant types (RFC 6749 §4.3, §4.4)."""
    token_url = request.build_absolute_uri(reverse("oauth2_provider:token"))
    shown_secret = secret or "<client_secret>"
    commands = []
    for grant in app.grant_types:
        if grant == GrantType.PASSWORD:
            body = "grant_type=password&username=<user_name>&password=<password>"
            title = "Password grant: a token for a user"
        elif grant == GrantType.CLIENT_CREDENTIALS:
            body = "grant_type=client_credentials"
            title = "Client credentials: a token for the application itself"
        elif grant == GrantType.AUTHORIZATION_CODE:
            body = "grant_type=authorization_code&code=<code>&redirect_uri=<redirect_uri>"
            title = "Authorization code: exchange a code for a token"
        else:
            continue
        if app.is_confidential:
            auth = f'-u "{app.client_id}:{shown_secret}" '
        else:
            body += f"&client_id={app.client_id}"
            auth = ""
        commands.append({"title": title, "command": f'curl -X POST -d "{body}" {auth}{token_url}'})
    if app.allows_grant(GrantType.REFRESH_TOKEN):
        body = "grant_type=refresh_token&refresh_token=<refresh_token>"
        if app.is_confidential:
            auth = f'-u "{app.client_id}:{shown_secret}" '
        else:
            body += f"&client_id={app.client_id}"
            auth = ""
        commands.append(
            {
                "title": "Refresh: a new token pair from a refresh token",
                "command": f'curl -X POST -d "{body}" {auth}{token_url}',
            }
        )
    return {"commands": commands, "token_url": token_url}


def developer_page(*methods: str) -> Callable[[_View], _View]:
    """The stack every page here wears: sign-in, the strict CSP, no caching, allowed methods."""

    def decorate(view: _View) -> _View:
        return login_required(csp_protect(never_cache(require_http_methods(list(methods))(view))))

    return decorate


def _form_page(
    request: HttpRequest, app: Application | None, *, saved: str, secret_event: str
) -> HttpResponse:
    """Register (``app`` None) or edit: the one save-and-show path of the application form.

    A valid POST saves the form; a newly generated secret is shown once, otherwise the
    application's page follows. ``saved`` and ``secret_event`` word the message and the page.
    """
    if request.method == "POST":
        repeated = _already_submitted(request)
        if repeated is not None:
            return repeated
        form = DeveloperApplicationForm(request.POST, instance=app)
        if form.is_valid():
            with transaction.atomic():
                saved_app = form.save(commit=False)
                if app is None:
                    saved_app.user_id = signed_in_user_id(request)
                saved_app.save()
            _remember_submission(request, saved_app)
            messages.success(request, f"{saved} application “{saved_app.name}”.")
            if form.issued_secret:
                return _show_secret(request, saved_app, form.issued_secret, event=secret_event)
            return redirect("oauth2_provider:detail", pk=saved_app.pk)
        submission = request.POST.get("submission") or _new_submission()
    else:
        form = DeveloperApplicationForm(instance=app)
        submission = _new_submission()
    context: dict[str, Any] = {"form": form, "submission": submission}
    if app is not None:
        context["application"] = app
    return render(request, "gqlauth/applications/form.html", context)


@developer_page("GET", "HEAD")
def application_list(request: HttpRequest) -> HttpResponse:
    """The user's applications; the Register buttons only for users who may register."""
    applications = Application.objects.filter(user_id=signed_in_user_id(request)).order_by(
        "name", "pk"
    )
    context = {
        "applications": applications,
        "may_register": registration_refused(request.user) is None,
    }
    return render(request, "gqlauth/applications/list.html", context)


@developer_page("GET", "POST")
def application_register(request: HttpRequest) -> HttpResponse:
    """Register a new application; 403 with the reason for users REGISTER_APPLICATIONS excludes."""
    refusal = registration_refused(request.user)
    if refusal is not None:
        return render(
            request,
            "gqlauth/applications/register_forbidden.html",
            {"reason": refusal},
            status=HTTPStatus.FORBIDDEN,
        )
    return _form_page(request, None, saved="Registered", secret_event="registered")


@developer_page("GET", "HEAD")
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = owned(request, pk)
    context = {
        "application": app,
        "access_tokens": AccessToken.objects.filter(application=app).valid().count(),
        **_usage(request, app),
    }
    return render(request, "gqlauth/applications/detail.html", context)


@developer_page("GET", "POST")
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, owned(request, pk), saved="Saved", secret_event="made confidential")


@developer_page("GET", "POST")
def application_rotate(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Replace the client secret; the old one stops working at once.

    Tokens already issued stay valid unless the developer ticks "revoke", which deletes the
    application's access tokens and revokes its refresh tokens.
    """
    app = owned(request, pk)
    if not app.is_confidential:
        messages.error(request, "A public client has no secret to rotate.")
        return redirect("oauth2_provider:detail", pk=app.pk)
    if request.method == "POST":
        repeated = _already_submitted(request)
        if repeated is not None:
            return repeated
        with transaction.atomic():
            secret = app.rotate_secret()
            if request.POST.get("revoke_tokens"):
                tokens.revoke_application_tokens(app)
        _remember_submission(request, app)
        messages.success(request, f"Rotated the client secret of “{app.name}”.")
        return _show_secret(request, app, secret, event="rotated")
    return render(
        request,
        "gqlauth/applications/rotate.html",
        {"application": app, "submission": _new_submission()},
    )


@developer_page("GET", "POST")
def application_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Delete the application; its access and refresh tokens go with it (cascade)."""
    app = owned(request, pk)
    if request.method == "POST":
        name = app.name
        with transaction.atomic():
            count = AccessToken.objects.filter(application=app).count()
            app.delete()
        messages.success(
            request,
            f"Deleted application “{name}” and revoked its {count} access "
            f"token{'' if count == 1 else 's'}.",
        )
        return redirect("oauth2_provider:list")
    context = {
        "application": app,
        "access_tokens": AccessToken.objects.filter(application=app).valid().count(),
    }
    return render(request, "gqlauth/applications/delete.html", context)
