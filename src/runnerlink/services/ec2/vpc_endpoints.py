"""VPC endpoints (interface endpoints for AWS services, gateway endpoints for S3 and DynamoDB): create, modify,
describe, delete.

An interface endpoint has one requester-managed ENI per subnet (created and deleted synchronously, so DeleteSubnet
and DeleteSecurityGroup are never blocked by an endpoint that is already going away). A gateway endpoint has route
tables instead; the routes it implies are derived by records.route_tables from RouteTableIds.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import string

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import derived, is_gone, paginate
from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.ids import is_well_formed, new_id
from runnerlink.services.ec2.records.endpoint_policies import checked_policy, default_policy
from runnerlink.services.ec2.records.endpoint_services import GATEWAY, INTERFACE, dns_part, find_service, lookup_service
from runnerlink.services.ec2.records.filters import apply_filters
from runnerlink.services.ec2.records.kind import MAX_RESULTS, bad_token, page
from runnerlink.services.ec2.records.network_interfaces import create_requester_managed, delete_interface, set_groups
from runnerlink.services.ec2.records.route_tables import ROUTE_TABLE
from runnerlink.services.ec2.records.security_groups import default_group_id, get_group
from runnerlink.services.ec2.records.subnets import get_subnet, ipv6_blocks
from runnerlink.services.ec2.records.tags import tags_for
from runnerlink.services.ec2.records.vpc_endpoints import VPC_ENDPOINT, endpoint_view, live_endpoints, state
from runnerlink.services.ec2.records.vpcs import dns_attributes, get_vpc
from runnerlink.wire.sealed import Sealed

INTERFACE_QUOTA = 50  # interface endpoints per VPC (adjustable on AWS)
GATEWAY_QUOTA = 20  # gateway endpoints per region
# The public vpce.amazonaws.com hosted zone of each region (awscli example; kubernetes-sigs/external-dns#3429).
_VPCE_ZONES = {"us-east-1": "Z7HUB22UULQXV", "us-west-2": "Z1YSA3EXCYUU9Z"}
_LABEL_CHARS = string.ascii_lowercase + string.digits
_DNS_RECORD_TYPES = {"ipv4": {"ipv4", "service-defined"}, "dualstack": {"ipv4", "dualstack", "ipv6", "service-defined"},
                     "ipv6": {"ipv6", "service-defined"}}


def _invalid(message: str) -> EC2Error:
    return EC2Error("InvalidParameter", message)


def _short_name(region: str, service_name: str) -> str:
    return service_name[len(f"com.amazonaws.{region}."):]


def _policy(service: dict, kind: str, text: str | None) -> str:
    if text is None:
        return default_policy(kind)
    if not service["VpcEndpointPolicySupported"]:
        # AWS's wording unknown; the service's own guide says endpoint policies are not supported for it.
        raise _invalid(f"The Vpc Endpoint Service '{service['ServiceName']}' does not support VPC endpoint policies.")
    return checked_policy(text)


def _check_subnets(ctx: HandlerContext, vpc_id: str, subnet_ids: list[str], service: dict,
                   taken: dict[str, str]) -> list[dict]:
    """The subnets to add, checked: they exist, are in the VPC, in zones the service offers, one per zone
    (taken: the zones already used, zone → subnet id)."""
    taken = dict(taken)
    found = []
    for subnet_id in dict.fromkeys(subnet_ids):
        subnet = get_subnet(ctx, subnet_id)
        if subnet["VpcId"] != vpc_id:
            raise _invalid(f"The subnet ID '{subnet_id}' does not belong to the VPC '{vpc_id}'.")
        zone = subnet["AvailabilityZone"]
        if zone not in service["AvailabilityZones"]:
            raise _invalid(f"The Vpc Endpoint Service '{service['ServiceName']}' does not support the availability "
                           f"zone of the subnet: {subnet_id}.")
        if zone in taken:
            raise EC2Error("DuplicateSubnetsInSameZone",
                           f"Found another VPC endpoint subnet in the availability zone of {subnet_id}")
        taken[zone] = subnet_id
        found.append(subnet)
    return found


def _check_groups(ctx: HandlerContext, vpc_id: str, group_ids: list[str]) -> list[dict]:
    groups = []
    for group_id in dict.fromkeys(group_ids):
        group = get_group(ctx, group_id)
        if group.get("VpcId") != vpc_id:
            raise _invalid(f"Security group {group_id} and VPC {vpc_id} belong to different networks.")
        groups.append({"GroupId": group["GroupId"], "GroupName": group.get("GroupName", "")})
    return groups


def _check_private_dns(ctx: HandlerContext, record: dict, service: dict, records: list[dict] | None = None) -> None:
    """Private DNS needs a service with a private name, both VPC DNS attributes, and no other endpoint in the VPC
    holding private DNS for the same name."""
    name = service.get("PrivateDnsName")
    if not name:
        raise _invalid(f"Private DNS can't be enabled because the service {service['ServiceName']} does not provide "
                       "a private DNS name.")
    vpc_id = record["VpcId"]
    support, hostnames = dns_attributes(ctx, vpc_id)
    if not (support and hostnames):
        raise _invalid("Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes "
                       f"set to true for {vpc_id}")
    for other in live_endpoints(ctx, records):
        if (other["VpcId"] == vpc_id and other["VpcEndpointId"] != record["VpcEndpointId"]
                and other.get("PrivateDnsEnabled") and other.get("_private_dns_name") == name):
            raise _invalid(f"private-dns-enabled cannot be set because there is already a conflicting DNS domain for "
                           f"{name} in the VPC {vpc_id}")


def _ip_settings(ctx: HandlerContext, record: dict, service: dict, subnets: list[dict], params: dict) -> None:
    """IpAddressType and DnsOptions, validated against the service and the subnets, with AWS's defaults."""
    ip_type = params.get("IpAddressType") or record.get("IpAddressType") or "ipv4"
    if ip_type not in _DNS_RECORD_TYPES:
        raise EC2Error("InvalidParameterValue", f"Value ({ip_type}) for parameter IpAddressType is invalid.")
    gateway = record["VpcEndpointType"] == GATEWAY
    if gateway and ip_type == "ipv6":
        raise _invalid("Gateway endpoints support the IP address types ipv4 and dualstack only.")
    wanted = {"ipv4"} if ip_type == "ipv4" else {"ipv6"} | ({"ipv4"} if ip_type == "dualstack" else set())
    if not wanted <= set(service["SupportedIpAddressTypes"]):
        raise _invalid(f"The Vpc Endpoint Service '{service['ServiceName']}' does not support IP address type "
                       f"{ip_type}.")
    for subnet in subnets:
        # ipv6 needs IPv6-only subnets, dualstack subnets with both ranges, ipv4 subnets with an IPv4 range.
        if ip_type == "ipv6" and not subnet.get("Ipv6Native"):
            raise _invalid(f"The subnet {subnet['SubnetId']} has an IPv4 CIDR block; IP address type ipv6 needs "
                           "IPv6-only subnets.")
        if ip_type == "dualstack" and not ipv6_blocks(ctx, subnet):
            raise _invalid(f"The subnet {subnet['SubnetId']} has no IPv6 CIDR block; IP address type {ip_type} "
                           "needs one.")
        if ip_type == "ipv4" and subnet.get("Ipv6Native"):
            raise _invalid(f"The subnet {subnet['SubnetId']} has no IPv4 CIDR block; IP address type ipv4 needs "
                           "one.")
    given = params.get("DnsOptions") or {}
    current = record.get("DnsOptions") or {}
    record_type = given.get("DnsRecordIpType")
    if record_type is None:
        kept = current.get("DnsRecordIpType")
        record_type = kept if kept in _DNS_RECORD_TYPES[ip_type] and "IpAddressType" not in params else ip_type
    if record_type not in _DNS_RECORD_TYPES[ip_type]:
        raise _invalid(f"DnsRecordIpType {record_type} is not supported for IP address type {ip_type}.")
    inbound_only = given.get("PrivateDnsOnlyForInboundResolverEndpoint",
                             current.get("PrivateDnsOnlyForInboundResolverEndpoint", False))
    if inbound_only and gateway:
        raise _invalid("PrivateDnsOnlyForInboundResolverEndpoint is supported only for interface endpoints.")
    if inbound_only:
        _check_inbound_only(ctx, record, service)
    record["IpAddressType"] = ip_type
    record["DnsOptions"] = {"DnsRecordIpType": record_type, "PrivateDnsOnlyForInboundResolverEndpoint": inbound_only}


def _check_inbound_only(ctx: HandlerContext, record: dict, service: dict) -> None:
    """PrivateDnsOnlyForInboundResolverEndpoint: only for services with both endpoint types, with private DNS on and
    a gateway endpoint for the service in the VPC."""
    name = service["ServiceName"]
    if find_service(ctx.region, name, GATEWAY) is None:
        raise _invalid("PrivateDnsOnlyForInboundResolverEndpoint is supported only for services that support both "
                       "gateway and interface endpoints.")
    if not record.get("PrivateDnsEnabled"):
        raise _invalid("PrivateDnsOnlyForInboundResolverEndpoint can be set only when private DNS is enabled.")
    if not any(r["VpcId"] == record["VpcId"] and r["ServiceName"] == name and r["VpcEndpointType"] == GATEWAY
               for r in live_endpoints(ctx)):
        raise _invalid(f"To set PrivateDnsOnlyForInboundResolverEndpoint to true, the VPC {record['VpcId']} must "
                       "have a Gateway endpoint for the service.")


def _check_route_tables(ctx: HandlerContext, vpc_id: str, route_table_ids: list[str]) -> list[str]:
    for route_table_id in route_table_ids:
        table = ROUTE_TABLE.get(ctx, route_table_id)
        if table.get("VpcId") != vpc_id:
            raise _invalid(f"The route table {route_table_id} does not belong to the VPC {vpc_id}.")
    return list(dict.fromkeys(route_table_ids))


def _check_quota(ctx: HandlerContext, vpc_id: str, kind: str, records: list[dict]) -> None:
    live = [r for r in live_endpoints(ctx, records) if r["VpcEndpointType"] == kind]
    if kind == INTERFACE and sum(r["VpcId"] == vpc_id for r in live) >= INTERFACE_QUOTA:
        raise EC2Error("VpcEndpointLimitExceeded",
                       f"The maximum number of interface VPC endpoints ({INTERFACE_QUOTA}) for {vpc_id} has been "
                       "reached.")
    if kind == GATEWAY and len(live) >= GATEWAY_QUOTA:
        raise EC2Error("VpcEndpointLimitExceeded",
                       f"The maximum number of gateway VPC endpoints ({GATEWAY_QUOTA}) in this region has been "
                       "reached.")


def _add_subnets(ctx: HandlerContext, record: dict, subnets: list[dict]) -> None:
    group_ids = [g["GroupId"] for g in record["Groups"]]
    for subnet in subnets:
        subnet_id = subnet["SubnetId"]
        record["SubnetIds"].append(subnet_id)
        record["_zones"][subnet_id] = subnet["AvailabilityZone"]
        eni = create_requester_managed(ctx, subnet, group_ids, f"VPC Endpoint Interface {record['VpcEndpointId']}")
        record["_enis"][subnet_id] = eni["NetworkInterfaceId"]


def _remove_subnet(ctx: HandlerContext, record: dict, subnet_id: str) -> None:
    record["SubnetIds"].remove(subnet_id)
    record["_zones"].pop(subnet_id, None)
    eni_id = record["_enis"].pop(subnet_id, None)
    if eni_id is not None:
        delete_interface(ctx, eni_id)


def _hosted_zone(seed: str, length: int) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest().upper()
    return "Z" + "".join(c for c in digest if c.isalnum())[:length - 1]


def _dns_entries(ctx: HandlerContext, record: dict, service: dict) -> list[dict]:
    """Regional name first, then one per zone, then the service's own name when private DNS is on."""
    if record["VpcEndpointType"] != INTERFACE or not record["SubnetIds"]:
        return []
    short = _short_name(ctx.region, record["ServiceName"])
    suffix = f"{dns_part(short)}.{ctx.region}.vpce.amazonaws.com"
    star = "*." if short == "s3" else ""  # S3 interface endpoints use wildcard names
    base = f"{star}{record['VpcEndpointId']}-{record['_label']}"
    zone = _VPCE_ZONES.get(ctx.region) or _hosted_zone(f"vpce/{ctx.region}", 13)
    entries = [{"DnsName": f"{base}.{suffix}", "HostedZoneId": zone}]
    for subnet_id in record["SubnetIds"]:
        entries.append({"DnsName": f"{base}-{record['_zones'][subnet_id]}.{suffix}", "HostedZoneId": zone})
    if record.get("PrivateDnsEnabled") and service.get("PrivateDnsName"):
        # The AWS-managed private hosted zone: its id format is a guess (Z + 20 characters, like newer zones).
        private_zone = _hosted_zone(f"phz/{record['VpcEndpointId']}", 21)
        entries.append({"DnsName": service["PrivateDnsName"], "HostedZoneId": private_zone})
    return entries


def _finish(ctx: HandlerContext, record: dict, service: dict) -> None:
    """Recompute the derived members and save the record."""
    record["NetworkInterfaceIds"] = [record["_enis"][s] for s in record["SubnetIds"] if s in record["_enis"]]
    record["DnsEntries"] = _dns_entries(ctx, record, service)
    VPC_ENDPOINT.put(ctx, record)


def _purge(ctx: HandlerContext, records: list[dict]) -> list[dict]:
    """Forget endpoints whose deletion is long over (keeps scans proportional to live endpoints); the rest."""
    kept = []
    for record in records:
        if is_gone(ctx, record):
            ctx.tx.delete(VPC_ENDPOINT.name, record["VpcEndpointId"])
        else:
            kept.append(record)
    return kept


def _fingerprint(params: dict) -> str:
    request = json.dumps({k: v for k, v in params.items() if k not in ("ClientToken", "DryRun")}, sort_keys=True,
                         default=str)
    return hashlib.sha256(request.encode()).hexdigest()


def _replay(ctx: HandlerContext, params: dict, records: list[dict]) -> dict | None:
    token = params.get("ClientToken")
    if not token:
        return None
    for record in records:
        if record.get("_client_token") == token:
            if record.get("_request") != _fingerprint(params):
                raise EC2Error("IdempotentParameterMismatch",
                               "The client token you have provided is associated with a resource that is already "
                               "deleted or has different parameters. Please use a different client token.")
            return {"VpcEndpoint": endpoint_view(ctx, record), "ClientToken": token}
    return None


def create_vpc_endpoint(ctx: HandlerContext, params: dict) -> dict:
    # One scan serves the idempotency, quota and private DNS checks. The interface endpoint checks concern the VPC
    # only; a client token (matched region-wide) or a gateway endpoint (a regional quota) needs every endpoint.
    if params.get("ClientToken") or (params.get("VpcEndpointType") or GATEWAY) != INTERFACE:
        records = ctx.tx.scan(VPC_ENDPOINT.name)
    else:
        records = ctx.tx.scan(VPC_ENDPOINT.name, parent=params["VpcId"])
    replayed = _replay(ctx, params, records)
    if replayed is not None:
        return replayed
    records = _purge(ctx, records)
    vpc_id = params["VpcId"]
    get_vpc(ctx, vpc_id)
    kind = params.get("VpcEndpointType") or GATEWAY
    if kind not in (INTERFACE, GATEWAY):
        raise EC2Error("InvalidVpcEndpointType", f"VPC endpoint type {kind} is not supported by runnerlink; use "
                                                 "Interface or Gateway.")
    name = params.get("ServiceName")
    if not name:
        raise EC2Error("MissingParameter", "The request must contain the parameter ServiceName")
    service = lookup_service(ctx.region, name, kind)
    subnet_ids = list(params.get("SubnetIds") or [])
    subnet_ids += [c["SubnetId"] for c in params.get("SubnetConfigurations") or [] if c.get("SubnetId")]
    route_table_ids = list(params.get("RouteTableIds") or [])
    if kind == GATEWAY and (subnet_ids or params.get("SecurityGroupIds")):
        what = "Subnet IDs" if subnet_ids else "Security group IDs"
        raise _invalid(f"{what} are only supported for Interface and GatewayLoadBalancer type VPC Endpoints.")
    if kind == INTERFACE and route_table_ids:
        raise _invalid("Route table IDs are only supported for Gateway type VPC Endpoint.")
    subnets = _check_subnets(ctx, vpc_id, subnet_ids, service, {})
    endpoint_id = new_id("vpce")
    record = {
        "VpcEndpointId": endpoint_id,
        "VpcEndpointType": kind,
        "VpcId": vpc_id,
        "ServiceName": name,
        "State": "pending",
        "PolicyDocument": _policy(service, kind, params.get("PolicyDocument")),
        "RouteTableIds": _check_route_tables(ctx, vpc_id, route_table_ids),
        "SubnetIds": [],
        "Groups": [],
        "PrivateDnsEnabled": False,
        "RequesterManaged": False,
        "NetworkInterfaceIds": [],
        "DnsEntries": [],
        "CreationTimestamp": ctx.now,
        "Tags": tags_for(params, "vpc-endpoint"),
        "OwnerId": ctx.account,
        "_pending_since": ctx.now,
        "_label": "".join(secrets.choice(_LABEL_CHARS) for _ in range(8)),
        "_enis": {},
        "_zones": {},
        "_private_dns_name": service.get("PrivateDnsName"),
        "_client_token": params.get("ClientToken"),
        "_request": _fingerprint(params),
    }
    if kind == INTERFACE:
        _configure_interface(ctx, record, service, subnets, params, records)
    elif params.get("IpAddressType") or params.get("DnsOptions"):
        # A gateway endpoint shows IP settings only once given them (AWS's default for gateways is not known).
        _ip_settings(ctx, record, service, [], params)
    _check_quota(ctx, vpc_id, kind, records)
    _add_subnets(ctx, record, subnets)
    _finish(ctx, record, service)
    result = {"VpcEndpoint": endpoint_view(ctx, record)}
    if params.get("ClientToken"):
        result["ClientToken"] = params["ClientToken"]
    return result


def _configure_interface(ctx: HandlerContext, record: dict, service: dict, subnets: list[dict], params: dict,
                         records: list[dict]) -> None:
    """Security groups (the VPC's default group when none are given), private DNS and IP settings."""
    vpc_id = record["VpcId"]
    group_ids = params.get("SecurityGroupIds") or []
    if group_ids:
        record["Groups"] = _check_groups(ctx, vpc_id, group_ids)
    else:
        default = get_group(ctx, default_group_id(ctx, vpc_id))
        record["Groups"] = [{"GroupId": default["GroupId"], "GroupName": default["GroupName"]}]
    # AWS enables private DNS when the parameter is omitted (older API reference: "Default: true"), for services
    # that have a private DNS name; Terraform always sends it.
    private_dns = params.get("PrivateDnsEnabled")
    if private_dns is None:
        private_dns = bool(service.get("PrivateDnsName"))
    record["PrivateDnsEnabled"] = private_dns
    if private_dns:
        _check_private_dns(ctx, record, service, records)
    _ip_settings(ctx, record, service, subnets, params)


def _modifiable(ctx: HandlerContext, endpoint_id: str) -> dict:
    record = VPC_ENDPOINT.get(ctx, endpoint_id)
    if record.get("_deleting_at") is not None:
        raise EC2Error("IncorrectState", f"The VPC endpoint {endpoint_id} is in state {state(ctx, record)} and "
                                         "cannot be modified.")
    return record


def modify_vpc_endpoint(ctx: HandlerContext, params: dict) -> dict:
    record = _modifiable(ctx, params["VpcEndpointId"])
    service = find_service(ctx.region, record["ServiceName"], record["VpcEndpointType"])
    interface = record["VpcEndpointType"] == INTERFACE
    _modify_policy(record, service, params)
    _modify_route_tables(ctx, record, interface, params)
    network_changed = _modify_subnets(ctx, record, service, interface, params)
    network_changed |= _modify_groups(ctx, record, interface, params)
    if interface:
        network_changed |= _modify_private_dns(ctx, record, service, params)
    if params.get("IpAddressType") or params.get("DnsOptions"):
        _ip_settings(ctx, record, service, [get_subnet(ctx, s) for s in record["SubnetIds"]], params)
        network_changed = True
    if network_changed:
        record["_pending_since"] = ctx.now
    _finish(ctx, record, service)
    return {"Return": True}


def _modify_policy(record: dict, service: dict, params: dict) -> None:
    if params.get("ResetPolicy"):
        if params.get("PolicyDocument") is not None:
            raise EC2Error("InvalidParameterCombination", "ResetPolicy and PolicyDocument cannot both be specified.")
        record["PolicyDocument"] = _policy(service, record["VpcEndpointType"], None)
    elif params.get("PolicyDocument") is not None:
        record["PolicyDocument"] = _policy(service, record["VpcEndpointType"], params["PolicyDocument"])


def _modify_route_tables(ctx: HandlerContext, record: dict, interface: bool, params: dict) -> None:
    add, remove = params.get("AddRouteTableIds") or [], params.get("RemoveRouteTableIds") or []
    if not (add or remove):
        return
    if interface:
        raise _invalid("Route table IDs are only supported for Gateway type VPC Endpoint.")
    kept = [t for t in record["RouteTableIds"] if t not in remove]
    record["RouteTableIds"] = kept + [t for t in _check_route_tables(ctx, record["VpcId"], add) if t not in kept]


def _modify_subnets(ctx: HandlerContext, record: dict, service: dict, interface: bool, params: dict) -> bool:
    add = list(params.get("AddSubnetIds") or [])
    add += [c["SubnetId"] for c in params.get("SubnetConfigurations") or []
            if c.get("SubnetId") and c["SubnetId"] not in record["SubnetIds"]]
    remove = list(dict.fromkeys(params.get("RemoveSubnetIds") or []))
    if not (add or remove):
        return False
    if not interface:
        raise _invalid("Subnet IDs are only supported for Interface and GatewayLoadBalancer type VPC Endpoints.")
    for subnet_id in remove:
        if subnet_id not in record["SubnetIds"]:
            raise _invalid(f"The subnet {subnet_id} is not associated with the VPC endpoint {record['VpcEndpointId']}.")
    taken = {zone: s for s, zone in record["_zones"].items() if s not in remove}
    new = [s for s in add if s not in record["SubnetIds"] or s in remove]
    subnets = _check_subnets(ctx, record["VpcId"], new, service, taken)
    for subnet_id in remove:
        _remove_subnet(ctx, record, subnet_id)
    _add_subnets(ctx, record, subnets)
    return True


def _modify_groups(ctx: HandlerContext, record: dict, interface: bool, params: dict) -> bool:
    add, remove = params.get("AddSecurityGroupIds") or [], params.get("RemoveSecurityGroupIds") or []
    if not (add or remove):
        return False
    if not interface:
        raise _invalid("Security group IDs are only supported for Interface and GatewayLoadBalancer type VPC "
                       "Endpoints.")
    current = [g["GroupId"] for g in record["Groups"]]
    for group_id in remove:
        if group_id not in current:
            raise _invalid(f"The security group {group_id} is not associated with the VPC endpoint "
                           f"{record['VpcEndpointId']}.")
    kept = [g for g in record["Groups"] if g["GroupId"] not in remove]
    added = [g for g in _check_groups(ctx, record["VpcId"], add) if g["GroupId"] not in {k["GroupId"] for k in kept}]
    if not kept + added:
        raise _invalid(f"The VPC endpoint {record['VpcEndpointId']} must keep at least one security group.")
    record["Groups"] = kept + added
    for eni_id in record["_enis"].values():
        set_groups(ctx, eni_id, [g["GroupId"] for g in record["Groups"]])
    return True


def _modify_private_dns(ctx: HandlerContext, record: dict, service: dict, params: dict) -> bool:
    wanted = params.get("PrivateDnsEnabled")
    if wanted is None or wanted == record["PrivateDnsEnabled"]:
        return False
    if wanted:
        _check_private_dns(ctx, record, service)
    else:
        dns = record.get("DnsOptions") or {}
        if dns.get("PrivateDnsOnlyForInboundResolverEndpoint"):
            raise _invalid("Private DNS can't be disabled while PrivateDnsOnlyForInboundResolverEndpoint is true.")
    record["PrivateDnsEnabled"] = wanted
    return True


def _kept_view(ctx: HandlerContext, record: dict) -> Sealed:
    """The endpoint's view, built (and written as XML) once per store generation and State flip (services.common)."""
    return derived(ctx, ("VpcEndpointView", record["VpcEndpointId"]), lambda: Sealed(endpoint_view(ctx, record)))


def describe_vpc_endpoints(ctx: HandlerContext, params: dict) -> dict:
    # Shared records (Transaction.get_shared): the views below copy them and change nothing nested.
    wanted = params.get("VpcEndpointIds")
    if wanted:
        records = [VPC_ENDPOINT.get(ctx, endpoint_id, shared=True) for endpoint_id in dict.fromkeys(wanted)]
    else:
        # a vpc-id filter: only those VPCs' endpoints
        records = VPC_ENDPOINT.candidates(ctx, params.get("Filters"), shared=True)
    views = apply_filters([_kept_view(ctx, r) for r in records], params.get("Filters"), VPC_ENDPOINT.filters)
    limits = {**params, "MaxResults": min(params.get("MaxResults") or MAX_RESULTS, MAX_RESULTS)}
    items, token = paginate(views, limits, bad_token, MAX_RESULTS)
    return page("VpcEndpoints", items, token)


def delete_vpc_endpoints(ctx: HandlerContext, params: dict) -> dict:
    """Each endpoint: its ENIs go at once; "deleting" for one delay, "deleted" for one more, then not found.
    Unknown ids come back as per-item InvalidVpcEndpoint.NotFound, not as an error of the call; a malformed one
    likewise, with InvalidVpcEndpointId.Malformed [unsure: AWS may fail the whole call for it]."""
    unsuccessful = []
    for endpoint_id in params["VpcEndpointIds"]:
        record = VPC_ENDPOINT.find(ctx, endpoint_id)
        if record is None and not is_well_formed(endpoint_id, VPC_ENDPOINT.prefix):
            malformed = VPC_ENDPOINT.malformed(endpoint_id)
            unsuccessful.append({"ResourceId": endpoint_id, "Error": {"Code": malformed.code,
                                                                      "Message": malformed.message}})
            continue
        if record is None:
            message = f"The VPC endpoint ID '{endpoint_id}' does not exist"
            unsuccessful.append({"ResourceId": endpoint_id,
                                 "Error": {"Code": "InvalidVpcEndpoint.NotFound", "Message": message}})
            continue
        if record.get("_deleting_at") is not None:
            continue
        for subnet_id in list(record["SubnetIds"]):
            eni_id = record["_enis"].pop(subnet_id, None)
            if eni_id is not None:
                delete_interface(ctx, eni_id)
        record.update(State="deleting", NetworkInterfaceIds=[], _deleting_at=ctx.now,
                      _gone_at=ctx.now + 2 * ctx.lifecycle_delay)
        VPC_ENDPOINT.put(ctx, record)
    return {"Unsuccessful": unsuccessful}


HANDLERS = {
    "CreateVpcEndpoint": create_vpc_endpoint,
    "ModifyVpcEndpoint": modify_vpc_endpoint,
    "DescribeVpcEndpoints": describe_vpc_endpoints,
    "DeleteVpcEndpoints": delete_vpc_endpoints,
}
READ_ONLY = {"DescribeVpcEndpoints"}
