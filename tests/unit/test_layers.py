"""The layers depend one way: the scheduling core on nothing of the app, the services on the
core and the models, the jobs on the services — never back (an import circle breaks that)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "coachapp"


def _imports(path: Path) -> set[str]:
    """The coachapp modules ``path`` imports, as dotted names relative to the package."""
    here = path.relative_to(PACKAGE).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[: len(here) - node.level + 1])
                module = ".".join([*base, *(node.module.split(".") if node.module else [])])
                names = [f"{module}.{a.name}".lstrip(".") for a in node.names]
                found.update([module, *names] if module else names)
            elif node.module and node.module.startswith("coachapp"):
                found.add(node.module.removeprefix("coachapp").lstrip("."))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("coachapp"):
                    found.add(alias.name.removeprefix("coachapp").lstrip("."))
    return found


def test_the_services_never_import_the_jobs_layer():
    offenders = {
        f"services/{path.name}": sorted(m for m in _imports(path) if m.split(".")[0] == "jobs")
        for path in sorted((PACKAGE / "services").glob("*.py"))
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_the_scheduling_core_imports_no_framework_and_no_other_layer():
    for path in sorted((PACKAGE / "scheduling").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert node.module.split(".")[0] not in {"flask", "sqlalchemy", "coachapp"}, path
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                raise AssertionError(f"{path.name} imports from outside scheduling/")
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in {"flask", "sqlalchemy"}, path


VIEW_PACKAGES = ("admin", "api", "auth", "billing", "coach", "feeds", "main", "member")
MAX_VIEW_LINES = 500
"""A module of views (routes) stays readable: split by page or resource past this (issue 15)."""


def _registers_views(source: str) -> bool:
    return "@bp." in source or "@api_route(" in source


def test_no_view_module_is_over_500_lines():
    too_long = {
        path.relative_to(PACKAGE).as_posix(): lines
        for package in VIEW_PACKAGES
        for path in sorted((PACKAGE / package).glob("*.py"))
        if _registers_views(source := path.read_text())
        and (lines := len(source.splitlines())) > MAX_VIEW_LINES
    }
    assert too_long == {}


def test_blueprints_are_mounted_where_they_are_registered():
    """No ``Blueprint(...)`` names its own ``url_prefix``: ``create_app`` mounts each one, so the
    app's URL layout reads in one place."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Blueprint"
                and any(k.arg == "url_prefix" for k in node.keywords)
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []
