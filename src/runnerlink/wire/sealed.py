"""Output dicts their maker never changes again, so the JSON protocol may keep their serialized form with them.

A handler that keeps a view between requests (services.common.derived) hands it out as a Sealed dict: the first
serialization against an output shape keeps the JSON bytes (as an orjson.Fragment) on the dict, and each later answer
embeds them as they are instead of walking and encoding the dict again.
"""

from __future__ import annotations

from typing import Any


class Sealed(dict):
    """A dict that neither it nor anything nested in it changes after it is made (nothing enforces it: the maker
    promises it). Equal to the plain dict of the same items."""

    __slots__ = ("serialized",)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.serialized: tuple[object, Any] | None = None  # (the shape it was serialized against, the fragment)
