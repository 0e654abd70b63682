import re

import pytest

from tests.conftest import settle
from tests.e2e.apprunner_helpers import IMAGE, error_of
from tests.e2e.ec2_fixtures import Network, make_network

ARN = re.compile(r"arn:aws:apprunner:us-east-1:\d{12}:vpcconnector/([\w-]+)/1/[0-9a-f]{32}")


@pytest.fixture
def net(ec2) -> Network:
    """A VPC with subnets in two zones and a security group, made through EC2 first: connectors check them."""
    return make_network(ec2)


def create(apprunner, name, subnets, **params) -> dict:
    return apprunner.create_vpc_connector(VpcConnectorName=name, Subnets=subnets, **params)["VpcConnector"]


def test_create_describe_list_delete(apprunner, net):
    subnets, groups = net.subnet_ids, [net.group_id]
    connector = create(apprunner, "egress", subnets, SecurityGroups=groups, Tags=[{"Key": "k", "Value": "v"}])
    arn = connector["VpcConnectorArn"]
    assert ARN.fullmatch(arn).group(1) == "egress"
    assert connector["Status"] == "ACTIVE"  # usable at once: Terraform's waiter wants ACTIVE
    assert connector["VpcConnectorRevision"] == 1
    assert connector["Subnets"] == subnets and connector["SecurityGroups"] == groups
    assert "DeletedAt" not in connector
    assert apprunner.describe_vpc_connector(VpcConnectorArn=arn)["VpcConnector"] == connector
    assert apprunner.list_vpc_connectors()["VpcConnectors"] == [connector]
    assert apprunner.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]

    deleted = apprunner.delete_vpc_connector(VpcConnectorArn=arn)["VpcConnector"]
    assert deleted["Status"] == "INACTIVE" and deleted["DeletedAt"] >= deleted["CreatedAt"]
    assert apprunner.describe_vpc_connector(VpcConnectorArn=arn)["VpcConnector"]["Status"] == "INACTIVE"
    assert apprunner.list_vpc_connectors()["VpcConnectors"] == []
    assert error_of(apprunner.delete_vpc_connector, VpcConnectorArn=arn)[0] == "ResourceNotFoundException"
    assert error_of(apprunner.list_tags_for_resource, ResourceArn=arn)[0] == "ResourceNotFoundException"
    # The name is free again once the old connector is inactive.
    assert create(apprunner, "egress", subnets)["VpcConnectorArn"] != arn


def test_security_groups_are_optional(apprunner, net):
    connector = create(apprunner, "no-groups", subnets=net.subnet_ids[:1])
    assert connector["SecurityGroups"] == [net.default_group_id]  # the VPC's default group


def test_validation(apprunner, net):
    subnets = net.subnet_ids
    code, message = error_of(create, apprunner=apprunner, name="empty", subnets=[])
    assert code == "InvalidRequestException" and "subnet" in message.lower()
    code, message = error_of(create, apprunner=apprunner, name="bad-subnet", subnets=["subnet-xyz"])
    assert code == "InvalidRequestException" and "subnet-xyz" in message
    code, message = error_of(create, apprunner=apprunner, name="bad-group", subnets=subnets,
                             SecurityGroups=["group-1"])
    assert code == "InvalidRequestException" and "group-1" in message
    code, _ = error_of(create, apprunner=apprunner, name="x" * 41, subnets=subnets)
    assert code == "InvalidRequestException"
    create(apprunner, "taken", subnets)
    code, message = error_of(create, apprunner=apprunner, name="taken", subnets=subnets)
    assert code == "InvalidRequestException" and "already exists" in message


def test_describe_needs_a_full_arn(apprunner, account, net):
    connector = create(apprunner, "full-arn", net.subnet_ids)
    partial = connector["VpcConnectorArn"].rsplit("/", 2)[0]
    assert error_of(apprunner.describe_vpc_connector, VpcConnectorArn=partial)[0] == "InvalidRequestException"
    missing = f"arn:aws:apprunner:us-east-1:{account}:vpcconnector/missing/1/{'d' * 32}"
    assert error_of(apprunner.describe_vpc_connector, VpcConnectorArn=missing)[0] == "ResourceNotFoundException"
    assert error_of(apprunner.delete_vpc_connector, VpcConnectorArn=missing)[0] == "ResourceNotFoundException"


def test_quota_and_pagination(apprunner, net):
    for index in range(10):
        create(apprunner, f"conn-{index}", net.subnet_ids)
    assert error_of(create, apprunner=apprunner, name="conn-10", subnets=net.subnet_ids)[0] == \
        "ServiceQuotaExceededException"
    first = apprunner.list_vpc_connectors(MaxResults=4)
    names = [c["VpcConnectorName"] for c in first["VpcConnectors"]]
    token = first["NextToken"]
    while token:
        page = apprunner.list_vpc_connectors(MaxResults=4, NextToken=token)
        names += [c["VpcConnectorName"] for c in page["VpcConnectors"]]
        token = page.get("NextToken")
    assert names == [f"conn-{index}" for index in range(10)]
    assert error_of(apprunner.list_vpc_connectors, MaxResults=101)[0] == "InvalidRequestException"


def test_connector_in_use_cannot_be_deleted(apprunner, net):
    connector = create(apprunner, "used-egress", net.subnet_ids, SecurityGroups=[net.group_id])
    arn = connector["VpcConnectorArn"]
    network = {"EgressConfiguration": {"EgressType": "VPC", "VpcConnectorArn": arn}}
    service = apprunner.create_service(ServiceName="egress-svc", SourceConfiguration=IMAGE,
                                       NetworkConfiguration=network)["Service"]
    code, message = error_of(apprunner.delete_vpc_connector, VpcConnectorArn=arn)
    assert code == "InvalidRequestException" and "used by one or more services" in message
    assert apprunner.describe_vpc_connector(VpcConnectorArn=arn)["VpcConnector"]["Status"] == "ACTIVE"
    settle()
    apprunner.delete_service(ServiceArn=service["ServiceArn"])
    settle()  # a DELETED service no longer holds the connector
    assert apprunner.delete_vpc_connector(VpcConnectorArn=arn)["VpcConnector"]["Status"] == "INACTIVE"


def test_subnets_and_groups_must_exist_in_one_vpc(apprunner, ec2, net):
    missing_subnet, missing_group = "subnet-0123456789abcdef0", "sg-0123456789abcdef0"
    code, message = error_of(create, apprunner=apprunner, name="no-subnet",
                             subnets=[net.subnet_ids[0], missing_subnet])
    assert code == "InvalidRequestException" and missing_subnet in message and "doesn't exist" in message
    code, message = error_of(create, apprunner=apprunner, name="no-group", subnets=net.subnet_ids,
                             SecurityGroups=[missing_group])
    assert code == "InvalidRequestException" and missing_group in message
    other = make_network(ec2, zones=1, second_octet=1)
    code, message = error_of(create, apprunner=apprunner, name="two-vpcs", subnets=net.subnet_ids + other.subnet_ids)
    assert code == "InvalidRequestException" and "one VPC" in message and other.vpc_id in message
    code, message = error_of(create, apprunner=apprunner, name="group-elsewhere", subnets=net.subnet_ids,
                             SecurityGroups=[other.group_id])
    assert code == "InvalidRequestException" and other.group_id in message
    assert apprunner.list_vpc_connectors()["VpcConnectors"] == []
