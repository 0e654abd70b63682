"""Connections to GitHub / Bitbucket: PENDING_HANDSHAKE until the (local) handshake completes, then AVAILABLE."""

from __future__ import annotations

import runnerlink.services.apprunner.ids as ids
from runnerlink.services.apprunner.errors import InvalidRequest, ServiceQuotaExceeded
from runnerlink.services.apprunner.inputs import TAG_RULES, bad_token
from runnerlink.services.apprunner.records.connections import get_connection, live_connections
from runnerlink.services.apprunner.records.kinds import CONNECTION
from runnerlink.services.apprunner.records.usage import connection_users
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import merge_tags, paginate, public

QUOTA = 10


def create_connection(ctx: HandlerContext, params: dict) -> dict:
    name = params["ConnectionName"]
    live = live_connections(ctx)
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
        "_tags": merge_tags(params.get("Tags"), TAG_RULES),
    }
    ctx.tx.put(CONNECTION, record["ConnectionArn"], record)
    return {"Connection": public(record)}


def delete_connection(ctx: HandlerContext, params: dict) -> dict:
    record = get_connection(ctx, params["ConnectionArn"])
    users = connection_users(ctx, record["ConnectionArn"])
    if users:
        raise InvalidRequest(
            f"The connection {record['ConnectionArn']} is used by {len(users)} service(s); delete them first."
        )
    record["Status"] = "DELETED"
    ctx.tx.delete(CONNECTION, record["ConnectionArn"])
    return {"Connection": public(record)}


def list_connections(ctx: HandlerContext, params: dict) -> dict:
    items = live_connections(ctx)
    if params.get("ConnectionName"):
        items = [c for c in items if c["ConnectionName"] == params["ConnectionName"]]
    page, token = paginate(items, params, bad_token)
    summaries = [public(c) for c in page]
    return {"ConnectionSummaryList": summaries, **({"NextToken": token} if token else {})}


def complete_handshake(ctx: HandlerContext, params: dict) -> dict:
    """runnerlink's stand-in for the console's OAuth handshake: PENDING_HANDSHAKE → AVAILABLE."""
    record = get_connection(ctx, params.get("ConnectionArn", ""))
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
