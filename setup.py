"""Build hook: put the GraphiQL bundles into the sdist and the wheel, so installing needs no Node.

All metadata lives in ``pyproject.toml``; this file only adds one step to two setuptools commands.
The bundles in ``gqlauth/static/gqlauth/vendor/`` are build output of ``npm ci`` (its postinstall,
``tools/ide-assets.mjs``, copies them from the pinned ``package-lock.json``) and are not in git.

- ``sdist`` (in a checkout) and ``build_py`` (a wheel built from a checkout) run ``npm ci`` first
  when the bundles are missing or were built from another ``package-lock.json``, and stop with a
  clear message when npm is not installed.
- The sdist carries the bundles (``MANIFEST.in``), so a wheel built from it finds them current
  and never calls npm.
- Editable installs (``pip install -e .``, what ``make`` does) skip the step: ``make assets`` owns
  the working tree's bundles.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
VENDOR = Path("gqlauth", "static", "gqlauth", "vendor")
MANIFEST = "assets.json"
NPM_MISSING = (
    "The GraphiQL assets in {vendor} are {state}, and npm is not installed to build them. "
    "Install Node.js 18 or newer with npm (e.g. apt-get install nodejs npm) and build again, "
    "or install a published wheel or sdist, which carry them."
)


def stale_ide_assets(root: Path) -> str | None:
    """Why the bundles under ``root`` cannot be packaged as they are, or None when they can.

    Current means: ``assets.json`` lists files that all exist, and it records the SHA-256 of
    the ``package-lock.json`` beside it.
    """
    vendor = root / VENDOR
    try:
        manifest = json.loads((vendor / MANIFEST).read_text(encoding="utf-8"))
        files = list(manifest["files"])
        digest = str(manifest["lockfile_sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return "missing"
    if not files or not all((vendor / name).is_file() for name in files):
        return "incomplete"
    lock = root / "package-lock.json"
    if lock.is_file() and hashlib.sha256(lock.read_bytes()).hexdigest() != digest:
        return "built from another package-lock.json"
    return None


def ensure_ide_assets(root: Path = ROOT) -> None:
    """Run ``npm ci`` under ``root`` unless the bundles are current; raise SystemExit on failure."""
    state = stale_ide_assets(root)
    if state is None:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(NPM_MISSING.format(vendor=VENDOR.as_posix(), state=state))
    print(f"GraphiQL assets {state}: running npm ci (package-lock.json) in {root}")
    # The command is fixed and npm is the one found on PATH: no untrusted input reaches it.
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=root, check=True)  # noqa: S603
    state = stale_ide_assets(root)
    if state is not None:
        raise SystemExit(f"npm ci ran, but the GraphiQL assets in {VENDOR.as_posix()} are {state}.")


class BuildPy(build_py):
    """``build_py`` that makes sure the bundles are there before package data is collected."""

    def run(self) -> None:
        if not self.editable_mode:
            ensure_ide_assets()
        super().run()


class SDist(sdist):
    """``sdist`` that makes sure the bundles are there before the file list is made."""

    def run(self) -> None:
        ensure_ide_assets()
        super().run()


if __name__ == "__main__":
    setup(cmdclass={"build_py": BuildPy, "sdist": SDist})
