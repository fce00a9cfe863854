"""Registering OAuth2 clients: the rules every way of registering one shares.

:class:`ApplicationRegistrationForm` is used by the admin (``gqlauth.admin``) and by the
``createapplication`` command, so a client registered either way passes the same checks: grant types
are RFC 6749 wire values, scopes come from ``OAUTH2_PROVIDER["SCOPES"]``, default scopes are
among the allowed ones, a typed secret is long enough, a public client has no secret and no
``client_credentials`` grant, ``authorization_code`` has redirect URIs, and allowed origins are
exact ``https`` origins (``http`` for loopback hosts; :func:`gqlauth.cors.normalise_origin`).

Who may register on the developer pages is the ``REGISTER_APPLICATIONS`` setting, decided by
:func:`registration_refused`.

A confidential client gets a generated secret when none was typed; the form exposes it once as
:attr:`ApplicationRegistrationForm.issued_secret` and stores only its digest.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError

from gqlauth import cors, digests
from gqlauth.conf import oauth2_settings
from gqlauth.models import Application, ClientType, GrantType, validate_client_secret

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gqlauth.models import UserModel

# Unreserved URI characters (RFC 3986 §2.3): safe in URLs, form bodies and HTTP Basic credentials.
_CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9._~-]+$")


def validate_redirect_uri(uri: str) -> None:
    """RFC 6749 §3.1.2: an absolute http(s) URI with a host and without a fragment."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        raise ValidationError(
            f"Not a valid redirect URI: {uri}. Use absolute http:// or https:// URIs "
            "without a #fragment.",
            code="invalid_redirect_uri",
        )


def registration_refused(user: UserModel | AnonymousUser) -> str | None:
    """Why ``user`` may not register applications on the developer pages, or None if they may.

    Decided by ``OAUTH2_PROVIDER["REGISTER_APPLICATIONS"]`` (validated by ``gqlauth.E013``):
    ``"authenticated"`` (any active signed-in user), ``"staff"`` (``is_staff``), or a permission
    ``"app_label.codename"`` (through the authentication backends, so superusers have it). The
    admin and the ``createapplication`` command have their own gates (model permissions, shell
    access) and do not ask this.
    """
    rule = oauth2_settings().register_applications
    if not user.is_authenticated or not user.is_active:
        return "Sign in with an active account to register applications."
    if rule == "authenticated":
        return None
    if rule == "staff":
        if user.is_staff:
            return None
        return "On this server only staff accounts may register applications."
    if user.has_perm(rule):
        return None
    return f"Registering applications needs the “{rule}” permission, which your account lacks."


if TYPE_CHECKING:
    _ModelForm = forms.ModelForm[Application]
else:  # django-stubs generics are not subscriptable at run time
    _ModelForm = forms.ModelForm


class ApplicationRegistrationForm(_ModelForm):
    """Create or edit an :class:`~gqlauth.models.Application`.

    ``client_secret`` exists only when adding: empty means "generate one" (confidential clients),
    otherwise it must satisfy :func:`~gqlauth.models.validate_client_secret`. After ``save()``,
    :attr:`issued_secret` holds a generated secret (to show once) or None.
    """

    client_id = forms.CharField(
        required=False,
        max_length=100,
        help_text="Public identifier; leave empty to generate one.",
    )
    grant_types = forms.MultipleChoiceField(
        choices=GrantType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="refresh_token is implied by password and authorization_code.",
    )
    allowed_scopes = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Scopes this client may ask for; none ticked means every scope.",
    )
    default_scopes = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Scopes granted when a request names none; none ticked means the "
        "DEFAULT_SCOPES setting. Each must be allowed.",
    )
    redirect_uris = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Allowed redirect URIs, separated by spaces or new lines.",
    )
    allowed_origins = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Origins (scheme://host[:port]) of browser apps that may call the token, "
        "revocation and GraphQL endpoints as this client (CORS), separated by spaces or new "
        "lines; https, or http for loopback hosts.",
    )
    client_secret = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
        help_text="Leave empty to generate a strong secret, shown once after saving. "
        "Only a digest is stored.",
    )

    class Meta:
        model = Application
        fields = [
            "name",
            "client_id",
            "user",
            "client_type",
            "application_type",
            "grant_types",
            "redirect_uris",
            "allowed_origins",
            "allowed_scopes",
            "default_scopes",
            "skip_authorization",
            "can_introspect",
            "access_token_format",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.issued_secret: str | None = None
        # SCOPES is read now, not at import time, so override_settings and reloads apply.
        scopes = oauth2_settings().scopes
        known = ", ".join(scopes)
        for field in ("allowed_scopes", "default_scopes"):
            self.fields[field].choices = [(name, name) for name in scopes]  # type: ignore[attr-defined]
            self.fields[field].error_messages["invalid_choice"] = (
                f"Unknown scope %(value)s; the scopes in OAUTH2_PROVIDER are: {known}."
            )
        self.fields["grant_types"].error_messages["invalid_choice"] = (
            "Unknown grant type %(value)s; use "
            + ", ".join(value for value, _ in GrantType.choices)
            + "."
        )
        self.fields["name"].required = False
        if self.instance.pk:
            # A stored secret can only be replaced by rotation, which shows the new one once.
            del self.fields["client_secret"]
            self.initial["allowed_scopes"] = self.instance.allowed_scopes.split()
            self.initial["default_scopes"] = self.instance.default_scopes.split()
        elif not self.is_bound:
            self.initial.setdefault("client_id", digests.new_client_id())

    def clean_client_id(self) -> str:
        client_id = str(self.cleaned_data.get("client_id") or "").strip()
        if not client_id:
            return digests.new_client_id()
        if not _CLIENT_ID_RE.match(client_id):
            raise ValidationError(
                "A client id may use only letters, digits and . _ ~ - characters.",
                code="client_id_characters",
            )
        return client_id

    def clean_grant_types(self) -> list[str]:
        chosen = set(self.cleaned_data.get("grant_types") or [])
        # Canonical order, so equal sets compare equal in the database and in change history.
        return [value for value, _ in GrantType.choices if value in chosen]

    def _scopes_in_settings_order(self, field: str) -> str:
        chosen = set(self.cleaned_data.get(field) or [])
        return " ".join(name for name in oauth2_settings().scopes if name in chosen)

    def clean_allowed_scopes(self) -> str:
        return self._scopes_in_settings_order("allowed_scopes")

    def clean_default_scopes(self) -> str:
        return self._scopes_in_settings_order("default_scopes")

    def clean_redirect_uris(self) -> str:
        uris = str(self.cleaned_data.get("redirect_uris") or "").split()
        errors: list[ValidationError] = []
        for uri in uris:
            try:
                validate_redirect_uri(uri)
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return " ".join(dict.fromkeys(uris))

    def clean_allowed_origins(self) -> str:
        return " ".join(cors.parse_origins(str(self.cleaned_data.get("allowed_origins") or "")))

    def clean_client_secret(self) -> str:
        secret = str(self.cleaned_data.get("client_secret") or "")
        if secret and self.cleaned_data.get("client_type") == ClientType.PUBLIC:
            raise ValidationError(
                "A public client has no secret: leave it empty or make the client confidential.",
                code="public_client_secret",
            )
        if secret:
            validate_client_secret(secret)
        return secret

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        public = cleaned.get("client_type") == ClientType.PUBLIC
        grants = cleaned.get("grant_types") or []
        if public and GrantType.CLIENT_CREDENTIALS in grants:
            self.add_error(
                "grant_types",
                "The client_credentials grant needs a confidential client (RFC 6749 §4.4).",
            )
        if public and cleaned.get("can_introspect"):
            self.add_error(
                "can_introspect", "Only a confidential client can be allowed to introspect."
            )
        if (
            GrantType.AUTHORIZATION_CODE in grants
            and "redirect_uris" in cleaned
            and not cleaned["redirect_uris"]
        ):
            self.add_error(
                "redirect_uris",
                "The authorization_code grant needs at least one redirect URI (RFC 6749 §3.1.2).",
            )
        # Defaults are what a request without scope gets (RFC 6749 §3.3), so they must be
        # grantable: within the allowed subset when the client has one.
        allowed = str(cleaned.get("allowed_scopes") or "").split()
        defaults = str(cleaned.get("default_scopes") or "").split()
        outside = [scope for scope in defaults if allowed and scope not in allowed]
        if outside:
            self.add_error(
                "default_scopes",
                ValidationError(
                    "Default scopes must be among the allowed scopes; not allowed: %(scopes)s.",
                    code="default_scope_not_allowed",
                    params={"scopes": ", ".join(outside)},
                ),
            )
        return cleaned

    def save(self, commit: bool = True) -> Application:
        """Save, giving a confidential client without a secret a generated one.

        A client made public loses its secret digest. A generated secret is left in
        :attr:`issued_secret` for the caller to show once; it is never stored.
        """
        app = super().save(commit=False)
        if app.client_type == ClientType.CONFIDENTIAL:
            typed = self.cleaned_data.get("client_secret")
            if typed:
                app.set_client_secret(typed)
            elif not app.client_secret_digest:
                self.issued_secret = digests.new_client_secret()
                app.set_client_secret(self.issued_secret)
        else:
            app.client_secret_digest = ""
        if commit:
            app.save()
        return app
