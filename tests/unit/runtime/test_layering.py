"""runtime/ sits between services/ and server/ (docs/layout.md); shared/tools/check_layers.py predates it, so this
holds both sides of it: runtime never imports server or cli, and no lower layer imports runtime."""

from __future__ import annotations

import ast
from pathlib import Path

import runnerlink

ROOT = Path(runnerlink.__file__).parent
BELOW_RUNTIME = ("services", "network", "policy", "store", "wire", "auth")


def _imported(path: Path) -> set[str]:
    """The runnerlink layers a module imports (absolute imports: the project uses no relative ones)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
        for name in names:
            parts = name.split(".")
            if parts[0] == "runnerlink" and len(parts) > 1:
                found.add(parts[1])
    return found


def _offenders(layer: str, forbidden: set[str]) -> list[str]:
    return [f"{path.relative_to(ROOT)} imports {sorted(_imported(path) & forbidden)}"
            for path in sorted((ROOT / layer).rglob("*.py")) if _imported(path) & forbidden]


def test_runtime_imports_neither_server_nor_cli():
    assert _offenders("runtime", {"server", "cli", "cli_log", "cli_network", "cli_policy", "cli_workloads"}) == []


def test_no_lower_layer_imports_runtime():
    assert [o for layer in BELOW_RUNTIME for o in _offenders(layer, {"runtime"})] == []


def test_the_check_finds_an_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from runnerlink.server.app import EdgeApp\nimport runnerlink.runtime.logs\n")
    assert _imported(module) == {"server", "runtime"}
