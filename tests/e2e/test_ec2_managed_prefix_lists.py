"""Customer-managed prefix lists through boto3: create (entries, tags, ClientToken), versions through modify and
restore, states from the clock, describe beside the AWS-managed lists, entries by version, associations, references
from routes and security group rules, and the errors of each."""

from __future__ import annotations

import json
import re
import urllib.request


from tests.conftest import settle
from tests.e2e.ec2_fixtures import error, make_endpoint, make_network, make_vpc

HOST = "apprunner.us-east-1.amazonaws.com"


def create(ec2, name: str = "corp", max_entries: int = 5, family: str = "IPv4", **params) -> dict:
    return ec2.create_managed_prefix_list(PrefixListName=name, MaxEntries=max_entries, AddressFamily=family,
                                          **params)["PrefixList"]


def described(ec2, prefix_list_id: str) -> dict:
    return ec2.describe_managed_prefix_lists(PrefixListIds=[prefix_list_id])["PrefixLists"][0]


def cidrs(ec2, prefix_list_id: str, **params) -> list[str]:
    return sorted(e["Cidr"] for e in ec2.get_managed_prefix_list_entries(PrefixListId=prefix_list_id,
                                                                         **params)["Entries"])


def test_create_and_describe(ec2, account):
    created = create(ec2, Entries=[{"Cidr": "10.1.0.0/16", "Description": "office"}, {"Cidr": "192.168.0.0/24"}],
                     TagSpecifications=[{"ResourceType": "prefix-list", "Tags": [{"Key": "team", "Value": "net"}]}])
    prefix_list_id = created["PrefixListId"]
    assert re.fullmatch(r"pl-[0-9a-f]{17}", prefix_list_id)
    assert created["State"] == "create-in-progress"
    assert created["Version"] == 1 and created["MaxEntries"] == 5 and created["AddressFamily"] == "IPv4"
    assert created["OwnerId"] == account and created["PrefixListName"] == "corp"
    assert created["PrefixListArn"] == f"arn:aws:ec2:us-east-1:{account}:prefix-list/{prefix_list_id}"
    assert created["Tags"] == [{"Key": "team", "Value": "net"}]
    settle()
    assert described(ec2, prefix_list_id)["State"] == "create-complete"
    assert ec2.get_managed_prefix_list_entries(PrefixListId=prefix_list_id)["Entries"] == [
        {"Cidr": "10.1.0.0/16", "Description": "office"}, {"Cidr": "192.168.0.0/24"}]


def test_describe_lists_aws_managed_and_own_lists_with_filters(ec2, account):
    own = create(ec2, name="mine")["PrefixListId"]
    every = ec2.describe_managed_prefix_lists()["PrefixLists"]
    names = [p["PrefixListName"] for p in every]
    assert "com.amazonaws.us-east-1.s3" in names and "com.amazonaws.us-east-1.dynamodb" in names and "mine" in names

    def ids(*filters) -> list[str]:
        found = ec2.describe_managed_prefix_lists(Filters=[{"Name": n, "Values": v} for n, v in filters])
        return [p["PrefixListId"] for p in found["PrefixLists"]]

    assert ids(("owner-id", [account])) == [own]
    assert ids(("prefix-list-name", ["mine"])) == [own]
    assert ids(("prefix-list-id", [own])) == [own]
    assert len(ids(("owner-id", ["AWS"]))) == 2
    assert ids(("prefix-list-name", ["com.amazonaws.*.s3"])) == ["pl-63a5400a"]
    s3 = described(ec2, "pl-63a5400a")
    assert s3["OwnerId"] == "AWS" and s3["State"] == "create-complete" and s3["Version"] == 1
    assert error(ec2.describe_managed_prefix_lists, Filters=[{"Name": "bogus", "Values": ["x"]}])[0] == \
        "InvalidParameterValue"
    first = ec2.describe_managed_prefix_lists(MaxResults=2)
    rest = ec2.describe_managed_prefix_lists(MaxResults=2, NextToken=first["NextToken"])
    assert [p["PrefixListId"] for p in first["PrefixLists"] + rest["PrefixLists"]] == \
        [p["PrefixListId"] for p in every] and "NextToken" not in rest


def test_unknown_and_malformed_ids(ec2):
    for call in (ec2.describe_managed_prefix_lists, ):
        assert error(call, PrefixListIds=["pl-0123456789abcdef0"]) == (
            "InvalidPrefixListID.NotFound", "The prefix list (pl-0123456789abcdef0) does not exist.")
        assert error(call, PrefixListIds=["pl-xyz"])[0] == "InvalidPrefixListId.Malformed"
    for call in (ec2.get_managed_prefix_list_entries, ec2.get_managed_prefix_list_associations,
                 ec2.delete_managed_prefix_list):
        assert error(call, PrefixListId="pl-0123456789abcdef0")[0] == "InvalidPrefixListID.NotFound"
        assert error(call, PrefixListId="pl-xyz")[0] == "InvalidPrefixListId.Malformed"
    assert error(ec2.modify_managed_prefix_list, PrefixListId="pl-0123456789abcdef0",
                 PrefixListName="x")[0] == "InvalidPrefixListID.NotFound"


def test_create_errors(ec2, account):
    bad = {
        "reserved name": dict(name="com.amazonaws.probe"),
        "reserved name (com.aws.)": dict(name="com.aws.probe"),
        "long name": dict(name="n" * 256),
        "family": dict(family="IPv5"),
        "max entries 0": dict(max_entries=0),
        "max entries past the quota": dict(max_entries=1001),
        "not a CIDR": dict(Entries=[{"Cidr": "10.0.0.0"}]),
        "host bits": dict(Entries=[{"Cidr": "10.0.0.1/16"}]),
        "IPv6 CIDR in an IPv4 list": dict(Entries=[{"Cidr": "2001:db8::/32"}]),
        "twice the same CIDR": dict(Entries=[{"Cidr": "10.0.0.0/8"}, {"Cidr": "10.0.0.0/8"}]),
        "long description": dict(Entries=[{"Cidr": "10.0.0.0/8", "Description": "d" * 256}]),
    }
    for what, params in bad.items():
        assert error(lambda **p: create(ec2, **p), **params)[0] == "InvalidParameterValue", what
    assert error(lambda: create(ec2, name="com.amazonaws.probe"))[1] == \
        "The prefix list name cannot begin with (com.amazonaws., com.amazon., com.aws.)."
    assert create(ec2, name="com.amazonaws-probe")["PrefixListName"] == "com.amazonaws-probe"  # no dot: allowed
    assert error(lambda: create(ec2, max_entries=1, Entries=[{"Cidr": "10.0.0.0/8"}, {"Cidr": "10.1.0.0/16"}]))[0] \
        == "PrefixListMaxEntriesExceeded"
    assert error(lambda: create(ec2, TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a",
                                                                                          "Value": "b"}]}]))[0] \
        == "InvalidParameterValue"
    # Nothing half-made: only the one good list exists.
    assert [p["PrefixListName"] for p in ec2.describe_managed_prefix_lists(
        Filters=[{"Name": "owner-id", "Values": [account]}])["PrefixLists"]] == ["com.amazonaws-probe"]


def test_ipv6_list_normalizes_cidrs(ec2):
    """IPv6 entries come back compressed and lower-case (as the Terraform provider saw AWS answer)."""
    prefix_list = create(ec2, family="IPv6", Entries=[{"Cidr": "fd00:FEED:BEEF:0::/48"}])
    assert prefix_list["AddressFamily"] == "IPv6"
    assert cidrs(ec2, prefix_list["PrefixListId"]) == ["fd00:feed:beef::/48"]
    assert error(lambda: create(ec2, family="IPv6", Entries=[{"Cidr": "10.0.0.0/8"}]))[0] == "InvalidParameterValue"


def test_client_token_makes_create_idempotent(ec2):
    first = create(ec2, ClientToken="token-1")
    again = create(ec2, ClientToken="token-1")
    assert again["PrefixListId"] == first["PrefixListId"]
    assert error(lambda: create(ec2, name="other", ClientToken="token-1"))[0] == "IdempotentParameterMismatch"
    assert len([p for p in ec2.describe_managed_prefix_lists()["PrefixLists"] if p["OwnerId"] != "AWS"]) == 1


def test_modify_makes_versions(ec2):
    prefix_list_id = create(ec2, Entries=[{"Cidr": "10.1.0.0/16", "Description": "a"}])["PrefixListId"]
    settle()
    modified = ec2.modify_managed_prefix_list(PrefixListId=prefix_list_id, CurrentVersion=1,
                                              AddEntries=[{"Cidr": "10.2.0.0/16", "Description": "b"}])["PrefixList"]
    assert modified["State"] == "modify-in-progress" and modified["Version"] == 2
    # Another change while the first is in progress is refused (the Terraform provider retries on this code).
    code, message = error(ec2.modify_managed_prefix_list, PrefixListId=prefix_list_id, CurrentVersion=2,
                          AddEntries=[{"Cidr": "10.3.0.0/16"}])
    assert code == "IncorrectState" and "in the current state (modify-in-progress)" in message
    settle()
    assert described(ec2, prefix_list_id)["State"] == "modify-complete"
    ec2.modify_managed_prefix_list(PrefixListId=prefix_list_id, CurrentVersion=2,
                                   RemoveEntries=[{"Cidr": "10.1.0.0/16"}], AddEntries=[{"Cidr": "10.3.0.0/16"}])
    settle()
    assert described(ec2, prefix_list_id)["Version"] == 3
    assert cidrs(ec2, prefix_list_id) == ["10.2.0.0/16", "10.3.0.0/16"]
    assert cidrs(ec2, prefix_list_id, TargetVersion=1) == ["10.1.0.0/16"]
    assert cidrs(ec2, prefix_list_id, TargetVersion=2) == ["10.1.0.0/16", "10.2.0.0/16"]
    assert error(ec2.get_managed_prefix_list_entries, PrefixListId=prefix_list_id,
                 TargetVersion=4)[0] == "InvalidParameterValue"
    # A rename keeps the version; so does a new MaxEntries.
    ec2.modify_managed_prefix_list(PrefixListId=prefix_list_id, PrefixListName="renamed")
    settle()
    ec2.modify_managed_prefix_list(PrefixListId=prefix_list_id, MaxEntries=10)
    settle()
    shown = described(ec2, prefix_list_id)
    assert (shown["PrefixListName"], shown["MaxEntries"], shown["Version"]) == ("renamed", 10, 3)


def test_modify_errors(ec2):
    prefix_list_id = create(ec2, max_entries=2, Entries=[{"Cidr": "10.1.0.0/16", "Description": "a"}])["PrefixListId"]
    settle()

    def modify(**params):
        return ec2.modify_managed_prefix_list(PrefixListId=prefix_list_id, **params)

    assert error(modify, CurrentVersion=7, AddEntries=[{"Cidr": "10.2.0.0/16"}]) == (
        "PrefixListVersionMismatch", "The prefix list has the incorrect version number.")
    assert error(modify, AddEntries=[{"Cidr": "10.2.0.0/16"}], MaxEntries=4) == (
        "InvalidParameterCombination",
        "You cannot modify the entries and the maximum entries for the prefix list in the same request.")
    assert error(modify, AddEntries=[{"Cidr": "10.1.0.0/16"}], RemoveEntries=[{"Cidr": "10.1.0.0/16"}])[1] == \
        "Request cannot contain Cidr 10.1.0.0/16 in both AddPrefixListEntries and RemovePrefixListEntries"
    assert error(modify, AddEntries=[{"Cidr": "10.1.0.0/16", "Description": "again"}]) == (
        "InvalidPrefixListModification", "An entry with the CIDR (10.1.0.0/16) and description (a) already exists.")
    assert error(modify, RemoveEntries=[{"Cidr": "10.9.0.0/16"}]) == (
        "InvalidPrefixListModification", "The entry 10.9.0.0/16 does not exist.")
    assert error(modify, AddEntries=[{"Cidr": "10.2.0.0/16"}, {"Cidr": "10.3.0.0/16"}])[0] == \
        "PrefixListMaxEntriesExceeded"
    assert error(modify, AddEntries=[{"Cidr": "bogus"}])[0] == "InvalidParameterValue"
    assert error(modify, PrefixListName="com.amazon.mine")[0] == "InvalidParameterValue"
    assert error(modify, MaxEntries=0)[0] == "InvalidParameterValue"
    ec2.modify_managed_prefix_list(PrefixListId=prefix_list_id, AddEntries=[{"Cidr": "10.2.0.0/16"}])
    settle()
    assert error(modify, MaxEntries=1)[0] == "InvalidParameterValue"  # fewer than the entries it has
    # Nothing half-applied: the list is as the one good modify left it.
    shown = described(ec2, prefix_list_id)
    assert (shown["Version"], shown["MaxEntries"], shown["PrefixListName"]) == (2, 2, "corp")
    assert cidrs(ec2, prefix_list_id) == ["10.1.0.0/16", "10.2.0.0/16"]


def test_aws_managed_lists_cannot_be_changed(ec2):
    """AWS's exact answer is not known; the caller does not own the list, so UnauthorizedOperation."""
    for call, params in ((ec2.modify_managed_prefix_list, {"PrefixListName": "x"}),
                         (ec2.delete_managed_prefix_list, {}),
                         (ec2.restore_managed_prefix_list_version, {"PreviousVersion": 1, "CurrentVersion": 1})):
        assert error(call, PrefixListId="pl-63a5400a", **params)[0] == "UnauthorizedOperation"
    assert cidrs(ec2, "pl-63a5400a")  # still readable


def test_restore_a_previous_version(ec2):
    prefix_list_id = create(ec2, Entries=[{"Cidr": "10.1.0.0/16"}])["PrefixListId"]
    settle()
    ec2.modify_managed_prefix_list(PrefixListId=prefix_list_id, CurrentVersion=1,
                                   RemoveEntries=[{"Cidr": "10.1.0.0/16"}], AddEntries=[{"Cidr": "10.2.0.0/16"}])
    settle()
    assert error(ec2.restore_managed_prefix_list_version, PrefixListId=prefix_list_id, PreviousVersion=1,
                 CurrentVersion=1)[0] == "PrefixListVersionMismatch"
    for previous in (0, 2, 3):
        assert error(ec2.restore_managed_prefix_list_version, PrefixListId=prefix_list_id, PreviousVersion=previous,
                     CurrentVersion=2)[0] == "InvalidParameterValue"
    restored = ec2.restore_managed_prefix_list_version(PrefixListId=prefix_list_id, PreviousVersion=1,
                                                       CurrentVersion=2)["PrefixList"]
    assert restored["State"] == "restore-in-progress" and restored["Version"] == 3
    settle()
    assert described(ec2, prefix_list_id)["State"] == "restore-complete"
    assert cidrs(ec2, prefix_list_id) == ["10.1.0.0/16"]


def test_delete(ec2):
    prefix_list_id = create(ec2)["PrefixListId"]
    code, message = error(ec2.delete_managed_prefix_list, PrefixListId=prefix_list_id)
    assert code == "IncorrectState" and "create-in-progress" in message
    settle()
    deleted = ec2.delete_managed_prefix_list(PrefixListId=prefix_list_id)["PrefixList"]
    assert deleted["State"] == "delete-in-progress"
    assert error(ec2.modify_managed_prefix_list, PrefixListId=prefix_list_id,
                 PrefixListName="x")[0] == "IncorrectState"
    settle()
    assert described(ec2, prefix_list_id)["State"] == "delete-complete"
    settle()
    assert error(ec2.describe_managed_prefix_lists, PrefixListIds=[prefix_list_id])[0] == \
        "InvalidPrefixListID.NotFound"
    assert error(ec2.delete_managed_prefix_list, PrefixListId=prefix_list_id)[0] == "InvalidPrefixListID.NotFound"


def test_tags_and_dry_run(ec2):
    prefix_list_id = create(ec2)["PrefixListId"]
    ec2.create_tags(Resources=[prefix_list_id], Tags=[{"Key": "env", "Value": "test"}])
    assert described(ec2, prefix_list_id)["Tags"] == [{"Key": "env", "Value": "test"}]
    assert ec2.describe_managed_prefix_lists(Filters=[{"Name": "tag:env", "Values": ["test"]}])["PrefixLists"][0][
        "PrefixListId"] == prefix_list_id
    ec2.delete_tags(Resources=[prefix_list_id], Tags=[{"Key": "env"}])
    assert described(ec2, prefix_list_id)["Tags"] == []
    assert error(ec2.create_managed_prefix_list, PrefixListName="dry", MaxEntries=1, AddressFamily="IPv4",
                 DryRun=True)[0] == "DryRunOperation"


def test_routes_and_rules_reference_lists(ec2, account):
    vpc_id = make_vpc(ec2)
    prefix_list_id = create(ec2, max_entries=10, Entries=[{"Cidr": "172.16.0.0/16"}])["PrefixListId"]
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    ec2.create_route(RouteTableId=table_id, DestinationPrefixListId=prefix_list_id, GatewayId=gateway_id)
    routes = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"]
    assert {"DestinationPrefixListId": prefix_list_id, "GatewayId": gateway_id, "Origin": "CreateRoute",
            "State": "active"} in routes
    assert ec2.describe_route_tables(Filters=[{"Name": "route.destination-prefix-list-id",
                                               "Values": [prefix_list_id]}])["RouteTables"][0]["RouteTableId"] \
        == table_id
    group_id = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc_id)["GroupId"]
    authorized = ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
         "PrefixListIds": [{"PrefixListId": prefix_list_id, "Description": "from corp"}]}])
    [rule] = authorized["SecurityGroupRules"]
    assert rule["PrefixListId"] == prefix_list_id and rule["Description"] == "from corp"
    shown = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule["SecurityGroupRuleId"]])
    assert shown["SecurityGroupRules"][0]["PrefixListId"] == prefix_list_id
    permission = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"][0]
    assert permission["PrefixListIds"] == [{"PrefixListId": prefix_list_id, "Description": "from corp"}]

    associated = ec2.get_managed_prefix_list_associations(PrefixListId=prefix_list_id)["PrefixListAssociations"]
    assert sorted(a["ResourceId"] for a in associated) == sorted([table_id, group_id])
    assert all(a["ResourceOwner"] == account for a in associated)

    settle()
    code, message = error(ec2.delete_managed_prefix_list, PrefixListId=prefix_list_id)
    assert code == "DependencyViolation" and table_id in message and group_id in message
    ec2.delete_route(RouteTableId=table_id, DestinationPrefixListId=prefix_list_id)
    assert error(ec2.delete_managed_prefix_list, PrefixListId=prefix_list_id)[0] == "DependencyViolation"
    ec2.revoke_security_group_ingress(GroupId=group_id, SecurityGroupRuleIds=[rule["SecurityGroupRuleId"]])
    assert ec2.get_managed_prefix_list_associations(PrefixListId=prefix_list_id)["PrefixListAssociations"] == []
    ec2.delete_managed_prefix_list(PrefixListId=prefix_list_id)
    # A list being deleted can't be referenced any more.
    assert error(ec2.create_route, RouteTableId=table_id, DestinationPrefixListId=prefix_list_id,
                 GatewayId=gateway_id)[0] == "InvalidPrefixListID.NotFound"


def test_references_to_unknown_lists(ec2):
    vpc_id = make_vpc(ec2)
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert error(ec2.create_route, RouteTableId=table_id, DestinationPrefixListId="pl-0123456789abcdef0",
                 GatewayId=gateway_id)[0] == "InvalidPrefixListID.NotFound"
    assert error(ec2.create_route, RouteTableId=table_id, DestinationPrefixListId="pl-nope",
                 GatewayId=gateway_id)[0] == "InvalidPrefixListId.Malformed"
    group_id = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc_id)["GroupId"]
    for prefix_list_id, code in (("pl-0123456789abcdef0", "InvalidPrefixListID.NotFound"),
                                 ("pl-nope", "InvalidPrefixListId.Malformed")):
        assert error(ec2.authorize_security_group_ingress, GroupId=group_id, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1,
             "PrefixListIds": [{"PrefixListId": prefix_list_id}]}])[0] == code
    assert ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"] == []


def test_max_entries_count_against_the_rule_quota(ec2):
    """A rule referencing a list counts as the list's MaxEntries rules of the group's 60 per direction (AWS's
    rule); growing a referenced list past what its groups can hold is refused."""
    vpc_id = make_vpc(ec2)
    big = create(ec2, name="big", max_entries=59)["PrefixListId"]
    small = create(ec2, name="small", max_entries=1)["PrefixListId"]
    group_id = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc_id)["GroupId"]

    def allow(prefix_list_id: str, port: int):
        return ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
             "PrefixListIds": [{"PrefixListId": prefix_list_id}]}])

    allow(big, 1)
    allow(small, 2)  # 59 + 1 = 60: at the quota
    assert error(allow, prefix_list_id=small, port=3)[0] == "RulesPerSecurityGroupLimitExceeded"
    settle()
    assert error(ec2.modify_managed_prefix_list, PrefixListId=small, MaxEntries=2)[0] == \
        "RulesPerSecurityGroupLimitExceeded"
    assert described(ec2, small)["MaxEntries"] == 1


def _trace(server, account: str, subnet_id: str) -> dict:
    request = urllib.request.Request(f"{server.url}/_runnerlink/network/trace", method="POST",
                                     headers={"content-type": "application/json"},
                                     data=json.dumps({"account": account, "region": "us-east-1", "subnet": subnet_id,
                                                      "url": f"https://{HOST}/"}).encode())
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["path"]


def test_trace_follows_a_rule_referencing_a_list(server, account, ec2):
    """The network model admits the current entries of a list a rule references: the endpoint's group admits the
    workload's subnet through a list, and no longer once the list drops the subnet's CIDR."""
    network = make_network(ec2)
    prefix_list_id = create(ec2, Entries=[{"Cidr": "10.0.1.0/24"}])["PrefixListId"]
    group_id = ec2.create_security_group(GroupName="via-list", Description="via list",
                                         VpcId=network.vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": prefix_list_id}]}])
    make_endpoint(ec2, network, PrivateDnsEnabled=True, SecurityGroupIds=[group_id])
    settle()
    assert _trace(server, account, network.subnet_ids[0])["outcome"] == "endpoint"
    assert _trace(server, account, network.subnet_ids[1])["outcome"] == "unreachable"  # 10.0.2.0/24: not listed
    ec2.modify_managed_prefix_list(PrefixListId=prefix_list_id, CurrentVersion=1,
                                   RemoveEntries=[{"Cidr": "10.0.1.0/24"}], AddEntries=[{"Cidr": "10.0.2.0/24"}])
    assert _trace(server, account, network.subnet_ids[0])["outcome"] == "unreachable"
    assert _trace(server, account, network.subnet_ids[1])["outcome"] == "endpoint"


def test_trace_follows_a_route_to_a_list(server, account, ec2):
    """A subnet whose only route out is to a prefix list reaches the internet for the addresses the list holds (here
    every IPv4 address, as two halves), through the route's internet gateway."""
    network = make_network(ec2)
    halves = create(ec2, Entries=[{"Cidr": "0.0.0.0/1"}, {"Cidr": "128.0.0.0/1"}])["PrefixListId"]
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=network.vpc_id)
    table_id = ec2.create_route_table(VpcId=network.vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationPrefixListId=halves, GatewayId=gateway_id)
    ec2.associate_route_table(RouteTableId=table_id, SubnetId=network.subnet_ids[0])
    ec2.modify_subnet_attribute(SubnetId=network.subnet_ids[0], MapPublicIpOnLaunch={"Value": True})
    path = _trace(server, account, network.subnet_ids[0])
    assert path["outcome"] == "internet", path
    assert any(gateway_id in hop["detail"] for hop in path["hops"]), path


def test_modify_security_group_rules_to_a_list_counts_its_max_entries(ec2):
    """ModifySecurityGroupRules turning a CIDR rule into a prefix list rule weighs the list's MaxEntries too; the
    refused change leaves the rule as it was."""
    vpc_id = make_vpc(ec2)
    big = create(ec2, name="big", max_entries=60)["PrefixListId"]
    group_id = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc_id)["GroupId"]
    [first, _] = ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "tcp", "FromPort": 2, "ToPort": 2, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])["SecurityGroupRules"]
    assert error(ec2.modify_security_group_rules, GroupId=group_id, SecurityGroupRules=[
        {"SecurityGroupRuleId": first["SecurityGroupRuleId"],
         "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "PrefixListId": big}}])[0] == \
        "RulesPerSecurityGroupLimitExceeded"
    [shown] = ec2.describe_security_group_rules(SecurityGroupRuleIds=[first["SecurityGroupRuleId"]])[
        "SecurityGroupRules"]
    assert shown["CidrIpv4"] == "10.0.0.0/8" and "PrefixListId" not in shown
    assert error(ec2.modify_security_group_rules, GroupId=group_id, SecurityGroupRules=[
        {"SecurityGroupRuleId": first["SecurityGroupRuleId"],
         "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1,
                               "PrefixListId": "pl-0123456789abcdef0"}}])[0] == "InvalidPrefixListID.NotFound"
