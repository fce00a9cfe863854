"""``manage.py export_sdl [--check] [--output PATH]``: write the API's SDL to ``schema.graphql``.

With ``--check``, writes nothing and fails (exit status 1) when the file differs from the schema,
so CI catches an API change that was not exported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from schema.api import schema


def sdl() -> str:
    """The printed schema, as stored in ``schema.graphql``."""
    return schema.as_str() + "\n"


def default_path() -> Path:
    return Path(settings.BASE_DIR) / "schema.graphql"


class Command(BaseCommand):
    help = "Export the GraphQL schema (SDL) to schema.graphql, or check that it is current."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None, help="Default: schema.graphql")
        parser.add_argument(
            "--check", action="store_true", help="Fail if the file is out of date; write nothing."
        )

    def handle(self, *args: Any, output: Path | None, check: bool, **options: Any) -> None:
        path = output or default_path()
        current = sdl()
        if check:
            stored = path.read_text(encoding="utf-8") if path.exists() else None
            if stored != current:
                raise CommandError(f"{path} is out of date: run `manage.py export_sdl`.")
            self.stdout.write(f"{path} is up to date.")
            return
        path.write_text(current, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {path}."))
