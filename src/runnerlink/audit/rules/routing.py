"""Public VPCs: where a missing endpoint goes over the internet silently instead of failing visibly."""

from __future__ import annotations

from collections.abc import Iterator

from runnerlink.audit.findings import Finding
from runnerlink.audit.rules.base import AuditContext, Rule
from runnerlink.network import routing

DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")


def _delete(tables: list[tuple[str, str]]) -> str:
    commands = []
    for table_id, destination in dict.fromkeys(tables):
        flag = "--destination-ipv6-cidr-block" if ":" in destination else "--destination-cidr-block"
        commands.append(f"aws ec2 delete-route --route-table-id {table_id} {flag} {destination}")
    return "; ".join(commands)


def public_vpc(context: AuditContext) -> Iterator[Finding]:
    topology = context.topology
    for vpc_id in context.placements_by_vpc:
        evidence, subnets, targets, tables = [], [], [], []
        for subnet in context.subnets_in(vpc_id):
            table = routing.table_of(topology, subnet.id)
            if table is None:
                continue
            for route in table.routes:
                if (route.destination in DEFAULT_ROUTES and route.state == "active"
                        and route.target.startswith(("igw-", "nat-"))):
                    evidence.append(f"{subnet.id} ({subnet.zone}) uses {table.id}: {routing.describe(route)}")
                    subnets.append(subnet.id)
                    targets.append(route.target)
                    tables.append((table.id, route.destination))
        if not subnets:
            continue
        subnets = list(dict.fromkeys(subnets))
        yield Finding(
            "public-vpc", "low", vpc_id, "vpc",
            f"VPC {vpc_id} routes to the internet from {len(subnets)} subnet(s): a call to a service with no "
            f"endpoint there succeeds over the internet with no indication, where a private VPC would make it fail "
            f"visibly.",
            f"Run the workloads in private subnets (no 0.0.0.0/0 route to {', '.join(dict.fromkeys(targets))}) with "
            f"interface endpoints for every service they call; where internet egress is needed, keep it in "
            f"separate subnets: {_delete(tables)}; "
            f"Terraform: remove the aws_route (or the route block) to the gateway.",
            vpc_id, tuple(evidence), related=tuple(subnets))


RULES: tuple[Rule, ...] = (
    Rule("public-vpc", "low", "Public VPC hides missing endpoints",
         "A VPC with placements has subnets whose route table sends 0.0.0.0/0 to an internet or NAT gateway: a "
         "missing endpoint then goes over the internet silently; in a private VPC it would fail visibly.",
         public_vpc),
)
