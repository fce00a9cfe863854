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
from gqlauth.models import Application, ClientType, GrantType
from gqlauth.registration import ApplicationRegistrationForm

# refresh_token is implied by password and authorization_code (Application.allows_grant), so a
# developer is not asked about it; the labels show the wire value used in token requests.
SELECTABLE_GRANTS = [
    (GrantType.PASSWORD.value, "Resource owner password-based (password)"),
    (GrantType.CLIENT_CREDENTIALS.value, "Client credentials (client_credentials)"),
    (GrantType.AUTHORIZATION_CODE.value, "Authorization code (authorization_code)"),
]


class DeveloperApplicationForm(ApplicationRegistrationForm):
    """Register (no instance) or edit (instance given) one of the signed-in user's applications.

    The view sets the owner. After ``save()``, :attr:`issued_secret` holds a newly generated secret
    (a new confidential client, or a public one made confidential) to show once, or None.
    """

    class Meta(ApplicationRegistrationForm.Meta):
        fields = ["name", "client_type", "grant_types", "redirect_uris", "allowed_scopes"]
        widgets = {"client_type": forms.RadioSelect}
        help_texts = {
            "name": "Shown to you and in the admin.",
            "client_type": (
                "Confidential clients (servers) keep a secret and send it with every token "
                "request; public clients (browser or mobile apps) cannot keep one and send only "
                "their client id."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Generated, never typed here (the admin and the command may set them).
        self.fields.pop("client_id", None)
        self.fields.pop("client_secret", None)
        # No "---------" radio: a client is one type or the other.
        self.fields["client_type"].choices = ClientType.choices  # type: ignore[attr-defined]
        name = self.fields["name"]
        name.required = True
        name.widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        grants = self.fields["grant_types"]
        grants.choices = SELECTABLE_GRANTS  # type: ignore[attr-defined]
        grants.help_text = (
            "How the client obtains tokens; the tutorial uses password. Password and "
            "authorization code also allow refresh_token."
        )
        self.fields["redirect_uris"].label = "Redirect URIs"
        self.fields["redirect_uris"].help_text = (
            "Absolute http(s) URIs, one per line, without a #fragment. Needed for the "
            "authorization code grant; leave empty otherwise."
        )
        self.fields["redirect_uris"].widget.attrs.update({"spellcheck": "false"})
        scopes = self.fields["allowed_scopes"]
        scopes.choices = [  # type: ignore[attr-defined]
            (name, f"{name}: {description}")
            for name, description in oauth2_settings().scopes.items()
        ]
        scopes.help_text = (
            "Tick none to allow every scope; tick some to limit what this client may ask for."
        )
        if self.instance.pk:
            self.initial["redirect_uris"] = "\n".join(self.instance.redirect_uri_list())
        else:
            self.initial.setdefault("grant_types", [GrantType.PASSWORD.value])
            self.initial.setdefault("client_type", ClientType.CONFIDENTIAL.value)

    def save(self, commit: bool = True) -> Application:
        app = super().save(commit=False)
        if not app.client_id:
            app.client_id = digests.new_client_id()
        if commit:
            app.save()
        return app
