"""Missing endpoints: a VPC whose placements call App Runner (or another expected service) with no endpoint for it,
and an endpoint with no network interface in a zone the placements use."""

from __future__ import annotations

from collections.abc import Iterator

from runnerlink.audit.findings import Finding
from runnerlink.audit.rules.base import AuditContext, Rule, describe_path


def _subnets_hcl(ids: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in ids) + "]"


def _fix(context: AuditContext, vpc_id: str, service: str) -> str:
    name = context.service_name(service)
    zones = sorted({context.topology.subnets[s].zone for s in context.placement_subnets(vpc_id)})
    subnets = context.placement_subnets(vpc_id)
    fix = (f"Create an Interface VPC endpoint for {name} in {vpc_id} with private DNS enabled, with a subnet in each "
           f"zone the callers use ({', '.join(zones)}), and a security group admitting TCP 443 from the VPC's CIDR: "
           f"aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id {vpc_id} --service-name {name} "
           f"--private-dns-enabled --subnet-ids {' '.join(subnets)} --security-group-ids <sg>; Terraform: "
           f'resource "aws_vpc_endpoint" {{ vpc_id = "{vpc_id}", service_name = "{name}", '
           f'vpc_endpoint_type = "Interface", private_dns_enabled = true, subnet_ids = {_subnets_hcl(subnets)}, '
           f"security_group_ids = [...] }}")
    if service in ("s3", "dynamodb"):
        fix += (f"; or a Gateway endpoint (vpc_endpoint_type = \"Gateway\", route_table_ids = the placement subnets' "
                f"route tables), which costs nothing")
    return fix


def _evidence(context: AuditContext, vpc_id: str, service: str) -> tuple[tuple[str, ...], dict[str, int]]:
    host = context.host_of(service)
    lines, outcomes = [], {"internet": 0, "unreachable": 0, "endpoint": 0}
    for placement in context.representatives(vpc_id):
        path = context.trace(placement, host)
        outcomes[path.outcome] += 1
        lines.append(f"{context.who(placement)}: a call to {host} {describe_path(path)}")
    return tuple(lines), outcomes


def _missing(context: AuditContext, rule: str, severity: str, services: tuple[str, ...]) -> Iterator[Finding]:
    for vpc_id in context.placements_by_vpc:
        for service in services:
            if context.endpoints_for(vpc_id, service, context.serving_types(service)):
                continue
            evidence, outcomes = _evidence(context, vpc_id, service)
            name = context.service_name(service)
            if outcomes["internet"]:
                why = (f"calls to {service} from its workloads go over the internet and succeed with no indication "
                       f"that they left the VPC" + (" (the others fail)" if outcomes["unreachable"] else ""))
            else:
                why = f"calls to {service} from its workloads fail (a private VPC with no way to {service})"
            kinds = "Interface or Gateway" if service in ("s3", "dynamodb") else "Interface"
            yield Finding(rule, severity, vpc_id, "vpc",
                          f"VPC {vpc_id} has no {kinds} endpoint for {name}: {why}.",
                          _fix(context, vpc_id, service), vpc_id, evidence,
                          related=context.placement_subnets(vpc_id))


def apprunner_endpoint_missing(context: AuditContext) -> Iterator[Finding]:
    return _missing(context, "apprunner-endpoint-missing", "high", ("apprunner",))


def expected_endpoint_missing(context: AuditContext) -> Iterator[Finding]:
    return _missing(context, "expected-endpoint-missing", "medium",
                    tuple(s for s in context.config.services if s != "apprunner"))


def endpoint_zone_missing(context: AuditContext) -> Iterator[Finding]:
    topology = context.topology
    for vpc_id in context.placements_by_vpc:
        wanted: dict[str, list[str]] = {}  # zone → placement subnets in it
        for subnet_id in context.placement_subnets(vpc_id):
            wanted.setdefault(topology.subnets[subnet_id].zone, []).append(subnet_id)
        for service in context.config.services:
            for endpoint in context.endpoints_for(vpc_id, service):
                covered: dict[str, str] = {}
                for interface_id in endpoint.interface_ids:
                    interface = topology.interfaces.get(interface_id)
                    subnet = topology.subnets.get(interface.subnet_id) if interface else None
                    if subnet is not None:
                        covered.setdefault(subnet.zone, subnet.id)
                missing = [zone for zone in wanted if zone not in covered]
                if not missing:
                    continue
                callers = tuple(s for zone in missing for s in wanted[zone])
                has = (", ".join(f"{zone} ({subnet})" for zone, subnet in sorted(covered.items()))
                       or "no network interface at all")
                evidence = (f"endpoint {endpoint.id} ({endpoint.service_name}) has network interfaces in: {has}",
                            *(f"placements in {', '.join(wanted[zone])} are in {zone}, where it has none"
                              for zone in missing))
                effect = ("their calls cross to another zone's network interface, and fail when that zone fails"
                          if covered else
                          "its private DNS has no address to answer with, so calls fall back to the public name")
                spare = [wanted[zone][0] for zone in missing]
                yield Finding(
                    "endpoint-zone-missing", "medium", endpoint.id, "vpc-endpoint",
                    f"Endpoint {endpoint.id} for {service} has no subnet in {', '.join(missing)}, where {vpc_id}'s "
                    f"workloads run: {effect}.",
                    f"Add a subnet in each of {', '.join(missing)} to the endpoint: aws ec2 modify-vpc-endpoint "
                    f"--vpc-endpoint-id {endpoint.id} --add-subnet-ids {' '.join(spare)}; Terraform: add "
                    f"them to the aws_vpc_endpoint's subnet_ids (or an aws_vpc_endpoint_subnet_association).",
                    vpc_id, evidence, related=(*missing, *callers))


RULES: tuple[Rule, ...] = (
    Rule("apprunner-endpoint-missing", "high", "No App Runner interface endpoint",
         "A VPC whose workloads, App Runner VPC connectors or build/deploy subnets call App Runner has no "
         "com.amazonaws.<region>.apprunner interface endpoint. Their requests go over the internet and, as the App "
         "Runner documentation warns, succeed with no indication to you (or, in a private VPC, fail).",
         apprunner_endpoint_missing),
    Rule("expected-endpoint-missing", "medium", "No endpoint for an expected service",
         "A VPC with placements has no endpoint for a service the configuration says its workloads call "
         "(expected_services; for S3 and DynamoDB a Gateway endpoint counts): those calls leave the VPC.",
         expected_endpoint_missing),
    Rule("endpoint-zone-missing", "medium", "Endpoint missing from a workload zone",
         "An interface endpoint for an expected service has no subnet (network interface) in an Availability Zone "
         "where the VPC has placements: their calls cross zones, and fail with the other zone.",
         endpoint_zone_missing),
)
