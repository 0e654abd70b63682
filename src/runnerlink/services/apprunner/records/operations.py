"""Operations on services: recording one, the services' operation history, each operation's status from the clock."""

from __future__ import annotations

import runnerlink.services.apprunner.ids as ids
from runnerlink.services.apprunner.records import services as service_records
from runnerlink.services.apprunner.records.kinds import OPERATION
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import finished

PENDING_SHARE = 0.1  # an operation is PENDING for the first tenth of its duration, then IN_PROGRESS


def start_operation(ctx: HandlerContext, record: dict, op_type: str, target: str) -> str:
    """Record a new operation on the service; the service is OPERATION_IN_PROGRESS until it ends."""
    op_id = ids.new_operation_id()
    record["_op"] = {"Id": op_id, "Type": op_type, "StartedAt": ctx.now, "Duration": ctx.lifecycle_delay,
                     "Target": target}
    record["UpdatedAt"] = ctx.now
    ctx.tx.put(OPERATION, op_id, {
        "Id": op_id, "Type": op_type, "TargetArn": record["ServiceArn"], "StartedAt": ctx.now,
        "_duration": ctx.lifecycle_delay,
    })
    service_records.derive(ctx, record)
    return op_id


def operations_of(ctx: HandlerContext, service_arn: str) -> list[dict]:
    """The service's operations, newest first (scan order is start order)."""
    return [op for op in reversed(ctx.tx.scan(OPERATION)) if op["TargetArn"] == service_arn]


def summary(ctx: HandlerContext, op: dict) -> dict:
    """The OperationSummary ListOperations returns, with its status at ctx.now."""
    started, duration = op["StartedAt"], op["_duration"]
    shown = {k: op[k] for k in ("Id", "Type", "TargetArn", "StartedAt")}
    if finished(ctx, started, duration):
        shown.update(Status="SUCCEEDED", UpdatedAt=started + duration, EndedAt=started + duration)
    elif finished(ctx, started, duration * PENDING_SHARE):
        shown.update(Status="IN_PROGRESS", UpdatedAt=started + duration * PENDING_SHARE)
    else:
        shown.update(Status="PENDING", UpdatedAt=started)
    return shown
