"""The import rules of docs/architecture.md (import-linter contracts in pyproject.toml) hold; a wrong import
breaks the rule it violates."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH puts `tree` before the editable install, so the copy is what gets analysed.
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold(tree: Path) -> None:
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("importer", "imported", "forbidden"),
    [
        ("app.domain", "app.pipeline.jobs", "app.pipeline"),  # layers
        ("app.ports", "app.db.tables", "app.db"),
        ("app.pipeline", "app.adapters.creatio", "app.adapters"),
        ("app.web", "app.bootstrap.runtime", "app.bootstrap"),
        ("app.web", "app.adapters.chat.delivery", "app.adapters"),  # web-no-adapters
        ("app.adapters.chat", "app.adapters.creatio", "app.adapters.creatio"),  # adapters-independent
        ("app.web.console", "app.web.demo", "app.web.demo"),  # console-no-demo
        ("app.sandbox", "app.db.tables", "app.db"),  # sandbox-emulates
        ("app.bootstrap", "app.sandbox.app", "app.sandbox"),  # sandbox-only-dev
    ],
)
def test_a_wrong_import_breaks_the_rule_it_violates(
    tree: Path, importer: str, imported: str, forbidden: str
) -> None:
    (tree.joinpath(*importer.split(".")) / "wrong.py").write_text(f"import {imported}  # noqa: F401\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert f"{importer} is not allowed to import {forbidden}" in result.stdout, result.stdout


def test_no_import_cycle_between_packages_or_modules() -> None:
    """At every depth (app.web, app.web.console, app.web.console.login, ...) the imports form no cycle."""
    graph = grimp.build_graph("app")
    for depth in (2, 3, 4):
        edges: dict[str, set[str]] = {}
        for module in graph.modules:
            source = ".".join(module.split(".")[:depth])
            for imported in graph.find_modules_directly_imported_by(module):
                target = ".".join(imported.split(".")[:depth])
                if source != target and source.count(".") == target.count(".") == depth - 1:
                    edges.setdefault(source, set()).add(target)
        assert _cycle(edges) is None, f"import cycle at depth {depth}: {' -> '.join(_cycle(edges) or [])}"


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, as the nodes along it, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(edges.get(node, ())):
            found = visit(target, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(edges):
        found = visit(start, [])
        if found:
            return found
    return None
