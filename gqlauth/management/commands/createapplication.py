"""``manage.py createapplication CLIENT_TYPE GRANT_TYPE [options]``: register an OAuth2 client.

Arguments follow django-oauth-toolkit's command, so its documentation applies. The registration
rules are those of the admin (:class:`gqlauth.registration.ApplicationRegistrationForm`). On success
it prints the client_id and, for a confidential client, the client_secret (shown this once; only its
digest is stored). Any bad input raises :class:`CommandError` (exit status 1) and writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from gqlauth import digests
from gqlauth.models import ApplicationType, ClientType, GrantType
from gqlauth.registration import ApplicationRegistrationForm

# Accepted spellings: the wire value and django-oauth-toolkit's hyphenated one.
GRANT_SPELLINGS = {
    **{value: value for value in GrantType.values},
    **{value.replace("_", "-"): value for value in GrantType.values},
}


def parse_grant_types(text: str) -> list[str]:
    """``"password,client-credentials"`` -> wire values; CommandError naming an unknown one."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    if not names:
        raise CommandError("Give at least one grant type.")
    unknown = [name for name in names if name not in GRANT_SPELLINGS]
    if unknown:
        raise CommandError(
            f"Unknown grant type {unknown[0]!r}; use one of: "
            + ", ".join(value.replace("_", "-") for value in GrantType.values)
            + " (several separated by commas)."
        )
    return list(dict.fromkeys(GRANT_SPELLINGS[name] for name in names))


def resolve_user(id_or_username: str) -> int:
    """Primary key of the user with this username, else with this id; CommandError if none."""
    users = get_user_model()._default_manager
    found = users.filter(**{get_user_model().USERNAME_FIELD: id_or_username}).first()
    if found is None and id_or_username.isdigit():
        found = users.filter(pk=int(id_or_username)).first()
    if found is None:
        raise CommandError(f"No user with id or username {id_or_username!r}.")
    return int(found.pk)


class Command(BaseCommand):
    help = (
        "Register an OAuth2 application (client) and print its client_id and client_secret. "
        "The secret is shown only this once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client_type", help="confidential or public")
        parser.add_argument(
            "authorization_grant_type",
            metavar="grant_type",
            help="password, client-credentials or authorization-code "
            "(underscores also accepted; several separated by commas)",
        )
        parser.add_argument("--name", default="", help="Human-readable name")
        parser.add_argument("--client-id", default="", help="Client id; generated if omitted")
        parser.add_argument(
            "--client-secret",
            default="",
            help="Client secret (confidential only; at least MIN_CLIENT_SECRET_LENGTH "
            "characters); generated if omitted",
        )
        parser.add_argument("--user", default=None, help="Owner: a user id or username")
        parser.add_argument(
            "--redirect-uris", default="", help='Space-separated redirect URIs, e.g. "A B"'
        )
        parser.add_argument(
            "--scopes",
            default="",
            help='Space-separated scopes the client may ask for, e.g. "read write"; '
            "omitted means every scope",
        )
        parser.add_argument(
            "--application-type",
            default=ApplicationType.WEB.value,
            help="web (redirect URIs match exactly; the default) or native (RFC 8252: any "
            "loopback port)",
        )
        parser.add_argument(
            "--default-scopes",
            default="",
            help='Space-separated scopes granted when a request names none, e.g. "read"; '
            "omitted means the DEFAULT_SCOPES setting",
        )
        parser.add_argument(
            "--skip-authorization",
            action="store_true",
            help="Do not ask the user to approve authorization-code requests",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        client_type = str(options["client_type"]).strip().lower()
        if client_type not in ClientType.values:
            raise CommandError(
                f"Unknown client type {options['client_type']!r}; use confidential or public."
            )
        grant_types = parse_grant_types(str(options["authorization_grant_type"]))
        application_type = str(options["application_type"]).strip().lower()
        if application_type not in ApplicationType.values:
            raise CommandError(
                f"Unknown application type {options['application_type']!r}; use web or native."
            )
        owner = resolve_user(str(options["user"])) if options["user"] else None

        form = ApplicationRegistrationForm(
            data={
                "name": options["name"],
                "client_id": options["client_id"] or digests.new_client_id(),
                "user": owner,
                "client_type": client_type,
                "application_type": application_type,
                "client_secret": options["client_secret"],
                "grant_types": grant_types,
                "redirect_uris": options["redirect_uris"],
                "allowed_scopes": str(options["scopes"]).split(),
                "default_scopes": str(options["default_scopes"]).split(),
                "skip_authorization": bool(options["skip_authorization"]),
                "can_introspect": False,
            }
        )
        if not form.is_valid():
            raise CommandError(_describe_errors(form))
        with transaction.atomic():
            app = form.save()

        self.stdout.write(
            self.style.SUCCESS(
                f"Created application {app.name or app.client_id!r} "
                f"({app.client_type}; grant types: {', '.join(app.grant_types)})."
            )
        )
        self.stdout.write(f"client_id: {app.client_id}")
        if app.client_type == ClientType.CONFIDENTIAL:
            secret = options["client_secret"] or form.issued_secret
            self.stdout.write(f"client_secret: {secret}")
            self.stdout.write(
                "Store the client secret now: only its digest is kept, so it cannot be shown again."
            )


# Form field -> option that sets it, so messages name what the user typed.
_OPTION_OF_FIELD = {
    "client_id": "--client-id",
    "client_secret": "--client-secret",
    "user": "--user",
    "redirect_uris": "--redirect-uris",
    "allowed_scopes": "--scopes",
    "default_scopes": "--default-scopes",
    "application_type": "--application-type",
    "grant_types": "GRANT_TYPE",
    "client_type": "CLIENT_TYPE",
    "name": "--name",
    "__all__": "error",
}


def _describe_errors(form: ApplicationRegistrationForm) -> str:
    lines: list[str] = []
    for field, errors in form.errors.items():
        label = _OPTION_OF_FIELD.get(field, field)
        lines.extend(f"{label}: {message}" for message in errors)
    return "Application not created. " + " ".join(lines)
