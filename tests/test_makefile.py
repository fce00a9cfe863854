"""The set-up refuses a Python too old for the chosen Django, with a clear message."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.check_python import problem

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("python", "django", "expected"),
    [
        (
            (3, 11),
            "6.1",
            "Python 3.11 is too old: Django 6.1 needs Python 3.12 or newer. "
            "Use PYTHON=python3.12 (or newer), or DJANGO=5.2.",
        ),
        (
            (3, 10),
            "5.2",
            "Python 3.10 is too old: Django 5.2 needs Python 3.11 or newer. "
            "Use PYTHON=python3.12 (or newer), or DJANGO=5.2.",
        ),
        (
            (3, 10),
            "",
            "Python 3.10 is too old: gqlauth needs Python 3.11 or newer. "
            "Use PYTHON=python3.12 (or newer), or DJANGO=5.2.",
        ),
        ((3, 11), "5.2", None),
        ((3, 12), "6.1", None),
        ((3, 13), "", None),
    ],
)
def test_problem(python, django, expected):
    assert problem(python, django) == expected


def _make_check(django: str) -> subprocess.CompletedProcess[str]:
    make = shutil.which("make")
    assert make is not None, "make is needed to run the project's two commands"
    return subprocess.run(
        [make, "-s", "check-python", f"PYTHON={sys.executable}", f"DJANGO={django}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_make_check_python_follows_the_rule_for_this_interpreter():
    for django in ("5.2", "6.1"):
        result = _make_check(django)
        expected = problem(sys.version_info[:2], django)
        if expected is None:
            assert (result.returncode, result.stderr) == (0, "")
        else:
            assert result.returncode != 0
            assert expected in result.stderr
