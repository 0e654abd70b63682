from __future__ import annotations

import os
import subprocess

import pytest

from runnerlink.runtime.workspace import CheckoutError, checkout

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env={**os.environ, **GIT_ENV})


@pytest.fixture
def repo(tmp_path):
    """main: app.py, web/index.html, run.sh (executable); feature: app.py changed, feature.txt added. The work tree
    is left on main with an uncommitted change."""
    repo = tmp_path / "repo"
    (repo / "web").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    (repo / "app.py").write_text("print('main')\n")
    (repo / "web" / "index.html").write_text("<h1>main</h1>\n")
    (repo / "run.sh").write_text("#!/bin/sh\necho run\n")
    (repo / "run.sh").chmod(0o755)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "main")
    _git(repo, "checkout", "-q", "-b", "feature")
    (repo / "app.py").write_text("print('feature')\n")
    (repo / "feature.txt").write_text("only on feature\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "feature")
    _git(repo, "checkout", "-q", "main")
    (repo / "app.py").write_text("print('uncommitted')\n")
    return repo


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_branch_is_checked_out_as_its_commit(repo, tmp_path):
    root = checkout(repo, {"Type": "BRANCH", "Value": "feature"}, "/", tmp_path / "out")
    assert root == tmp_path / "out"
    assert _files(root) == ["app.py", "feature.txt", "run.sh", "web/index.html"]
    assert (root / "app.py").read_text() == "print('feature')\n"
    assert os.access(root / "run.sh", os.X_OK)


def test_the_other_branch_has_its_own_files_and_not_the_uncommitted_change(repo, tmp_path):
    root = checkout(repo, {"Type": "BRANCH", "Value": "main"}, None, tmp_path / "out")
    assert _files(root) == ["app.py", "run.sh", "web/index.html"]
    assert (root / "app.py").read_text() == "print('main')\n"


def test_a_missing_branch_names_the_branches_there_are(repo, tmp_path):
    with pytest.raises(CheckoutError) as info:
        checkout(repo, {"Type": "BRANCH", "Value": "release"}, None, tmp_path / "out")
    assert str(info.value) == f"branch release does not exist in {repo} (branches: feature, main)"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("source_directory", ["web", "/web", "/web/", "./web"])
def test_the_source_directory_is_the_app_root(repo, tmp_path, source_directory):
    root = checkout(repo, {"Type": "BRANCH", "Value": "main"}, source_directory, tmp_path / "out")
    assert root == tmp_path / "out" / "web"
    assert _files(root) == ["index.html"]


@pytest.mark.parametrize("source_directory,words", [("../repo", "outside"), ("/web/../..", "outside"),
                                                    ("/nope", "not a directory"), ("app.py", "not a directory")])
def test_a_source_directory_that_escapes_or_is_missing_is_refused(repo, tmp_path, source_directory, words):
    with pytest.raises(CheckoutError, match=words):
        checkout(repo, {"Type": "BRANCH", "Value": "main"}, source_directory, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_plain_directory_is_copied_as_it_is_without_git(tmp_path):
    plain = tmp_path / "plain"
    (plain / ".git").mkdir(parents=True)  # not a repository git knows, still never copied
    (plain / ".git" / "junk").write_text("x")
    (plain / "src").mkdir()
    (plain / "src" / "main.go").write_text("package main\n")
    root = checkout(plain, {"Type": "BRANCH", "Value": "main"}, "/src", tmp_path / "out")
    assert _files(tmp_path / "out") == ["src/main.go"]
    assert root == tmp_path / "out" / "src"


def test_a_directory_inside_a_repository_is_copied_not_archived(repo, tmp_path):
    root = checkout(repo / "web", {"Type": "BRANCH", "Value": "feature"}, None, tmp_path / "out")
    assert _files(root) == ["index.html"]


def test_a_bare_repository_is_checked_out_by_branch(repo, tmp_path):
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True, capture_output=True)
    root = checkout(bare, {"Type": "BRANCH", "Value": "feature"}, None, tmp_path / "out")
    assert (root / "feature.txt").exists()


def test_missing_directory_and_existing_destination_are_refused(repo, tmp_path):
    with pytest.raises(CheckoutError, match="does not exist"):
        checkout(tmp_path / "nowhere", None, None, tmp_path / "out")
    (tmp_path / "taken").mkdir()
    with pytest.raises(CheckoutError, match="already exists"):
        checkout(repo, None, None, tmp_path / "taken")


def test_no_version_means_the_checked_out_branch(repo, tmp_path):
    root = checkout(repo, None, None, tmp_path / "out")
    assert (root / "app.py").read_text() == "print('main')\n"
