"""The audit's model read from any EC2 / App Runner API through boto3 (a real AWS account, or runnerlink with
--endpoint-url), with read-only calls only: Describe*, List*, Get* (and sts:GetCallerIdentity, which needs no
permission). A refused call is recorded in the model's `refused` with a note of what the model lacks, and the read
goes on. AWS knows no runnerlink workloads or traffic log: no placements, nothing observed."""

from __future__ import annotations

import boto3

from runnerlink.audit.model import AppService, AuditModel, Connector, IngressConnection
from runnerlink.audit.sources import aws_shapes as shapes
from runnerlink.audit.sources.aws_calls import Reader
from runnerlink.network.model import PrefixList, PrivateName, Topology

SOURCE = "aws"
_DELETED = "DELETED"
# What the model lacks when an operation is refused.
_MISSING = {
    "GetCallerIdentity": "the account id (taken from the resources' owner instead)",
    "DescribeVpcs": "every VPC",
    "DescribeVpcAttribute": "the VPCs' enableDnsSupport/enableDnsHostnames (assumed AWS's defaults: on/off)",
    "DescribeSubnets": "every subnet",
    "DescribeRouteTables": "route tables and routes (every subnet's route table is unknown)",
    "DescribeSecurityGroups": "security groups and their rules, and the VPCs' default groups",
    "DescribeVpcEndpoints": "VPC endpoints",
    "DescribeNetworkInterfaces": "network interfaces (endpoint ENIs: their addresses, subnets and groups)",
    "DescribeInternetGateways": "internet gateways",
    "DescribeNatGateways": "NAT gateways",
    "DescribeVpcPeeringConnections": "VPC peering connections",
    "DescribePrefixLists": "AWS-managed prefix lists (gateway endpoint routes' destinations)",
    "DescribeManagedPrefixLists": "customer-managed prefix lists",
    "GetManagedPrefixListEntries": "customer-managed prefix lists' CIDRs",
    "ListServices": "App Runner services",
    "DescribeService": "App Runner services' network, ingress and instance role settings",
    "ListVpcConnectors": "App Runner VPC connectors",
    "ListVpcIngressConnections": "App Runner VPC ingress connections",
    "DescribeVpcIngressConnection": "App Runner VPC ingress connections' VPCs, endpoints and domain names",
}


def load(session: boto3.Session, region: str, endpoint_url: str | None = None) -> AuditModel:
    """The network of the session's account in `region`. Raises SourceError when nothing can be read (no
    credentials, credentials refused, EC2 unreachable)."""
    reader = Reader(session, region, endpoint_url)
    identity = reader.call("sts", "get_caller_identity") or {}
    ec2 = _Ec2(reader)
    topology, default_groups = ec2.read()
    services, connectors, ingress, names = _apprunner(reader)
    account = identity.get("Account") or ec2.owner or ""
    topology = Topology(account=account, region=region, **{**topology, "private_names": names})
    refused = tuple(reader.refused.values())
    notes = tuple(f"{r.service}:{r.operation} was refused ({r.code}): the model lacks "
                  f"{_MISSING.get(r.operation, 'what it reads')}" for r in refused)
    return AuditModel(topology=topology, source=SOURCE, services=services, connectors=connectors, ingress=ingress,
                      default_groups=default_groups, refused=refused, notes=notes)


class _Ec2:
    def __init__(self, reader: Reader):
        self.reader = reader
        self.owner: str | None = None  # the account, from the VPCs' OwnerId

    def items(self, method: str, key: str, **params) -> list[dict]:
        return self.reader.items("ec2", method, key, **params) or []

    def read(self) -> tuple[dict, dict[str, str]]:
        """(Topology's fields but account/region/private_names, VPC id → its default group id)."""
        vpc_views = self.items("describe_vpcs", "Vpcs")
        self.owner = next((v["OwnerId"] for v in vpc_views if v.get("OwnerId")), None)
        tables = self.items("describe_route_tables", "RouteTables")
        explicit, main = shapes.subnet_tables(tables)
        lists, prefix_lists = self._prefix_lists()
        groups = self.items("describe_security_groups", "SecurityGroups")
        fields = dict(
            vpcs={v["VpcId"]: shapes.vpc(v, *self._dns(v["VpcId"])) for v in vpc_views},
            subnets={s["SubnetId"]: shapes.subnet(s, explicit, main) for s in self.items("describe_subnets",
                                                                                         "Subnets")},
            route_tables={t["RouteTableId"]: shapes.route_table(t) for t in tables},
            security_groups={g["GroupId"]: shapes.security_group(g, lists) for g in groups},
            endpoints={e["VpcEndpointId"]: shapes.endpoint(e) for e in self.items("describe_vpc_endpoints",
                                                                                  "VpcEndpoints")},
            interfaces={i.id: i for i in (shapes.interface(v) for v in self.items("describe_network_interfaces",
                                                                                  "NetworkInterfaces")) if i},
            internet_gateways={g["InternetGatewayId"]: shapes.internet_gateway(g)
                               for g in self.items("describe_internet_gateways", "InternetGateways")},
            nat_gateways={n["NatGatewayId"]: shapes.nat_gateway(n) for n in self.items("describe_nat_gateways",
                                                                                       "NatGateways")},
            peerings={p["VpcPeeringConnectionId"]: shapes.peering(p)
                      for p in self.items("describe_vpc_peering_connections", "VpcPeeringConnections")},
            prefix_lists=prefix_lists,
        )
        defaults = {g["VpcId"]: g["GroupId"] for g in groups if g.get("GroupName") == "default" and g.get("VpcId")}
        return fields, defaults

    def _dns(self, vpc_id: str) -> tuple[bool, bool]:
        """(enableDnsSupport, enableDnsHostnames); AWS's defaults for a new VPC when the attribute can't be read."""
        support = self.reader.call("ec2", "describe_vpc_attribute", VpcId=vpc_id, Attribute="enableDnsSupport")
        hostnames = self.reader.call("ec2", "describe_vpc_attribute", VpcId=vpc_id, Attribute="enableDnsHostnames")
        return (bool((support or {}).get("EnableDnsSupport", {}).get("Value", True)),
                bool((hostnames or {}).get("EnableDnsHostnames", {}).get("Value", False)))

    def _prefix_lists(self) -> tuple[shapes.PrefixCidrs, dict[str, PrefixList]]:
        """(customer list id → CIDRs, every list the model knows: AWS-managed and customer-managed)."""
        found = {p["PrefixListId"]: shapes.aws_prefix_list(p) for p in self.items("describe_prefix_lists",
                                                                                  "PrefixLists")}
        lists: shapes.PrefixCidrs = {}
        for view in self.items("describe_managed_prefix_lists", "PrefixLists"):
            if not shapes.customer_list(view):
                continue
            entries = self.reader.items("ec2", "get_managed_prefix_list_entries", "Entries",
                                        PrefixListId=view["PrefixListId"])
            if entries is None:  # refused: the list is known, its CIDRs aren't
                continue
            lists[view["PrefixListId"]] = tuple(e["Cidr"] for e in entries)
            found[view["PrefixListId"]] = shapes.customer_prefix_list(view["PrefixListId"], lists[view["PrefixListId"]])
        return lists, found


def _apprunner(reader: Reader) -> tuple[dict[str, AppService], dict[str, Connector], dict[str, IngressConnection],
                                        dict[str, PrivateName]]:
    services: dict[str, AppService] = {}
    for summary in reader.items("apprunner", "list_services", "ServiceSummaryList") or []:
        described = reader.call("apprunner", "describe_service", ServiceArn=summary["ServiceArn"])
        view = (described or {}).get("Service") or summary  # refused: what the summary tells (status, name)
        if view.get("Status") != _DELETED:
            services[view["ServiceArn"]] = shapes.app_service(view)
    connectors = {c["VpcConnectorArn"]: shapes.connector(c)
                  for c in reader.items("apprunner", "list_vpc_connectors", "VpcConnectors") or []
                  if c.get("Status") == "ACTIVE"}  # an INACTIVE connector is a deleted one
    ingress: dict[str, IngressConnection] = {}
    names: dict[str, PrivateName] = {}
    for summary in reader.items("apprunner", "list_vpc_ingress_connections", "VpcIngressConnectionSummaryList") or []:
        described = reader.call("apprunner", "describe_vpc_ingress_connection",
                                VpcIngressConnectionArn=summary["VpcIngressConnectionArn"])
        view = (described or {}).get("VpcIngressConnection")
        if view is None or view.get("Status") == _DELETED:
            continue
        ingress[view["VpcIngressConnectionArn"]] = shapes.ingress_connection(view)
        name = shapes.private_name(view)
        if name is not None:
            names[name.name] = name
    return services, connectors, ingress, names
