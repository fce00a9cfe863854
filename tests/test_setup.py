"""setup.py's build hook: package the GraphiQL bundles; npm runs only when they are stale."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_setup() -> ModuleType:
    # setup() runs only as __main__, so loading the file under another name just defines things.
    spec = importlib.util.spec_from_file_location("gqlauth_setup", ROOT / "setup.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


setup_py = _load_setup()


def write_assets(root: Path, lock: bytes = b"{}", files: tuple[str, ...] = ("a.js",)) -> None:
    """What tools/ide-assets.mjs leaves: the bundles and assets.json naming them and the lock."""
    vendor = root / setup_py.VENDOR
    vendor.mkdir(parents=True, exist_ok=True)
    for name in files:
        (vendor / name).write_text("//")
    manifest = {
        "lockfile_sha256": hashlib.sha256(lock).hexdigest(),
        "files": {name: {"package": "p", "version": "1", "license": "MIT"} for name in files},
    }
    (vendor / "assets.json").write_text(json.dumps(manifest))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "package-lock.json").write_bytes(b"{}")
    return tmp_path


def test_current_bundles_are_packaged_as_they_are(tree):
    write_assets(tree)

    assert setup_py.stale_ide_assets(tree) is None


def test_an_sdist_without_the_lock_trusts_its_manifest(tmp_path):
    write_assets(tmp_path)

    assert setup_py.stale_ide_assets(tmp_path) is None


@pytest.mark.parametrize(
    ("damage", "state"),
    [
        (lambda vendor: (vendor / "assets.json").unlink(), "missing"),
        (lambda vendor: (vendor / "assets.json").write_text("{"), "missing"),
        (lambda vendor: (vendor / "a.js").unlink(), "incomplete"),
    ],
)
def test_missing_or_partial_bundles_are_stale(tree, damage, state):
    write_assets(tree)
    damage(tree / setup_py.VENDOR)

    assert setup_py.stale_ide_assets(tree) == state


def test_bundles_from_another_lock_are_stale(tree):
    write_assets(tree, lock=b'{"old": true}')

    assert setup_py.stale_ide_assets(tree) == "built from another package-lock.json"


def test_current_bundles_need_no_npm(tree, monkeypatch):
    write_assets(tree)
    monkeypatch.setattr(setup_py.shutil, "which", lambda name: pytest.fail("looked for npm"))

    setup_py.ensure_ide_assets(tree)


def test_without_npm_the_build_stops_with_a_clear_message(tree, monkeypatch):
    monkeypatch.setattr(setup_py.shutil, "which", lambda name: None)

    with pytest.raises(SystemExit) as stopped:
        setup_py.ensure_ide_assets(tree)

    message = str(stopped.value.code)
    assert "gqlauth/static/gqlauth/vendor are missing" in message
    assert "npm is not installed" in message
    assert "Node.js 18 or newer" in message


def test_stale_bundles_are_rebuilt_with_npm_ci(tree, monkeypatch):
    calls = []

    def npm(command, *, cwd, check):
        calls.append((command, cwd))
        write_assets(cwd)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(setup_py.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(setup_py.subprocess, "run", npm)

    setup_py.ensure_ide_assets(tree)

    assert calls == [(["/usr/bin/npm", "ci", "--no-audit", "--no-fund"], tree)]


def test_npm_ci_that_leaves_no_bundles_fails_the_build(tree, monkeypatch):
    monkeypatch.setattr(setup_py.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(setup_py.subprocess, "run", lambda *args, **kwargs: None)

    with pytest.raises(SystemExit, match="npm ci ran, but the GraphiQL assets"):
        setup_py.ensure_ide_assets(tree)
