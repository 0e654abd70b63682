"""Where each Terraform resource block is declared: the file and line of `resource "TYPE" "NAME"` in a module's
.tf files (a scan, not an HCL parse: a block opens a line of its own)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

_BLOCK = re.compile(r'^[ \t]*resource\s+"([^"]+)"\s+"([^"]+)"\s*\{', re.M)


def _tf_files(module_dir: str | Path) -> Iterator[tuple[Path, str]]:
    """(path, text) of the module directory's .tf files, in name order; unreadable files skipped, a missing
    directory gives nothing."""
    directory = Path(module_dir)
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.tf")):
        try:
            yield path, path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue


def resource_blocks(module_dir: str | Path) -> dict[tuple[str, str], tuple[str, int]]:
    """(type, name) → (file, 1-based line) for every resource block in the module directory's .tf files (not its
    subdirectories: they are other modules). Unreadable files are skipped; a missing directory gives nothing."""
    found: dict[tuple[str, str], tuple[str, int]] = {}
    for path, text in _tf_files(module_dir):
        for match in _BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.setdefault((match.group(1), match.group(2)), (str(path), line))
    return found


_MODULE = re.compile(r'^[ \t]*module\s+"([^"]+)"\s*\{', re.M)
_SOURCE = re.compile(r'^[ \t]*source\s*=\s*"([^"]*)"', re.M)


def module_sources(module_dir: str | Path) -> dict[str, str]:
    """Module call name → its `source`, for the `module "NAME" { source = "…" }` blocks of a module directory (the
    state's JSON has no configuration to say it)."""
    found: dict[str, str] = {}
    for _, text in _tf_files(module_dir):
        for match in _MODULE.finditer(text):
            source = _SOURCE.search(text, match.end())
            following = _MODULE.search(text, match.end())
            if source and (following is None or source.start() < following.start()):
                found.setdefault(match.group(1), source.group(1))
    return found


def module_dir(root: str | Path, module: str, sources: dict[str, str] | None = None) -> Path | None:
    """The directory of a module path ("module.net.module.endpoints", instance keys ignored) under the root
    module's directory: local sources ("./…", "../…") as written in the configuration (`sources`: module path →
    source, from the plan's configuration) or, failing that, in the .tf files. None for a registry or git module."""
    directory = Path(root)
    path = ""
    for name in re.findall(r"module\.([A-Za-z0-9_-]+)", module):
        path = f"{path + '.' if path else ''}module.{name}"
        source = (sources or {}).get(path) or module_sources(directory).get(name)
        if not source or not source.startswith(("./", "../")):
            return None
        directory = (directory / source).resolve()
    return directory
