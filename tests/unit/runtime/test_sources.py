from __future__ import annotations

import os
from pathlib import Path

import pytest

from runnerlink.runtime.sources import MappingError, SourceMap


def test_flags_and_variables_are_merged_and_flags_win(tmp_path):
    env = {"RUNNERLINK_SOURCES": f"https://github.com/o/a={tmp_path}/a-env,\nhttps://github.com/o/b={tmp_path}/b\n",
           "RUNNERLINK_IMAGES": "public.ecr.aws/x/y=python3 -m http.server, again\nmy/img:1=./serve --flag=1"}
    mapping = SourceMap.parse([f"https://github.com/o/a.git/={tmp_path}/a-flag"], ["public.ecr.aws/x/y=./flag"], env)
    assert mapping.directory_for("https://github.com/o/a") == tmp_path / "a-flag"
    assert mapping.directory_for("https://github.com/o/b") == tmp_path / "b"
    assert len(mapping.sources) == 2
    assert dict(mapping.images) == {"public.ecr.aws/x/y": "./flag", "my/img:1": "./serve --flag=1"}


def test_directories_are_made_absolute_with_home_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    mapping = SourceMap.parse(["https://h/o/r=~/code", "https://h/o/s=rel/dir"], [], {})
    assert mapping.sources == {"https://h/o/r": str(tmp_path / "code"), "https://h/o/s": str(tmp_path / "rel/dir")}


def test_urls_match_ignoring_trailing_slash_git_suffix_and_host_case():
    mapping = SourceMap.parse(["https://GitHub.com/Owner/App.git=/src/app"], [], {})
    for url in ("https://github.com/Owner/App", "https://github.com/Owner/App/", "https://GITHUB.COM/Owner/App.git"):
        assert mapping.directory_for(url) == Path("/src/app")
    assert mapping.directory_for("https://github.com/owner/app") is None  # the path keeps its case
    assert mapping.directory_for("https://github.com/Owner/Other") is None


def test_file_urls_are_their_own_path():
    mapping = SourceMap.parse([], [], {})
    assert mapping.directory_for("file:///srv/repos/my%20app") == Path("/srv/repos/my app")
    assert mapping.directory_for("file://localhost/srv/repo") == Path("/srv/repo")
    assert mapping.directory_for("file://otherhost/srv/repo") is None


def test_images_match_exactly_or_ignoring_a_tag_or_digest_one_side_leaves_out():
    mapping = SourceMap.parse([], ["public.ecr.aws/x/y=untagged", "localhost:5000/app:2=two",
                                   "localhost:5000/app:3=three"], {})
    assert mapping.command_for("public.ecr.aws/x/y") == "untagged"
    assert mapping.command_for("public.ecr.aws/x/y:latest") == "untagged"
    assert mapping.command_for("public.ecr.aws/x/y@sha256:abc") == "untagged"
    assert mapping.command_for("localhost:5000/app:3") == "three"
    assert mapping.command_for("localhost:5000/app") == "two"
    assert mapping.command_for("localhost:5000/app:4") is None  # a different tag is a different image
    assert mapping.command_for("public.ecr.aws/x/z") is None
    assert SourceMap.parse([], ["repo/img:latest=cmd"], {}).command_for("repo/img") == "cmd"


@pytest.mark.parametrize("sources,images,env,words", [
    (["https://h/o/r"], [], {}, ["--source", "'https://h/o/r'", "URL=DIR"]),
    ([], ["=cmd"], {}, ["--image", "IMAGE=COMMAND"]),
    ([], [], {"RUNNERLINK_SOURCES": "https://h/o/r=/d,broken"}, ["RUNNERLINK_SOURCES", "'broken'"]),
    ([], [], {"RUNNERLINK_IMAGES": "img="}, ["RUNNERLINK_IMAGES", "'img='"]),
])
def test_bad_entries_are_mapping_errors_naming_them(sources, images, env, words):
    with pytest.raises(MappingError) as info:
        SourceMap.parse(sources, images, env)
    for word in words:
        assert word in str(info.value)


def test_blank_entries_are_skipped():
    mapping = SourceMap.parse([], [], {"RUNNERLINK_SOURCES": " , \nhttps://h/o/r=/d,\n", "RUNNERLINK_IMAGES": "\n\n"})
    assert (dict(mapping.sources), dict(mapping.images)) == ({"https://h/o/r": os.path.abspath("/d")}, {})
