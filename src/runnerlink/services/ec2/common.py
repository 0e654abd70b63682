"""What every EC2 handler module shares: lookups with AWS's NotFound/Malformed codes, Describe* with ids, filters and
pages, tags (TagSpecifications, tag filters), time-derived states.

Records are stored under their kind (the TagSpecification ResourceType: "vpc", "subnet", "vpc-endpoint" …) keyed by
id, shaped as the API's member names (VpcId, CidrBlock, Tags …) so the ec2 serializer renders them directly; internal
fields start with "_".
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import ids
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue, not_found

# A filter reads one value, or a list of values, from a record.
FilterField = Callable[[dict], object]


@dataclass(frozen=True)
class Kind:
    """How one resource kind is looked up, described and named in errors."""

    name: str  # store kind == TagSpecification ResourceType
    prefix: str  # id prefix ("vpc")
    id_field: str  # the record's id member ("VpcId")
    code: str  # error code prefix ("InvalidVpcID")
    noun: str  # for "The <noun> '<id>' does not exist" ("vpc ID")
    filters: dict[str, FilterField]  # filter name → value(s); tag filters are added for every kind
    # The filter whose values are VPC ids matched exactly against the record's VpcId, the parent it is stored under:
    # Describe* with it reads only those VPCs' records (set only where filters[parent_filter] reads r["VpcId"]).
    parent_filter: str | None = None

    def get(self, ctx: HandlerContext, resource_id: str) -> dict:
        """The record, or AWS's Malformed / NotFound error."""
        if not ids.is_well_formed(resource_id, self.prefix):
            raise EC2Error(f"{self.code}.Malformed", f'Invalid id: "{resource_id}" (expecting "{self.prefix}-...")')
        record = ctx.tx.get(self.name, resource_id)
        if record is None or is_gone(ctx, record):
            raise not_found(self.code, self.noun, resource_id)
        return record

    def find(self, ctx: HandlerContext, resource_id: str) -> dict | None:
        record = ctx.tx.get(self.name, resource_id) if ids.is_well_formed(resource_id, self.prefix) else None
        return None if record is None or is_gone(ctx, record) else record

    def put(self, ctx: HandlerContext, record: dict) -> None:
        put_record(ctx, self.name, record[self.id_field], record)

    def all(self, ctx: HandlerContext) -> list[dict]:
        return [r for r in ctx.tx.scan(self.name) if not is_gone(ctx, r)]

    def in_vpc(self, ctx: HandlerContext, vpc_id: str | Iterable[str]) -> list[dict]:
        """The records whose VpcId is vpc_id (one of them), through the store's parent index: all(ctx) filtered by
        VpcId, without reading the other VPCs' records (none for None: no record has VpcId None)."""
        if vpc_id is None:
            return []
        return [r for r in ctx.tx.scan(self.name, parent=vpc_id) if not is_gone(ctx, r)]

    def candidates(self, ctx: HandlerContext, filters: list[dict] | None) -> list[dict]:
        """What Describe* filters: all(ctx), or just the records of the VPCs a parent_filter names when its values
        are plain ids (no wildcards). The filters still run on the result, so the answer is the same either way."""
        if self.parent_filter:
            for spec in filters or []:
                if spec.get("Name") == self.parent_filter:
                    values = spec.get("Values") or []
                    if all(isinstance(v, str) and "*" not in v and "?" not in v for v in values):
                        return self.in_vpc(ctx, values)
        return self.all(ctx)

    def describe(self, ctx: HandlerContext, params: dict, ids_param: str | None, derive: Callable | None = None,
                 paged: bool = True) -> tuple[list[dict], str | None]:
        """Describe*: the records named by params[ids_param] (all named must exist), filtered, one page of them.
        Only the named records (or a parent_filter's VPCs' records) are read and derived."""
        wanted = params.get(ids_param) if ids_param else None
        if wanted:
            records = []
            for resource_id in dict.fromkeys(wanted):
                record = self.get(ctx, resource_id)  # raises Malformed / NotFound
                if derive is not None:
                    record = derive(ctx, record)
                    if record is None:
                        raise not_found(self.code, self.noun, resource_id)
                records.append(record)
        else:
            records = self.candidates(ctx, params.get("Filters"))
            if derive is not None:
                records = [derive(ctx, r) for r in records]
                records = [r for r in records if r is not None]
        records = apply_filters(records, params.get("Filters"), self.filters)
        if not paged:
            return records, None
        return paginate(records, params)


def put_record(ctx: HandlerContext, kind: str, key: str, record: dict) -> None:
    """Every EC2 write goes through here: the record is stored under its VPC (its "VpcId", when it has one), the parent
    Kind.in_vpc and Describe*'s vpc-id filter read by. A put without it would drop the record from that index."""
    vpc_id = record.get("VpcId")
    ctx.tx.put(kind, key, record, parent=vpc_id if isinstance(vpc_id, str) and vpc_id else None)


def is_gone(ctx: HandlerContext, record: dict) -> bool:
    """Whether a record's deletion (its "_gone_at" instant) is over at ctx.now."""
    gone_at = record.get("_gone_at")
    return gone_at is not None and ctx.now >= gone_at


def finished(ctx: HandlerContext, started_at: float, duration: float) -> bool:
    """Whether a step begun at started_at, lasting duration seconds, is over at ctx.now."""
    return ctx.now >= started_at + duration


# --- filters ---------------------------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _wildcard(pattern: str) -> re.Pattern:
    """A filter value: * matches any run of characters, ? any one; everything else is literal."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


def _as_strings(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [s for item in value for s in _as_strings(item)]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return [str(value)]


def _tag_filter(name: str) -> FilterField | None:
    if name.startswith("tag:"):
        key = name[4:]
        return lambda r: [t["Value"] for t in r.get("Tags") or [] if t["Key"] == key]
    if name == "tag-key":
        return lambda r: [t["Key"] for t in r.get("Tags") or []]
    if name == "tag-value":
        return lambda r: [t["Value"] for t in r.get("Tags") or []]
    return None


def apply_filters(records: list[dict], filters: list[dict] | None, fields: dict[str, FilterField]) -> list[dict]:
    """AWS's filter semantics: every filter must match (AND), any of a filter's values may match (OR); values may
    use * and ? wildcards; an unknown filter name is InvalidParameterValue."""
    for spec in filters or []:
        name = spec.get("Name", "")
        field = fields.get(name) or _tag_filter(name)
        if field is None:
            raise InvalidParameterValue(f"The filter '{name}' is invalid")
        patterns = [_wildcard(v) for v in spec.get("Values") or []]
        records = [r for r in records if any(p.fullmatch(s) for s in _as_strings(field(r)) for p in patterns)]
    return records


# --- pages -----------------------------------------------------------------------------------------------------------

def paginate(items: list, params: dict, default_max: int = 1000) -> tuple[list, str | None]:
    """One page and the next token; None on the last page (Terraform loops while a token is present)."""
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            start = int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
            if start < 0:
                raise ValueError
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise InvalidParameterValue("Unable to parse pagination token", code="InvalidNextToken") from None
    size = params.get("MaxResults") or default_max
    end = start + size
    next_token = base64.urlsafe_b64encode(json.dumps({"offset": end}).encode()).decode() if end < len(items) else None
    return items[start:end], next_token


def page(key: str, items: list, token: str | None) -> dict:
    return {key: items, **({"NextToken": token} if token else {})}


# --- tags ------------------------------------------------------------------------------------------------------------

def check_tags(tags: Iterable[dict]) -> list[dict]:
    merged: dict[str, str] = {}
    for tag in tags:
        key = tag.get("Key", "")
        if key.lower().startswith("aws:"):
            raise InvalidParameterValue(f"Tag keys starting with 'aws:' are reserved for internal use: {key}",
                                        code="InvalidParameterValue")
        merged[key] = tag.get("Value", "")
    if len(merged) > 50:
        raise EC2Error("TagLimitExceeded", "The maximum number of tags (50) for a resource has been exceeded.")
    return [{"Key": k, "Value": v} for k, v in merged.items()]


def tags_for(params: dict, resource_type: str) -> list[dict]:
    """The tags a Create* request's TagSpecifications give to the resource type it creates."""
    tags: list[dict] = []
    for spec in params.get("TagSpecifications") or []:
        kind = spec.get("ResourceType")
        if kind and kind != resource_type:
            raise InvalidParameterValue(
                f"'{kind}' is not a valid taggable resource type for this operation.", code="InvalidParameterValue"
            )
        tags.extend(spec.get("Tags") or [])
    return check_tags(tags)
