"""Where a service's source comes from on this machine: repository URLs mapped to local directories, and image
identifiers mapped to stand-in commands (from --source/--image flags and RUNNERLINK_SOURCES/RUNNERLINK_IMAGES)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping
from urllib.parse import unquote, urlsplit

SOURCES_VARIABLE = "RUNNERLINK_SOURCES"
IMAGES_VARIABLE = "RUNNERLINK_IMAGES"


class MappingError(ValueError):
    """A --source/--image value or a RUNNERLINK_SOURCES/RUNNERLINK_IMAGES entry that isn't KEY=VALUE."""


@dataclass(frozen=True)
class SourceMap:
    sources: Mapping[str, str]
    images: Mapping[str, str]

    @classmethod
    def parse(cls, source_args: list[str], image_args: list[str], env: Mapping[str, str]) -> "SourceMap":
        """Flags win over the variables for the same repository or image. RUNNERLINK_SOURCES entries are separated
        by newlines or commas; RUNNERLINK_IMAGES only by newlines (a command may contain commas)."""
        sources: dict[str, str] = {}
        found = [(entry, SOURCES_VARIABLE) for entry in re.split(r"[\n,]", env.get(SOURCES_VARIABLE, ""))]
        for entry, where in found + [(arg, "--source") for arg in source_args]:
            if entry.strip():
                url, directory = _split(entry, where, "URL=DIR")
                key = _normal_url(url)
                sources = {k: v for k, v in sources.items() if _normal_url(k) != key}
                sources[url] = os.path.abspath(os.path.expanduser(directory))
        images: dict[str, str] = {}
        found = [(entry, IMAGES_VARIABLE) for entry in env.get(IMAGES_VARIABLE, "").split("\n")]
        for entry, where in found + [(arg, "--image") for arg in image_args]:
            if entry.strip():
                image, command = _split(entry, where, "IMAGE=COMMAND")
                images[image] = command
        return cls(MappingProxyType(sources), MappingProxyType(images))

    def directory_for(self, repository_url: str) -> Path | None:
        """A file:// URL's own path, else the mapped directory (ignoring a trailing "/" or ".git" and the host's
        case); None when nothing maps it."""
        parts = urlsplit(repository_url.strip())
        if parts.scheme.lower() == "file" and parts.netloc.lower() in ("", "localhost"):
            return Path(unquote(parts.path))
        key = _normal_url(repository_url)
        for url, directory in self.sources.items():
            if _normal_url(url) == key:
                return Path(directory)
        return None

    def command_for(self, image_identifier: str) -> str | None:
        """The stand-in command of an image: an exact match, else one whose identifier differs only by a tag or
        digest that one side leaves out ("public.ecr.aws/x/y" serves "public.ecr.aws/x/y:latest" and back)."""
        image_identifier = image_identifier.strip()
        if image_identifier in self.images:
            return self.images[image_identifier]
        wanted, wanted_tag = _split_tag(image_identifier)
        for image, command in self.images.items():
            name, tag = _split_tag(image)
            if name == wanted and (tag is None or wanted_tag is None):
                return command
        return None


def _split(entry: str, where: str, form: str) -> tuple[str, str]:
    key, sep, value = entry.strip().partition("=")
    if not sep or not key.strip() or not value.strip():
        raise MappingError(f"{where} entry {entry.strip()!r} is not {form}")
    return key.strip(), value.strip()


def _normal_url(url: str) -> str:
    parts = urlsplit(url.strip())
    path = parts.path
    while path.endswith("/") or path.endswith(".git"):
        path = path[:-1] if path.endswith("/") else path[:-4]
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}" if parts.scheme else path


def _split_tag(image: str) -> tuple[str, str | None]:
    """The repository and the tag or digest of an image identifier. A ":" before the last "/" is a registry's
    port, not a tag."""
    name, at, digest = image.partition("@")
    if at:
        return name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name, "@" + digest
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        repository, tag = name.rsplit(":", 1)
        return repository, tag
    return name, None
