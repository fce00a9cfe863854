"""Admin for applications (OAuth2 clients) and their tokens.

Contracts:

- A client secret is shown exactly once: in the response to the POST that created or rotated it,
  rendered directly (never put in a message, the session or a redirect), with ``no-store`` caching.
  Only its digest is stored, and no page shows the digest.
- Token pages show only ids, owners, scopes and dates, never a digest or a token value; tokens
  cannot be added or edited here. "Revoke" goes through :mod:`gqlauth.tokens`, and so does
  deleting a token, so an admin cannot silently break refresh-token reuse detection.
- "Deactivate" suspends applications: from then on they authenticate no more, and their codes,
  access tokens and refresh tokens are refused on every path (the checks of
  :mod:`gqlauth.oauth.validator` and :mod:`gqlauth.bearer`); "Activate" lifts that. Nothing is
  deleted, so revoke the tokens too to end them for good.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_permission_codename
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from gqlauth import tokens
from gqlauth.models import AccessToken, Application, ClientType, GrantType, RefreshToken
from gqlauth.registration import ApplicationRegistrationForm

if TYPE_CHECKING:
    _ApplicationAdminBase = admin.ModelAdmin[Application]
    _AnyModelAdmin = admin.ModelAdmin[Any]
else:  # django-stubs generics are not subscriptable at run time
    _ApplicationAdminBase = _AnyModelAdmin = admin.ModelAdmin

# Set on the request by save_model() when it generated a secret, read by response_add/change.
_ISSUED_SECRET = "_gqlauth_issued_client_secret"
SECRETS_TEMPLATE = "admin/gqlauth/application/client_secrets.html"
ROTATE_CONFIRM_TEMPLATE = "admin/gqlauth/application/rotate_confirmation.html"


class GrantTypeFilter(admin.SimpleListFilter):
    """Filter applications by one allowed grant type."""

    title = "grant type"
    parameter_name = "grant_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in GrantType.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value not in GrantType.values:
            return queryset
        # JSON ``contains`` is unavailable on SQLite; the quoted wire value matches exactly one
        # list element in the stored JSON text on every backend.
        return queryset.filter(grant_types__icontains=f'"{value}"')


@admin.register(Application)
class ApplicationAdmin(_ApplicationAdminBase):
    """Applications: grant types as checkboxes, secrets generated and shown once, rotation."""

    form = ApplicationRegistrationForm
    list_display = (
        "name",
        "client_id",
        "active",
        "client_type",
        "grant_type_list",
        "user",
        "created",
    )
    list_filter = (
        "active",
        "client_type",
        "application_type",
        GrantTypeFilter,
        "skip_authorization",
        "can_introspect",
    )
    search_fields = ("name", "client_id")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("client_secret_status", "created", "updated")
    actions = [
        "rotate_client_secret",
        "revoke_tokens",
        "deactivate_applications",
        "activate_applications",
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Application | None = None) -> Any:
        if obj is None:
            credentials: tuple[str, ...] = ("client_id", "client_type", "client_secret")
        else:
            credentials = ("client_id", "client_type", "client_secret_status")
        return [
            (None, {"fields": ("name", "user", "active")}),
            ("Credentials", {"fields": credentials}),
            (
                "Authorization",
                {
                    "fields": (
                        "application_type",
                        "grant_types",
                        "allowed_scopes",
                        "default_scopes",
                        "redirect_uris",
                        "allowed_origins",
                        "skip_authorization",
                        "can_introspect",
                        "access_token_format",
                    )
                },
            ),
            *([] if obj is None else [("Dates", {"fields": ("created", "updated")})]),
        ]

    @admin.display(description="grant types")
    def grant_type_list(self, obj: Application) -> str:
        return ", ".join(obj.grant_types)

    @admin.display(description="client secret")
    def client_secret_status(self, obj: Application) -> str:
        # Say whether a secret exists; the digest itself is never shown.
        if obj.client_type != ClientType.CONFIDENTIAL:
            return "None (public client)."
        if not obj.client_secret_digest:
            return "Not set: save to generate one."
        return "Set; stored only as a digest. Use the “Rotate client secret” action for a new one."

    def render_secrets(
        self, request: HttpRequest, issued: Sequence[tuple[Application, str]], *, title: str
    ) -> HttpResponse:
        """The one page that ever shows client secrets; never cached by browsers or proxies."""
        response = TemplateResponse(
            request,
            SECRETS_TEMPLATE,
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.opts,
                "issued": issued,
                "changelist_url": reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
                    current_app=self.admin_site.name,
                ),
            },
        )
        add_never_cache_headers(response)
        return response

    @method_decorator(sensitive_post_parameters("client_secret"))
    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Application, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        issued = getattr(form, "issued_secret", None)
        if issued:
            setattr(request, _ISSUED_SECRET, issued)

    def response_add(
        self, request: HttpRequest, obj: Application, post_url_continue: str | None = None
    ) -> HttpResponse:
        issued = getattr(request, _ISSUED_SECRET, None)
        if issued:
            return self.render_secrets(request, [(obj, issued)], title="Application added")
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Application) -> HttpResponse:
        issued = getattr(request, _ISSUED_SECRET, None)
        if issued:  # made confidential: it has just been given its first secret
            return self.render_secrets(request, [(obj, issued)], title="Application changed")
        return super().response_change(request, obj)

    @admin.action(
        description="Rotate client secret of selected applications", permissions=["change"]
    )
    def rotate_client_secret(
        self, request: HttpRequest, queryset: QuerySet[Application]
    ) -> HttpResponse | None:
        """Ask for confirmation, then give each confidential application a new secret.

        The old secret stops working at once; tokens already issued stay valid until revoked.
        Public applications have no secret and are skipped.
        """
        apps = list(queryset.order_by("pk"))
        confidential = [app for app in apps if app.client_type == ClientType.CONFIDENTIAL]
        skipped = len(apps) - len(confidential)
        if not confidential:
            self.message_user(
                request, "Public applications have no client secret to rotate.", messages.WARNING
            )
            return None
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                ROTATE_CONFIRM_TEMPLATE,
                {
                    **self.admin_site.each_context(request),
                    "title": "Rotate client secrets?",
                    "opts": self.opts,
                    "applications": confidential,
                    "skipped": skipped,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        issued: list[tuple[Application, str]] = []
        with transaction.atomic():
            for app in confidential:
                secret = app.rotate_secret()
                self.log_change(request, app, [{"changed": {"fields": ["client secret"]}}])
                issued.append((app, secret))
        return self.render_secrets(request, issued, title="Client secrets rotated")

    @admin.action(description="Revoke every token of selected applications", permissions=["change"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        """End every access and refresh token the selected applications hold (one transaction)."""
        with transaction.atomic():
            apps = list(queryset.order_by("pk"))
            deleted = sum(tokens.revoke_application_tokens(app) for app in apps)
            for app in apps:
                self.log_change(request, app, [{"changed": {"fields": ["tokens revoked"]}}])
        self.message_user(
            request,
            f"Revoked every token of {len(apps)} application(s) ({deleted} access token(s)).",
            messages.SUCCESS,
        )

    def _set_active(
        self, request: HttpRequest, queryset: QuerySet[Application], active: bool
    ) -> int:
        """Set ``active`` where it differs, logging each change; returns how many changed."""
        with transaction.atomic():
            changing = list(queryset.filter(active=not active).order_by("pk"))
            Application.objects.filter(pk__in=[app.pk for app in changing]).update(
                active=active, updated=timezone.now()
            )
            for app in changing:
                self.log_change(request, app, [{"changed": {"fields": ["active"]}}])
        return len(changing)

    @admin.action(description="Deactivate selected applications", permissions=["change"])
    def deactivate_applications(
        self, request: HttpRequest, queryset: QuerySet[Application]
    ) -> None:
        """Suspend the applications: their codes and tokens stop working at once (not deleted)."""
        count = self._set_active(request, queryset, False)
        self.message_user(
            request,
            f"Deactivated {count} application(s). They cannot authenticate, and their "
            "authorization codes, access tokens and refresh tokens are refused until they are "
            "activated again.",
            messages.SUCCESS,
        )

    @admin.action(description="Activate selected applications", permissions=["change"])
    def activate_applications(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        """Lift a deactivation: unexpired, unrevoked tokens work again."""
        count = self._set_active(request, queryset, True)
        self.message_user(request, f"Activated {count} application(s).", messages.SUCCESS)


class _TokenAdmin(_AnyModelAdmin):
    """Read-only token pages with a "revoke" action; never a digest or a token value."""

    list_select_related = ("application", "user")
    search_fields = ("application__name", "application__client_id", "user__username")
    actions = ["revoke"]

    def get_actions(self, request: HttpRequest, action_location: Any = None) -> dict[str, Any]:
        # Django 6.1 says where the actions are shown (change list or change form); 5.2 doesn't.
        location: tuple[Any, ...] = () if action_location is None else (action_location,)
        found = super().get_actions(request, *location)
        # Bulk delete bypasses revocation; "revoke" is the way to end tokens here.
        found.pop("delete_selected", None)
        return found

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        # Revoking ends tokens like deleting does, so it needs the model's delete permission.
        codename = get_permission_codename("delete", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "show_delete": False}
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(AccessToken)
class AccessTokenAdmin(_TokenAdmin):
    list_display = ("id", "application", "user", "scope", "created", "expires", "status")
    list_filter = ("expires", "created")
    fields = ("id", "application", "user", "scope", "created", "expires", "status")
    readonly_fields = fields

    @admin.display(description="status")
    def status(self, obj: AccessToken) -> str:
        return "expired" if obj.is_expired() else "valid"

    @admin.action(description="Revoke selected access tokens", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[AccessToken]) -> None:
        """Delete each access token and revoke the refresh token issued with it."""
        count = self._revoke_all(queryset)
        self.message_user(request, f"Revoked {count} access token(s).", messages.SUCCESS)

    def _revoke_all(self, queryset: QuerySet[AccessToken]) -> int:
        with transaction.atomic():
            found = list(queryset.order_by("pk"))
            for token in found:
                tokens.revoke_access_token(token)
        return len(found)

    def delete_model(self, request: HttpRequest, obj: AccessToken) -> None:
        tokens.revoke_access_token(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccessToken]) -> None:
        self._revoke_all(queryset)


@admin.register(RefreshToken)
class RefreshTokenAdmin(_TokenAdmin):
    list_display = ("id", "application", "user", "scope", "created", "revoked_at", "status")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "created")
    fields = (
        "id",
        "application",
        "user",
        "access_token",
        "scope",
        "family",
        "created",
        "revoked_at",
        "status",
    )
    readonly_fields = fields

    @admin.display(description="status")
    def status(self, obj: RefreshToken) -> str:
        if obj.revoked_at is not None:
            return "revoked"
        return "expired" if obj.is_expired() else "live"

    @admin.action(
        description="Revoke selected refresh tokens and their families", permissions=["revoke"]
    )
    def revoke(self, request: HttpRequest, queryset: QuerySet[RefreshToken]) -> None:
        """Revoke each selected token's whole family and delete the family's access tokens."""
        families = self._revoke_families(queryset)
        self.message_user(
            request, f"Revoked {families} refresh token family(ies).", messages.SUCCESS
        )

    def _revoke_families(self, queryset: QuerySet[RefreshToken]) -> int:
        with transaction.atomic():
            # One token per family is enough: revoking it revokes the family.
            one_per_family = {token.family: token for token in queryset.order_by("pk")}
            for token in one_per_family.values():
                tokens.revoke_refresh_token(token)
        return len(one_per_family)

    def delete_model(self, request: HttpRequest, obj: RefreshToken) -> None:
        # Revoke the family first: a deleted row can no longer reveal a replay of its family.
        with transaction.atomic():
            tokens.revoke_refresh_token(obj)
            obj.delete()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RefreshToken]) -> None:
        with transaction.atomic():
            self._revoke_families(queryset)
            queryset.delete()
