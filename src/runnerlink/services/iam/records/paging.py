"""IAM's pagination: Marker and MaxItems in, IsTruncated and Marker out (the Marker is opaque to clients)."""

from __future__ import annotations

import base64
import binascii
import json

from runnerlink.services.iam.errors import invalid_input

DEFAULT_MAX_ITEMS = 100


def page(items: list, params: dict, result_key: str) -> dict:
    """{result_key: one page of items, IsTruncated, Marker (only when truncated)}."""
    start = 0
    marker = params.get("Marker")
    if marker:
        try:
            start = int(json.loads(base64.urlsafe_b64decode(marker.encode()))["offset"])
            if start < 0:
                raise ValueError
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise invalid_input("Invalid Marker.") from None
    size = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    end = start + size
    answer: dict = {result_key: items[start:end], "IsTruncated": end < len(items)}
    if end < len(items):
        answer["Marker"] = base64.urlsafe_b64encode(json.dumps({"offset": end}).encode()).decode()
    return answer
