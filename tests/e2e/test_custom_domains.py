import re
import urllib.error

import pytest
from botocore.exceptions import ClientError

from tests.conftest import settle, wait_for
from tests.e2e.ec2_fixtures import make_network, make_requests_endpoint

IMAGE = {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest", "ImageRepositoryType": "ECR_PUBLIC"}
_RECORD_NAME = r"_[0-9a-f]{32}\.{}\."
_RECORD_VALUE = re.compile(r"_[0-9a-f]{32}\.[a-z0-9]{10}\.acm-validations\.aws\.")


def running_service(apprunner, name="web-app", **kwargs) -> dict:
    arn = apprunner.create_service(ServiceName=name, SourceConfiguration={
        "AutoDeploymentsEnabled": False, "ImageRepository": IMAGE}, **kwargs)["Service"]["ServiceArn"]

    def check():
        service = apprunner.describe_service(ServiceArn=arn)["Service"]
        return service if service["Status"] == "RUNNING" else None
    return wait_for(check)


def domains(apprunner, arn) -> dict:
    return {d["DomainName"]: d for d in apprunner.describe_custom_domains(ServiceArn=arn)["CustomDomains"]}


def domain_status(apprunner, arn, domain, status) -> dict:
    return wait_for(lambda: (d := domains(apprunner, arn).get(domain)) and d["Status"] == status and d)


def error(excinfo) -> tuple[str, str]:
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_custom_domain_lifecycle(apprunner, server):
    service = running_service(apprunner)
    arn = service["ServiceArn"]
    associated = apprunner.associate_custom_domain(ServiceArn=arn, DomainName="example.com")
    assert associated["DNSTarget"] == service["ServiceUrl"]
    assert associated["ServiceArn"] == arn
    assert associated["VpcDNSTargets"] == []
    assert associated["CustomDomain"]["Status"] == "creating"
    assert associated["CustomDomain"]["EnableWWWSubdomain"] is True

    pending = domain_status(apprunner, arn, "example.com", "pending_certificate_dns_validation")
    records = pending["CertificateValidationRecords"]
    assert len(records) == 3  # the domain, www.<domain>, and App Runner's own name under the domain
    assert re.fullmatch(_RECORD_NAME.replace("{}", r"example\.com"), records[0]["Name"])
    assert re.fullmatch(_RECORD_NAME.replace("{}", r"www\.example\.com"), records[1]["Name"])
    assert re.fullmatch(_RECORD_NAME.replace("{}", r"[a-z0-9]+\.example\.com"), records[2]["Name"])
    for record in records:
        assert record["Type"] == "CNAME"
        assert record["Status"] == "PENDING_VALIDATION"
        assert _RECORD_VALUE.fullmatch(record["Value"])
    settle()  # stays pending until validation
    assert domains(apprunner, arn)["example.com"]["Status"] == "pending_certificate_dns_validation"

    validated = server.post_admin("apprunner/validate-custom-domain", {"ServiceArn": arn, "DomainName": "example.com"})
    assert validated["CustomDomain"]["Status"] == "active"
    active = domains(apprunner, arn)["example.com"]
    assert active["Status"] == "active"
    assert [r["Status"] for r in active["CertificateValidationRecords"]] == ["SUCCESS"] * 3
    assert [r["Name"] for r in active["CertificateValidationRecords"]] == [r["Name"] for r in records]

    removed = apprunner.disassociate_custom_domain(ServiceArn=arn, DomainName="example.com")
    assert removed["CustomDomain"]["Status"] == "deleting"
    assert removed["DNSTarget"] == service["ServiceUrl"]
    with pytest.raises(ClientError) as err:
        apprunner.disassociate_custom_domain(ServiceArn=arn, DomainName="example.com")
    assert error(err)[0] == "InvalidStateException"
    wait_for(lambda: "example.com" not in domains(apprunner, arn))
    with pytest.raises(ClientError) as err:
        apprunner.disassociate_custom_domain(ServiceArn=arn, DomainName="example.com")
    assert error(err)[0] == "ResourceNotFoundException"
    # Once gone, the domain can be associated again.
    again = apprunner.associate_custom_domain(ServiceArn=arn, DomainName="example.com", EnableWWWSubdomain=False)
    assert again["CustomDomain"]["Status"] == "creating"


def test_without_www_subdomain(apprunner):
    arn = running_service(apprunner)["ServiceArn"]
    apprunner.associate_custom_domain(ServiceArn=arn, DomainName="app.example.org", EnableWWWSubdomain=False)
    pending = domain_status(apprunner, arn, "app.example.org", "pending_certificate_dns_validation")
    assert pending["EnableWWWSubdomain"] is False
    names = [r["Name"] for r in pending["CertificateValidationRecords"]]
    assert len(names) == 2
    assert not any(".www." in name for name in names)


def test_duplicate_and_unknown_domains(apprunner, account, server):
    arn = running_service(apprunner)["ServiceArn"]
    apprunner.associate_custom_domain(ServiceArn=arn, DomainName="example.com")
    with pytest.raises(ClientError) as err:
        apprunner.associate_custom_domain(ServiceArn=arn, DomainName="example.com")
    code, message = error(err)
    assert code == "InvalidRequestException"
    assert "already associated" in message
    with pytest.raises(ClientError) as err:
        apprunner.disassociate_custom_domain(ServiceArn=arn, DomainName="other.example.com")
    assert error(err)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as err:
        apprunner.associate_custom_domain(ServiceArn=arn, DomainName="bad_domain!")
    assert error(err)[0] == "InvalidRequestException"
    unknown = f"arn:aws:apprunner:us-east-1:{account}:service/nope/0123456789abcdef0123456789abcdef"
    for call in (apprunner.describe_custom_domains,
                 lambda **kw: apprunner.associate_custom_domain(DomainName="example.com", **kw),
                 lambda **kw: apprunner.disassociate_custom_domain(DomainName="example.com", **kw)):
        with pytest.raises(ClientError) as err:
            call(ServiceArn=unknown)
        assert error(err)[0] == "ResourceNotFoundException"
    with pytest.raises(urllib.error.HTTPError) as http_err:
        server.post_admin("apprunner/validate-custom-domain", {"ServiceArn": arn, "DomainName": "nope.example.com"})
    assert http_err.value.code == 400


def test_service_must_be_running(apprunner):
    created = apprunner.create_service(ServiceName="busy-svc", SourceConfiguration={
        "AutoDeploymentsEnabled": False, "ImageRepository": IMAGE})["Service"]
    with pytest.raises(ClientError) as err:
        apprunner.associate_custom_domain(ServiceArn=created["ServiceArn"], DomainName="example.com")
    code, message = error(err)
    assert code == "InvalidStateException"
    assert "OPERATION_IN_PROGRESS" in message

    arn = running_service(apprunner)["ServiceArn"]
    apprunner.associate_custom_domain(ServiceArn=arn, DomainName="example.com")
    apprunner.pause_service(ServiceArn=arn)
    settle()
    for call in (apprunner.associate_custom_domain, apprunner.disassociate_custom_domain):
        with pytest.raises(ClientError) as err:
            call(ServiceArn=arn, DomainName="example.com")
        code, message = error(err)
        assert code == "InvalidStateException"
        assert "PAUSED" in message
    assert list(domains(apprunner, arn)) == ["example.com"]  # describing is still allowed


def test_pages_and_quota(apprunner):
    arn = running_service(apprunner)["ServiceArn"]
    names = [f"d{i}.example.com" for i in range(5)]
    for name in names:
        apprunner.associate_custom_domain(ServiceArn=arn, DomainName=name)
    with pytest.raises(ClientError) as err:
        apprunner.associate_custom_domain(ServiceArn=arn, DomainName="d5.example.com")
    assert error(err)[0] == "InvalidRequestException"

    seen, token, pages = [], None, 0
    while True:
        paging = {"NextToken": token} if token else {}
        page = apprunner.describe_custom_domains(ServiceArn=arn, MaxResults=2, **paging)
        pages += 1
        assert page["DNSTarget"]
        seen += [d["DomainName"] for d in page["CustomDomains"]]
        token = page.get("NextToken")
        if not token:
            break
    assert (pages, seen) == (3, names)
    with pytest.raises(ClientError) as err:
        apprunner.describe_custom_domains(ServiceArn=arn, MaxResults=6)
    assert error(err)[0] == "InvalidRequestException"


def test_private_service_dns_targets(apprunner, ec2):
    service = running_service(apprunner, NetworkConfiguration={"IngressConfiguration": {}})
    assert "ServiceUrl" not in service
    arn = service["ServiceArn"]
    described = apprunner.describe_custom_domains(ServiceArn=arn)
    # Terraform reads DNSTarget when ServiceUrl is absent.
    assert re.fullmatch(r"[a-z0-9]{10}\.us-east-1\.awsapprunner\.com", described["DNSTarget"])
    assert described["CustomDomains"] == []
    assert described["VpcDNSTargets"] == []

    network = make_network(ec2, zones=1)
    config = {"VpcId": network.vpc_id, "VpcEndpointId": make_requests_endpoint(ec2, network)}
    connection = apprunner.create_vpc_ingress_connection(
        ServiceArn=arn, VpcIngressConnectionName="ingress-conn", IngressVpcConfiguration=config,
    )["VpcIngressConnection"]
    targets = apprunner.describe_custom_domains(ServiceArn=arn)["VpcDNSTargets"]
    assert targets == [{"VpcIngressConnectionArn": connection["VpcIngressConnectionArn"],
                        "VpcId": network.vpc_id, "DomainName": connection["DomainName"]}]


def test_deleting_the_service_removes_its_domains(apprunner):
    arn = running_service(apprunner)["ServiceArn"]
    apprunner.associate_custom_domain(ServiceArn=arn, DomainName="example.com")
    apprunner.delete_service(ServiceArn=arn)
    assert apprunner.describe_custom_domains(ServiceArn=arn)["CustomDomains"] == []
    settle()
    assert apprunner.describe_service(ServiceArn=arn)["Service"]["Status"] == "DELETED"
    with pytest.raises(ClientError) as err:
        apprunner.describe_custom_domains(ServiceArn=arn)
    assert error(err)[0] == "ResourceNotFoundException"
