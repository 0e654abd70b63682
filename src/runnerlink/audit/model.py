"""The audit's one model of a network, whatever it was read from: the network model the path finder reads
(`runnerlink.network.Topology`, one account and region) with what App Runner adds, the placements that call AWS
(workloads), what was observed (the traffic log), and where each resource was declared (Terraform)."""

from __future__ import annotations

from dataclasses import dataclass, field

from runnerlink.network.model import Rule, Topology


@dataclass(frozen=True)
class AppService:
    arn: str
    name: str
    status: str  # RUNNING, OPERATION_IN_PROGRESS, … ("" when a plan doesn't know yet)
    egress_type: str = "DEFAULT"  # "DEFAULT" (App Runner's own internet egress) | "VPC" (through a VPC connector)
    connector_arn: str | None = None
    public: bool = True  # IngressConfiguration.IsPubliclyAccessible
    instance_role_arn: str | None = None


@dataclass(frozen=True)
class Connector:
    arn: str
    name: str
    subnet_ids: tuple[str, ...]
    group_ids: tuple[str, ...]
    status: str = "ACTIVE"


@dataclass(frozen=True)
class IngressConnection:
    arn: str
    name: str
    service_arn: str
    vpc_id: str
    endpoint_id: str
    status: str = "AVAILABLE"


@dataclass(frozen=True)
class Placement:
    """Something in a subnet that calls AWS APIs: a runnerlink workload, a subnet an App Runner VPC connector places
    its interfaces in, or a build/deploy subnet the audit configuration names."""

    id: str  # wl-…, the connector's ARN, the subnet id
    kind: str  # "workload" | "connector" | "build-subnet"
    vpc_id: str
    subnet_id: str
    group_ids: tuple[str, ...] = ()  # empty: the VPC's default group
    public_ip: bool | None = None  # None: the subnet's MapPublicIpOnLaunch
    label: str = ""  # how a finding names it ("workload wl-… (deployer)")


@dataclass(frozen=True)
class Observed:
    """Requests the traffic log saw from one subnet to one AWS service, by the path they took."""

    vpc_id: str
    subnet_id: str
    service: str  # "apprunner", "codebuild", "ecr.api" …
    host: str
    outcome: str  # "internet" | "endpoint" | "unreachable"
    count: int
    workloads: tuple[str, ...] = ()  # wl-… ids (and names) that sent them
    last_time: float = 0.0


@dataclass(frozen=True)
class Location:
    """Where a resource was declared: its Terraform address, and the file and line when the configuration is at
    hand."""

    address: str
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class RefusedCall:
    """An API call a source was refused (or that failed), so the model is incomplete in what it would have read."""

    service: str  # "ec2" | "apprunner"
    operation: str  # "DescribeNatGateways"
    code: str  # "UnauthorizedOperation", "AccessDeniedException" …
    message: str = ""


@dataclass(frozen=True)
class AuditModel:
    topology: Topology
    source: str  # "runnerlink" | "terraform" | "aws"
    services: dict[str, AppService] = field(default_factory=dict)  # by ARN
    connectors: dict[str, Connector] = field(default_factory=dict)  # by ARN
    ingress: dict[str, IngressConnection] = field(default_factory=dict)  # by ARN
    default_groups: dict[str, str] = field(default_factory=dict)  # VPC id → its default security group id
    placements: tuple[Placement, ...] = ()  # workloads the source knows (connectors' subnets are added by the rules)
    observed: tuple[Observed, ...] = ()
    locations: dict[str, Location] = field(default_factory=dict)  # resource id (or ARN) → where it was declared
    refused: tuple[RefusedCall, ...] = ()
    notes: tuple[str, ...] = ()  # what the source could not read or had to assume


def rule_order(rule: Rule) -> tuple:
    """The order the sources keep a security group's rules in: runnerlink keeps them as added, the EC2 API groups
    them by protocol and ports, so both sort, and the same network gives equal models."""
    return (rule.protocol, rule.from_port, rule.to_port, rule.cidr or "", rule.group_id or "",
            rule.prefix_list_id or "")
