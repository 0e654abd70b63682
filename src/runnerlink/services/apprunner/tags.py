"""TagResource, UntagResource, ListTagsForResource over every taggable resource (tags live in the record's _tags)."""

from __future__ import annotations

from runnerlink.services.apprunner.errors import InvalidRequest, ResourceNotFound
from runnerlink.services.apprunner.ids import parse_arn
from runnerlink.services.apprunner.inputs import TAG_RULES
from runnerlink.services.apprunner.records.kinds import TAGGABLE
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import is_gone, merge_tags


def _resource(ctx: HandlerContext, arn: str) -> tuple[str, dict]:
    parsed = parse_arn(arn, "ResourceArn")
    if parsed.resource_type not in TAGGABLE:
        raise InvalidRequest(f"The resource {arn} can't be tagged.")
    record = ctx.tx.get(parsed.resource_type, arn)
    if record is None or is_gone(ctx, record, field="_deleted_at"):
        raise ResourceNotFound(f"The resource {arn} doesn't exist.")
    return parsed.resource_type, record


def tag_resource(ctx: HandlerContext, params: dict) -> dict:
    kind, record = _resource(ctx, params["ResourceArn"])
    tags = {t["Key"]: t["Value"] for t in record.get("_tags", [])}
    tags.update({t["Key"]: t["Value"] for t in merge_tags(params["Tags"], TAG_RULES)})
    record["_tags"] = merge_tags([{"Key": k, "Value": v} for k, v in tags.items()], TAG_RULES)
    ctx.tx.put(kind, params["ResourceArn"], record)
    return {}


def untag_resource(ctx: HandlerContext, params: dict) -> dict:
    kind, record = _resource(ctx, params["ResourceArn"])
    remove = set(params["TagKeys"])
    record["_tags"] = [t for t in record.get("_tags", []) if t["Key"] not in remove]
    ctx.tx.put(kind, params["ResourceArn"], record)
    return {}


def list_tags_for_resource(ctx: HandlerContext, params: dict) -> dict:
    _, record = _resource(ctx, params["ResourceArn"])
    return {"Tags": record.get("_tags", [])}


HANDLERS = {
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}
READ_ONLY = {"ListTagsForResource"}
ADMIN: dict = {}
