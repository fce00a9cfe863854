"""Refuse an interpreter too old for the chosen Django (used by the Makefile).

Usage: ``python scripts/check_python.py [DJANGO_VERSION]``; exits 1 with a message when the
running interpreter cannot run that Django (6.x needs 3.12+, 5.2 needs 3.11+ here).
"""

from __future__ import annotations

import sys


def problem(python: tuple[int, int], django: str) -> str | None:
    """The refusal message for ``python`` and ``django`` ("" = newest supported), or None."""
    wanted = tuple(int(part) for part in django.split(".")[:2]) if django else None
    need = (3, 12) if wanted is not None and wanted >= (6, 0) else (3, 11)
    if python >= need:
        return None
    what = f"Django {django}" if django else "gqlauth"
    return (
        f"Python {python[0]}.{python[1]} is too old: {what} needs Python {need[0]}.{need[1]} "
        "or newer. Use PYTHON=python3.12 (or newer), or DJANGO=5.2."
    )


if __name__ == "__main__":
    message = problem(sys.version_info[:2], sys.argv[1] if len(sys.argv) > 1 else "")
    if message:
        sys.exit(message)
