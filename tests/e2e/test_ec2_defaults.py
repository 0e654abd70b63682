"""What every account and region starts with: the default VPC and its parts, the default DHCP options, and the
AWS-managed prefix lists."""

from __future__ import annotations

from tests.e2e.test_ec2_vpcs import error, implemented


def _default_vpc(ec2) -> dict:
    (vpc,) = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    return vpc


def test_default_vpc_shape(ec2, account):
    vpc = _default_vpc(ec2)
    assert vpc["CidrBlock"] == "172.31.0.0/16"
    assert vpc["IsDefault"] is True and vpc["State"] == "available"
    assert vpc["OwnerId"] == account and vpc["InstanceTenancy"] == "default"
    assert vpc["CidrBlockAssociationSet"][0]["CidrBlock"] == "172.31.0.0/16"
    for attribute, member in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
        assert ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=attribute)[member] == {"Value": True}
    assert ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute="enableNetworkAddressUsageMetrics")[
        "EnableNetworkAddressUsageMetrics"] == {"Value": False}


def test_default_subnets_one_per_zone(ec2):
    vpc_id = _default_vpc(ec2)["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    assert sorted(s["AvailabilityZone"] for s in subnets) == sorted(zones)
    assert sorted(s["CidrBlock"] for s in subnets) == sorted(f"172.31.{16 * n}.0/20" for n in range(len(zones)))
    for subnet in subnets:
        assert subnet["VpcId"] == vpc_id
        assert subnet["DefaultForAz"] is True and subnet["MapPublicIpOnLaunch"] is True
        assert subnet["AvailableIpAddressCount"] == 4091
    (acl,) = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NetworkAcls"]
    assert acl["IsDefault"] is True
    assert sorted(a["SubnetId"] for a in acl["Associations"]) == sorted(s["SubnetId"] for s in subnets)


def test_default_vpc_is_public_through_an_attached_gateway(ec2):
    vpc_id = _default_vpc(ec2)["VpcId"]
    (gateway,) = implemented(ec2, "describe_internet_gateways", Filters=[
        {"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
    assert gateway["Attachments"] == [{"State": "available", "VpcId": vpc_id}]
    (main,) = implemented(ec2, "describe_route_tables", Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    routes = {r["DestinationCidrBlock"]: r.get("GatewayId") for r in main["Routes"]}
    assert routes == {"172.31.0.0/16": "local", "0.0.0.0/0": gateway["InternetGatewayId"]}
    (group,) = implemented(ec2, "describe_security_groups", Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    assert group["Description"] == "default VPC security group"


def test_default_vpc_is_per_account_and_region(server, ec2, account):
    other_account = server.client("ec2", account=str(int(account) + 500000))
    assert _default_vpc(other_account)["VpcId"] != _default_vpc(ec2)["VpcId"]
    ireland = server.client("ec2", account=account, region="eu-west-1")
    vpc = _default_vpc(ireland)
    assert vpc["VpcId"] != _default_vpc(ec2)["VpcId"]
    assert len(ireland.describe_subnets()["Subnets"]) == 3
    (options,) = ireland.describe_dhcp_options()["DhcpOptions"]
    assert options["DhcpOptionsId"] == vpc["DhcpOptionsId"]
    assert {"Key": "domain-name", "Values": [{"Value": "eu-west-1.compute.internal"}]} in options[
        "DhcpConfigurations"]


def test_default_vpc_can_be_deleted_and_stays_gone(ec2):
    vpc_id = _default_vpc(ec2)["VpcId"]
    assert error(ec2.delete_vpc, VpcId=vpc_id)[0] == "DependencyViolation"
    for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    for gateway in implemented(ec2, "describe_internet_gateways")["InternetGateways"]:
        ec2.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=vpc_id)
        ec2.delete_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"])
    ec2.delete_vpc(VpcId=vpc_id)
    assert ec2.describe_vpcs()["Vpcs"] == []
    assert ec2.describe_vpcs()["Vpcs"] == []  # not seeded again
    assert len(ec2.describe_dhcp_options()["DhcpOptions"]) == 1

    vpc = ec2.create_default_vpc()["Vpc"]
    assert vpc["IsDefault"] is True and vpc["CidrBlock"] == "172.31.0.0/16" and vpc["VpcId"] != vpc_id
    assert _default_vpc(ec2)["VpcId"] == vpc["VpcId"]
    assert len(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]) == 6
    assert error(ec2.create_default_vpc) == (
        "DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region.")


def test_default_dhcp_options(ec2, account):
    (options,) = ec2.describe_dhcp_options()["DhcpOptions"]
    assert options["DhcpOptionsId"].startswith("dopt-")
    assert options["OwnerId"] == account
    assert options["DhcpConfigurations"] == [
        {"Key": "domain-name", "Values": [{"Value": "ec2.internal"}]},
        {"Key": "domain-name-servers", "Values": [{"Value": "AmazonProvidedDNS"}]}]
    assert ec2.describe_dhcp_options(DhcpOptionsIds=[options["DhcpOptionsId"]])["DhcpOptions"] == [options]
    assert ec2.describe_dhcp_options(Filters=[{"Name": "key", "Values": ["domain-name"]}])["DhcpOptions"] == [options]
    assert ec2.describe_dhcp_options(Filters=[{"Name": "value", "Values": ["*.internal"]}])["DhcpOptions"] == [
        options]
    assert ec2.describe_dhcp_options(Filters=[{"Name": "value", "Values": ["10.0.0.2"]}])["DhcpOptions"] == []
    assert error(ec2.describe_dhcp_options, DhcpOptionsIds=["dopt-0123456789abcdef0"])[0] == (
        "InvalidDhcpOptionID.NotFound")
    assert error(ec2.describe_dhcp_options, DhcpOptionsIds=["dopt-xyz"])[0] == "InvalidDhcpOptionsId.Malformed"


def test_prefix_lists_for_the_gateway_services(ec2):
    lists = ec2.describe_prefix_lists()["PrefixLists"]
    assert sorted(p["PrefixListName"] for p in lists) == ["com.amazonaws.us-east-1.dynamodb",
                                                          "com.amazonaws.us-east-1.s3"]
    s3 = next(p for p in lists if p["PrefixListName"].endswith(".s3"))
    assert s3["PrefixListId"].startswith("pl-") and s3["Cidrs"]
    by_name = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name",
                                                  "Values": ["com.amazonaws.us-east-1.s3"]}])["PrefixLists"]
    assert by_name == [s3]
    assert ec2.describe_prefix_lists(PrefixListIds=[s3["PrefixListId"]])["PrefixLists"] == [s3]
    assert ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-id", "Values": [s3["PrefixListId"]]}])[
        "PrefixLists"] == [s3]
    assert len(ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": ["*"]}])["PrefixLists"]) == 2


def test_interface_service_has_no_prefix_list(ec2):
    # Terraform asks for every endpoint's service name; for an interface service the answer is empty, not an error
    found = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name",
                                                "Values": ["com.amazonaws.us-east-1.apprunner"]}])
    assert found["PrefixLists"] == [] and "NextToken" not in found


def test_prefix_list_errors(ec2):
    assert error(ec2.describe_prefix_lists, PrefixListIds=["pl-0123456789abcdef0"])[0] == (
        "InvalidPrefixListID.NotFound")
    assert error(ec2.describe_prefix_lists, PrefixListIds=["pl-xyz"])[0] == "InvalidPrefixListId.Malformed"
    assert error(ec2.describe_prefix_lists, Filters=[{"Name": "cidr", "Values": ["x"]}])[0] == "InvalidParameterValue"


def test_managed_prefix_lists(server, account):
    ec2 = server.client("ec2", account=account, region="eu-west-1")
    lists = ec2.describe_managed_prefix_lists()["PrefixLists"]
    s3 = next(p for p in lists if p["PrefixListName"] == "com.amazonaws.eu-west-1.s3")
    assert s3["OwnerId"] == "AWS" and s3["State"] == "create-complete" and s3["AddressFamily"] == "IPv4"
    assert s3["PrefixListArn"] == f"arn:aws:ec2:eu-west-1:aws:prefix-list/{s3['PrefixListId']}"
    plain = {p["PrefixListName"]: p for p in ec2.describe_prefix_lists()["PrefixLists"]}
    assert plain["com.amazonaws.eu-west-1.s3"]["PrefixListId"] == s3["PrefixListId"]
    entries = ec2.get_managed_prefix_list_entries(PrefixListId=s3["PrefixListId"])["Entries"]
    assert [e["Cidr"] for e in entries] == plain["com.amazonaws.eu-west-1.s3"]["Cidrs"]
    first = ec2.describe_managed_prefix_lists(MaxResults=1)
    assert len(first["PrefixLists"]) == 1 and first["NextToken"]
    second = ec2.describe_managed_prefix_lists(MaxResults=1, NextToken=first["NextToken"])
    assert len(second["PrefixLists"]) == 1 and "NextToken" not in second
    assert ec2.describe_managed_prefix_lists(Filters=[{"Name": "owner-id", "Values": ["AWS"]}])["PrefixLists"] == lists
