"""Service records: lookups, the Status derived from the current operation and the clock, the API view.

A service record is the API's Service dict plus internal fields ("_" prefix). Its Status is never advanced by a
background task: the record keeps its current operation (type, start, duration, the status it leads to) and Status
is derived from the clock whenever the record is read (DESIGN principle 5). Deletion is derived the same way: a
service whose DELETE_SERVICE operation has finished is DELETED — still describable, but no longer live.
"""

from __future__ import annotations

from runnerlink.services.apprunner.errors import ResourceNotFound
from runnerlink.services.apprunner.records import autoscaling as auto_scaling_records
from runnerlink.services.apprunner.records.kinds import AUTO_SCALING, SERVICE
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import finished, public

IN_PROGRESS = "OPERATION_IN_PROGRESS"
RUNNING = "RUNNING"
PAUSED = "PAUSED"
DELETED = "DELETED"
CREATE_FAILED = "CREATE_FAILED"


def derive(ctx: HandlerContext, record: dict) -> dict:
    """Apply the status the current operation gives the service at ctx.now: its target once the clock has run out,
    and, for an operation awaiting a deployment (records.operations), once the deployment's outcome is recorded."""
    op = record["_op"]
    result = op.get("Result")
    if result is None:
        if not op.get("Awaits") and finished(ctx, op["StartedAt"], op["Duration"]):
            status = record["Status"] = op["Target"]  # what outcome_status says of an operation without a result
            if status == DELETED:
                record["DeletedAt"] = op["StartedAt"] + op["Duration"]
        else:
            record["Status"] = IN_PROGRESS
        return record
    duration = max(op["Duration"], result["At"] - op["StartedAt"])
    if finished(ctx, op["StartedAt"], duration):
        record["Status"] = outcome_status(op)
        if record["Status"] == DELETED:
            record["DeletedAt"] = op["StartedAt"] + op["Duration"]
    else:
        record["Status"] = IN_PROGRESS
    return record


def outcome_status(op: dict) -> str:
    """The status a finished operation leaves the service in: a failed creation CREATE_FAILED, a rolled-back
    deployment RUNNING (the previous version still serves), a failed resume PAUSED."""
    result = (op.get("Result") or {}).get("Status", "SUCCEEDED")
    if result == "SUCCEEDED":
        return op["Target"]
    if result == "ROLLBACK_SUCCEEDED":
        return RUNNING
    return PAUSED if op["Type"] == "RESUME_SERVICE" else CREATE_FAILED


def live_services(ctx: HandlerContext, shared: bool = False) -> list[dict]:
    """Every service that isn't DELETED at ctx.now, with its derived Status (internal fields included). shared: for a
    caller that changes no nested object of the records (Transaction.scan_shared)."""
    records = ctx.tx.scan_shared(SERVICE) if shared else ctx.tx.scan(SERVICE)
    services = (derive(ctx, record) for record in records)
    return [s for s in services if s["Status"] != DELETED]


def get_service(ctx: HandlerContext, arn: str, shared: bool = False) -> dict:
    """The service record with its derived Status; a DELETED service is still returned. shared: as live_services'."""
    record = ctx.tx.get_shared(SERVICE, arn) if shared else ctx.tx.get(SERVICE, arn)
    if record is None:
        raise ResourceNotFound(f"Service with the provided ARN doesn't exist: {arn}")
    return derive(ctx, record)


def get_live_service(ctx: HandlerContext, arn: str) -> dict:
    """The service record with its derived Status; a DELETED service doesn't exist here."""
    record = get_service(ctx, arn)
    if record["Status"] == DELETED:
        raise ResourceNotFound(f"Service with the provided ARN has been deleted: {arn}")
    return record


def _auto_scaling_summary(ctx: HandlerContext, record: dict) -> dict:
    """The summary as of now (IsDefault may have moved since the service was configured)."""
    stored = record["AutoScalingConfigurationSummary"]
    current = ctx.tx.get_shared(AUTO_SCALING, stored["AutoScalingConfigurationArn"])  # only read
    return auto_scaling_records.summary(ctx, current) if current is not None else stored


def view(ctx: HandlerContext, record: dict) -> dict:
    """The Service the API returns (sharing the record's nested objects: changes none)."""
    shown = public(record)
    shown["AutoScalingConfigurationSummary"] = _auto_scaling_summary(ctx, record)
    return shown
