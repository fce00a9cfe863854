"""Django application config: registers the system checks."""

from __future__ import annotations

from django.apps import AppConfig


class GqlauthConfig(AppConfig):
    name = "gqlauth"
    verbose_name = "OAuth2 provider"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers checks and signal receivers (signingkeys: its caches follow key changes).
        from gqlauth import checks, conf, signingkeys  # noqa: F401
        from gqlauth.graphql import checks as graphql_checks  # noqa: F401  (no strawberry import)
