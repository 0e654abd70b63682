"""Connections to GitHub / Bitbucket: PENDING_HANDSHAKE until the (local) handshake completes, then AVAILABLE."""

from __future__ import annotations

from runnerlink.services.apprunner import ids
from runnerlink.services.apprunner.common import CONNECTION, check_tags, paginate, public
from runnerlink.services.apprunner.errors import InvalidRequest, ResourceNotFound, ServiceQuotaExceeded
from runnerlink.services.base import HandlerContext

QUOTA = 10


def _live(ctx: HandlerContext) -> list[dict]:
    return [c for c in ctx.tx.scan(CONNECTION) if c["Status"] != "DELETED"]


def create_connection(ctx: HandlerContext, params: dict) -> dict:
    name = params["ConnectionName"]
    live = _live(ctx)
    if any(c["ConnectionName"] == name for c in live):
        raise InvalidRequest(f"A connection with the name {name} already exists in this account and region.")
    if len(live) >= QUOTA:
        raise ServiceQuotaExceeded(f"You have reached the maximum number of connections ({QUOTA}) in this region.")
    connection_id = ids.new_id()
    record = {
        "ConnectionName": name,
        "ConnectionArn": ids.arn(ctx.region, ctx.account, f"connection/{name}/{connection_id}"),
        "ProviderType": params["ProviderType"],
        "Status": "PENDING_HANDSHAKE",
        "CreatedAt": ctx.now,
        "_tags": check_tags(params.get("Tags")),
    }
    ctx.tx.put(CONNECTION, record["ConnectionArn"], record)
    return {"Connection": public(record)}


def _get(ctx: HandlerContext, arn: str) -> dict:
    record = ctx.tx.get(CONNECTION, arn)
    if record is None or record["Status"] == "DELETED":
        raise ResourceNotFound(f"The connection {arn} doesn't exist.")
    return record


def delete_connection(ctx: HandlerContext, params: dict) -> dict:
    record = _get(ctx, params["ConnectionArn"])
    from runnerlink.services.apprunner import services

    users = [s for s in services.live_services(ctx) if s.get("_connection_arn") == record["ConnectionArn"]]
    if users:
        raise InvalidRequest(
            f"The connection {record['ConnectionArn']} is used by {len(users)} service(s); delete them first."
        )
    record["Status"] = "DELETED"
    ctx.tx.delete(CONNECTION, record["ConnectionArn"])
    return {"Connection": public(record)}


def list_connections(ctx: HandlerContext, params: dict) -> dict:
    items = _live(ctx)
    if params.get("ConnectionName"):
        items = [c for c in items if c["ConnectionName"] == params["ConnectionName"]]
    page, token = paginate(items, params)
    summaries = [public(c) for c in page]
    return {"ConnectionSummaryList": summaries, **({"NextToken": token} if token else {})}


def complete_handshake(ctx: HandlerContext, params: dict) -> dict:
    """runnerlink's stand-in for the console's OAuth handshake: PENDING_HANDSHAKE → AVAILABLE."""
    record = _get(ctx, params.get("ConnectionArn", ""))
    record["Status"] = "AVAILABLE"
    ctx.tx.put(CONNECTION, record["ConnectionArn"], record)
    return {"Connection": public(record)}


HANDLERS = {
    "CreateConnection": create_connection,
    "DeleteConnection": delete_connection,
    "ListConnections": list_connections,
}
READ_ONLY = {"ListConnections"}
ADMIN = {"complete-connection-handshake": complete_handshake}
