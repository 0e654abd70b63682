"""VPC ingress connection records: the status derived from the step in progress and the clock, lookups, the view.

A record keeps the step in progress (_step: creation, update or deletion) and when it began (_step_at); the status is
PENDING_<STEP> until ctx.lifecycle_delay has passed, then AVAILABLE (or DELETED after a deletion).
"""

from __future__ import annotations

from runnerlink.network.model import PrivateName
import runnerlink.services.apprunner.ids as ids
from runnerlink.services.apprunner.errors import InvalidState, ResourceNotFound
from runnerlink.services.apprunner.records.kinds import INGRESS
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import finished, public

FIELD = "VpcIngressConnectionArn"
_PENDING = {"creation": "PENDING_CREATION", "update": "PENDING_UPDATE", "deletion": "PENDING_DELETION"}


def status(ctx: HandlerContext, record: dict) -> str:
    step = record["_step"]
    if not finished(ctx, record["_step_at"], ctx.lifecycle_delay):
        return _PENDING[step]
    return "DELETED" if step == "deletion" else "AVAILABLE"


def view(ctx: HandlerContext, record: dict) -> dict:
    """The VpcIngressConnection the API returns, with its status at ctx.now."""
    shown = {**public(record), "Status": status(ctx, record)}
    if shown["Status"] == "DELETED":
        shown["DeletedAt"] = record["_step_at"] + ctx.lifecycle_delay
    return shown


def not_deleted(ctx: HandlerContext) -> list[dict]:
    return [r for r in ctx.tx.scan(INGRESS) if status(ctx, r) != "DELETED"]


def active_for_service(ctx: HandlerContext, service_arn: str) -> list[dict]:
    """The service's ingress connections that aren't DELETED, as API VpcIngressConnection dicts."""
    return [view(ctx, r) for r in not_deleted(ctx) if r["ServiceArn"] == service_arn]


def get_ingress(ctx: HandlerContext, arn: str) -> dict:
    parsed = ids.parse_arn(arn, FIELD)
    record = ctx.tx.get(INGRESS, arn) if parsed.resource_type == INGRESS else None
    if record is None:
        raise ResourceNotFound(f"The VPC ingress connection {arn} doesn't exist.")
    return record


def begin_step(ctx: HandlerContext, record: dict, step: str, allowed: set[str]) -> None:
    """Start a step (update, deletion) on a connection whose status at ctx.now is one of allowed."""
    current = status(ctx, record)
    if current not in allowed:
        raise InvalidState(
            f"The VPC ingress connection {record[FIELD]} is in status {current}; "
            f"it must be one of {', '.join(sorted(allowed))}."
        )
    record.update(_step=step, _step_at=ctx.now)


def private_names(ctx: HandlerContext) -> dict[str, PrivateName]:
    """The scope's ingress connections' domain names as the network model's private names (each resolves only in
    its VPC, to its endpoint's ENIs, once AVAILABLE): what the subnet gateway and `runnerlink resolve` add to EC2's
    topology."""
    names: dict[str, PrivateName] = {}
    for record in not_deleted(ctx):
        config = record["IngressVpcConfiguration"]
        name = record["DomainName"].lower()
        names[name] = PrivateName(name, config["VpcId"], config["VpcEndpointId"], status(ctx, record),
                                  f"the VPC ingress connection {record['VpcIngressConnectionName']} of service "
                                  f"{record['ServiceArn'].split('/')[1]}")
    return names
