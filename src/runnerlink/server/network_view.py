"""The network a workload's requests meet, composed where both services are known: EC2's topology (VPCs, routes,
groups, endpoints) with App Runner's private names (VPC ingress connections' domain names). services/ec2 knows
nothing of App Runner, so the two meet here, as plain data for the pure network model."""

from __future__ import annotations

from dataclasses import replace

from runnerlink.network import Topology
from runnerlink.services.apprunner.records import ingress as ingress_records
from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2 import topology as ec2_topology


def topology_of(ctx: HandlerContext, vpc_id: str | None = None) -> Topology:
    """build_topology's answer with the scope's ingress connection names (their status read at ctx.now, so a
    connection turning AVAILABLE expires what was derived from it)."""
    return replace(ec2_topology.build_topology(ctx, vpc_id), private_names=ingress_records.private_names(ctx))
