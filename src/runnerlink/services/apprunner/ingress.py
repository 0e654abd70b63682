"""VPC ingress connections: link a private service to an interface endpoint; status derived from time.

A record keeps the step in progress (_step: creation, update or deletion) and when it began (_step_at); the status is
PENDING_<STEP> until ctx.lifecycle_delay has passed, then AVAILABLE (or DELETED after a deletion).
"""

from __future__ import annotations

import re

from runnerlink.services.apprunner import ids
from runnerlink.services.apprunner.common import INGRESS, check_tags, finished, paginate, public
from runnerlink.services.apprunner.errors import (
    InvalidRequest,
    InvalidState,
    ResourceNotFound,
    ServiceQuotaExceeded,
)
from runnerlink.services.base import HandlerContext

FIELD = "VpcIngressConnectionArn"
_PENDING = {"creation": "PENDING_CREATION", "update": "PENDING_UPDATE", "deletion": "PENDING_DELETION"}
_UPDATABLE = {"AVAILABLE", "FAILED_CREATION", "FAILED_UPDATE"}
_DELETABLE = _UPDATABLE | {"FAILED_DELETION"}
_VPC_ID = re.compile(r"vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})")
_ENDPOINT_ID = re.compile(r"vpce-(?:[0-9a-f]{8}|[0-9a-f]{17})")


def _status(ctx: HandlerContext, record: dict) -> str:
    step = record["_step"]
    if not finished(ctx, record["_step_at"], ctx.lifecycle_delay):
        return _PENDING[step]
    return "DELETED" if step == "deletion" else "AVAILABLE"


def _view(ctx: HandlerContext, record: dict) -> dict:
    view = {**public(record), "Status": _status(ctx, record)}
    if view["Status"] == "DELETED":
        view["DeletedAt"] = record["_step_at"] + ctx.lifecycle_delay
    return view


def _not_deleted(ctx: HandlerContext) -> list[dict]:
    return [r for r in ctx.tx.scan(INGRESS) if _status(ctx, r) != "DELETED"]


def active_for_service(ctx: HandlerContext, service_arn: str) -> list[dict]:
    """The service's ingress connections that aren't DELETED, as API VpcIngressConnection dicts."""
    return [_view(ctx, r) for r in _not_deleted(ctx) if r["ServiceArn"] == service_arn]


def _check_vpc_config(ctx: HandlerContext, config: dict) -> dict:
    """IngressVpcConfiguration must name an existing VPC of this account and Region, and an apprunner.requests
    interface endpoint in that VPC that is not being deleted."""
    vpc_id, endpoint_id = config.get("VpcId"), config.get("VpcEndpointId")
    if not vpc_id or not endpoint_id:
        raise InvalidRequest("IngressVpcConfiguration needs both VpcId and VpcEndpointId.")
    if not _VPC_ID.fullmatch(vpc_id):
        raise InvalidRequest(f"The VPC ID '{vpc_id}' is not valid.")
    if not _ENDPOINT_ID.fullmatch(endpoint_id):
        raise InvalidRequest(f"The VPC endpoint ID '{endpoint_id}' is not valid.")
    if _ec2_record(ctx, "vpc", vpc_id) is None:
        raise InvalidRequest(f"The VPC {vpc_id} doesn't exist in this account and Region.")
    endpoint = _ec2_record(ctx, "vpc-endpoint", endpoint_id)
    if endpoint is None or _endpoint_state(ctx, endpoint) not in ("pending", "available"):
        raise InvalidRequest(f"The VPC endpoint {endpoint_id} doesn't exist in this account and Region.")
    requests = f"com.amazonaws.{ctx.region}.apprunner.requests"
    if endpoint["ServiceName"] != requests or endpoint["VpcEndpointType"] != "Interface":
        raise InvalidRequest(f"The VPC endpoint {endpoint_id} is a {endpoint['VpcEndpointType']} endpoint for "
                             f"{endpoint['ServiceName']}; a VPC ingress connection needs an interface endpoint for "
                             f"{requests}.")
    if endpoint["VpcId"] != vpc_id:
        raise InvalidRequest(f"The VPC endpoint {endpoint_id} is in {endpoint['VpcId']}, not in {vpc_id}.")
    return {"VpcId": vpc_id, "VpcEndpointId": endpoint_id}


def _ec2_record(ctx: HandlerContext, kind: str, resource_id: str) -> dict | None:
    """An EC2 resource of this account and Region (EC2 keeps its records in the same store scope)."""
    record = ctx.tx.get(kind, resource_id)
    if record is None or (record.get("_gone_at") is not None and finished(ctx, record["_gone_at"], 0)):
        return None
    return record


def _endpoint_state(ctx: HandlerContext, endpoint: dict) -> str:
    from runnerlink.services.ec2 import vpc_endpoints

    return vpc_endpoints.state(ctx, endpoint)


def _private_service(ctx: HandlerContext, arn: str) -> dict:
    """The service an ingress connection is for; it must exist and not be publicly accessible."""
    from runnerlink.services.apprunner import services

    service = services.get_service(ctx, arn)
    if service.get("Status") == "DELETED":
        raise ResourceNotFound(f"The service {arn} doesn't exist.")
    ingress = (service.get("NetworkConfiguration") or {}).get("IngressConfiguration") or {}
    if ingress.get("IsPubliclyAccessible", True):
        raise InvalidRequest(
            f"The service {arn} is publicly accessible. A VPC ingress connection needs a private service: "
            "set NetworkConfiguration.IngressConfiguration.IsPubliclyAccessible to false first."
        )
    return service


def create_vpc_ingress_connection(ctx: HandlerContext, params: dict) -> dict:
    name = params["VpcIngressConnectionName"]
    config = _check_vpc_config(ctx, params.get("IngressVpcConfiguration") or {})
    service_arn = _private_service(ctx, params["ServiceArn"])["ServiceArn"]
    live = _not_deleted(ctx)
    if any(r["VpcIngressConnectionName"] == name for r in live):
        raise InvalidRequest(f"A VPC ingress connection with the name {name} already exists in this account and region.")
    if any(r["ServiceArn"] == service_arn for r in live):
        raise ServiceQuotaExceeded(
            f"The service {service_arn} already has a VPC ingress connection; a service can have only one."
        )
    record = {
        "VpcIngressConnectionArn": ids.arn(ctx.region, ctx.account, f"{INGRESS}/{name}/{ids.new_id()}"),
        "VpcIngressConnectionName": name,
        "ServiceArn": service_arn,
        "AccountId": ctx.account,
        "DomainName": ids.service_url(ctx.region),
        "IngressVpcConfiguration": config,
        "CreatedAt": ctx.now,
        "_step": "creation",
        "_step_at": ctx.now,
        "_tags": check_tags(params.get("Tags")),
    }
    ctx.tx.put(INGRESS, record[FIELD], record)
    return {"VpcIngressConnection": _view(ctx, record)}


def _get(ctx: HandlerContext, arn: str) -> dict:
    parsed = ids.parse_arn(arn, FIELD)
    record = ctx.tx.get(INGRESS, arn) if parsed.resource_type == INGRESS else None
    if record is None:
        raise ResourceNotFound(f"The VPC ingress connection {arn} doesn't exist.")
    return record


def _begin(ctx: HandlerContext, record: dict, step: str, allowed: set[str]) -> None:
    status = _status(ctx, record)
    if status not in allowed:
        raise InvalidState(
            f"The VPC ingress connection {record[FIELD]} is in status {status}; "
            f"it must be one of {', '.join(sorted(allowed))}."
        )
    record.update(_step=step, _step_at=ctx.now)


def describe_vpc_ingress_connection(ctx: HandlerContext, params: dict) -> dict:
    return {"VpcIngressConnection": _view(ctx, _get(ctx, params[FIELD]))}


def update_vpc_ingress_connection(ctx: HandlerContext, params: dict) -> dict:
    record = _get(ctx, params[FIELD])
    config = _check_vpc_config(ctx, params["IngressVpcConfiguration"])
    _begin(ctx, record, "update", _UPDATABLE)
    record["IngressVpcConfiguration"] = config
    ctx.tx.put(INGRESS, record[FIELD], record)
    return {"VpcIngressConnection": _view(ctx, record)}


def delete_vpc_ingress_connection(ctx: HandlerContext, params: dict) -> dict:
    record = _get(ctx, params[FIELD])
    _begin(ctx, record, "deletion", _DELETABLE)
    record["_deleted_at"] = ctx.now  # gone for tagging from here on
    ctx.tx.put(INGRESS, record[FIELD], record)
    return {"VpcIngressConnection": _view(ctx, record)}


def list_vpc_ingress_connections(ctx: HandlerContext, params: dict) -> dict:
    wanted = params.get("Filter") or {}
    items = _not_deleted(ctx)
    if wanted.get("ServiceArn"):
        items = [r for r in items if r["ServiceArn"] == wanted["ServiceArn"]]
    if wanted.get("VpcEndpointId"):
        items = [r for r in items if r["IngressVpcConfiguration"]["VpcEndpointId"] == wanted["VpcEndpointId"]]
    page, token = paginate(items, params)
    summaries = [{"VpcIngressConnectionArn": r[FIELD], "ServiceArn": r["ServiceArn"]} for r in page]
    return {"VpcIngressConnectionSummaryList": summaries, **({"NextToken": token} if token else {})}


HANDLERS = {
    "CreateVpcIngressConnection": create_vpc_ingress_connection,
    "DescribeVpcIngressConnection": describe_vpc_ingress_connection,
    "UpdateVpcIngressConnection": update_vpc_ingress_connection,
    "DeleteVpcIngressConnection": delete_vpc_ingress_connection,
    "ListVpcIngressConnections": list_vpc_ingress_connections,
}
READ_ONLY = {"DescribeVpcIngressConnection", "ListVpcIngressConnections"}
ADMIN: dict = {}
