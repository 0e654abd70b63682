"""VPC ingress connections: link a private service to an apprunner.requests interface endpoint of its VPC."""

from __future__ import annotations

import re

import runnerlink.services.apprunner.ids as ids
from runnerlink.services.apprunner.errors import InvalidRequest, ResourceNotFound, ServiceQuotaExceeded
from runnerlink.services.apprunner.inputs import TAG_RULES, bad_token
from runnerlink.services.apprunner.records.ec2_resources import ec2_record, usable_endpoint
from runnerlink.services.apprunner.records.ingress import FIELD, begin_step, get_ingress, not_deleted, view
from runnerlink.services.apprunner.records.kinds import INGRESS
from runnerlink.services.apprunner.records.services import DELETED, get_service
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import merge_tags, paginate

_UPDATABLE = {"AVAILABLE", "FAILED_CREATION", "FAILED_UPDATE"}
_DELETABLE = _UPDATABLE | {"FAILED_DELETION"}
_VPC_ID = re.compile(r"vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})")
_ENDPOINT_ID = re.compile(r"vpce-(?:[0-9a-f]{8}|[0-9a-f]{17})")


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
    if ec2_record(ctx, "vpc", vpc_id) is None:
        raise InvalidRequest(f"The VPC {vpc_id} doesn't exist in this account and Region.")
    endpoint = usable_endpoint(ctx, endpoint_id)
    if endpoint is None:
        raise InvalidRequest(f"The VPC endpoint {endpoint_id} doesn't exist in this account and Region.")
    requests = f"com.amazonaws.{ctx.region}.apprunner.requests"
    if endpoint["ServiceName"] != requests or endpoint["VpcEndpointType"] != "Interface":
        raise InvalidRequest(f"The VPC endpoint {endpoint_id} is a {endpoint['VpcEndpointType']} endpoint for "
                             f"{endpoint['ServiceName']}; a VPC ingress connection needs an interface endpoint for "
                             f"{requests}.")
    if endpoint["VpcId"] != vpc_id:
        raise InvalidRequest(f"The VPC endpoint {endpoint_id} is in {endpoint['VpcId']}, not in {vpc_id}.")
    return {"VpcId": vpc_id, "VpcEndpointId": endpoint_id}


def _private_service(ctx: HandlerContext, arn: str) -> dict:
    """The service an ingress connection is for; it must exist and not be publicly accessible."""
    service = get_service(ctx, arn)
    if service.get("Status") == DELETED:
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
    live = not_deleted(ctx)
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
        "_tags": merge_tags(params.get("Tags"), TAG_RULES),
    }
    ctx.tx.put(INGRESS, record[FIELD], record)
    return {"VpcIngressConnection": view(ctx, record)}


def describe_vpc_ingress_connection(ctx: HandlerContext, params: dict) -> dict:
    return {"VpcIngressConnection": view(ctx, get_ingress(ctx, params[FIELD]))}


def update_vpc_ingress_connection(ctx: HandlerContext, params: dict) -> dict:
    record = get_ingress(ctx, params[FIELD])
    config = _check_vpc_config(ctx, params["IngressVpcConfiguration"])
    begin_step(ctx, record, "update", _UPDATABLE)
    record["IngressVpcConfiguration"] = config
    ctx.tx.put(INGRESS, record[FIELD], record)
    return {"VpcIngressConnection": view(ctx, record)}


def delete_vpc_ingress_connection(ctx: HandlerContext, params: dict) -> dict:
    record = get_ingress(ctx, params[FIELD])
    begin_step(ctx, record, "deletion", _DELETABLE)
    record["_deleted_at"] = ctx.now  # gone for tagging from here on
    ctx.tx.put(INGRESS, record[FIELD], record)
    return {"VpcIngressConnection": view(ctx, record)}


def list_vpc_ingress_connections(ctx: HandlerContext, params: dict) -> dict:
    wanted = params.get("Filter") or {}
    items = not_deleted(ctx)
    if wanted.get("ServiceArn"):
        items = [r for r in items if r["ServiceArn"] == wanted["ServiceArn"]]
    if wanted.get("VpcEndpointId"):
        items = [r for r in items if r["IngressVpcConfiguration"]["VpcEndpointId"] == wanted["VpcEndpointId"]]
    page, token = paginate(items, params, bad_token)
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
