"""A service's source, checked out into a directory of its own: a git branch's files, or a plain directory's copy."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path, PurePosixPath


class CheckoutError(Exception):
    """The source can't be checked out; str() says why, naming the directory, branch or SourceDirectory."""


def checkout(directory: Path, version: dict | None, source_directory: str | None, dest: Path) -> Path:
    """Copy the repository at `directory` into `dest` (which must not exist) at `version` (SourceCodeVersion; None:
    the checked-out branch) and return the app root, dest/source_directory. A directory that isn't a git repository
    is copied as it is (without .git), whatever the version."""
    directory, dest = Path(directory), Path(dest)
    if not directory.is_dir():
        raise CheckoutError(f"source directory {directory} does not exist")
    if dest.exists():
        raise CheckoutError(f"checkout destination {dest} already exists")
    relative = _relative_source_directory(source_directory)
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        if _is_repository(directory):
            commit = _commit_of(directory, version)
            dest.mkdir()
            _extract(directory, commit, dest)
        else:
            shutil.copytree(directory, dest, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        root = dest.joinpath(*relative.parts) if relative.parts else dest
        if not root.resolve().is_relative_to(dest.resolve()):
            raise CheckoutError(f"SourceDirectory {source_directory!r} leads outside the repository")
        if not root.is_dir():
            raise CheckoutError(f"SourceDirectory {source_directory!r} is not a directory of the repository "
                                f"in {directory}")
        return root
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)  # dest must not exist for a retry
        raise


def _relative_source_directory(source_directory: str | None) -> PurePosixPath:
    """SourceDirectory as a path inside the repository: "/", "" and None are its root; a leading "/" is allowed."""
    path = PurePosixPath((source_directory or "").lstrip("/"))
    parts = [part for part in path.parts if part != "."]
    depth = 0
    for part in parts:
        depth += -1 if part == ".." else 1
        if depth < 0:
            raise CheckoutError(f"SourceDirectory {source_directory!r} leads outside the repository")
    return PurePosixPath(*parts)


def _git(directory: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True)


def _is_repository(directory: Path) -> bool:
    """directory is a work tree's top or a bare repository itself (not merely somewhere inside another one)."""
    if shutil.which("git") is None:
        return (directory / ".git").exists()
    top = _git(directory, "rev-parse", "--show-toplevel")
    if top.returncode == 0 and top.stdout.strip():
        return Path(top.stdout.strip()).resolve() == directory.resolve()
    bare = _git(directory, "rev-parse", "--is-bare-repository", "--absolute-git-dir")
    lines = bare.stdout.split()
    return bare.returncode == 0 and lines[:1] == ["true"] and Path(lines[1]).resolve() == directory.resolve()


def _commit_of(directory: Path, version: dict | None) -> str:
    if version is None:
        branch = "HEAD"
    else:
        if version.get("Type") != "BRANCH":
            raise CheckoutError(f"SourceCodeVersion.Type must be BRANCH, not {version.get('Type')!r}")
        branch = version.get("Value") or ""
        if not branch:
            raise CheckoutError("SourceCodeVersion.Value (the branch) is empty")
    refs = ["HEAD"] if branch == "HEAD" else [f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"]
    for ref in refs:
        found = _git(directory, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        if found.returncode == 0:
            return found.stdout.strip()
    if branch == "HEAD":
        raise CheckoutError(f"the repository in {directory} has no commits")
    listed = _git(directory, "for-each-ref", "--format=%(refname:short)", "refs/heads").stdout.split()
    raise CheckoutError(f"branch {branch} does not exist in {directory} "
                        f"(branches: {', '.join(listed) if listed else 'none'})")


def _extract(directory: Path, commit: str, dest: Path) -> None:
    archive = subprocess.Popen(["git", "-C", str(directory), "archive", "--format=tar", commit],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
            tar.extractall(dest, filter="data")  # refuses absolute paths and links leading out of dest
    except tarfile.TarError as exc:
        archive.kill()
        raise CheckoutError(f"the files of {commit[:12]} in {directory} could not be extracted: {exc}") from None
    finally:
        archive.stdout.close()
        stderr = archive.stderr.read().decode(errors="replace").strip()
        archive.stderr.close()
        returncode = archive.wait()
    if returncode != 0:
        raise CheckoutError(f"git archive of {commit[:12]} in {directory} failed: {stderr}")
