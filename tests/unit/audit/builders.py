"""A small network builder for the audit's rule tests: a clean private network (the brief's), then one change."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field, replace

from runnerlink.audit.model import AppService, AuditModel, Connector, IngressConnection, Observed, Placement
from runnerlink.network.model import (Endpoint, Interface, InternetGateway, PrefixList, Route, RouteTable,
                                      Rule, SecurityGroup, Subnet, Topology, Vpc)

ACCOUNT, REGION = "111122223333", "us-east-1"
VPC, CIDR = "vpc-1", "10.0.0.0/16"
SUBNET_A, SUBNET_B = "subnet-a", "subnet-b"
MAIN = "rtb-main"
SG_APP, SG_ENDPOINT, SG_INGRESS, SG_DEFAULT = "sg-app", "sg-endpoint", "sg-ingress", "sg-default"
APPRUNNER = "vpce-0a1"
REQUESTS = "vpce-0b2"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/deployer"
SERVICE_ARN = f"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/web/0001"
PRIVATE_ARN = f"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/internal/0002"
CONNECTOR_ARN = f"arn:aws:apprunner:{REGION}:{ACCOUNT}:vpcconnector/conn/1/0003"
INGRESS_ARN = f"arn:aws:apprunner:{REGION}:{ACCOUNT}:vpcingressconnection/internal/0004"
S3_LIST = "pl-63a5400a"

ALL_OUT = Rule("-1", cidr="0.0.0.0/0")
HTTPS_FROM_VPC = Rule("tcp", 443, 443, cidr=CIDR)


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, principal=None, resource="*", condition=None) -> dict:
    statement = {"Effect": "Allow", "Principal": principal if principal is not None else {"AWS": ROLE},
                 "Action": actions, "Resource": resource}
    if condition is not None:
        statement["Condition"] = condition
    return statement


READ_ONLY = policy(allow(["apprunner:List*", "apprunner:Describe*"]))


@dataclass
class Net:
    """A mutable network; model() freezes it into an AuditModel."""

    vpcs: dict = field(default_factory=dict)
    subnets: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)
    endpoints: dict = field(default_factory=dict)
    interfaces: dict = field(default_factory=dict)
    gateways: dict = field(default_factory=dict)
    nats: dict = field(default_factory=dict)
    prefix_lists: dict = field(default_factory=dict)
    services: dict = field(default_factory=dict)
    connectors: dict = field(default_factory=dict)
    ingress: dict = field(default_factory=dict)
    default_groups: dict = field(default_factory=dict)
    placements: list = field(default_factory=list)
    observed: list = field(default_factory=list)

    def vpc(self, vpc_id: str = VPC, cidr: str = CIDR, **attributes) -> "Net":
        self.vpcs[vpc_id] = Vpc(vpc_id, (cidr,), attributes.get("dns_support", True),
                                attributes.get("dns_hostnames", True))
        self.tables[f"{MAIN}-{vpc_id}" if vpc_id != VPC else MAIN] = RouteTable(
            f"{MAIN}-{vpc_id}" if vpc_id != VPC else MAIN, vpc_id, (Route(cidr, "local"),))
        default = SG_DEFAULT if vpc_id == VPC else f"{SG_DEFAULT}-{vpc_id}"
        self.groups[default] = SecurityGroup(default, vpc_id, (Rule("-1", group_id=default),), (ALL_OUT,))
        self.default_groups[vpc_id] = default
        return self

    def subnet(self, subnet_id: str, cidr: str, zone: str, vpc_id: str = VPC, table: str | None = None,
               public_ip: bool = False) -> "Net":
        main = MAIN if vpc_id == VPC else f"{MAIN}-{vpc_id}"
        self.subnets[subnet_id] = Subnet(subnet_id, vpc_id, cidr, zone, table or main, public_ip)
        return self

    def group(self, group_id: str, ingress=(), egress=(ALL_OUT,), vpc_id: str = VPC) -> "Net":
        self.groups[group_id] = SecurityGroup(group_id, vpc_id, tuple(ingress), tuple(egress))
        return self

    def route(self, table_id: str, destination: str, target: str) -> "Net":
        table = self.tables[table_id]
        self.tables[table_id] = replace(table, routes=(*table.routes, Route(destination, target)))
        return self

    def endpoint(self, endpoint_id: str, service: str, subnets=(SUBNET_A, SUBNET_B), groups=(SG_ENDPOINT,),
                 vpc_id: str = VPC, private_dns: bool = True, policy: str | None = READ_ONLY,
                 state: str = "available", service_name: str | None = None) -> "Net":
        name = service_name or f"com.amazonaws.{REGION}.{service}"
        interface_ids = []
        for index, subnet_id in enumerate(subnets):
            network = ipaddress.ip_network(self.subnets[subnet_id].cidr)
            interface_id = f"eni-{endpoint_id[5:]}-{index}"
            self.interfaces[interface_id] = Interface(interface_id, subnet_id, vpc_id,
                                                      str(network[10 + len(self.interfaces) % 200]), tuple(groups))
            interface_ids.append(interface_id)
        dns_name = ".".join(reversed(service.split("."))) + f".{REGION}.amazonaws.com"
        self.endpoints[endpoint_id] = Endpoint(
            endpoint_id, vpc_id, name, "Interface", state, private_dns, dns_name if private_dns else None,
            (f"{endpoint_id}-abcdefgh.{dns_name.removesuffix('.amazonaws.com')}.vpce.amazonaws.com",),
            tuple(interface_ids), tuple(groups), policy)
        return self

    def gateway_endpoint(self, endpoint_id: str, service: str = "s3", tables=(MAIN,), vpc_id: str = VPC) -> "Net":
        name = f"com.amazonaws.{REGION}.{service}"
        self.prefix_lists[S3_LIST] = PrefixList(S3_LIST, name, ("52.216.0.0/15",))
        self.endpoints[endpoint_id] = Endpoint(endpoint_id, vpc_id, name, "Gateway", "available")
        for table_id in tables:
            self.route(table_id, S3_LIST, endpoint_id)
        return self

    def internet(self, gateway_id: str = "igw-1", vpc_id: str = VPC, table: str = MAIN) -> "Net":
        self.gateways[gateway_id] = InternetGateway(gateway_id, vpc_id)
        return self.route(table, "0.0.0.0/0", gateway_id)

    def workload(self, workload_id: str, subnet_id: str, groups=(SG_APP,)) -> "Net":
        self.placements.append(Placement(workload_id, "workload", self.subnets[subnet_id].vpc_id, subnet_id,
                                         tuple(groups), label=f"workload {workload_id}"))
        return self

    def change(self, kind: str, key: str, **changes) -> "Net":
        """Replace fields of one object: change("endpoints", APPRUNNER, private_dns=False)."""
        store = getattr(self, kind)
        store[key] = replace(store[key], **changes)
        return self

    def model(self) -> AuditModel:
        topology = Topology(ACCOUNT, REGION, dict(self.vpcs), dict(self.subnets), dict(self.tables),
                            dict(self.groups), dict(self.endpoints), dict(self.interfaces), dict(self.gateways),
                            dict(self.nats), {}, dict(self.prefix_lists))
        return AuditModel(topology, "runnerlink", dict(self.services), dict(self.connectors), dict(self.ingress),
                          dict(self.default_groups), tuple(self.placements), tuple(self.observed))


def clean() -> Net:
    """The brief's clean private network: no internet or NAT routes; an apprunner endpoint with private DNS in both
    placement zones, DNS support and hostnames on, endpoint security groups admitting 443 from the VPC CIDR only,
    a policy allowing only apprunner:List*/Describe* to a named principal; a service with egress VPC through a
    connector, and a private service reached through an ingress connection (apprunner.requests endpoint)."""
    net = (Net().vpc()
           .subnet(SUBNET_A, "10.0.1.0/24", f"{REGION}a").subnet(SUBNET_B, "10.0.2.0/24", f"{REGION}b")
           .group(SG_APP).group(SG_ENDPOINT, ingress=(HTTPS_FROM_VPC,)).group(SG_INGRESS, ingress=(HTTPS_FROM_VPC,))
           .endpoint(APPRUNNER, "apprunner")
           .endpoint(REQUESTS, "apprunner.requests", groups=(SG_INGRESS,), private_dns=False, policy=None)
           .workload("wl-a", SUBNET_A).workload("wl-b", SUBNET_B))
    net.connectors[CONNECTOR_ARN] = Connector(CONNECTOR_ARN, "conn", (SUBNET_A, SUBNET_B), (SG_APP,))
    net.services[SERVICE_ARN] = AppService(SERVICE_ARN, "web", "RUNNING", "VPC", CONNECTOR_ARN, True, ROLE)
    net.services[PRIVATE_ARN] = AppService(PRIVATE_ARN, "internal", "RUNNING", "VPC", CONNECTOR_ARN, False)
    net.ingress[INGRESS_ARN] = IngressConnection(INGRESS_ARN, "internal", PRIVATE_ARN, VPC, REQUESTS)
    return net


def observed(subnet_id: str, service: str, outcome: str, count: int, workloads=("wl-a",)) -> Observed:
    host = ".".join(reversed(service.split("."))) + f".{REGION}.amazonaws.com"
    return Observed(VPC, subnet_id, service, host, outcome, count, tuple(workloads), 1_780_000_000.0)
