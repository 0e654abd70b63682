"""Connection records: lookups of the connections that exist."""

from __future__ import annotations

from runnerlink.services.apprunner.errors import ResourceNotFound
from runnerlink.services.apprunner.records.kinds import CONNECTION
from runnerlink.services.base import HandlerContext


def live_connections(ctx: HandlerContext) -> list[dict]:
    return [c for c in ctx.tx.scan(CONNECTION) if c["Status"] != "DELETED"]


def get_connection(ctx: HandlerContext, arn: str) -> dict:
    record = ctx.tx.get(CONNECTION, arn)
    if record is None or record["Status"] == "DELETED":
        raise ResourceNotFound(f"The connection {arn} doesn't exist.")
    return record
