"""Endpoint security groups: open to the whole internet, or closed to the placements that use the endpoint."""

from __future__ import annotations

from collections.abc import Iterator

from runnerlink.audit.findings import Finding
from runnerlink.audit.rules.base import AuditContext, Rule, describe_path, endpoint_groups
from runnerlink.network import Endpoint
from runnerlink.network import security
from runnerlink.network.dns import default_private_dns_name

WORLD = {"0.0.0.0/0": "203.0.113.1", "::/0": "2001:db8::1"}  # the world's CIDRs, and an address in each


def _ranges(cidr: str) -> str:
    return "IpRanges=[{CidrIp=0.0.0.0/0}]" if cidr == "0.0.0.0/0" else "Ipv6Ranges=[{CidrIpv6=::/0}]"


def endpoint_sg_open_world(context: AuditContext) -> Iterator[Finding]:
    topology = context.topology
    users: dict[str, list[Endpoint]] = {}  # group id → the interface endpoints it guards
    for vpc_id in topology.vpcs:
        for endpoint in context.endpoints_in(vpc_id):
            if endpoint.type == "Interface":
                for group_id in endpoint_groups(topology, endpoint):
                    users.setdefault(group_id, []).append(endpoint)
    for group_id, endpoints in users.items():
        group = topology.security_groups.get(group_id)
        if group is None:
            continue
        open_rules = [rule for rule in group.ingress if rule.cidr in WORLD
                      and security.matching_rule((rule,), "tcp", 443, WORLD[rule.cidr]) is not None]
        if not open_rules:
            continue
        described = ", ".join(security.describe(r) for r in open_rules)
        names = ", ".join(f"{e.id} ({e.service_name})" for e in endpoints)
        cidrs = ", ".join(topology.vpcs[group.vpc_id].cidrs) if group.vpc_id in topology.vpcs else "the VPC's CIDR"
        cli = "; ".join(f"aws ec2 revoke-security-group-ingress --group-id {group_id} --ip-permissions "
                        f"IpProtocol={r.protocol},FromPort={r.from_port},ToPort={r.to_port},{_ranges(r.cidr)}"
                        for r in open_rules)
        yield Finding(
            "endpoint-sg-open-world", "medium", group_id, "security-group",
            f"Security group {group_id} of endpoint(s) {', '.join(e.id for e in endpoints)} admits TCP 443 from "
            f"anywhere: anything that can route to the VPC (peers, VPNs, Direct Connect) can use the endpoints, not "
            f"just the VPC's workloads.",
            f"Admit TCP 443 from the VPC's CIDR ({cidrs}) or the workloads' security groups only, and remove "
            f"{described}: {cli}; Terraform: the ingress block / aws_vpc_security_group_ingress_rule's cidr_ipv4 = "
            f"the VPC CIDR (or referenced_security_group_id).",
            group.vpc_id or endpoints[0].vpc_id,
            (f"{group_id} ingress rule {described} admits TCP 443 from the whole internet", f"it guards {names}"),
            related=tuple(e.id for e in endpoints))


def _address(context: AuditContext, endpoint: Endpoint) -> str | None:
    """The name (or address) a placement calls the endpoint by: its service's default name with private DNS on,
    else its regional vpce-… name, else a network interface's address."""
    if endpoint.private_dns:
        return endpoint.private_dns_name or default_private_dns_name(endpoint.service_name)
    if endpoint.dns_names:
        return endpoint.dns_names[0]
    for interface_id in endpoint.interface_ids:
        interface = context.topology.interfaces.get(interface_id)
        if interface is not None:
            return interface.private_ip
    return None


def endpoint_sg_closed(context: AuditContext) -> Iterator[Finding]:
    for vpc_id in context.placements_by_vpc:
        for endpoint in context.endpoints_in(vpc_id):
            if endpoint.type != "Interface":
                continue
            host = _address(context, endpoint)
            if host is None:
                continue
            evidence, closed = [], []
            for placement in context.representatives(vpc_id):
                path = context.trace(placement, host)
                failed = path.hops[-1] if path.hops else None
                if (path.outcome == "unreachable" and path.endpoint_id == endpoint.id and failed is not None
                        and failed.step == "security-group"):
                    evidence.append(f"{context.who(placement)}: a call to {host} {describe_path(path)}")
                    closed.append(placement.subnet_id)
            if not closed:
                continue
            subnets = tuple(dict.fromkeys(closed))
            cidrs = ", ".join(context.topology.subnets[s].cidr for s in subnets)
            groups = ", ".join(endpoint_groups(context.topology, endpoint)) or "(none)"
            yield Finding(
                "endpoint-sg-closed", "high", endpoint.id, "vpc-endpoint",
                f"Placements in {', '.join(subnets)} cannot reach endpoint {endpoint.id} ({endpoint.service_name}): "
                f"security groups block TCP 443, so their calls fail.",
                f"Let TCP 443 through: add an ingress rule to the endpoint's group ({groups}) admitting TCP 443 from "
                f"{cidrs} (or the VPC CIDR, or the placements' security groups): aws ec2 "
                f"authorize-security-group-ingress --group-id <endpoint sg> --protocol tcp --port 443 --cidr <cidr>; "
                f"and make sure the placements' own groups allow TCP 443 out; Terraform: an "
                f"aws_vpc_security_group_ingress_rule (from_port = 443, to_port = 443, ip_protocol = \"tcp\").",
                vpc_id, tuple(evidence), related=subnets)


RULES: tuple[Rule, ...] = (
    Rule("endpoint-sg-closed", "high", "Endpoint security group closed to its callers",
         "A placement in an interface endpoint's VPC cannot reach the endpoint: the endpoint's security groups do "
         "not admit TCP 443 from it, or its own groups do not let it out.",
         endpoint_sg_closed),
    Rule("endpoint-sg-open-world", "medium", "Endpoint security group open to the world",
         "A security group of an interface endpoint admits TCP 443 (or all traffic) from 0.0.0.0/0 or ::/0: the "
         "endpoint is usable from anywhere that routes to the VPC, not only by its workloads.",
         endpoint_sg_open_world),
)
