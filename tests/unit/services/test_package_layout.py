"""The house each service lives in: operation modules (those declaring HANDLERS) import the records floor and
shared helpers, never one another; nothing below them imports an operation module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import runnerlink.services

SERVICES = Path(runnerlink.services.__file__).parent
PACKAGES = sorted(p for p in SERVICES.iterdir() if (p / "__init__.py").exists())


def _declares_handlers(tree: ast.Module) -> bool:
    return any(isinstance(node, (ast.Assign, ast.AnnAssign)) and any(
        isinstance(target, ast.Name) and target.id == "HANDLERS"
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])) for node in tree.body)


def _imported(tree: ast.Module, package: str) -> set[str]:
    """Module names (relative to the service package) that tree imports from it."""
    prefix = f"runnerlink.services.{package}"
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found.update(name[len(prefix) + 1:] for name in names if name.startswith(prefix + "."))
    return found


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_operation_modules_import_only_what_lies_below_them(package):
    trees = {".".join(path.relative_to(package).with_suffix("").parts): ast.parse(path.read_text(encoding="utf-8"))
             for path in package.rglob("*.py") if path.name != "__init__.py"}
    operations = {name for name, tree in trees.items() if _declares_handlers(tree)}
    wrong = {name: sorted(_imported(tree, package.name) & operations) for name, tree in trees.items()}
    assert {name: found for name, found in wrong.items() if found} == {}
    assert not any(name.startswith("records.") for name in operations)
