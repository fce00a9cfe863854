"""The reusable app's shape: no tutorial inside it, one definition per name.

These read the source, because what they guard (a demo user, a project path, a second class of
the same name) is invisible to behaviour tests until someone installs the app elsewhere.
"""

from __future__ import annotations

import ast
import collections
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "gqlauth"

# Strings that belong to the tutorial's site, not to a reusable app.
TUTORIAL_TRACES = ("alice", "bootstrapdemo", "Tutorial demo", '"/graphql/"', "'/graphql/'")


def _sources() -> list[Path]:
    return [
        p for p in APP.rglob("*") if p.suffix in (".py", ".html") and "migrations" not in p.parts
    ]


def test_the_app_holds_no_tutorial_demo_or_project_path():
    found = [
        f"{path.relative_to(APP)}: {trace}"
        for path in _sources()
        for trace in TUTORIAL_TRACES
        if trace in path.read_text()
    ]
    assert found == []


def test_each_module_level_name_is_defined_once_across_the_app():
    where: dict[str, list[str]] = collections.defaultdict(list)
    for path in _sources():
        if path.suffix != ".py":
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and not node.name.startswith("_"):
                where[node.name].append(str(path.relative_to(APP)))
    # Django's conventional names: every command is "Command", every checks module registers
    # one function per setting, and so on; the rest must be unique.
    conventional = {"Command", "Meta"}
    twice = {name: paths for name, paths in where.items() if len(paths) > 1}
    assert {name: paths for name, paths in twice.items() if name not in conventional} == {}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_only_gqlauth_jose_imports_the_jose_library():
    importers = [
        str(path.relative_to(APP))
        for path in _sources()
        if path.suffix == ".py" and "jwt" in _imports(path)
    ]
    assert importers == ["jose.py"]
