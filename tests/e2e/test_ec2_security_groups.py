"""Security groups and their rules through boto3: create, describe (ids, names, filters, pages), delete with its
dependency checks, authorize/revoke both ways, rule ids, and IpPermissions grouped as AWS groups them."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

ALL_OUT = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [],
           "UserIdGroupPairs": []}


def code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def message(excinfo) -> str:
    return excinfo.value.response["Error"]["Message"]


@pytest.fixture
def vpc_id(ec2) -> str:
    return ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


def new_group(ec2, vpc_id: str, name: str = "web", **kwargs) -> str:
    return ec2.create_security_group(GroupName=name, Description="web tier", VpcId=vpc_id, **kwargs)["GroupId"]


def group(ec2, group_id: str) -> dict:
    return ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]


def tcp(port: int, *cidrs: str, to: int | None = None, **extra) -> dict:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port if to is None else to,
            "IpRanges": [{"CidrIp": c} for c in cidrs], **extra}


# --- create ----------------------------------------------------------------------------------------------------------

def test_create_gives_an_id_an_arn_and_one_egress_rule(ec2, vpc_id, account):
    created = ec2.create_security_group(
        GroupName="web", Description="web tier", VpcId=vpc_id,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "Name", "Value": "web"}]}])
    group_id = created["GroupId"]
    assert group_id.startswith("sg-") and len(group_id) == 20
    assert created["SecurityGroupArn"] == f"arn:aws:ec2:us-east-1:{account}:security-group/{group_id}"
    assert created["Tags"] == [{"Key": "Name", "Value": "web"}]
    found = group(ec2, group_id)
    assert found["GroupName"] == "web" and found["Description"] == "web tier"
    assert found["VpcId"] == vpc_id and found["OwnerId"] == account
    assert found["IpPermissions"] == []
    assert found["IpPermissionsEgress"] == [ALL_OUT]
    assert found["Tags"] == [{"Key": "Name", "Value": "web"}]


def test_create_without_vpc_uses_the_default_vpc(ec2):
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    group_id = ec2.create_security_group(GroupName="mine", Description="d")["GroupId"]
    assert group(ec2, group_id)["VpcId"] == default_vpc


def test_names_are_unique_per_vpc_case_insensitively(ec2, vpc_id):
    new_group(ec2, vpc_id, "web")
    with pytest.raises(ClientError) as excinfo:
        new_group(ec2, vpc_id, "WEB")
    assert code(excinfo) == "InvalidGroup.Duplicate"
    assert message(excinfo) == f"The security group 'WEB' already exists for VPC '{vpc_id}'"
    other_vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    new_group(ec2, other_vpc, "web")  # another VPC: fine


@pytest.mark.parametrize("name, expected", [
    ("default", "InvalidGroup.Reserved"),
    ("sg-123", "InvalidParameterValue"),
    ("naïve", "InvalidParameterValue"),
    ("semi|colon", "InvalidParameterValue"),
    ("x" * 256, "InvalidParameterValue"),
])
def test_bad_names_are_refused(ec2, vpc_id, name, expected):
    with pytest.raises(ClientError) as excinfo:
        new_group(ec2, vpc_id, name)
    assert code(excinfo) == expected


def test_description_is_required_and_checked(ec2, vpc_id):
    with pytest.raises(ClientError) as excinfo:
        ec2.create_security_group(GroupName="a", Description="", VpcId=vpc_id)
    assert code(excinfo) == "MissingParameter"
    with pytest.raises(ClientError) as excinfo:
        ec2.create_security_group(GroupName="a", Description="tab\there", VpcId=vpc_id)
    assert code(excinfo) == "InvalidParameterValue"
    ec2.create_security_group(GroupName="b", Description="a-z A-Z 0-9 ._-:/()#,@[]+=&;{}!$*", VpcId=vpc_id)


def test_create_in_an_unknown_vpc(ec2):
    with pytest.raises(ClientError) as excinfo:
        new_group(ec2, "vpc-0123456789abcdef0")
    assert code(excinfo) == "InvalidVpcID.NotFound"
    with pytest.raises(ClientError) as excinfo:
        new_group(ec2, "vpc-nope")
    assert code(excinfo) == "InvalidVpcID.Malformed"


def test_every_vpc_has_a_default_group(ec2, vpc_id, account):
    found = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]},
                                                  {"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    assert len(found) == 1
    default = found[0]
    assert default["Description"] == "default VPC security group"
    assert default["IpPermissions"] == [{"IpProtocol": "-1", "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                                         "UserIdGroupPairs": [{"GroupId": default["GroupId"], "UserId": account}]}]
    assert default["IpPermissionsEgress"] == [ALL_OUT]


# --- describe --------------------------------------------------------------------------------------------------------

def test_describe_unknown_and_malformed_ids(ec2):
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_security_groups(GroupIds=["sg-0123456789abcdef0"])
    assert code(excinfo) == "InvalidGroup.NotFound"
    assert message(excinfo) == "The security group 'sg-0123456789abcdef0' does not exist"
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_security_groups(GroupIds=["web"])
    assert code(excinfo) == "InvalidGroupId.Malformed"


def test_describe_by_name_looks_in_the_default_vpc(ec2, vpc_id):
    mine = ec2.create_security_group(GroupName="mine", Description="d")["GroupId"]
    new_group(ec2, vpc_id, "elsewhere")
    found = ec2.describe_security_groups(GroupNames=["mine"])["SecurityGroups"]
    assert [g["GroupId"] for g in found] == [mine]
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_security_groups(GroupNames=["elsewhere"])
    assert code(excinfo) == "InvalidGroup.NotFound"


def test_describe_filters(ec2, vpc_id, account):
    web = new_group(ec2, vpc_id, "web", TagSpecifications=[
        {"ResourceType": "security-group", "Tags": [{"Key": "tier", "Value": "front"}]}])
    app = new_group(ec2, vpc_id, "app")
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[tcp(443, "10.0.0.0/16")])
    ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": web}]}])
    ec2.authorize_security_group_egress(GroupId=app, IpPermissions=[
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "10.0.0.2/32"}]}])

    def ids(*filters) -> set[str]:
        flt = [{"Name": n, "Values": [v]} for n, v in filters]
        return {g["GroupId"] for g in ec2.describe_security_groups(Filters=flt)["SecurityGroups"]}

    in_vpc = ("vpc-id", vpc_id)
    assert ids(in_vpc, ("group-id", web)) == {web}
    assert ids(in_vpc, ("group-name", "a*")) == {app}
    assert ids(in_vpc, ("description", "web tier")) == {web, app}
    assert ids(in_vpc, ("owner-id", account)) == {web, app, ec2_default(ec2, vpc_id)}
    assert ids(in_vpc, ("ip-permission.cidr", "10.0.0.0/16")) == {web}
    assert ids(in_vpc, ("ip-permission.from-port", "443")) == {web}
    assert ids(in_vpc, ("ip-permission.to-port", "8080")) == {app}
    assert ids(in_vpc, ("ip-permission.protocol", "tcp")) == {web, app}
    assert ids(in_vpc, ("ip-permission.group-id", web)) == {app}
    assert ids(in_vpc, ("ip-permission.group-name", "web")) == {app}
    assert ids(in_vpc, ("egress.ip-permission.cidr", "10.0.0.2/32")) == {app}
    assert ids(in_vpc, ("egress.ip-permission.protocol", "udp")) == {app}
    assert ids(in_vpc, ("tag:tier", "front")) == {web}
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_security_groups(Filters=[{"Name": "colour", "Values": ["red"]}])
    assert code(excinfo) == "InvalidParameterValue"


def ec2_default(ec2, vpc_id: str) -> str:
    return ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                 {"Name": "group-name", "Values": ["default"]}]
                                        )["SecurityGroups"][0]["GroupId"]


def test_describe_pages(ec2, vpc_id):
    made = {new_group(ec2, vpc_id, f"g{i}") for i in range(7)}
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"NextToken": token} if token else {}
        answer = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}], MaxResults=5,
                                              **kwargs)
        seen += [g["GroupId"] for g in answer["SecurityGroups"]]
        pages += 1
        token = answer.get("NextToken")
        if not token:
            break
    assert pages == 2 and len(seen) == 8 and made <= set(seen)


# --- authorize / grouping --------------------------------------------------------------------------------------------

def test_ip_permissions_are_grouped_per_protocol_and_port_range(ec2, vpc_id, account):
    web = new_group(ec2, vpc_id, "web")
    peer = new_group(ec2, vpc_id, "peer")
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[tcp(443, "10.0.0.0/16")])
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        tcp(443, "192.168.0.0/24", Ipv6Ranges=[{"CidrIpv6": "2001:db8::/32", "Description": "v6"}],
            UserIdGroupPairs=[{"GroupId": peer, "Description": "from peer"}],
            PrefixListIds=[{"PrefixListId": "pl-63a5400a"}]),
        tcp(80, "0.0.0.0/0"),
        tcp(8000, "10.0.0.0/16", to=8100),
    ])
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    found = group(ec2, web)["IpPermissions"]
    assert found == [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "10.0.0.0/16"}, {"CidrIp": "192.168.0.0/24"}],
         "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32", "Description": "v6"}],
         "PrefixListIds": [{"PrefixListId": "pl-63a5400a"}],
         "UserIdGroupPairs": [{"GroupId": peer, "UserId": account, "Description": "from peer"}]},
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
         "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []},
        {"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8100, "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
         "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []},
        {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
         "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []},
    ]


def test_authorize_returns_rule_ids(ec2, vpc_id, account):
    web = new_group(ec2, vpc_id, "web")
    answer = ec2.authorize_security_group_ingress(
        GroupId=web, IpPermissions=[tcp(443, "10.0.0.0/16", "10.1.0.0/16")],
        TagSpecifications=[{"ResourceType": "security-group-rule", "Tags": [{"Key": "k", "Value": "v"}]}])
    assert answer["Return"] is True
    rules = answer["SecurityGroupRules"]
    assert len(rules) == 2
    first = rules[0]
    assert first["SecurityGroupRuleId"].startswith("sgr-") and len(first["SecurityGroupRuleId"]) == 21
    assert first["GroupId"] == web and first["GroupOwnerId"] == account and first["IsEgress"] is False
    assert (first["IpProtocol"], first["FromPort"], first["ToPort"], first["CidrIpv4"]) == \
           ("tcp", 443, 443, "10.0.0.0/16")
    assert first["Tags"] == [{"Key": "k", "Value": "v"}]
    assert first["SecurityGroupRuleArn"].endswith(f":security-group-rule/{first['SecurityGroupRuleId']}")


def test_protocol_names_and_numbers(ec2, vpc_id):
    web = new_group(ec2, vpc_id, "web")
    rules = ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "6", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
        {"IpProtocol": "UDP", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
        {"IpProtocol": "50", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
        {"IpProtocol": "-1", "FromPort": 0, "ToPort": 0, "IpRanges": [{"CidrIp": "10.9.0.0/16"}]},
    ])["SecurityGroupRules"]
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in rules] == \
           [("tcp", 22, 22), ("udp", 53, 53), ("50", -1, -1), ("-1", -1, -1)]
    shown = {p["IpProtocol"]: p for p in group(ec2, web)["IpPermissions"]}
    assert "FromPort" not in shown["-1"] and "FromPort" not in shown["50"]


@pytest.mark.parametrize("permission, expected", [
    ({"IpProtocol": "tcp", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}, "InvalidParameterValue"),
    ({"IpProtocol": "tcp", "FromPort": 90, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
     "InvalidParameterValue"),
    ({"IpProtocol": "tcp", "FromPort": 1, "ToPort": 70000, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
     "InvalidParameterValue"),
    ({"IpProtocol": "gre", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}, "InvalidParameterValue"),
    ({"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "IpRanges": [{"CidrIp": "10.0.0.0"}]},
     "InvalidParameterValue"),
    ({"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "Ipv6Ranges": [{"CidrIpv6": "10.0.0.0/8"}]},
     "InvalidParameterValue"),
    ({"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2}, "MissingParameter"),
    ({"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "UserIdGroupPairs": [{"GroupId": "sg-0123456789abcdef0"}]},
     "InvalidGroup.NotFound"),
    ({"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "UserIdGroupPairs": [{"GroupId": "sg-x"}]},
     "InvalidGroupId.Malformed"),
])
def test_authorize_checks_each_permission(ec2, vpc_id, permission, expected):
    web = new_group(ec2, vpc_id, "web")
    with pytest.raises(ClientError) as excinfo:
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[permission])
    assert code(excinfo) == expected


def test_duplicates_are_refused_whole(ec2, vpc_id):
    web = new_group(ec2, vpc_id, "web")
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[tcp(22, "10.0.0.0/16")])
    with pytest.raises(ClientError) as excinfo:
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
            tcp(80, "10.0.0.0/16"),
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "again"}]}])
    assert code(excinfo) == "InvalidPermission.Duplicate"
    assert message(excinfo) == ('the specified rule "peer: 10.0.0.0/16, TCP, from port: 22, to port: 22, ALLOW" '
                                'already exists')
    assert len(group(ec2, web)["IpPermissions"]) == 1  # the 80 rule was not added either
    with pytest.raises(ClientError) as excinfo:
        ec2.authorize_security_group_egress(GroupId=web, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    assert code(excinfo) == "InvalidPermission.Duplicate"


def test_authorize_on_unknown_group(ec2):
    with pytest.raises(ClientError) as excinfo:
        ec2.authorize_security_group_ingress(GroupId="sg-0123456789abcdef0", IpPermissions=[tcp(1, "10.0.0.0/8")])
    assert code(excinfo) == "InvalidGroup.NotFound"


def test_legacy_flat_parameters_and_group_name_in_default_vpc(ec2):
    ec2.create_security_group(GroupName="legacy", Description="d")
    ec2.authorize_security_group_ingress(GroupName="legacy", IpProtocol="tcp", FromPort=22, ToPort=22,
                                         CidrIp="203.0.113.0/24")
    found = ec2.describe_security_groups(GroupNames=["legacy"])["SecurityGroups"][0]
    assert found["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "203.0.113.0/24"}]


# --- revoke ----------------------------------------------------------------------------------------------------------

def test_terraform_revokes_the_default_egress_then_adds_its_own(ec2, vpc_id):
    web = new_group(ec2, vpc_id, "web")
    revoked = ec2.revoke_security_group_egress(GroupId=web, IpPermissions=[
        {"IpProtocol": "-1", "FromPort": 0, "ToPort": 0, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    assert revoked["Return"] is True and revoked["RevokedSecurityGroupRules"][0]["CidrIpv4"] == "0.0.0.0/0"
    with pytest.raises(ClientError) as excinfo:  # an IPv4-only VPC's group has no ::/0 rule
        ec2.revoke_security_group_egress(GroupId=web, IpPermissions=[
            {"IpProtocol": "-1", "FromPort": 0, "ToPort": 0, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    assert code(excinfo) == "InvalidPermission.NotFound"
    assert group(ec2, web)["IpPermissionsEgress"] == []
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[tcp(443, "10.0.0.0/16")])
    ec2.authorize_security_group_egress(GroupId=web, IpPermissions=[
        {"IpProtocol": "-1", "FromPort": 0, "ToPort": 0, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    assert group(ec2, web)["IpPermissionsEgress"] == [ALL_OUT]


def test_ipv6_vpc_groups_also_allow_all_ipv6_out(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    web = new_group(ec2, vpc, "web")
    assert group(ec2, web)["IpPermissionsEgress"] == [{**ALL_OUT, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]


def test_revoke_by_permission_removes_only_the_named_peer(ec2, vpc_id):
    web = new_group(ec2, vpc_id, "web")
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "10.0.0.0/16"}, {"CidrIp": "10.1.0.0/16", "Description": "ignored"}]}])
    ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=[tcp(443, "10.1.0.0/16")])
    assert group(ec2, web)["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "10.0.0.0/16"}]


def test_revoke_unknown_permission_in_a_non_default_vpc_changes_nothing(ec2, vpc_id):
    web = new_group(ec2, vpc_id, "web")
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[tcp(443, "10.0.0.0/16")])
    with pytest.raises(ClientError) as excinfo:
        ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=[tcp(443, "10.0.0.0/16"), tcp(22, "1.2.3.4/32")])
    assert code(excinfo) == "InvalidPermission.NotFound"
    assert message(excinfo) == "The specified rule does not exist in this security group."
    assert len(group(ec2, web)["IpPermissions"]) == 1


def test_revoke_in_the_default_vpc_reports_unknown_permissions(ec2):
    # Model text: "For a default VPC, if the values you specify do not match … no error is returned, and the
    # output describes the security group rules that were not revoked."
    web = ec2.create_security_group(GroupName="dv", Description="d")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[tcp(443, "10.0.0.0/16")])
    answer = ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=[
        tcp(443, "10.0.0.0/16"), tcp(22, "1.2.3.4/32")])
    assert answer["UnknownIpPermissions"][0]["FromPort"] == 22
    assert group(ec2, web)["IpPermissions"] == []


def test_revoke_by_rule_id(ec2, vpc_id):
    web = new_group(ec2, vpc_id, "web")
    rule_id = ec2.authorize_security_group_ingress(
        GroupId=web, IpPermissions=[tcp(443, "10.0.0.0/16")])["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    egress_id = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [web]}])
    egress_id = [r for r in egress_id["SecurityGroupRules"] if r["IsEgress"]][0]["SecurityGroupRuleId"]
    with pytest.raises(ClientError) as excinfo:  # an egress rule's id is not an ingress rule
        ec2.revoke_security_group_ingress(GroupId=web, SecurityGroupRuleIds=[egress_id])
    assert code(excinfo) == "InvalidSecurityGroupRuleId.NotFound"
    answer = ec2.revoke_security_group_ingress(GroupId=web, SecurityGroupRuleIds=[rule_id])
    assert answer["RevokedSecurityGroupRules"][0]["SecurityGroupRuleId"] == rule_id
    assert group(ec2, web)["IpPermissions"] == []
    with pytest.raises(ClientError) as excinfo:
        ec2.revoke_security_group_ingress(GroupId=web, SecurityGroupRuleIds=[rule_id])
    assert code(excinfo) == "InvalidSecurityGroupRuleId.NotFound"
    with pytest.raises(ClientError) as excinfo:
        ec2.revoke_security_group_egress(GroupId=web, SecurityGroupRuleIds=["sgr-bad"])
    assert code(excinfo) == "InvalidSecurityGroupRuleId.Malformed"


# --- rules -----------------------------------------------------------------------------------------------------------

def test_describe_security_group_rules(ec2, vpc_id):
    web = new_group(ec2, vpc_id, "web")
    added = ec2.authorize_security_group_ingress(
        GroupId=web, IpPermissions=[tcp(p, "10.0.0.0/16") for p in range(1, 7)],
        TagSpecifications=[{"ResourceType": "security-group-rule", "Tags": [{"Key": "env", "Value": "x"}]}],
    )["SecurityGroupRules"]
    everything = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [web]}])
    assert len(everything["SecurityGroupRules"]) == 7 and "NextToken" not in everything
    first = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [web]}], MaxResults=5)
    rest = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [web]}], MaxResults=5,
                                             NextToken=first["NextToken"])
    assert len(first["SecurityGroupRules"]) == 5 and len(rest["SecurityGroupRules"]) == 2
    assert "NextToken" not in rest
    one = added[2]["SecurityGroupRuleId"]
    assert ec2.describe_security_group_rules(SecurityGroupRuleIds=[one])["SecurityGroupRules"] == [added[2]]
    by_filter = ec2.describe_security_group_rules(Filters=[{"Name": "security-group-rule-id", "Values": [one]}])
    assert [r["SecurityGroupRuleId"] for r in by_filter["SecurityGroupRules"]] == [one]
    tagged = ec2.describe_security_group_rules(Filters=[{"Name": "tag:env", "Values": ["x"]}])
    assert len(tagged["SecurityGroupRules"]) == 6
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_security_group_rules(SecurityGroupRuleIds=["sgr-0123456789abcdef0"])
    assert code(excinfo) == "InvalidSecurityGroupRuleId.NotFound"


def test_rules_are_taggable(ec2, vpc_id):
    web = new_group(ec2, vpc_id, "web")
    rule_id = ec2.authorize_security_group_ingress(
        GroupId=web, IpPermissions=[tcp(443, "10.0.0.0/16")])["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    ec2.create_tags(Resources=[rule_id], Tags=[{"Key": "Name", "Value": "https"}])
    found = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule_id])["SecurityGroupRules"][0]
    assert found["Tags"] == [{"Key": "Name", "Value": "https"}]


def test_modify_security_group_rules(ec2, vpc_id):
    web = new_group(ec2, vpc_id, "web")
    rules = ec2.authorize_security_group_ingress(
        GroupId=web, IpPermissions=[tcp(443, "10.0.0.0/16"), tcp(22, "10.0.0.0/16")])["SecurityGroupRules"]
    rule_id = rules[0]["SecurityGroupRuleId"]
    assert ec2.modify_security_group_rules(GroupId=web, SecurityGroupRules=[{
        "SecurityGroupRuleId": rule_id,
        "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443, "CidrIpv4": "10.5.0.0/16",
                              "Description": "moved"}}])["Return"] is True
    found = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule_id])["SecurityGroupRules"][0]
    assert (found["FromPort"], found["CidrIpv4"], found["Description"]) == (8443, "10.5.0.0/16", "moved")
    assert {p["FromPort"] for p in group(ec2, web)["IpPermissions"]} == {8443, 22}
    with pytest.raises(ClientError) as excinfo:  # would duplicate the port 22 rule
        ec2.modify_security_group_rules(GroupId=web, SecurityGroupRules=[{
            "SecurityGroupRuleId": rule_id,
            "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "10.0.0.0/16"}}])
    assert code(excinfo) == "InvalidPermission.Duplicate"
    with pytest.raises(ClientError) as excinfo:
        ec2.modify_security_group_rules(GroupId=web, SecurityGroupRules=[{
            "SecurityGroupRuleId": "sgr-0123456789abcdef0",
            "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "CidrIpv4": "10.0.0.0/16"}}])
    assert code(excinfo) == "InvalidSecurityGroupRuleId.NotFound"


def test_update_rule_descriptions(ec2, vpc_id):
    web = new_group(ec2, vpc_id, "web")
    rule_id = ec2.authorize_security_group_ingress(
        GroupId=web, IpPermissions=[tcp(443, "10.0.0.0/16")])["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    ec2.update_security_group_rule_descriptions_ingress(
        GroupId=web, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [
            {"CidrIp": "10.0.0.0/16", "Description": "https from the VPC"}]}])
    assert group(ec2, web)["IpPermissions"][0]["IpRanges"] == [
        {"CidrIp": "10.0.0.0/16", "Description": "https from the VPC"}]
    egress_id = [r for r in ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [web]}])[
        "SecurityGroupRules"] if r["IsEgress"]][0]["SecurityGroupRuleId"]
    ec2.update_security_group_rule_descriptions_egress(
        GroupId=web, SecurityGroupRuleDescriptions=[{"SecurityGroupRuleId": egress_id, "Description": "out"}])
    assert group(ec2, web)["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0", "Description": "out"}]
    with pytest.raises(ClientError) as excinfo:
        ec2.update_security_group_rule_descriptions_ingress(GroupId=web, IpPermissions=[tcp(22, "10.0.0.0/16")])
    assert code(excinfo) == "InvalidPermission.NotFound"
    with pytest.raises(ClientError) as excinfo:
        ec2.update_security_group_rule_descriptions_ingress(
            GroupId=web, SecurityGroupRuleDescriptions=[{"SecurityGroupRuleId": egress_id, "Description": "x"}])
    assert code(excinfo) == "InvalidSecurityGroupRuleId.NotFound"
    assert rule_id


# --- delete ----------------------------------------------------------------------------------------------------------

def test_delete_and_then_not_found(ec2, vpc_id):
    web = new_group(ec2, vpc_id, "web")
    rule_id = ec2.authorize_security_group_ingress(
        GroupId=web, IpPermissions=[tcp(443, "10.0.0.0/16")])["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    answer = ec2.delete_security_group(GroupId=web)
    assert answer["Return"] is True and answer["GroupId"] == web
    with pytest.raises(ClientError) as excinfo:
        group(ec2, web)
    assert code(excinfo) == "InvalidGroup.NotFound"
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_security_group(GroupId=web)
    assert code(excinfo) == "InvalidGroup.NotFound"
    with pytest.raises(ClientError) as excinfo:  # its rules went with it
        ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule_id])
    assert code(excinfo) == "InvalidSecurityGroupRuleId.NotFound"


def test_delete_by_name_in_the_default_vpc(ec2):
    ec2.create_security_group(GroupName="byname", Description="d")
    ec2.delete_security_group(GroupName="byname")
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_security_groups(GroupNames=["byname"])
    assert code(excinfo) == "InvalidGroup.NotFound"


def test_the_default_group_cannot_be_deleted(ec2, vpc_id):
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_security_group(GroupId=ec2_default(ec2, vpc_id))
    assert code(excinfo) == "CannotDelete"


def test_a_referenced_group_cannot_be_deleted(ec2, vpc_id):
    web = new_group(ec2, vpc_id, "web")
    app = new_group(ec2, vpc_id, "app")
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": web}]}])
    ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": web}]}])
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_security_group(GroupId=web)
    assert code(excinfo) == "DependencyViolation"
    assert message(excinfo) == f"resource {web} has a dependent object"
    ec2.revoke_security_group_ingress(GroupId=app, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": web}]}])
    ec2.delete_security_group(GroupId=web)  # a rule referencing itself does not hold it


def test_a_group_used_by_a_network_interface_cannot_be_deleted(ec2, vpc_id):
    web = new_group(ec2, vpc_id, "web")
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    eni = ec2.create_network_interface(SubnetId=subnet, Groups=[web])["NetworkInterface"]["NetworkInterfaceId"]
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_security_group(GroupId=web)
    assert code(excinfo) == "DependencyViolation"
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    ec2.delete_security_group(GroupId=web)


def test_dry_run(ec2, vpc_id):
    with pytest.raises(ClientError) as excinfo:
        ec2.create_security_group(GroupName="dry", Description="d", VpcId=vpc_id, DryRun=True)
    assert code(excinfo) == "DryRunOperation"
    assert ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["dry"]}])["SecurityGroups"] == []


def test_at_most_sixty_rules_each_way(ec2, vpc_id):
    web = new_group(ec2, vpc_id, "web")
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[tcp(p, "10.0.0.0/16") for p in range(1, 61)])
    with pytest.raises(ClientError) as excinfo:
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[tcp(61, "10.0.0.0/16")])
    assert code(excinfo) == "RulesPerSecurityGroupLimitExceeded"
