"""Forms of the application management pages (``/o/applications/``).

The validation rules live in :mod:`gqlauth.registration`, shared with the admin and the
``createapplication`` command; this module only narrows that form to what a developer registering
their own client should see. The client id and secret are always generated here: nobody types a
short secret, and the secret is shown once by the view that saved it.
"""

from __future__ import annotations

from typing import Any

from django import forms

from gqlauth import digests
from gqlauth.conf import oauth2_settings
from gqlauth.models import Application, ApplicationType, ClientType, GrantType
from gqlauth.registration import ApplicationRegistrationForm

# refresh_token is implied by password and authorization_code (Application.allows_grant), so a
# developer is not asked about it. The authorization code grant comes first: it is the one for
# clients acting for users (RFC 9700 §2.1); the password grant stays for the tutorial and for
# legacy clients, labelled as such (RFC 9700 §2.4: it "MUST NOT be used").
SELECTABLE_GRANTS = [
    (GrantType.AUTHORIZATION_CODE.value, "Authorization code with PKCE (authorization_code)"),
    (GrantType.CLIENT_CREDENTIALS.value, "Client credentials (client_credentials)"),
    (GrantType.PASSWORD.value, "Resource owner password (legacy; deprecated by RFC 9700 §2.4)"),
]


class DeveloperApplicationForm(ApplicationRegistrationForm):
    """Register (no instance) or edit (instance given) one of the signed-in user's applications.

    The view sets the owner. After ``save()``, :attr:`issued_secret` holds a newly generated secret
    (a new confidential client, or a public one made confidential) to show once, or None.
    """

    class Meta(ApplicationRegistrationForm.Meta):
        fields = [
            "name",
            "client_type",
            "application_type",
            "grant_types",
            "redirect_uris",
            "allowed_scopes",
            "default_scopes",
        ]
        widgets = {"client_type": forms.RadioSelect, "application_type": forms.RadioSelect}
        help_texts = {
            "name": "Shown to you and in the admin.",
            "client_type": (
                "Confidential clients (servers) keep a secret and send it with every token "
                "request; public clients (browser or mobile apps) cannot keep one and send only "
                "their client id."
            ),
            "application_type": (
                "A native app (RFC 8252) may redirect to a loopback address such as "
                "http://127.0.0.1/callback on any port; a web application's redirect URIs must "
                "match exactly."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Generated, never typed here (the admin and the command may set them).
        self.fields.pop("client_id", None)
        self.fields.pop("client_secret", None)
        # No "---------" radio: a client is one type or the other.
        self.fields["client_type"].choices = ClientType.choices  # type: ignore[attr-defined]
        self.fields["application_type"].choices = ApplicationType.choices  # type: ignore[attr-defined]
        name = self.fields["name"]
        name.required = True
        name.widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        grants = self.fields["grant_types"]
        grants.choices = SELECTABLE_GRANTS  # type: ignore[attr-defined]
        grants.help_text = (
            "How the client obtains tokens. Use the authorization code grant for an app that acts "
            "for its users: they sign in and approve it here, and it never sees their password. "
            "Both it and the password grant also allow refresh_token."
        )
        self.fields["redirect_uris"].label = "Redirect URIs"
        self.fields["redirect_uris"].help_text = (
            "Absolute http(s) URIs, one per line, without a #fragment. Needed for the "
            "authorization code grant; leave empty otherwise."
        )
        self.fields["redirect_uris"].widget.attrs.update({"spellcheck": "false"})
        described = [
            (name, f"{name}: {description}")
            for name, description in oauth2_settings().scopes.items()
        ]
        scopes = self.fields["allowed_scopes"]
        scopes.choices = described  # type: ignore[attr-defined]
        scopes.help_text = (
            "Tick none to allow every scope; tick some to limit what this client may ask for."
        )
        defaults = self.fields["default_scopes"]
        defaults.choices = described  # type: ignore[attr-defined]
        defaults.help_text = (
            "What a request that names no scope gets (the consent page asks for these). Tick "
            "none to use the server's default; each one ticked must be allowed above."
        )
        if self.instance.pk:
            self.initial["redirect_uris"] = "\n".join(self.instance.redirect_uri_list())
        else:
            self.initial.setdefault("grant_types", [GrantType.AUTHORIZATION_CODE.value])
            self.initial.setdefault("client_type", ClientType.CONFIDENTIAL.value)
            self.initial.setdefault("application_type", ApplicationType.WEB.value)

    def save(self, commit: bool = True) -> Application:
        app = super().save(commit=False)
        if not app.client_id:
            app.client_id = digests.new_client_id()
        if commit:
            app.save()
        return app
