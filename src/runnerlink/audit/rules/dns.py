"""DNS: an endpoint whose private DNS name is off (callers of the default name go around it), and a VPC whose DNS
support or hostnames are off (private DNS cannot work at all)."""

from __future__ import annotations

from collections.abc import Iterator

from runnerlink.audit.findings import Finding
from runnerlink.audit.rules.base import AuditContext, Rule, describe_path, is_requests
from runnerlink.network.dns import default_private_dns_name


def endpoint_dns_name_off(context: AuditContext) -> Iterator[Finding]:
    for vpc_id in context.topology.vpcs:
        for endpoint in context.endpoints_in(vpc_id):
            service = context.service_of(endpoint)
            if endpoint.type != "Interface" or endpoint.private_dns or service is None or is_requests(endpoint):
                continue
            if any(e.private_dns for e in context.endpoints_for(vpc_id, service) if e.id != endpoint.id):
                continue  # another endpoint answers the default name in this VPC: this one is reached by its own
            host = endpoint.private_dns_name or default_private_dns_name(endpoint.service_name) or \
                context.host_of(service)
            evidence, leaking = [], []
            for placement in context.representatives(vpc_id):
                path = context.trace(placement, host)
                evidence.append(f"{context.who(placement)}: a call to {host} {describe_path(path)}")
                if path.outcome == "internet":
                    leaking.append(placement.subnet_id)
            if not evidence:
                evidence.append(f"no placement in {vpc_id} yet: any call to {host} there will resolve to the "
                                f"public address, not to {endpoint.id}")
            if leaking:
                effect = (f"calls to {host} from {', '.join(dict.fromkeys(leaking))} go over the internet and "
                          f"succeed with no indication")
            else:
                effect = f"calls to {host} resolve to the public address and do not use the endpoint"
            yield Finding(
                "endpoint-dns-name-off", "high", endpoint.id, "vpc-endpoint",
                f"Endpoint {endpoint.id} ({endpoint.service_name}) has private DNS (Enable DNS name) off: {effect}.",
                f"Turn private DNS on: aws ec2 modify-vpc-endpoint --vpc-endpoint-id {endpoint.id} "
                f"--private-dns-enabled; Terraform: private_dns_enabled = true on the aws_vpc_endpoint (the VPC needs "
                f"enable_dns_support and enable_dns_hostnames).",
                vpc_id, tuple(evidence), related=tuple(dict.fromkeys(leaking)))


def vpc_dns_off(context: AuditContext) -> Iterator[Finding]:
    for vpc_id, vpc in context.topology.vpcs.items():
        if vpc.dns_support and vpc.dns_hostnames:
            continue
        private = [e.id for e in context.endpoints_in(vpc_id) if e.type == "Interface" and e.private_dns]
        placements = context.placements_by_vpc.get(vpc_id, ())
        if not private and not placements:
            continue
        off = [name for name, on in (("enableDnsSupport", vpc.dns_support), ("enableDnsHostnames", vpc.dns_hostnames))
               if not on]
        evidence = [f"{vpc_id}: {name} is false" for name in off]
        if private:
            evidence.append(f"interface endpoints with private DNS that cannot answer: {', '.join(private)}")
        if placements:
            host = context.host_of("apprunner")
            for placement in context.representatives(vpc_id):
                evidence.append(f"{context.who(placement)}: a call to {host} "
                                f"{describe_path(context.trace(placement, host))}")
        terraform = " and ".join(f"{'enable_dns_support' if n == 'enableDnsSupport' else 'enable_dns_hostnames'} = "
                                 f"true" for n in off)
        cli = "; ".join(f"aws ec2 modify-vpc-attribute --vpc-id {vpc_id} "
                        f"--{'enable-dns-support' if n == 'enableDnsSupport' else 'enable-dns-hostnames'} "
                        f"'{{\"Value\":true}}'" for n in off)
        yield Finding(
            "vpc-dns-off", "high", vpc_id, "vpc",
            f"VPC {vpc_id} has {' and '.join(off)} off: private DNS of interface endpoints cannot work there, so "
            f"AWS service names do not resolve to its endpoints.",
            f"Turn them on: {cli}; Terraform: {terraform} on the aws_vpc.",
            vpc_id, tuple(evidence), related=tuple(private))


RULES: tuple[Rule, ...] = (
    Rule("endpoint-dns-name-off", "high", "Endpoint private DNS name off",
         "An interface endpoint of an AWS service has private DNS (Enable DNS name) off: SDKs and the CLI call the "
         "service's default name, which then resolves to the public address, so their requests go around the "
         "endpoint — over the internet with no indication, or not at all.",
         endpoint_dns_name_off),
    Rule("vpc-dns-off", "high", "VPC DNS support or hostnames off",
         "A VPC with interface endpoints using private DNS, or with placements, has enableDnsSupport or "
         "enableDnsHostnames off: private DNS cannot work, so endpoints are not used by default names.",
         vpc_dns_off),
)
