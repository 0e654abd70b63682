"""App Runner services: create, describe, update, delete, pause, resume, deploy, list them and their operations.

The configuration blocks sent are validated and merged by service_configuration; the record's derived Status, its
view and its operations live in records.services and records.operations.
"""

from __future__ import annotations

import runnerlink.services.apprunner.ids as ids
from runnerlink.services.apprunner import instance_role
from runnerlink.services.apprunner.errors import InvalidRequest, InvalidState, ServiceQuotaExceeded
from runnerlink.services.apprunner.inputs import TAG_RULES, bad_token
from runnerlink.services.apprunner.records import custom_domains as custom_domain_records
from runnerlink.services.apprunner.records import deployments as deployment_records
from runnerlink.services.apprunner.records import ingress as ingress_records
from runnerlink.services.apprunner.records import operations as operation_records
from runnerlink.services.apprunner.records.kinds import SERVICE
from runnerlink.services.apprunner.records.services import (
    CREATE_FAILED, DELETED, IN_PROGRESS, PAUSED, RUNNING, get_live_service, get_service, live_services, view,
)
from runnerlink.services.apprunner.service_configuration import configure
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import derived, merge_tags, paginate
from runnerlink.wire.sealed import Sealed

QUOTA = 30


# --- the status an operation needs -----------------------------------------------------------------------------------

def _require_settled(record: dict, action: str) -> None:
    if record["Status"] == IN_PROGRESS:
        raise InvalidState(
            f"You can't {action} service {record['ServiceName']}: its status is {IN_PROGRESS}. "
            "Wait for the current operation to finish, then retry."
        )


def _require_running(record: dict, action: str, also: tuple[str, ...] = ()) -> None:
    _require_settled(record, action)
    if record["Status"] != RUNNING and record["Status"] not in also:
        raise InvalidState(
            f"You can't {action} service {record['ServiceName']}: its status is {record['Status']}. "
            f"The service must be {' or '.join((RUNNING, *also))}."
        )


# --- handlers --------------------------------------------------------------------------------------------------------

def create_service(ctx: HandlerContext, params: dict) -> dict:
    name = params["ServiceName"]
    live = live_services(ctx)
    if any(s["ServiceName"] == name for s in live):
        raise InvalidRequest(f"Service with the provided name already exists: {name}")
    if len(live) >= QUOTA:
        raise ServiceQuotaExceeded(f"You have reached the maximum number of services ({QUOTA}) in this region.")
    service_id = ids.new_id()
    record: dict = {
        "ServiceName": name,
        "ServiceId": service_id,
        "ServiceArn": ids.arn(ctx.region, ctx.account, f"service/{name}/{service_id}"),
        "CreatedAt": ctx.now,
        "UpdatedAt": ctx.now,
        "_dns_target": ids.service_url(ctx.region),
        "_tags": merge_tags(params.get("Tags"), TAG_RULES),
    }
    configure(ctx, record, params, creating=True)
    instance_role.check_configured(ctx.tx, instance_role.iam_identity(), record)
    if "EncryptionConfiguration" in params:
        record["EncryptionConfiguration"] = params["EncryptionConfiguration"]
    op_id = operation_records.start_operation(ctx, record, "CREATE_SERVICE", RUNNING)
    ctx.tx.put(SERVICE, record["ServiceArn"], record)
    return {"Service": view(ctx, record), "OperationId": op_id}


def describe_service(ctx: HandlerContext, params: dict) -> dict:
    arn = params["ServiceArn"]
    # Kept per generation (services.common.derived): the view of a record that hasn't changed is built, and
    # serialized, once; a service that doesn't exist raises again each time.
    return {"Service": derived(ctx, ("ServiceView", arn),
                               lambda: Sealed(view(ctx, get_service(ctx, arn, shared=True))))}


def update_service(ctx: HandlerContext, params: dict) -> dict:
    record = get_live_service(ctx, params["ServiceArn"])
    _require_running(record, "update", also=(CREATE_FAILED,))  # updating is how a failed creation is fixed
    deployment_records.remember_configuration(record)
    configure(ctx, record, params, creating=False)
    instance_role.check_configured(ctx.tx, instance_role.iam_identity(), record)
    op_id = operation_records.start_operation(ctx, record, "UPDATE_SERVICE", RUNNING)
    ctx.tx.put(SERVICE, record["ServiceArn"], record)
    return {"Service": view(ctx, record), "OperationId": op_id}


def delete_service(ctx: HandlerContext, params: dict) -> dict:
    record = get_live_service(ctx, params["ServiceArn"])
    _require_settled(record, "delete")
    if ingress_records.active_for_service(ctx, record["ServiceArn"]):
        raise InvalidState(
            f"You can't delete service {record['ServiceName']}: it has an active VPC ingress connection. "
            "Delete the VPC ingress connection first."
        )
    custom_domain_records.remove_for_service(ctx, record["ServiceArn"])
    op_id = operation_records.start_operation(ctx, record, "DELETE_SERVICE", DELETED)
    # When deletion completes; written now because nothing writes later. Status itself comes from the operation.
    record["_deleted_at"] = ctx.now + ctx.lifecycle_delay
    ctx.tx.put(SERVICE, record["ServiceArn"], record)
    return {"Service": view(ctx, record), "OperationId": op_id}


def pause_service(ctx: HandlerContext, params: dict) -> dict:
    record = get_live_service(ctx, params["ServiceArn"])
    _require_running(record, "pause")
    op_id = operation_records.start_operation(ctx, record, "PAUSE_SERVICE", PAUSED)
    ctx.tx.put(SERVICE, record["ServiceArn"], record)
    return {"Service": view(ctx, record), "OperationId": op_id}


def resume_service(ctx: HandlerContext, params: dict) -> dict:
    record = get_live_service(ctx, params["ServiceArn"])
    _require_settled(record, "resume")
    if record["Status"] != PAUSED:
        raise InvalidState(
            f"You can't resume service {record['ServiceName']}: its status is {record['Status']}. "
            f"Only a {PAUSED} service can be resumed."
        )
    op_id = operation_records.start_operation(ctx, record, "RESUME_SERVICE", RUNNING)
    ctx.tx.put(SERVICE, record["ServiceArn"], record)
    return {"Service": view(ctx, record), "OperationId": op_id}


def start_deployment(ctx: HandlerContext, params: dict) -> dict:
    record = get_live_service(ctx, params["ServiceArn"])
    _require_running(record, "start a deployment of")
    record.pop("_previous", None)  # nothing to restore: a failed deployment leaves the configuration as it is
    op_id = operation_records.start_operation(ctx, record, "START_DEPLOYMENT", RUNNING)
    ctx.tx.put(SERVICE, record["ServiceArn"], record)
    return {"OperationId": op_id}


_SUMMARY_KEYS = ("ServiceName", "ServiceId", "ServiceArn", "ServiceUrl", "CreatedAt", "UpdatedAt", "Status")


def _live_summaries(ctx: HandlerContext) -> tuple[Sealed, ...]:
    return tuple(Sealed({k: s[k] for k in _SUMMARY_KEYS if k in s}) for s in live_services(ctx, shared=True))


def list_services(ctx: HandlerContext, params: dict) -> dict:
    # The scope's summaries are kept per generation like describe_service's views; each page is cut from them.
    summaries = derived(ctx, "ServiceSummaries", lambda: _live_summaries(ctx))
    page, token = paginate(summaries, params, bad_token)  # type: ignore[arg-type]
    return {"ServiceSummaryList": list(page), **({"NextToken": token} if token else {})}


def list_operations(ctx: HandlerContext, params: dict) -> dict:
    arn = get_service(ctx, params["ServiceArn"])["ServiceArn"]
    page, token = paginate(operation_records.operations_of(ctx, arn), params, bad_token)
    summaries = [operation_records.summary(ctx, op) for op in page]
    return {"OperationSummaryList": summaries, **({"NextToken": token} if token else {})}


HANDLERS = {
    "CreateService": create_service,
    "DescribeService": describe_service,
    "UpdateService": update_service,
    "DeleteService": delete_service,
    "PauseService": pause_service,
    "ResumeService": resume_service,
    "StartDeployment": start_deployment,
    "ListServices": list_services,
    "ListOperations": list_operations,
}
READ_ONLY = {"DescribeService", "ListServices", "ListOperations"}
ADMIN: dict = {}
