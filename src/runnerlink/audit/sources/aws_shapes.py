"""EC2 and App Runner API answers (the dicts boto3 returns) as the audit's model, field for field as runnerlink maps
its own records (services/ec2/topology.py, server/audit_view.py), so the AWS source and the runnerlink source give
the same model of the same network. Pure: no I/O."""

from __future__ import annotations

from runnerlink.audit.model import AppService, Connector, IngressConnection, rule_order
from runnerlink.network.model import (
    Endpoint,
    Interface,
    InternetGateway,
    NatGateway,
    Peering,
    PrefixList,
    PrivateName,
    Route,
    RouteTable,
    Rule,
    SecurityGroup,
    Subnet,
    Vpc,
)

AWS_OWNER = "AWS"  # the OwnerId of AWS-managed prefix lists in DescribeManagedPrefixLists
_ROUTABLE = ("associated", "disassociating")  # CIDR association states the VPC's local route covers
_ROUTE_TARGETS = ("GatewayId", "NatGatewayId", "NetworkInterfaceId", "VpcPeeringConnectionId", "TransitGatewayId",
                  "EgressOnlyInternetGatewayId", "InstanceId", "LocalGatewayId", "CarrierGatewayId")
_VPCE_SUFFIX = ".vpce.amazonaws.com"

# Customer-managed prefix list id → its CIDRs (what rules referencing the list carry).
PrefixCidrs = dict[str, tuple[str, ...]]


def vpc(view: dict, dns_support: bool = True, dns_hostnames: bool = False) -> Vpc:
    cidrs = tuple(a["CidrBlock"] for a in view.get("CidrBlockAssociationSet") or []
                  if (a.get("CidrBlockState") or {}).get("State") in _ROUTABLE) or (view["CidrBlock"],)
    return Vpc(view["VpcId"], cidrs, dns_support, dns_hostnames)


def subnet_tables(tables: list[dict]) -> tuple[dict[str, str], dict[str, str]]:
    """(subnet id → its explicitly associated table, VPC id → its main table)."""
    explicit: dict[str, str] = {}
    main: dict[str, str] = {}
    for table in tables:
        for association in table.get("Associations") or []:
            if association.get("SubnetId"):
                explicit[association["SubnetId"]] = table["RouteTableId"]
            elif association.get("Main"):
                main[table["VpcId"]] = table["RouteTableId"]
    return explicit, main


def subnet(view: dict, explicit: dict[str, str], main: dict[str, str]) -> Subnet:
    subnet_id = view["SubnetId"]
    return Subnet(subnet_id, view["VpcId"], view["CidrBlock"], view["AvailabilityZone"],
                  explicit.get(subnet_id) or main.get(view["VpcId"]), bool(view.get("MapPublicIpOnLaunch")))


def route(view: dict) -> Route | None:
    destination = view.get("DestinationCidrBlock") or view.get("DestinationIpv6CidrBlock") \
        or view.get("DestinationPrefixListId")
    target = next((view[k] for k in _ROUTE_TARGETS if view.get(k)), None)
    if destination is None or target is None:
        return None
    return Route(destination, target, view.get("State", "active"))


def route_table(view: dict) -> RouteTable:
    routes = tuple(r for r in (route(raw) for raw in view.get("Routes") or []) if r is not None)
    return RouteTable(view["RouteTableId"], view["VpcId"], routes)


def rules(permissions: list[dict], lists: PrefixCidrs) -> tuple[Rule, ...]:
    """IpPermissions (one per protocol and port range, with all its peers) as one Rule per peer, in the audit's
    canonical order (a group's rules are a set)."""
    found: list[Rule] = []
    for permission in permissions or []:
        base = dict(protocol=str(permission["IpProtocol"]), from_port=int(permission.get("FromPort", -1)),
                    to_port=int(permission.get("ToPort", -1)))
        found += [Rule(**base, cidr=r["CidrIp"]) for r in permission.get("IpRanges") or []]
        found += [Rule(**base, cidr=r["CidrIpv6"]) for r in permission.get("Ipv6Ranges") or []]
        found += [Rule(**base, group_id=p["GroupId"]) for p in permission.get("UserIdGroupPairs") or []
                  if p.get("GroupId")]
        found += [Rule(**base, prefix_list_id=p["PrefixListId"], prefix_cidrs=lists.get(p["PrefixListId"], ()))
                  for p in permission.get("PrefixListIds") or []]
    return tuple(sorted(found, key=rule_order))


def security_group(view: dict, lists: PrefixCidrs) -> SecurityGroup:
    return SecurityGroup(view["GroupId"], view.get("VpcId", ""), rules(view.get("IpPermissions"), lists),
                         rules(view.get("IpPermissionsEgress"), lists))


def endpoint(view: dict) -> Endpoint:
    names = [e["DnsName"] for e in view.get("DnsEntries") or []]
    return Endpoint(
        id=view["VpcEndpointId"],
        vpc_id=view["VpcId"],
        service_name=view["ServiceName"],
        type=view.get("VpcEndpointType", "Gateway"),
        state=view.get("State", ""),
        private_dns=bool(view.get("PrivateDnsEnabled")),
        private_dns_name=next((n for n in names if not n.endswith(_VPCE_SUFFIX)), None),
        dns_names=tuple(n for n in names if n.endswith(_VPCE_SUFFIX)),
        interface_ids=tuple(view.get("NetworkInterfaceIds") or []),
        group_ids=tuple(g["GroupId"] for g in view.get("Groups") or []),
        policy=view.get("PolicyDocument"),
    )


def interface(view: dict) -> Interface | None:
    if not view.get("PrivateIpAddress"):
        return None
    return Interface(view["NetworkInterfaceId"], view["SubnetId"], view["VpcId"], view["PrivateIpAddress"],
                     tuple(g["GroupId"] for g in view.get("Groups") or []))


def internet_gateway(view: dict) -> InternetGateway:
    return InternetGateway(view["InternetGatewayId"],
                           next((a["VpcId"] for a in view.get("Attachments") or []), None))


def nat_gateway(view: dict) -> NatGateway:
    public_ip = next((a.get("PublicIp") for a in view.get("NatGatewayAddresses") or []
                      if a.get("PublicIp") and a.get("IsPrimary", True)), None)
    return NatGateway(view["NatGatewayId"], view["SubnetId"], view["State"], public_ip)


def peering(view: dict) -> Peering:
    return Peering(view["VpcPeeringConnectionId"], view["RequesterVpcInfo"]["VpcId"],
                   view["AccepterVpcInfo"]["VpcId"], (view.get("Status") or {}).get("Code", ""))


def aws_prefix_list(view: dict) -> PrefixList:
    """An AWS-managed list from DescribePrefixLists (a gateway endpoint service's)."""
    return PrefixList(view["PrefixListId"], view["PrefixListName"], tuple(view.get("Cidrs") or ()))


def customer_list(view: dict) -> bool:
    """A customer-managed list from DescribeManagedPrefixLists that routes and rules can still use."""
    return view.get("OwnerId") != AWS_OWNER and not str(view.get("State", "")).startswith("delete")


def customer_prefix_list(list_id: str, cidrs: tuple[str, ...]) -> PrefixList:
    # Unnamed, as runnerlink's own topology has it: only AWS-managed lists are matched by name (a service's).
    return PrefixList(list_id, "", cidrs)


def app_service(view: dict) -> AppService:
    network = view.get("NetworkConfiguration") or {}
    egress = network.get("EgressConfiguration") or {}
    ingress = network.get("IngressConfiguration") or {}
    role = (view.get("InstanceConfiguration") or {}).get("InstanceRoleArn")
    return AppService(arn=view["ServiceArn"], name=view["ServiceName"], status=view.get("Status", ""),
                      egress_type=egress.get("EgressType") or "DEFAULT",
                      connector_arn=egress.get("VpcConnectorArn") or None,
                      public=bool(ingress.get("IsPubliclyAccessible", True)), instance_role_arn=role or None)


def connector(view: dict) -> Connector:
    return Connector(view["VpcConnectorArn"], view["VpcConnectorName"], tuple(view.get("Subnets") or ()),
                     tuple(view.get("SecurityGroups") or ()), view.get("Status", ""))


def ingress_connection(view: dict) -> IngressConnection:
    config = view.get("IngressVpcConfiguration") or {}
    return IngressConnection(view["VpcIngressConnectionArn"], view.get("VpcIngressConnectionName", ""),
                             view["ServiceArn"], config.get("VpcId", ""), config.get("VpcEndpointId", ""),
                             view.get("Status", ""))


def private_name(view: dict) -> PrivateName | None:
    """An ingress connection's DomainName, which resolves only in its VPC (what runnerlink adds to EC2's topology)."""
    config = view.get("IngressVpcConfiguration") or {}
    if not view.get("DomainName") or not config.get("VpcId"):
        return None
    service_name = view["ServiceArn"].split("/")[1] if "/" in view["ServiceArn"] else view["ServiceArn"]
    return PrivateName(view["DomainName"].lower(), config["VpcId"], config.get("VpcEndpointId", ""),
                       view.get("Status", ""),
                       f"the VPC ingress connection {view.get('VpcIngressConnectionName', '')} of service "
                       f"{service_name}")
