"""App Runner services and their operations.

A service record is the API's Service dict plus internal fields ("_" prefix). Its Status is never advanced by a
background task: the record keeps its current operation (type, start, duration, the status it leads to) and Status
is derived from the clock whenever the record is read (DESIGN principle 5). Deletion is derived the same way: a
service whose DELETE_SERVICE operation has finished is DELETED — still describable, but no longer live.
"""

from __future__ import annotations

import re

from runnerlink.services.apprunner import ids
from runnerlink.services.apprunner.common import (
    AUTO_SCALING, CONNECTION, OPERATION, SERVICE, check_tags, finished, paginate, public,
)
from runnerlink.services.apprunner.errors import InvalidRequest, InvalidState, ResourceNotFound, ServiceQuotaExceeded
from runnerlink.services.base import HandlerContext

QUOTA = 30
IN_PROGRESS = "OPERATION_IN_PROGRESS"
RUNNING = "RUNNING"
PAUSED = "PAUSED"
DELETED = "DELETED"

DEFAULT_HEALTH_CHECK = {"Protocol": "TCP", "Path": "/", "Interval": 5, "Timeout": 2, "HealthyThreshold": 1,
                        "UnhealthyThreshold": 5}
DEFAULT_CPU = "1024"
DEFAULT_MEMORY = "2048"
# vCPU units → the memory sizes (MB) App Runner offers with them.
INSTANCE_SIZES = {
    "256": ("512", "1024"),
    "512": ("1024",),
    "1024": ("2048", "3072", "4096"),
    "2048": ("4096", "6144"),
    "4096": ("8192", "10240", "12288"),
}
PENDING_SHARE = 0.1  # an operation is PENDING for the first tenth of its duration, then IN_PROGRESS

_PRIVATE_ECR = re.compile(r"\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/.+")
_PUBLIC_ECR = re.compile(r"public\.ecr\.aws/.+/.+")


# --- derived state ---------------------------------------------------------------------------------------------------

def _derive(ctx: HandlerContext, record: dict) -> dict:
    """Apply the status the current operation gives the service at ctx.now."""
    op = record["_op"]
    if finished(ctx, op["StartedAt"], op["Duration"]):
        record["Status"] = op["Target"]
        if op["Target"] == DELETED:
            record["DeletedAt"] = op["StartedAt"] + op["Duration"]
    else:
        record["Status"] = IN_PROGRESS
    return record


def live_services(ctx: HandlerContext) -> list[dict]:
    """Every service that isn't DELETED at ctx.now, with its derived Status (internal fields included)."""
    services = (_derive(ctx, record) for record in ctx.tx.scan(SERVICE))
    return [s for s in services if s["Status"] != DELETED]


def get_service(ctx: HandlerContext, arn: str) -> dict:
    """The service record with its derived Status; a DELETED service is still returned."""
    record = ctx.tx.get(SERVICE, arn)
    if record is None:
        raise ResourceNotFound(f"Service with the provided ARN doesn't exist: {arn}")
    return _derive(ctx, record)


def _get_live(ctx: HandlerContext, arn: str) -> dict:
    record = get_service(ctx, arn)
    if record["Status"] == DELETED:
        raise ResourceNotFound(f"Service with the provided ARN has been deleted: {arn}")
    return record


def _require_settled(record: dict, action: str) -> None:
    if record["Status"] == IN_PROGRESS:
        raise InvalidState(
            f"You can't {action} service {record['ServiceName']}: its status is {IN_PROGRESS}. "
            "Wait for the current operation to finish, then retry."
        )


def _require_running(record: dict, action: str) -> None:
    _require_settled(record, action)
    if record["Status"] != RUNNING:
        raise InvalidState(
            f"You can't {action} service {record['ServiceName']}: its status is {record['Status']}. "
            f"The service must be {RUNNING}."
        )


def _auto_scaling_summary(ctx: HandlerContext, record: dict) -> dict:
    """The summary as of now (IsDefault may have moved since the service was configured)."""
    from runnerlink.services.apprunner import autoscaling

    stored = record["AutoScalingConfigurationSummary"]
    current = ctx.tx.get(AUTO_SCALING, stored["AutoScalingConfigurationArn"])
    return autoscaling.summary(ctx, current) if current is not None else stored


def _view(ctx: HandlerContext, record: dict) -> dict:
    view = public(record)
    view["AutoScalingConfigurationSummary"] = _auto_scaling_summary(ctx, record)
    return view


# --- operations ------------------------------------------------------------------------------------------------------

def _start_operation(ctx: HandlerContext, record: dict, op_type: str, target: str) -> str:
    """Record a new operation on the service; the service is OPERATION_IN_PROGRESS until it ends."""
    op_id = ids.new_operation_id()
    record["_op"] = {"Id": op_id, "Type": op_type, "StartedAt": ctx.now, "Duration": ctx.lifecycle_delay,
                     "Target": target}
    record["UpdatedAt"] = ctx.now
    ctx.tx.put(OPERATION, op_id, {
        "Id": op_id, "Type": op_type, "TargetArn": record["ServiceArn"], "StartedAt": ctx.now,
        "_duration": ctx.lifecycle_delay,
    })
    _derive(ctx, record)
    return op_id


def _operation_summary(ctx: HandlerContext, op: dict) -> dict:
    started, duration = op["StartedAt"], op["_duration"]
    summary = {k: op[k] for k in ("Id", "Type", "TargetArn", "StartedAt")}
    if finished(ctx, started, duration):
        summary.update(Status="SUCCEEDED", UpdatedAt=started + duration, EndedAt=started + duration)
    elif finished(ctx, started, duration * PENDING_SHARE):
        summary.update(Status="IN_PROGRESS", UpdatedAt=started + duration * PENDING_SHARE)
    else:
        summary.update(Status="PENDING", UpdatedAt=started)
    return summary


# --- configuration ---------------------------------------------------------------------------------------------------

def _normalize_cpu(value: str) -> str:
    if value.endswith(" vCPU"):
        return str(int(float(value[:-len(" vCPU")]) * 1024))
    return value


def _normalize_memory(value: str) -> str:
    if value.endswith(" GB"):
        return str(int(float(value[:-len(" GB")]) * 1024))
    return value


def _instance(old: dict | None, sent: dict | None) -> dict:
    merged = {"Cpu": DEFAULT_CPU, "Memory": DEFAULT_MEMORY, **(old or {}), **(sent or {})}
    merged["Cpu"] = _normalize_cpu(merged["Cpu"])
    merged["Memory"] = _normalize_memory(merged["Memory"])
    allowed = INSTANCE_SIZES.get(merged["Cpu"], ())
    if merged["Memory"] not in allowed:
        offered = ", ".join(allowed) or "none"
        raise InvalidRequest(
            f"The instance configuration Cpu {merged['Cpu']} with Memory {merged['Memory']} isn't supported. "
            f"Memory values supported with Cpu {merged['Cpu']}: {offered}."
        )
    return merged


def _health_check(old: dict | None, sent: dict | None) -> dict:
    return {**DEFAULT_HEALTH_CHECK, **(old or {}), **(sent or {})}


def _network(ctx: HandlerContext, old: dict | None, sent: dict | None) -> dict:
    """Each sub-block sent replaces the old one whole: an IngressConfiguration sent as {} means private (Terraform
    omits a false IsPubliclyAccessible), and an EgressConfiguration without a connector drops the old connector."""
    network = old or {"EgressConfiguration": {"EgressType": "DEFAULT"},
                      "IngressConfiguration": {"IsPubliclyAccessible": True}, "IpAddressType": "IPV4"}
    network = dict(network)
    sent = sent or {}
    if "EgressConfiguration" in sent:
        network["EgressConfiguration"] = _egress(ctx, sent["EgressConfiguration"])
    if "IngressConfiguration" in sent:
        public_access = bool(sent["IngressConfiguration"].get("IsPubliclyAccessible", False))
        network["IngressConfiguration"] = {"IsPubliclyAccessible": public_access}
    if "IpAddressType" in sent:
        network["IpAddressType"] = sent["IpAddressType"]
    return network


def _egress(ctx: HandlerContext, sent: dict) -> dict:
    egress_type = sent.get("EgressType", "DEFAULT")
    connector_arn = sent.get("VpcConnectorArn")
    if egress_type == "DEFAULT":
        if connector_arn:
            raise InvalidRequest("VpcConnectorArn is only valid when EgressType is VPC.")
        return {"EgressType": "DEFAULT"}
    if not connector_arn:
        raise InvalidRequest("EgressType VPC requires a VpcConnectorArn.")
    from runnerlink.services.apprunner import vpc_connectors

    vpc_connectors.resolve_vpc_connector(ctx, connector_arn)
    return {"EgressType": "VPC", "VpcConnectorArn": connector_arn}


def _observability(ctx: HandlerContext, sent: dict) -> dict:
    if not sent.get("ObservabilityEnabled"):
        return {**sent, "ObservabilityEnabled": False}
    arn = sent.get("ObservabilityConfigurationArn")
    if not arn:
        raise InvalidRequest("ObservabilityConfigurationArn is required when ObservabilityEnabled is true.")
    from runnerlink.services.apprunner import observability

    record = observability.resolve_observability(ctx, arn)
    return {"ObservabilityEnabled": True, "ObservabilityConfigurationArn": record["ObservabilityConfigurationArn"]}


def _auto_scaling(ctx: HandlerContext, arn: str | None) -> dict:
    """The AutoScalingConfigurationSummary for the configuration arn names (full or partial), or the default."""
    from runnerlink.services.apprunner import autoscaling

    record = autoscaling.resolve_auto_scaling(ctx, arn) if arn else autoscaling.default_auto_scaling(ctx)
    return autoscaling.summary(ctx, record)


# --- source configuration --------------------------------------------------------------------------------------------

def _source(ctx: HandlerContext, old: dict | None, sent: dict) -> dict:
    if "ImageRepository" in sent and "CodeRepository" in sent:
        raise InvalidRequest("SourceConfiguration must specify either ImageRepository or CodeRepository, not both.")
    source = _merge_source(old, sent) if old else dict(sent)
    image, code = source.get("ImageRepository"), source.get("CodeRepository")
    if not image and not code:
        raise InvalidRequest("SourceConfiguration must specify either ImageRepository or CodeRepository.")
    if image:
        _check_image(source, image)
    else:
        _check_code(ctx, source, code, creating=old is None)
    return source


def _merge_source(old: dict, sent: dict) -> dict:
    """UpdateService: a repository sent replaces the old one (keeping a CodeConfiguration/SourceDirectory that
    wasn't resent, as CodeConfiguration is only required on create); other members sent replace theirs."""
    kind = "ImageRepository" if "ImageRepository" in old else "CodeRepository"
    other = "CodeRepository" if kind == "ImageRepository" else "ImageRepository"
    if other in sent:
        raise InvalidRequest(
            f"You can't switch service source from {kind} to {other}; create a new service instead."
        )
    source = {**old, **sent}
    if kind == "CodeRepository" and "CodeRepository" in sent:
        kept = {k: v for k, v in old["CodeRepository"].items() if k in ("CodeConfiguration", "SourceDirectory")}
        source["CodeRepository"] = {**kept, **sent["CodeRepository"]}
    return source


def _check_image(source: dict, image: dict) -> None:
    identifier, repo_type = image["ImageIdentifier"], image["ImageRepositoryType"]
    if repo_type == "ECR" and not _PRIVATE_ECR.fullmatch(identifier):
        raise InvalidRequest(
            f"The image identifier {identifier} isn't an Amazon ECR private image "
            "(<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]), as ImageRepositoryType ECR needs."
        )
    if repo_type == "ECR_PUBLIC" and not _PUBLIC_ECR.fullmatch(identifier):
        raise InvalidRequest(
            f"The image identifier {identifier} isn't an Amazon ECR Public image "
            "(public.ecr.aws/<alias>/<repository>[:tag|@digest]), as ImageRepositoryType ECR_PUBLIC needs."
        )
    auth = source.get("AuthenticationConfiguration") or {}
    if repo_type == "ECR" and not auth.get("AccessRoleArn"):
        raise InvalidRequest(
            "An image from a private Amazon ECR repository needs AuthenticationConfiguration.AccessRoleArn, "
            "a role App Runner can assume to pull it."
        )
    source.setdefault("AutoDeploymentsEnabled", repo_type != "ECR_PUBLIC")
    if repo_type == "ECR_PUBLIC" and source["AutoDeploymentsEnabled"]:
        raise InvalidRequest(
            "App Runner doesn't support automatic deployments for an image in an ECR Public repository."
        )


def _check_code(ctx: HandlerContext, source: dict, code: dict, creating: bool) -> None:
    connection_arn = (source.get("AuthenticationConfiguration") or {}).get("ConnectionArn")
    if not connection_arn:
        raise InvalidRequest(
            "A code repository needs AuthenticationConfiguration.ConnectionArn, an App Runner connection to it."
        )
    connection = ctx.tx.get(CONNECTION, connection_arn)
    if connection is None or connection.get("Status") == "DELETED":
        raise InvalidRequest(f"The connection {connection_arn} doesn't exist.")
    if connection.get("Status") != "AVAILABLE":
        raise InvalidRequest(
            f"The connection {connection_arn} is {connection.get('Status')}; complete its handshake so it's "
            "AVAILABLE before using it."
        )
    configuration = code.get("CodeConfiguration")
    if creating and not configuration:
        raise InvalidRequest("CodeRepository.CodeConfiguration is required when creating a service.")
    if configuration and configuration["ConfigurationSource"] == "API" \
            and not configuration.get("CodeConfigurationValues"):
        raise InvalidRequest("CodeConfigurationValues is required when ConfigurationSource is API.")
    source.setdefault("AutoDeploymentsEnabled", True)


def _configure(ctx: HandlerContext, record: dict, params: dict, creating: bool) -> None:
    """Validate the configuration blocks sent and merge them into the record (creating: fill the defaults)."""
    if "SourceConfiguration" in params:
        record["SourceConfiguration"] = _source(ctx, record.get("SourceConfiguration"), params["SourceConfiguration"])
        auth = record["SourceConfiguration"].get("AuthenticationConfiguration") or {}
        record["_connection_arn"] = auth.get("ConnectionArn")
    if creating or "InstanceConfiguration" in params:
        record["InstanceConfiguration"] = _instance(record.get("InstanceConfiguration"),
                                                    params.get("InstanceConfiguration"))
    if creating or "HealthCheckConfiguration" in params:
        record["HealthCheckConfiguration"] = _health_check(record.get("HealthCheckConfiguration"),
                                                           params.get("HealthCheckConfiguration"))
    if creating or "NetworkConfiguration" in params:
        record["NetworkConfiguration"] = _network(ctx, record.get("NetworkConfiguration"),
                                                  params.get("NetworkConfiguration"))
    if creating or "AutoScalingConfigurationArn" in params:
        record["AutoScalingConfigurationSummary"] = _auto_scaling(ctx, params.get("AutoScalingConfigurationArn"))
    if "ObservabilityConfiguration" in params:
        record["ObservabilityConfiguration"] = _observability(ctx, params["ObservabilityConfiguration"])
    _apply_url(record)


def _apply_url(record: dict) -> None:
    """Public services show their domain as ServiceUrl; private ones have none (it stays reachable as DNSTarget)."""
    if record["NetworkConfiguration"]["IngressConfiguration"]["IsPubliclyAccessible"]:
        record["ServiceUrl"] = record["_dns_target"]
    else:
        record.pop("ServiceUrl", None)


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
        "_tags": check_tags(params.get("Tags")),
    }
    _configure(ctx, record, params, creating=True)
    if "EncryptionConfiguration" in params:
        record["EncryptionConfiguration"] = params["EncryptionConfiguration"]
    op_id = _start_operation(ctx, record, "CREATE_SERVICE", RUNNING)
    ctx.tx.put(SERVICE, record["ServiceArn"], record)
    return {"Service": _view(ctx, record), "OperationId": op_id}


def describe_service(ctx: HandlerContext, params: dict) -> dict:
    return {"Service": _view(ctx, get_service(ctx, params["ServiceArn"]))}


def update_service(ctx: HandlerContext, params: dict) -> dict:
    record = _get_live(ctx, params["ServiceArn"])
    _require_running(record, "update")
    _configure(ctx, record, params, creating=False)
    op_id = _start_operation(ctx, record, "UPDATE_SERVICE", RUNNING)
    ctx.tx.put(SERVICE, record["ServiceArn"], record)
    return {"Service": _view(ctx, record), "OperationId": op_id}


def _active_ingress(ctx: HandlerContext, service_arn: str) -> list[dict]:
    from runnerlink.services.apprunner import ingress

    return ingress.active_for_service(ctx, service_arn)


def delete_service(ctx: HandlerContext, params: dict) -> dict:
    record = _get_live(ctx, params["ServiceArn"])
    _require_settled(record, "delete")
    if _active_ingress(ctx, record["ServiceArn"]):
        raise InvalidState(
            f"You can't delete service {record['ServiceName']}: it has an active VPC ingress connection. "
            "Delete the VPC ingress connection first."
        )
    from runnerlink.services.apprunner import custom_domains

    custom_domains.remove_for_service(ctx, record["ServiceArn"])
    op_id = _start_operation(ctx, record, "DELETE_SERVICE", DELETED)
    # When deletion completes; written now because nothing writes later. Status itself comes from the operation.
    record["_deleted_at"] = ctx.now + ctx.lifecycle_delay
    ctx.tx.put(SERVICE, record["ServiceArn"], record)
    return {"Service": _view(ctx, record), "OperationId": op_id}


def pause_service(ctx: HandlerContext, params: dict) -> dict:
    record = _get_live(ctx, params["ServiceArn"])
    _require_running(record, "pause")
    op_id = _start_operation(ctx, record, "PAUSE_SERVICE", PAUSED)
    ctx.tx.put(SERVICE, record["ServiceArn"], record)
    return {"Service": _view(ctx, record), "OperationId": op_id}


def resume_service(ctx: HandlerContext, params: dict) -> dict:
    record = _get_live(ctx, params["ServiceArn"])
    _require_settled(record, "resume")
    if record["Status"] != PAUSED:
        raise InvalidState(
            f"You can't resume service {record['ServiceName']}: its status is {record['Status']}. "
            f"Only a {PAUSED} service can be resumed."
        )
    op_id = _start_operation(ctx, record, "RESUME_SERVICE", RUNNING)
    ctx.tx.put(SERVICE, record["ServiceArn"], record)
    return {"Service": _view(ctx, record), "OperationId": op_id}


def start_deployment(ctx: HandlerContext, params: dict) -> dict:
    record = _get_live(ctx, params["ServiceArn"])
    _require_running(record, "start a deployment of")
    op_id = _start_operation(ctx, record, "START_DEPLOYMENT", RUNNING)
    ctx.tx.put(SERVICE, record["ServiceArn"], record)
    return {"OperationId": op_id}


def list_services(ctx: HandlerContext, params: dict) -> dict:
    page, token = paginate(live_services(ctx), params)
    keys = ("ServiceName", "ServiceId", "ServiceArn", "ServiceUrl", "CreatedAt", "UpdatedAt", "Status")
    summaries = [{k: s[k] for k in keys if k in s} for s in page]
    return {"ServiceSummaryList": summaries, **({"NextToken": token} if token else {})}


def list_operations(ctx: HandlerContext, params: dict) -> dict:
    arn = get_service(ctx, params["ServiceArn"])["ServiceArn"]
    # Scan order is start order; the newest operation comes first.
    ops = [op for op in reversed(ctx.tx.scan(OPERATION)) if op["TargetArn"] == arn]
    page, token = paginate(ops, params)
    summaries = [_operation_summary(ctx, op) for op in page]
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
