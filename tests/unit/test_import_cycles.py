"""No import cycles inside src/runnerlink: every import counts (module level, inside functions, under
TYPE_CHECKING), so a function-local import can't hide a cycle either."""

from __future__ import annotations

import ast
from pathlib import Path

import runnerlink

ROOT = Path(runnerlink.__file__).parent
PACKAGE = ROOT.name


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The runnerlink modules `name` makes Python load. `from pkg import sub` loads pkg/__init__ too, unless pkg is
    an ancestor of `name` (already loading by then)."""
    is_package = path.name == "__init__.py"
    own = name.split(".")
    targets: set[str] = set()

    def add(module: str, via_package: bool = False) -> None:
        if module == name or module not in modules:
            return
        if via_package and own[:len(module.split("."))] == module.split("."):
            return
        targets.add(module)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                for end in range(1, len(parts) + 1):
                    add(".".join(parts[:end]), via_package=end < len(parts))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = own if is_package else own[:-1]
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if not module.startswith(PACKAGE):
                continue
            submodules = [f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in modules]
            for sub in submodules:
                add(sub)
            parts = module.split(".")
            for end in range(1, len(parts) + 1):
                add(".".join(parts[:end]), via_package=end < len(parts) or len(submodules) == len(node.names))
    return targets


def import_cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    modules = _modules()
    edges = {name: _imports(name, path, modules) for name, path in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for name in sorted(modules):
        if name not in index:
            visit(name)
    return groups


def test_there_are_no_import_cycles():
    assert import_cycles() == []


def test_the_checker_sees_a_cycle(tmp_path, monkeypatch):
    package = tmp_path / PACKAGE
    (package / "inner").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "inner" / "__init__.py").write_text("from runnerlink.inner import a\n")
    (package / "inner" / "a.py").write_text("def f():\n    from runnerlink.inner import b\n")
    (package / "inner" / "b.py").write_text("from runnerlink.inner.a import f\n")
    (package / "inner" / "c.py").write_text("from runnerlink.inner import b\n")  # into its own package: no edge
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", package)
    assert import_cycles() == [["runnerlink.inner.a", "runnerlink.inner.b"]]
