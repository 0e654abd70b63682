"""What the traffic log saw: requests from a subnet to an AWS service that went over the internet."""

from __future__ import annotations

import time
from collections.abc import Iterator

from runnerlink.audit.findings import Finding
from runnerlink.audit.rules.base import AuditContext, Rule
from runnerlink.network import app_host


def observed_internet_traffic(context: AuditContext) -> Iterator[Finding]:
    grouped: dict[tuple[str, str], list] = {}
    for seen in context.model.observed:
        # An App Runner application's own URL (<id>.<region>.awsapprunner.com) is a web app, not an AWS API.
        if seen.outcome == "internet" and seen.service and app_host(seen.host) is None:
            grouped.setdefault((seen.subnet_id, seen.service), []).append(seen)
    for (subnet_id, service), records in grouped.items():
        count = sum(r.count for r in records)
        vpc_id = records[0].vpc_id
        hosts = ", ".join(dict.fromkeys(r.host for r in records))
        workloads = tuple(dict.fromkeys(w for r in records for w in r.workloads))
        last = max(r.last_time for r in records)
        evidence = [f"{count} request(s) from {subnet_id} to {hosts} went over the internet"]
        if workloads:
            evidence.append(f"sent by {', '.join(workloads)}")
        if last:
            evidence.append(f"last at {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(last))}")
        present = [e.id for e in context.endpoints_for(vpc_id, service, context.serving_types(service))]
        if present:
            evidence.append(f"{vpc_id} now has {', '.join(present)} for {service}: check that {subnet_id} uses it "
                            f"(private DNS, route tables)")
        name = context.service_name(service)
        yield Finding(
            "observed-internet-traffic", "high", subnet_id, "subnet",
            f"The traffic log saw {count} request(s) from {subnet_id} to {service} over the internet: they succeeded "
            f"with no indication that they left the VPC.",
            f"Give {vpc_id} an endpoint for {name} with private DNS on (aws ec2 create-vpc-endpoint --vpc-id "
            f"{vpc_id} --service-name {name} --vpc-endpoint-type "
            f"{'Gateway' if service in ('s3', 'dynamodb') else 'Interface --private-dns-enabled'} …; Terraform: an "
            f"aws_vpc_endpoint), and add {service} to expected_services so the audit checks it in every VPC.",
            vpc_id, tuple(evidence), related=workloads)


RULES: tuple[Rule, ...] = (
    Rule("observed-internet-traffic", "high", "Observed AWS calls over the internet",
         "The traffic log saw requests from a subnet to an AWS service go over the internet: a service the "
         "solution calls has no endpoint the subnet uses.",
         observed_internet_traffic),
)
