#!/usr/bin/env python
"""Django's command-line utility for this project."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A configuration a person must fix (such as SECRET_KEY missing with DEBUG off): the
        # message says what to do; a traceback would bury it.
        sys.exit(f"ImproperlyConfigured: {exc}")


if __name__ == "__main__":
    main()
