"""The audit's model of one account and region, read from runnerlink's own records (GET
/_runnerlink/audit/model): the composed network (network_view.topology_of), App Runner's services, VPC connectors and
ingress connections, each VPC's default group, the workloads placed in subnets, and what the traffic log saw them
send to AWS. services/ know nothing of the audit, so the pieces meet here."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from runnerlink.audit.model import (AppService, AuditModel, Connector, IngressConnection, Observed, Placement,
                                    rule_order)
from runnerlink.network import dns
from runnerlink.network.model import SecurityGroup, Topology
from runnerlink.server import network_view
from runnerlink.services.apprunner.records import ingress as ingress_records
from runnerlink.services.apprunner.records.services import live_services
from runnerlink.services.apprunner.records.vpc_connectors import active_connectors
from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import workloads
from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.records.security_groups import default_group_id

SOURCE = "runnerlink"


def build(ctx: HandlerContext, traffic: Iterable[dict]) -> AuditModel:
    """Everything in ctx's account and region as of ctx.now; `traffic`: the traffic log's entries."""
    topology = canonical_rules(network_view.topology_of(ctx))
    return AuditModel(
        topology=topology,
        source=SOURCE,
        services={s.arn: s for s in (_service(r) for r in live_services(ctx))},
        connectors={c.arn: c for c in (_connector(r) for r in active_connectors(ctx))},
        ingress={i.arn: i for i in (_ingress(ctx, r) for r in ingress_records.not_deleted(ctx))},
        default_groups=_default_groups(ctx, topology),
        placements=tuple(_placement(r) for r in sorted(workloads.list_workloads(ctx),
                                                       key=lambda r: (r["CreatedAt"], r["WorkloadId"]))),
        observed=observed(traffic, set(topology.vpcs)),
    )


def canonical_rules(topology: Topology) -> Topology:
    """Each group's rules in one order, whatever order they were added in (a group's rules are a set: the AWS source
    reads them grouped by protocol and ports, and must give the same model)."""
    groups = {group_id: _sorted_group(group) for group_id, group in topology.security_groups.items()}
    return replace(topology, security_groups=groups)


def _sorted_group(group: SecurityGroup) -> SecurityGroup:
    return replace(group, ingress=tuple(sorted(group.ingress, key=rule_order)),
                   egress=tuple(sorted(group.egress, key=rule_order)))


def _service(record: dict) -> AppService:
    network = record.get("NetworkConfiguration") or {}
    egress = network.get("EgressConfiguration") or {}
    ingress = network.get("IngressConfiguration") or {}
    role = (record.get("InstanceConfiguration") or {}).get("InstanceRoleArn")
    return AppService(arn=record["ServiceArn"], name=record["ServiceName"], status=record["Status"],
                      egress_type=egress.get("EgressType") or "DEFAULT",
                      connector_arn=egress.get("VpcConnectorArn") or None,
                      public=bool(ingress.get("IsPubliclyAccessible", True)), instance_role_arn=role or None)


def _connector(record: dict) -> Connector:
    return Connector(record["VpcConnectorArn"], record["VpcConnectorName"], tuple(record.get("Subnets") or ()),
                     tuple(record.get("SecurityGroups") or ()), record["Status"])


def _ingress(ctx: HandlerContext, record: dict) -> IngressConnection:
    config = record["IngressVpcConfiguration"]
    return IngressConnection(record["VpcIngressConnectionArn"], record["VpcIngressConnectionName"],
                             record["ServiceArn"], config["VpcId"], config["VpcEndpointId"],
                             ingress_records.status(ctx, record))


def _default_groups(ctx: HandlerContext, topology: Topology) -> dict[str, str]:
    found = {}
    for vpc_id in topology.vpcs:
        try:
            found[vpc_id] = default_group_id(ctx, vpc_id)
        except EC2Error:  # a VPC being deleted may have lost it already
            continue
    return found


def _placement(record: dict) -> Placement:
    name = record.get("Name")
    label = f"workload {record['WorkloadId']}" + (f" ({name})" if name else "")
    return Placement(id=record["WorkloadId"], kind="workload", vpc_id=record["VpcId"], subnet_id=record["SubnetId"],
                     group_ids=tuple(record.get("SecurityGroupIds") or ()),
                     public_ip=bool(record.get("PublicIp")), label=label)


def observed(traffic: Iterable[dict], vpc_ids: set[str]) -> tuple[Observed, ...]:
    """The requests workloads in these VPCs sent to AWS services (not to App Runner applications' names), by
    (VPC, subnet, service, outcome): how many, from which workloads, to which host last, and when last."""
    groups: dict[tuple[str, str, str, str], dict] = {}
    for entry in traffic:
        if entry.get("source") != "vpc" or entry.get("vpc") not in vpc_ids or not entry.get("subnet"):
            continue
        host = entry.get("host") or ""
        parsed = dns.aws_host(host) if host and dns.app_host(host) is None else None
        if parsed is None:
            continue
        service = parsed.service  # as the path names it (a request to an unemulated service has no package)
        key = (entry["vpc"], entry["subnet"], service, entry.get("outcome") or "")
        group = groups.setdefault(key, {"count": 0, "workloads": {}, "host": host, "time": 0.0})
        group["count"] += 1
        if entry.get("workload"):
            name = entry.get("workloadName")
            group["workloads"][entry["workload"]] = f"{entry['workload']} ({name})" if name else entry["workload"]
        time = float(entry.get("time") or 0.0)
        if time >= group["time"]:
            group["time"], group["host"] = time, host
    return tuple(Observed(vpc_id=vpc, subnet_id=subnet, service=service, host=g["host"], outcome=outcome,
                          count=g["count"], workloads=tuple(sorted(g["workloads"].values())), last_time=g["time"])
                 for (vpc, subnet, service, outcome), g in sorted(groups.items()))
