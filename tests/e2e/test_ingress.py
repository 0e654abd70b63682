import re

import pytest

from tests.conftest import wait_for
from tests.e2e.apprunner_helpers import IMAGE, error_of
from tests.e2e.ec2_fixtures import APPRUNNER, make_endpoint, make_network, make_requests_endpoint


ARN = re.compile(r"arn:aws:apprunner:us-east-1:\d{12}:vpcingressconnection/([\w-]+)/[0-9a-f]{32}")
DOMAIN = re.compile(r"[a-z0-9]{10}\.us-east-1\.awsapprunner\.com")


def vpc_config(ec2, second_octet: int = 0) -> dict:
    """A real VPC and apprunner.requests endpoint in it: ingress connections check both exist."""
    network = make_network(ec2, zones=2, second_octet=second_octet)
    return {"VpcId": network.vpc_id, "VpcEndpointId": make_requests_endpoint(ec2, network)}


@pytest.fixture
def vpc(ec2) -> dict:
    return vpc_config(ec2)


@pytest.fixture
def other_vpc(ec2) -> dict:
    return vpc_config(ec2, second_octet=1)


def service(apprunner, name, public=False) -> str:
    network = {"IngressConfiguration": {"IsPubliclyAccessible": public}}
    return apprunner.create_service(ServiceName=name, SourceConfiguration=IMAGE,
                                    NetworkConfiguration=network)["Service"]["ServiceArn"]


def create(apprunner, service_arn, name, config, **params) -> dict:
    return apprunner.create_vpc_ingress_connection(ServiceArn=service_arn, VpcIngressConnectionName=name,
                                                   IngressVpcConfiguration=config, **params)["VpcIngressConnection"]


def status_becomes(apprunner, arn, wanted) -> dict:
    def check():
        found = apprunner.describe_vpc_ingress_connection(VpcIngressConnectionArn=arn)["VpcIngressConnection"]
        return found if found["Status"] == wanted else None
    return wait_for(check, timeout=5)


def test_lifecycle(apprunner, account, vpc, other_vpc):
    service_arn = service(apprunner, "private-web")
    created = create(apprunner, service_arn, "my-ingress", vpc, Tags=[{"Key": "t", "Value": "1"}])
    arn = created["VpcIngressConnectionArn"]
    assert ARN.fullmatch(arn).group(1) == "my-ingress"
    assert created["Status"] == "PENDING_CREATION"
    assert created["ServiceArn"] == service_arn and created["AccountId"] == account
    assert DOMAIN.fullmatch(created["DomainName"])
    assert created["IngressVpcConfiguration"] == vpc
    assert "DeletedAt" not in created
    assert apprunner.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "t", "Value": "1"}]
    # Nothing but waiting is allowed while the connection is being created.
    assert error_of(apprunner.update_vpc_ingress_connection, VpcIngressConnectionArn=arn,
                    IngressVpcConfiguration=other_vpc)[0] == "InvalidStateException"
    assert error_of(apprunner.delete_vpc_ingress_connection, VpcIngressConnectionArn=arn)[0] == "InvalidStateException"

    available = status_becomes(apprunner, arn, "AVAILABLE")
    assert available["DomainName"] == created["DomainName"]

    updated = apprunner.update_vpc_ingress_connection(VpcIngressConnectionArn=arn, IngressVpcConfiguration=other_vpc)[
        "VpcIngressConnection"]
    assert updated["Status"] == "PENDING_UPDATE" and updated["IngressVpcConfiguration"] == other_vpc
    assert error_of(apprunner.delete_vpc_ingress_connection, VpcIngressConnectionArn=arn)[0] == "InvalidStateException"
    status_becomes(apprunner, arn, "AVAILABLE")

    deleting = apprunner.delete_vpc_ingress_connection(VpcIngressConnectionArn=arn)["VpcIngressConnection"]
    assert deleting["Status"] == "PENDING_DELETION"
    code, message = error_of(apprunner.delete_vpc_ingress_connection, VpcIngressConnectionArn=arn)
    assert code == "InvalidStateException" and "PENDING_DELETION" in message
    assert error_of(apprunner.update_vpc_ingress_connection, VpcIngressConnectionArn=arn,
                    IngressVpcConfiguration=vpc)[0] == "InvalidStateException"
    # Still listed while being deleted (Terraform waits on AVAILABLE/PENDING_DELETION → gone).
    assert [s["VpcIngressConnectionArn"] for s in
            apprunner.list_vpc_ingress_connections()["VpcIngressConnectionSummaryList"]] == [arn]

    deleted = status_becomes(apprunner, arn, "DELETED")
    assert deleted["DeletedAt"] >= deleted["CreatedAt"]
    assert apprunner.list_vpc_ingress_connections()["VpcIngressConnectionSummaryList"] == []
    assert error_of(apprunner.delete_vpc_ingress_connection, VpcIngressConnectionArn=arn)[0] == "InvalidStateException"
    assert error_of(apprunner.list_tags_for_resource, ResourceArn=arn)[0] == "ResourceNotFoundException"


def test_one_connection_per_service_and_unique_names(apprunner, vpc):
    first_service = service(apprunner, "private-one")
    second_service = service(apprunner, "private-two")
    first = create(apprunner, first_service, "ingress-one", vpc)
    code, message = error_of(create, apprunner=apprunner, service_arn=first_service, name="ingress-again", config=vpc)
    assert code == "ServiceQuotaExceededException" and "only one" in message
    code, message = error_of(create, apprunner=apprunner, service_arn=second_service, name="ingress-one", config=vpc)
    assert code == "InvalidRequestException" and "already exists" in message
    # Once the first is DELETED, both its name and its service are free again.
    status_becomes(apprunner, first["VpcIngressConnectionArn"], "AVAILABLE")
    apprunner.delete_vpc_ingress_connection(VpcIngressConnectionArn=first["VpcIngressConnectionArn"])
    status_becomes(apprunner, first["VpcIngressConnectionArn"], "DELETED")
    again = create(apprunner, first_service, "ingress-one", vpc)
    assert again["VpcIngressConnectionArn"] != first["VpcIngressConnectionArn"]


def test_service_must_exist_and_be_private(apprunner, account, vpc):
    public_service = service(apprunner, "public-web", public=True)
    code, message = error_of(create, apprunner=apprunner, service_arn=public_service, name="on-public", config=vpc)
    assert code == "InvalidRequestException" and "publicly accessible" in message
    missing = f"arn:aws:apprunner:us-east-1:{account}:service/missing/{'e' * 32}"
    assert error_of(create, apprunner=apprunner, service_arn=missing, name="on-missing", config=vpc)[0] == \
        "ResourceNotFoundException"


def test_vpc_configuration_validation(apprunner, vpc):
    service_arn = service(apprunner, "private-validate")
    for config, fragment in (({"VpcId": "vpc-123"}, "VpcEndpointId"),
                             ({"VpcId": "vpc-zz", "VpcEndpointId": vpc["VpcEndpointId"]}, "vpc-zz"),
                             ({"VpcId": vpc["VpcId"], "VpcEndpointId": "endpoint-1"}, "endpoint-1")):
        code, message = error_of(create, apprunner=apprunner, service_arn=service_arn, name="bad-config",
                                 config=config)
        assert code == "InvalidRequestException" and fragment in message
    assert error_of(create, apprunner=apprunner, service_arn=service_arn, name="bad name", config=vpc)[0] == \
        "InvalidRequestException"


def test_not_found(apprunner, account, vpc):
    missing = f"arn:aws:apprunner:us-east-1:{account}:vpcingressconnection/missing/{'f' * 32}"
    assert error_of(apprunner.describe_vpc_ingress_connection, VpcIngressConnectionArn=missing)[0] == \
        "ResourceNotFoundException"
    assert error_of(apprunner.update_vpc_ingress_connection, VpcIngressConnectionArn=missing,
                    IngressVpcConfiguration=vpc)[0] == "ResourceNotFoundException"
    assert error_of(apprunner.delete_vpc_ingress_connection, VpcIngressConnectionArn=missing)[0] == \
        "ResourceNotFoundException"


def test_list_filters_and_pagination(apprunner, vpc, other_vpc):
    arns = [service(apprunner, f"private-{index}") for index in range(3)]
    connections = [create(apprunner, arns[0], "conn-a", vpc),
                   create(apprunner, arns[1], "conn-b", config=other_vpc),
                   create(apprunner, arns[2], "conn-c", vpc)]
    listing = apprunner.list_vpc_ingress_connections
    summaries = listing()["VpcIngressConnectionSummaryList"]
    assert summaries == [{"VpcIngressConnectionArn": c["VpcIngressConnectionArn"], "ServiceArn": c["ServiceArn"]}
                         for c in connections]
    by_service = listing(Filter={"ServiceArn": arns[1]})["VpcIngressConnectionSummaryList"]
    assert [s["VpcIngressConnectionArn"] for s in by_service] == [connections[1]["VpcIngressConnectionArn"]]
    by_endpoint = listing(Filter={"VpcEndpointId": vpc["VpcEndpointId"]})["VpcIngressConnectionSummaryList"]
    assert [s["ServiceArn"] for s in by_endpoint] == [arns[0], arns[2]]
    both = listing(Filter={"ServiceArn": arns[0], "VpcEndpointId": other_vpc["VpcEndpointId"]})
    assert both["VpcIngressConnectionSummaryList"] == []
    first = listing(MaxResults=2)
    second = listing(MaxResults=2, NextToken=first["NextToken"])
    assert len(first["VpcIngressConnectionSummaryList"]) == 2 and "NextToken" not in second
    assert second["VpcIngressConnectionSummaryList"] == summaries[2:]


def test_service_with_an_ingress_connection_cannot_be_deleted(apprunner, vpc):
    service_arn = service(apprunner, "private-held")
    connection = create(apprunner, service_arn, "holds-service", vpc)
    arn = connection["VpcIngressConnectionArn"]
    status_becomes(apprunner, arn, "AVAILABLE")  # the service's creation (same delay) is over by now too
    assert error_of(apprunner.delete_service, ServiceArn=service_arn)[0] == "InvalidStateException"
    apprunner.delete_vpc_ingress_connection(VpcIngressConnectionArn=arn)
    status_becomes(apprunner, arn, "DELETED")
    assert apprunner.delete_service(ServiceArn=service_arn)["Service"]["Status"] == "OPERATION_IN_PROGRESS"


def test_vpc_and_endpoint_must_exist_and_match(apprunner, ec2, vpc, other_vpc):
    """The VPC must exist, and the endpoint must be an apprunner.requests interface endpoint in it."""
    service_arn = service(apprunner, "private-checked")

    def refused(config: dict, fragment: str) -> None:
        code, message = error_of(create, apprunner=apprunner, service_arn=service_arn, name="checked", config=config)
        assert code == "InvalidRequestException" and fragment in message, message

    refused({"VpcId": "vpc-0123456789abcdef0", "VpcEndpointId": vpc["VpcEndpointId"]}, "vpc-0123456789abcdef0")
    refused({"VpcId": vpc["VpcId"], "VpcEndpointId": "vpce-0123456789abcdef0"}, "vpce-0123456789abcdef0")
    refused({"VpcId": vpc["VpcId"], "VpcEndpointId": other_vpc["VpcEndpointId"]}, other_vpc["VpcId"])
    network = make_network(ec2, zones=1, second_octet=2)
    api_endpoint = make_endpoint(ec2, network, APPRUNNER)["VpcEndpointId"]
    refused({"VpcId": network.vpc_id, "VpcEndpointId": api_endpoint}, "apprunner.requests")
    ec2.delete_vpc_endpoints(VpcEndpointIds=[vpc["VpcEndpointId"]])
    refused(vpc, vpc["VpcEndpointId"])  # being deleted
    assert apprunner.list_vpc_ingress_connections()["VpcIngressConnectionSummaryList"] == []

    connection = create(apprunner, service_arn, "checked", other_vpc)
    status_becomes(apprunner, connection["VpcIngressConnectionArn"], "AVAILABLE")
    code, _ = error_of(apprunner.update_vpc_ingress_connection, VpcIngressConnectionArn=connection[
        "VpcIngressConnectionArn"], IngressVpcConfiguration={"VpcId": network.vpc_id, "VpcEndpointId": api_endpoint})
    assert code == "InvalidRequestException"
