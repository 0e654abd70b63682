"""Secondary CIDR blocks: AssociateVpcCidrBlock / DisassociateVpcCidrBlock (IPv4 within AWS's allowed ranges, and
Amazon-provided IPv6 /56s), AssociateSubnetCidrBlock / DisassociateSubnetCidrBlock (a subnet's IPv6 /64).

AWS's rules for a VPC's IPv4 blocks (VPC user guide, "VPC CIDR blocks"): /16 to /28, none overlapping another, at most
five per VPC by default, none from a private range other than the primary block's, never 198.19.0.0/16 unless the
primary is in it; the primary block is never disassociated. The error codes for a restricted range, an overlap and a
block still used by subnets are runnerlink's most plausible reading (unverified on AWS)."""

from __future__ import annotations

import ipaddress

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue
from runnerlink.services.ec2.ids import is_well_formed
from runnerlink.services.ec2.records import cidr_associations
from runnerlink.services.ec2.records.network_acls import add_ipv6_entries
from runnerlink.services.ec2.records.subnets import SUBNET, check_subnet_ipv6, get_subnet
from runnerlink.services.ec2.records.vpcs import VPC, amazon_ipv6_association, check_border_group, get_vpc, parse_cidr

MAX_IPV4_BLOCKS = 5  # "IPv4 CIDR blocks per VPC", the primary included
MAX_IPV6_BLOCKS = 5  # "IPv6 CIDR blocks per VPC"
_PRIVATE = [ipaddress.IPv4Network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "198.19.0.0/16")]
_NEVER = [ipaddress.IPv4Network(c) for c in ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4",
                                             "240.0.0.0/4")]


def _range_of(block: ipaddress.IPv4Network) -> ipaddress.IPv4Network | None:
    return next((r for r in _PRIVATE if block.overlaps(r)), None)


def _check_ipv4(ctx: HandlerContext, vpc: dict, text: str) -> str:
    block = parse_cidr(text)
    if not 16 <= block.prefixlen <= 28 or any(block.overlaps(r) for r in _NEVER):
        raise EC2Error("InvalidVpc.Range", f"The CIDR '{text}' is invalid.")
    restricted = _range_of(block)
    if restricted is not None and restricted != _range_of(ipaddress.IPv4Network(vpc["CidrBlock"])):
        raise EC2Error("InvalidVpc.Range", f"The CIDR '{text}' is restricted. Use a CIDR from the same private "
                                           f"address range as the current VPC CIDR, or use a publicly-routable CIDR.")
    live = cidr_associations.live(ctx, vpc["CidrBlockAssociationSet"])
    for association in live:
        if block.overlaps(ipaddress.IPv4Network(association["CidrBlock"])):
            raise EC2Error("InvalidVpc.Range", f"The CIDR '{text}' conflicts with another CIDR block "
                                               f"({association['CidrBlock']}) of the VPC.")
    if len(live) >= MAX_IPV4_BLOCKS:
        raise EC2Error("CidrLimitExceeded", f"This network '{vpc['VpcId']}' has met its maximum number of allowed "
                                            f"CIDRs: {MAX_IPV4_BLOCKS}")
    return str(block)


def associate_vpc_cidr_block(ctx: HandlerContext, params: dict) -> dict:
    vpc = get_vpc(ctx, params["VpcId"])
    if params.get("Ipv4IpamPoolId") or params.get("Ipv6IpamPoolId"):
        raise InvalidParameterValue("IPAM pools are not supported by runnerlink.")
    if params.get("Ipv6Pool") or params.get("Ipv6CidrBlock"):
        raise InvalidParameterValue("Bring-your-own IPv6 pools are not supported by runnerlink; "
                                    "use amazonProvidedIpv6CidrBlock.")
    wants_ipv6 = bool(params.get("AmazonProvidedIpv6CidrBlock"))
    if wants_ipv6 and params.get("CidrBlock"):
        raise EC2Error("InvalidParameterCombination",
                       "Only one of cidrBlock or amazonProvidedIpv6CidrBlock may be specified.")
    if not wants_ipv6 and not params.get("CidrBlock"):
        raise EC2Error("MissingParameter", "Either 'cidrBlock' or 'amazonProvidedIpv6CidrBlock' should be provided.")
    vpc["CidrBlockAssociationSet"] = cidr_associations.prune(ctx, vpc["CidrBlockAssociationSet"])
    vpc["Ipv6CidrBlockAssociationSet"] = cidr_associations.prune(ctx, vpc.get("Ipv6CidrBlockAssociationSet"))
    if wants_ipv6:
        check_border_group(ctx, params.get("Ipv6CidrBlockNetworkBorderGroup"))
        if len(cidr_associations.live(ctx, vpc["Ipv6CidrBlockAssociationSet"])) >= MAX_IPV6_BLOCKS:
            raise EC2Error("CidrLimitExceeded", f"This network '{vpc['VpcId']}' has met its maximum number of "
                                                f"allowed IPv6 CIDRs: {MAX_IPV6_BLOCKS}")
        association = amazon_ipv6_association(ctx)
        vpc["Ipv6CidrBlockAssociationSet"].append(association)
        VPC.put(ctx, vpc)
        add_ipv6_entries(ctx, vpc["VpcId"])
        return {"VpcId": vpc["VpcId"], "Ipv6CidrBlockAssociation": cidr_associations.view(ctx, association)}
    association = cidr_associations.new_ipv4(ctx, _check_ipv4(ctx, vpc, params["CidrBlock"]))
    vpc["CidrBlockAssociationSet"].append(association)
    VPC.put(ctx, vpc)
    return {"VpcId": vpc["VpcId"], "CidrBlockAssociation": cidr_associations.view(ctx, association)}


def _find_vpc_association(ctx: HandlerContext, association_id: str) -> tuple[dict, dict, str]:
    """(the VPC, the association, its set's member) of a VPC CIDR association id that is not yet disassociating."""
    if not is_well_formed(association_id, "vpc-cidr-assoc"):
        raise EC2Error("InvalidVpcCidrBlockAssociationID.Malformed",
                       f'Invalid id: "{association_id}" (expecting "vpc-cidr-assoc-...")')
    for vpc in VPC.all(ctx):
        for member in ("CidrBlockAssociationSet", "Ipv6CidrBlockAssociationSet"):
            for association in cidr_associations.live(ctx, vpc.get(member)):
                if association["AssociationId"] == association_id:
                    return vpc, association, member
    raise EC2Error("InvalidVpcCidrBlockAssociationID.NotFound",
                   f"The vpc CIDR block association ID '{association_id}' does not exist")


def _subnets_within(ctx: HandlerContext, vpc_id: str, block: str) -> list[str]:
    network = ipaddress.ip_network(block)
    found = []
    for subnet in SUBNET.in_vpc(ctx, vpc_id):
        cidrs = [subnet["CidrBlock"]] if network.version == 4 else [
            a["Ipv6CidrBlock"] for a in cidr_associations.live(ctx, subnet.get("Ipv6CidrBlockAssociationSet"))]
        if any(ipaddress.ip_network(c).subnet_of(network) for c in cidrs):
            found.append(subnet["SubnetId"])
    return found


def disassociate_vpc_cidr_block(ctx: HandlerContext, params: dict) -> dict:
    vpc, association, member = _find_vpc_association(ctx, params["AssociationId"])
    ipv6 = member == "Ipv6CidrBlockAssociationSet"
    block = association["Ipv6CidrBlock" if ipv6 else "CidrBlock"]
    if not ipv6 and block == vpc["CidrBlock"]:
        raise EC2Error("OperationNotPermitted", f"The vpc CIDR block with association ID "
                                                f"{association['AssociationId']} may not be disassociated. It is the "
                                                f"primary IPv4 CIDR block of the VPC")
    in_use = _subnets_within(ctx, vpc["VpcId"], block)
    if in_use:
        raise EC2Error("DependencyViolation", f"The vpc CIDR block {block} has dependencies and cannot be "
                                              f"disassociated: subnets {', '.join(in_use)} use it.")
    cidr_associations.disassociate(ctx, association)
    VPC.put(ctx, vpc)
    shown = cidr_associations.view(ctx, association)
    return {"VpcId": vpc["VpcId"], ("Ipv6CidrBlockAssociation" if ipv6 else "CidrBlockAssociation"): shown}


def associate_subnet_cidr_block(ctx: HandlerContext, params: dict) -> dict:
    subnet = get_subnet(ctx, params["SubnetId"])
    if params.get("Ipv6IpamPoolId"):
        raise InvalidParameterValue("IPAM pools are not supported by runnerlink.")
    if not params.get("Ipv6CidrBlock"):
        raise EC2Error("MissingParameter", "The request must contain the parameter ipv6CidrBlock")
    subnet["Ipv6CidrBlockAssociationSet"] = cidr_associations.prune(ctx, subnet["Ipv6CidrBlockAssociationSet"])
    if cidr_associations.live(ctx, subnet["Ipv6CidrBlockAssociationSet"]):
        raise EC2Error("InvalidParameterValue", f"The subnet {subnet['SubnetId']} already has an IPv6 CIDR block; a "
                                                f"subnet has at most one.")
    vpc = get_vpc(ctx, subnet["VpcId"])
    siblings = [s for s in SUBNET.in_vpc(ctx, vpc["VpcId"]) if s["SubnetId"] != subnet["SubnetId"]]
    block = check_subnet_ipv6(ctx, params["Ipv6CidrBlock"], vpc, siblings)
    association = cidr_associations.new_subnet_ipv6(ctx, str(block))
    subnet["Ipv6CidrBlockAssociationSet"].append(association)
    SUBNET.put(ctx, subnet)
    return {"SubnetId": subnet["SubnetId"], "Ipv6CidrBlockAssociation": cidr_associations.view(ctx, association)}


def disassociate_subnet_cidr_block(ctx: HandlerContext, params: dict) -> dict:
    association_id = params["AssociationId"]
    if not is_well_formed(association_id, "subnet-cidr-assoc"):
        raise EC2Error("InvalidSubnetCidrBlockAssociationID.Malformed",
                       f'Invalid id: "{association_id}" (expecting "subnet-cidr-assoc-...")')
    for subnet in SUBNET.all(ctx):
        for association in cidr_associations.live(ctx, subnet.get("Ipv6CidrBlockAssociationSet")):
            if association["AssociationId"] == association_id:
                cidr_associations.disassociate(ctx, association)
                SUBNET.put(ctx, subnet)
                return {"SubnetId": subnet["SubnetId"],
                        "Ipv6CidrBlockAssociation": cidr_associations.view(ctx, association)}
    raise EC2Error("InvalidSubnetCidrBlockAssociationID.NotFound",
                   f"The subnet CIDR block association ID '{association_id}' does not exist")


HANDLERS = {
    "AssociateVpcCidrBlock": associate_vpc_cidr_block,
    "DisassociateVpcCidrBlock": disassociate_vpc_cidr_block,
    "AssociateSubnetCidrBlock": associate_subnet_cidr_block,
    "DisassociateSubnetCidrBlock": disassociate_subnet_cidr_block,
}
READ_ONLY: set[str] = set()
