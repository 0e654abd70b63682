"""Anything else the path model finds unreachable: a placement's call to an expected service that fails for a reason
no other rule reports (a pending endpoint, a blackhole route, a gateway endpoint missing from a route table …)."""

from __future__ import annotations

from collections.abc import Iterator

from runnerlink.audit.findings import Finding
from runnerlink.audit.rules.base import AuditContext, Rule, describe_path
from runnerlink.network import Path


def _reported_elsewhere(context: AuditContext, vpc_id: str, service: str, path: Path) -> bool:
    """Whether another rule already explains this failure."""
    failed = path.hops[-1] if path.hops else None
    if failed is not None and failed.step == "security-group" and path.endpoint_id is not None:
        return True  # endpoint-sg-closed
    vpc = context.topology.vpcs.get(vpc_id)
    if vpc is None or not vpc.dns_support:
        return True  # vpc-dns-off
    answering = [e for e in context.endpoints_for(vpc_id, service, context.serving_types(service))
                 if e.type == "Gateway" or (e.private_dns and e.interface_ids)]
    # None at all: apprunner-/expected-endpoint-missing; only ones with DNS off: endpoint-dns-name-off; only ones
    # with no network interface: endpoint-zone-missing.
    return not answering


def _fix(path: Path) -> str:
    failed = path.hops[-1] if path.hops else None
    step = failed.step if failed else "dns"
    advice = {
        "endpoint": "wait for the endpoint to become available, or recreate it if it is stuck (aws ec2 "
                    "describe-vpc-endpoints shows its state)",
        "route": "give the subnet's route table a route to the destination: for a Gateway endpoint associate it "
                 "with the table (aws ec2 modify-vpc-endpoint --add-route-table-ids; Terraform: route_table_ids or "
                 "aws_vpc_endpoint_route_table_association); replace a blackhole route",
        "dns": "make the name resolve: an interface endpoint with private DNS on, in a VPC with DNS support",
        "nat": "make the NAT gateway available, with an Elastic IP and an internet-gateway route in its subnet",
        "internet-gateway": "attach the internet gateway, or give the placement a public address",
        "peering": "make the peering connection active and route the replies back through it",
        "security-group": "let TCP 443 out of the placement's security groups",
    }
    return f"Fix the failing {step} hop: {advice.get(step, 'see the failing hop')}."


def path_unreachable(context: AuditContext) -> Iterator[Finding]:
    for vpc_id in context.placements_by_vpc:
        reported: set[tuple[str, str]] = set()
        for placement in context.representatives(vpc_id):
            for service in context.config.services:
                if (placement.subnet_id, service) in reported:
                    continue
                host = context.host_of(service)
                path = context.trace(placement, host)
                if path.outcome != "unreachable" or _reported_elsewhere(context, vpc_id, service, path):
                    continue
                reported.add((placement.subnet_id, service))
                failed = path.hops[-1]
                others = tuple(p.id for p in context.placements_by_vpc[vpc_id]
                               if p.subnet_id == placement.subnet_id)
                yield Finding(
                    "path-unreachable", "high", placement.subnet_id, "subnet",
                    f"Calls to {service} from {placement.subnet_id} fail at the {failed.step} hop although {vpc_id} "
                    f"has an endpoint for it: its workloads get a connection error.",
                    _fix(path), vpc_id,
                    (f"{context.who(placement)}: a call to {host} {describe_path(path)}",
                     f"failing hop: {failed.step}: {failed.detail}"),
                    related=others)


RULES: tuple[Rule, ...] = (
    Rule("path-unreachable", "high", "Unreachable service",
         "A placement's call to an expected service's default name ends unreachable for a reason no other rule "
         "reports (not an endpoint security group, not VPC DNS): the failing hop is named.",
         path_unreachable),
)
