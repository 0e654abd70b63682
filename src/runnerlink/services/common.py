"""What every service's records share: lifecycles derived from time, pages with opaque tokens, tags.

Every time-derived decision goes through `finished` or `is_gone`, which tell the handler context when the answer
would change: the edge's read cache and the subnet gateway's path cache keep an answer until then, never longer.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, TypeVar

from runnerlink.services.base import HandlerContext

TAG_LIMIT = 50
T = TypeVar("T")


def finished(ctx: HandlerContext, started_at: float, duration: float = 0.0) -> bool:
    """Whether a step begun at started_at, lasting duration seconds, is over at ctx.now."""
    ends_at = started_at + duration
    ctx.note_change(ends_at)
    return ctx.now >= ends_at


def derived(ctx: HandlerContext, key: Hashable, build: Callable[[], T]) -> T:
    """build(), or what it gave an earlier read of this scope at the same store generation, while the instants it
    derived from the clock (finished) still hold: from when it was built until the first of them. The value is shared
    by every request that gets it, so neither build's caller nor anyone after may change it (wire.sealed.Sealed)."""
    key = (key, ctx.lifecycle_delay)  # the one setting views derive from besides records and the clock
    kept = ctx.tx.derived(key)
    if kept is not None:
        built_at, valid_until, value = kept
        if built_at <= ctx.now < valid_until:  # a clock stepped back may not see a value from its "future"
            ctx.note_change(valid_until)
            return value
    outer, ctx.changes_at = ctx.changes_at, math.inf
    try:
        value = build()
        valid_until = ctx.changes_at
    finally:
        ctx.changes_at = min(outer, ctx.changes_at)
    ctx.tx.keep_derived(key, (ctx.now, valid_until, value))
    return value


def is_gone(ctx: HandlerContext, record: dict, field: str = "_gone_at") -> bool:
    """Whether a record's deletion (the instant in record[field], when it completes) is over at ctx.now."""
    gone_at = record.get(field)
    return gone_at is not None and finished(ctx, gone_at)


def paginate(items: list, params: dict, bad_token: Callable[[], Exception],
             default_max: int | None = None) -> tuple[list, str | None]:
    """One page of items (MaxResults, else default_max, else all) and the opaque token for the next; None on the last
    page (Terraform and the SDK paginators loop while a token is present). A token we didn't issue: bad_token()."""
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            start = int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
            if start < 0:
                raise ValueError
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise bad_token() from None
    size = params.get("MaxResults") or default_max or len(items) or 1
    end = start + size
    # json.dumps({"offset": end}), spelled out: it is the same text, and this runs on every listing
    next_token = base64.urlsafe_b64encode(b'{"offset": %d}' % end).decode() if end < len(items) else None
    return items[start:end], next_token


@dataclass(frozen=True)
class TagRules:
    """A service's errors for tags it refuses."""

    reserved: Callable[[str], Exception]  # a key starting with aws:
    too_many: Callable[[int], Exception]  # more than `limit` keys
    missing_key: Callable[[], Exception] | None = None  # None: a missing Key is the empty key
    limit: int = TAG_LIMIT


def merge_tags(tags: Iterable[dict] | None, rules: TagRules) -> list[dict]:
    """Request tags as stored: a later duplicate key wins, as on AWS; aws: keys and too many keys are refused."""
    merged: dict[str, str] = {}
    for tag in tags or []:
        key = tag.get("Key")
        if key is None:
            if rules.missing_key is not None:
                raise rules.missing_key()
            key = ""
        if key.lower().startswith("aws:"):
            raise rules.reserved(key)
        merged[key] = tag.get("Value", "")
    if len(merged) > rules.limit:
        raise rules.too_many(rules.limit)
    return [{"Key": k, "Value": v} for k, v in merged.items()]


def public(record: dict) -> dict:
    """The record without internal fields (whose names start with "_")."""
    return {k: v for k, v in record.items() if not k.startswith("_")}
