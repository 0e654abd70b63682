"""Operations on services: recording one, the services' operation history, each operation's status.

An operation's status comes from the clock (it lasts ctx.lifecycle_delay), except where the server runs the
service's application: then an operation that brings the service up (create, update, deployment, resume) waits for
the deployment's outcome, which the runtime records (records.deployments.finish), and ends no earlier than the clock
would have ended it."""

from __future__ import annotations

import runnerlink.services.apprunner.ids as ids
from runnerlink.services.apprunner.records import services as service_records
from runnerlink.services.apprunner.records.kinds import OPERATION
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import finished

PENDING_SHARE = 0.1  # an operation is PENDING for the first tenth of its duration, then IN_PROGRESS
# The operations after which the service runs its application: where the server runs applications, they await it.
DEPLOYING = frozenset({"CREATE_SERVICE", "UPDATE_SERVICE", "START_DEPLOYMENT", "RESUME_SERVICE"})


def start_operation(ctx: HandlerContext, record: dict, op_type: str, target: str) -> str:
    """Record a new operation on the service; the service is OPERATION_IN_PROGRESS until it ends."""
    op_id = ids.new_operation_id()
    awaits = False
    if ctx.run_check is not None and op_type in DEPLOYING:
        record["_unrunnable"] = ctx.run_check(record)
        awaits = record["_unrunnable"] is None
    record["_op"] = {"Id": op_id, "Type": op_type, "StartedAt": ctx.now, "Duration": ctx.lifecycle_delay,
                     "Target": target, "Awaits": awaits}
    record["UpdatedAt"] = ctx.now
    ctx.tx.put(OPERATION, op_id, {
        "Id": op_id, "Type": op_type, "TargetArn": record["ServiceArn"], "StartedAt": ctx.now,
        "_duration": ctx.lifecycle_delay, "_awaits": awaits,
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
    result = op.get("_result")
    if result is not None:
        duration = max(duration, result["At"] - started)
    if finished(ctx, started, duration) and (result is not None or not op.get("_awaits")):
        status = result["Status"] if result is not None else "SUCCEEDED"
        shown.update(Status=status, UpdatedAt=started + duration, EndedAt=started + duration)
    elif finished(ctx, started, duration * PENDING_SHARE):
        shown.update(Status="IN_PROGRESS", UpdatedAt=started + duration * PENDING_SHARE)
    else:
        shown.update(Status="PENDING", UpdatedAt=started)
    return shown
