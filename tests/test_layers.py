"""The architecture holds in the code (DESIGN.md §1): readers import neither Flask nor SQLAlchemy, services and
the CLI never import the web layer, pure modules do not reach into services, and nothing imports in a circle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "travelmap"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str) -> set[str]:
    """Every module this one imports, at the top or inside functions (travelmap modules by full name)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level else (node.module or "")
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in MODULES else target)
    return {name for name in found if name != module}


GRAPH = {module: _imports(module) for module in MODULES}


def _reaches(module: str) -> set[str]:
    seen: set[str] = set()
    todo = [module]
    while todo:
        for target in GRAPH.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_no_module_imports_itself_through_others():
    cycles = [m for m in MODULES if m in _reaches(m)]
    assert cycles == []


@pytest.mark.parametrize("module", ["travelmap.gpx", "travelmap.photos", "travelmap.geo", "travelmap.trackstats",
                                    "travelmap.localtime", "travelmap.visibility", "travelmap.validate",
                                    "travelmap.errors", "travelmap.text", "travelmap.places"])
def test_a_pure_module_reaches_neither_flask_nor_sqlalchemy(module):
    reached = {name.split(".")[0] for name in _reaches(module)}
    assert not reached & {"flask", "flask_login", "flask_wtf", "werkzeug", "sqlalchemy", "alembic"}


def test_importing_the_readers_really_loads_no_flask_or_sqlalchemy():
    code = ("import sys, travelmap.gpx, travelmap.photos, travelmap.geo; "
            "print(sorted(m for m in ('flask', 'sqlalchemy', 'werkzeug') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    assert out == "[]"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("travelmap.services") or
                                          m in {"travelmap.cli", "travelmap.maps", "travelmap.exports",
                                                "travelmap.preview", "travelmap.profile", "travelmap.models"}))
def test_services_the_cli_and_the_pure_layer_never_import_the_web_layer(module):
    assert not {m for m in GRAPH[module] if m.startswith("travelmap.views")}


@pytest.mark.parametrize("module", ["travelmap.maps", "travelmap.exports", "travelmap.preview", "travelmap.profile",
                                    "travelmap.trackstats", "travelmap.geo", "travelmap.gpx", "travelmap.photos"])
def test_pure_modules_do_not_reach_into_services(module):
    assert not {m for m in _reaches(module) if m.startswith("travelmap.services")}
