"""Helpers every App Runner handler module shares: lifecycles derived from time, pagination, tags."""

from __future__ import annotations

import base64
import binascii
import json

from runnerlink.services.apprunner.errors import InvalidRequest
from runnerlink.services.base import HandlerContext

# Store kinds (the record is the API-shaped dict, plus internal fields whose names start with "_").
SERVICE = "service"
OPERATION = "operation"
AUTO_SCALING = "autoscalingconfiguration"
OBSERVABILITY = "observabilityconfiguration"
CONNECTION = "connection"
VPC_CONNECTOR = "vpcconnector"
INGRESS = "vpcingressconnection"
CUSTOM_DOMAIN = "customdomain"

# The resource type in an ARN is the store kind, for every taggable resource.
TAGGABLE = (SERVICE, AUTO_SCALING, OBSERVABILITY, CONNECTION, VPC_CONNECTOR, INGRESS)


def elapsed(ctx: HandlerContext, started_at: float) -> float:
    return ctx.now - started_at


def finished(ctx: HandlerContext, started_at: float, duration: float) -> bool:
    """Whether an asynchronous step begun at started_at, lasting duration seconds, is over at ctx.now.

    Every time-derived decision goes through here or is_gone(), which tell ctx when the answer would change."""
    ends_at = started_at + duration
    ctx.note_change(ends_at)
    return ctx.now >= ends_at


def is_gone(ctx: HandlerContext, record: dict) -> bool:
    """Whether a record's deletion (record["_deleted_at"], when it completes) is over at ctx.now."""
    deleted_at = record.get("_deleted_at")
    if deleted_at is None:
        return False
    ctx.note_change(deleted_at)
    return ctx.now >= deleted_at


def paginate(items: list, params: dict, default_max: int | None = None) -> tuple[list, str | None]:
    """One page of items and the opaque token for the next (None on the last page).

    Without MaxResults, AWS returns every result (the docs' wording); MaxResults bounds are checked by the model.
    """
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            start = int(decoded["offset"])
            if start < 0:
                raise ValueError
        except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
            raise InvalidRequest("The NextToken is not valid. Pass the NextToken of a previous response.") from None
    size = params.get("MaxResults") or default_max or len(items) or 1
    page = items[start:start + size]
    end = start + size
    next_token = None
    if end < len(items):
        next_token = base64.urlsafe_b64encode(json.dumps({"offset": end}).encode()).decode()
    return page, next_token


def check_tags(tags: list[dict] | None) -> list[dict]:
    """Request tags (the model already rejects aws: keys); a later duplicate key wins, as in AWS."""
    merged: dict[str, str] = {}
    for tag in tags or []:
        key = tag.get("Key")
        if key is None:
            raise InvalidRequest("Each tag needs a Key.")
        if key.lower().startswith("aws:"):
            raise InvalidRequest(f"Tag keys starting with 'aws:' are reserved for AWS use: {key}")
        merged[key] = tag.get("Value", "")
    if len(merged) > 50:
        raise InvalidRequest("A resource can have at most 50 tags.")
    return [{"Key": k, "Value": v} for k, v in merged.items()]


def public(record: dict) -> dict:
    """The record without internal fields."""
    return {k: v for k, v in record.items() if not k.startswith("_")}
