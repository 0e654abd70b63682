"""Subnet CIDR reservations through boto3: create (prefix/explicit, IPv4 and IPv6, inside the subnet, no overlap),
GetSubnetCidrReservations (IPv4 and IPv6 apart, filters, pages), delete; addresses in a reservation are not handed
out automatically. Where AWS's code for a refused range is unknown, InvalidParameterValue is assumed."""

from __future__ import annotations

import ipaddress

import pytest

from tests.conftest import settle
from tests.e2e.ec2_fixtures import error


@pytest.fixture
def subnet_id(ec2) -> str:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"]


def reserve(ec2, subnet_id: str, cidr: str, kind: str = "explicit", **extra) -> dict:
    return ec2.create_subnet_cidr_reservation(SubnetId=subnet_id, Cidr=cidr, ReservationType=kind,
                                              **extra)["SubnetCidrReservation"]


def test_create_get_delete(ec2, account, subnet_id):
    created = reserve(ec2, subnet_id, "10.0.1.16/28", "prefix", Description="for prefixes",
                      TagSpecifications=[{"ResourceType": "subnet-cidr-reservation",
                                          "Tags": [{"Key": "Name", "Value": "p"}]}])
    assert created["SubnetCidrReservationId"].startswith("scr-")
    assert created == {"SubnetCidrReservationId": created["SubnetCidrReservationId"], "SubnetId": subnet_id,
                       "Cidr": "10.0.1.16/28", "ReservationType": "prefix", "OwnerId": account,
                       "Description": "for prefixes", "Tags": [{"Key": "Name", "Value": "p"}]}
    found = ec2.get_subnet_cidr_reservations(SubnetId=subnet_id)
    assert found["SubnetIpv4CidrReservations"] == [created]
    assert found["SubnetIpv6CidrReservations"] == []
    deleted = ec2.delete_subnet_cidr_reservation(SubnetCidrReservationId=created["SubnetCidrReservationId"])
    assert deleted["DeletedSubnetCidrReservation"] == created
    assert ec2.get_subnet_cidr_reservations(SubnetId=subnet_id)["SubnetIpv4CidrReservations"] == []
    assert error(ec2.delete_subnet_cidr_reservation,
                 SubnetCidrReservationId=created["SubnetCidrReservationId"])[0] == (
        "InvalidSubnetCidrReservationID.NotFound")


def test_filters_and_pages(ec2, subnet_id):
    prefix = reserve(ec2, subnet_id, "10.0.1.16/28", "prefix")
    explicit = reserve(ec2, subnet_id, "10.0.1.32/28")
    ec2.create_tags(Resources=[explicit["SubnetCidrReservationId"]], Tags=[{"Key": "team", "Value": "net"}])

    def ids(*filters):
        answer = ec2.get_subnet_cidr_reservations(SubnetId=subnet_id,
                                                  Filters=[{"Name": n, "Values": v} for n, v in filters])
        return {r["SubnetCidrReservationId"] for r in answer["SubnetIpv4CidrReservations"]}

    assert ids(("reservationType", ["prefix"])) == {prefix["SubnetCidrReservationId"]}
    assert ids(("tag:team", ["net"])) == {explicit["SubnetCidrReservationId"]}
    assert ids(("tag-key", ["team"])) == {explicit["SubnetCidrReservationId"]}
    assert ids(("subnet-id", [subnet_id])) == {prefix["SubnetCidrReservationId"], explicit["SubnetCidrReservationId"]}
    first = ec2.get_subnet_cidr_reservations(SubnetId=subnet_id, MaxResults=5)
    assert len(first["SubnetIpv4CidrReservations"]) == 2 and "NextToken" not in first


def test_range_errors(ec2, subnet_id):
    reserve(ec2, subnet_id, "10.0.1.16/28")
    assert error(ec2.create_subnet_cidr_reservation, SubnetId=subnet_id, Cidr="10.0.1.20/30",
                 ReservationType="prefix")[0] == "InvalidParameterValue"  # overlaps the first
    assert error(ec2.create_subnet_cidr_reservation, SubnetId=subnet_id, Cidr="10.0.2.0/28",
                 ReservationType="explicit")[0] == "InvalidParameterValue"  # outside the subnet
    assert error(ec2.create_subnet_cidr_reservation, SubnetId=subnet_id, Cidr="10.0.0.0/16",
                 ReservationType="explicit")[0] == "InvalidParameterValue"  # larger than the subnet
    assert error(ec2.create_subnet_cidr_reservation, SubnetId=subnet_id, Cidr="10.0.1.300/28",
                 ReservationType="explicit")[0] == "InvalidParameterValue"
    assert error(ec2.create_subnet_cidr_reservation, SubnetId=subnet_id, Cidr="2001:db8::/80",
                 ReservationType="explicit")[0] == "InvalidParameterValue"  # the subnet has no IPv6 block
    assert error(ec2.create_subnet_cidr_reservation, SubnetId="subnet-0123456789abcdef0", Cidr="10.0.1.0/28",
                 ReservationType="explicit")[0] == "InvalidSubnetID.NotFound"
    assert error(ec2.get_subnet_cidr_reservations, SubnetId="subnet-0123456789abcdef0")[0] == (
        "InvalidSubnetID.NotFound")
    assert error(ec2.delete_subnet_cidr_reservation, SubnetCidrReservationId="scr-1")[0] == (
        "InvalidSubnetCidrReservationID.Malformed")
    assert len(ec2.get_subnet_cidr_reservations(SubnetId=subnet_id)["SubnetIpv4CidrReservations"]) == 1


def test_a_range_holding_an_address_in_use_is_refused(ec2, subnet_id):
    """Unverified on AWS: a reservation over an address already given to an interface is assumed refused."""
    eni = ec2.create_network_interface(SubnetId=subnet_id)["NetworkInterface"]
    code, message = error(ec2.create_subnet_cidr_reservation, SubnetId=subnet_id, Cidr="10.0.1.0/28",
                          ReservationType="explicit")
    assert code == "InvalidParameterValue" and eni["PrivateIpAddress"] in message


def test_reserved_addresses_are_not_handed_out(ec2, subnet_id):
    reserve(ec2, subnet_id, "10.0.1.0/28", "prefix")
    explicit = reserve(ec2, subnet_id, "10.0.1.16/29")
    eni = ec2.create_network_interface(SubnetId=subnet_id)["NetworkInterface"]
    assert eni["PrivateIpAddress"] == "10.0.1.24"  # past both reservations
    # an explicit reservation's addresses may still be chosen by hand; a prefix reservation's may not
    chosen = ec2.create_network_interface(SubnetId=subnet_id, PrivateIpAddress="10.0.1.20")["NetworkInterface"]
    assert chosen["PrivateIpAddress"] == "10.0.1.20"
    assert error(ec2.create_network_interface, SubnetId=subnet_id, PrivateIpAddress="10.0.1.8")[0] == (
        "InvalidParameterValue")
    ec2.delete_network_interface(NetworkInterfaceId=chosen["NetworkInterfaceId"])
    ec2.delete_subnet_cidr_reservation(SubnetCidrReservationId=explicit["SubnetCidrReservationId"])
    again = ec2.create_network_interface(SubnetId=subnet_id)["NetworkInterface"]
    assert ipaddress.IPv4Address(again["PrivateIpAddress"]) in ipaddress.IPv4Network("10.0.1.16/29")


def test_ipv6_reservations(ec2):
    created = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    settle()
    block = created["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    slash64 = block.replace("::/56", "::/64")
    subnet_id = ec2.create_subnet(VpcId=created["VpcId"], CidrBlock="10.0.1.0/24", Ipv6CidrBlock=slash64)[
        "Subnet"]["SubnetId"]
    settle()
    inside = slash64.replace("::/64", "::/80")
    reservation = reserve(ec2, subnet_id, inside)
    found = ec2.get_subnet_cidr_reservations(SubnetId=subnet_id)
    assert found["SubnetIpv6CidrReservations"] == [reservation] and found["SubnetIpv4CidrReservations"] == []
    assert error(ec2.create_subnet_cidr_reservation, SubnetId=subnet_id, Cidr="2001:db9::/80",
                 ReservationType="explicit")[0] == "InvalidParameterValue"


def test_deleting_the_subnet_takes_its_reservations(ec2, subnet_id):
    reservation = reserve(ec2, subnet_id, "10.0.1.16/28")
    ec2.delete_subnet(SubnetId=subnet_id)
    assert error(ec2.delete_subnet_cidr_reservation,
                 SubnetCidrReservationId=reservation["SubnetCidrReservationId"])[0] == (
        "InvalidSubnetCidrReservationID.NotFound")
