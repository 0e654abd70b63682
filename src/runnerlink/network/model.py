"""The VPC model as plain data: what the path finder reads. Built from the EC2 records by services/ec2/topology.py
(with derived states already applied), or by hand in tests."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Vpc:
    id: str
    cidrs: tuple[str, ...]
    dns_support: bool = True
    dns_hostnames: bool = False


@dataclass(frozen=True)
class Subnet:
    id: str
    vpc_id: str
    cidr: str
    zone: str
    route_table_id: str | None  # its explicit association, else the VPC's main table
    map_public_ip: bool = False


@dataclass(frozen=True)
class Route:
    destination: str  # a CIDR, or a prefix list id (gateway endpoint routes: matched by Topology.prefix_lists)
    target: str  # "local", igw-…, nat-…, vpce-…, eni-…, pcx-…
    state: str = "active"  # "active" | "blackhole"


@dataclass(frozen=True)
class RouteTable:
    id: str
    vpc_id: str
    routes: tuple[Route, ...]


@dataclass(frozen=True)
class Rule:
    protocol: str  # "-1" (all), "tcp", "udp", "icmp", or a protocol number
    from_port: int = -1
    to_port: int = -1
    cidr: str | None = None
    group_id: str | None = None
    prefix_list_id: str | None = None
    prefix_cidrs: tuple[str, ...] = ()  # the prefix list's CIDRs, where the model knows them


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    vpc_id: str
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Endpoint:
    id: str
    vpc_id: str
    service_name: str  # com.amazonaws.<region>.<service>
    type: str  # "Interface" | "Gateway"
    state: str  # "pending" | "available" | "deleting" | …
    private_dns: bool = False
    private_dns_name: str | None = None  # the service's default name (apprunner.us-east-1.amazonaws.com)
    dns_names: tuple[str, ...] = ()  # regional and zonal vpce-… names
    interface_ids: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()
    policy: str | None = None


@dataclass(frozen=True)
class Interface:
    id: str
    subnet_id: str
    vpc_id: str
    private_ip: str
    group_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class InternetGateway:
    id: str
    vpc_id: str | None  # the attached VPC


@dataclass(frozen=True)
class NatGateway:
    id: str
    subnet_id: str
    state: str  # "pending" | "available" | "deleting" | "failed" | …
    public_ip: str | None  # its Elastic IP (None for a private NAT gateway)


@dataclass(frozen=True)
class Peering:
    id: str
    requester_vpc_id: str
    accepter_vpc_id: str
    status: str  # "pending-acceptance" | "provisioning" | "active" | "deleted" | … (as of when the model was built)

    def peer_of(self, vpc_id: str) -> str | None:
        """The VPC on the other side from vpc_id, or None when vpc_id is on neither."""
        if vpc_id == self.requester_vpc_id:
            return self.accepter_vpc_id
        if vpc_id == self.accepter_vpc_id:
            return self.requester_vpc_id
        return None


@dataclass(frozen=True)
class PrefixList:
    id: str
    name: str  # com.amazonaws.<region>.s3 for an AWS-managed list
    cidrs: tuple[str, ...]


@dataclass(frozen=True)
class Workload:
    id: str
    account: str
    region: str
    vpc_id: str
    subnet_id: str
    private_ip: str
    group_ids: tuple[str, ...] = ()
    public_ip: str | None = None


@dataclass(frozen=True)
class PrivateName:
    """A name that resolves only inside one VPC, to an interface endpoint's ENIs: an App Runner VPC ingress
    connection's DomainName (App Runner's records give it; EC2's know nothing of it)."""

    name: str
    vpc_id: str
    endpoint_id: str
    status: str  # the ingress connection's: only "AVAILABLE" resolves
    owner: str  # what the name belongs to, for reasons ("VPC ingress connection <arn>")


@dataclass(frozen=True)
class Topology:
    account: str
    region: str
    vpcs: dict[str, Vpc] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    route_tables: dict[str, RouteTable] = field(default_factory=dict)
    security_groups: dict[str, SecurityGroup] = field(default_factory=dict)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    interfaces: dict[str, Interface] = field(default_factory=dict)
    internet_gateways: dict[str, InternetGateway] = field(default_factory=dict)
    nat_gateways: dict[str, NatGateway] = field(default_factory=dict)
    peerings: dict[str, Peering] = field(default_factory=dict)
    prefix_lists: dict[str, PrefixList] = field(default_factory=dict)
    private_names: dict[str, PrivateName] = field(default_factory=dict)  # by lower-case name
