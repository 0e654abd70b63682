import re

import pytest
from botocore.exceptions import ClientError

from tests.conftest import settle, wait_for
from tests.e2e.ec2_fixtures import make_network, make_requests_endpoint

IMAGE = {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest", "ImageRepositoryType": "ECR_PUBLIC",
         "ImageConfiguration": {"Port": "80"}}
PRIVATE_IMAGE = {"ImageIdentifier": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1",
                 "ImageRepositoryType": "ECR"}
ROLE = "arn:aws:iam::123456789012:role/apprunner-ecr-access"
INSTANCE_ROLE = "arn:aws:iam::123456789012:role/apprunner-instance"


def create(apprunner, name="web-app", source=None, **kwargs):
    source = source or {"AutoDeploymentsEnabled": False, "ImageRepository": IMAGE}
    return apprunner.create_service(ServiceName=name, SourceConfiguration=source, **kwargs)


def running(apprunner, name="web-app", **kwargs) -> dict:
    arn = create(apprunner, name, **kwargs)["Service"]["ServiceArn"]
    return wait_status(apprunner, arn, "RUNNING")


def wait_status(apprunner, arn, status) -> dict:
    def check():
        service = apprunner.describe_service(ServiceArn=arn)["Service"]
        return service if service["Status"] == status else None
    return wait_for(check)


def error(excinfo) -> tuple[str, str]:
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_create_returns_defaults_then_runs(apprunner, account):
    response = create(apprunner, Tags=[{"Key": "team", "Value": "web"}])
    service = response["Service"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", response["OperationId"])
    assert re.fullmatch(r"[0-9a-f]{32}", service["ServiceId"])
    assert service["ServiceArn"] == f"arn:aws:apprunner:us-east-1:{account}:service/web-app/{service['ServiceId']}"
    assert re.fullmatch(r"[a-z0-9]{10}\.us-east-1\.awsapprunner\.com", service["ServiceUrl"])
    assert service["Status"] == "OPERATION_IN_PROGRESS"
    assert service["SourceConfiguration"] == {"AutoDeploymentsEnabled": False, "ImageRepository": IMAGE}
    assert service["InstanceConfiguration"] == {"Cpu": "1024", "Memory": "2048"}
    assert service["HealthCheckConfiguration"] == {"Protocol": "TCP", "Path": "/", "Interval": 5, "Timeout": 2,
                                                   "HealthyThreshold": 1, "UnhealthyThreshold": 5}
    assert service["NetworkConfiguration"] == {"EgressConfiguration": {"EgressType": "DEFAULT"},
                                               "IngressConfiguration": {"IsPubliclyAccessible": True},
                                               "IpAddressType": "IPV4"}
    summary = service["AutoScalingConfigurationSummary"]
    assert summary["AutoScalingConfigurationArn"] == (
        f"arn:aws:apprunner:us-east-1:{account}:autoscalingconfiguration/DefaultConfiguration/1/"
        "00000000000000000000000000000001")
    assert summary["IsDefault"] is True
    for absent in ("ObservabilityConfiguration", "EncryptionConfiguration", "DeletedAt"):
        assert absent not in service
    assert "AuthenticationConfiguration" not in service["SourceConfiguration"]

    described = wait_status(apprunner, service["ServiceArn"], "RUNNING")
    assert described["ServiceUrl"] == service["ServiceUrl"]
    assert apprunner.list_tags_for_resource(ResourceArn=service["ServiceArn"])["Tags"] == [
        {"Key": "team", "Value": "web"}]


def test_cpu_and_memory_are_normalized(apprunner):
    small = create(apprunner, "small-one", InstanceConfiguration={"Cpu": "0.25 vCPU", "Memory": "0.5 GB"})
    assert small["Service"]["InstanceConfiguration"] == {"Cpu": "256", "Memory": "512"}
    big = create(apprunner, "big-one", InstanceConfiguration={"Cpu": "4 vCPU", "Memory": "12 GB",
                                                              "InstanceRoleArn": INSTANCE_ROLE})
    assert big["Service"]["InstanceConfiguration"] == {"Cpu": "4096", "Memory": "12288",
                                                       "InstanceRoleArn": INSTANCE_ROLE}
    mixed = create(apprunner, "mixed-one", InstanceConfiguration={"Cpu": "2048", "Memory": "6 GB"})
    assert mixed["Service"]["InstanceConfiguration"] == {"Cpu": "2048", "Memory": "6144"}


@pytest.mark.parametrize("instance, fragment", [
    ({"Cpu": "256", "Memory": "4096"}, "isn't supported"),  # a valid Cpu and Memory, not offered together
    ({"Cpu": "4 vCPU"}, "isn't supported"),  # 4 vCPU with the default 2 GB
    ({"Cpu": "3 vCPU"}, "at 'instanceConfiguration.cpu' failed to satisfy constraint"),
    ({"Memory": "5 GB"}, "at 'instanceConfiguration.memory' failed to satisfy constraint"),
])
def test_invalid_instance_configuration(apprunner, instance, fragment):
    with pytest.raises(ClientError) as err:
        create(apprunner, InstanceConfiguration=instance)
    code, message = error(err)
    assert code == "InvalidRequestException"
    assert fragment in message


@pytest.mark.parametrize("name", ["bad name!", "-starts-with-dash", "x" * 41])
def test_invalid_service_names(apprunner, name):
    with pytest.raises(ClientError) as err:
        create(apprunner, name)
    code, message = error(err)
    assert code == "InvalidRequestException"
    assert "serviceName" in message


def test_reserved_tag_key(apprunner):
    with pytest.raises(ClientError) as err:
        create(apprunner, Tags=[{"Key": "aws:owner", "Value": "me"}])
    assert error(err)[0] == "InvalidRequestException"
    assert apprunner.list_services()["ServiceSummaryList"] == []


@pytest.mark.parametrize("source, fragment", [
    ({"ImageRepository": IMAGE, "CodeRepository": {"RepositoryUrl": "https://github.com/a/b",
                                                   "SourceCodeVersion": {"Type": "BRANCH", "Value": "main"}}},
     "not both"),
    ({"AutoDeploymentsEnabled": False}, "either ImageRepository or CodeRepository"),
    ({"ImageRepository": PRIVATE_IMAGE}, "AccessRoleArn"),
    ({"ImageRepository": IMAGE, "AutoDeploymentsEnabled": True},
     "App Runner doesn't support automatic deployments for an image in an ECR Public repository."),
    ({"ImageRepository": {**IMAGE, "ImageRepositoryType": "ECR"}, "AuthenticationConfiguration": {
        "AccessRoleArn": ROLE}}, "isn't an Amazon ECR private image"),
    ({"ImageRepository": {**PRIVATE_IMAGE, "ImageRepositoryType": "ECR_PUBLIC"}}, "isn't an Amazon ECR Public image"),
])
def test_invalid_source_configuration(apprunner, source, fragment):
    with pytest.raises(ClientError) as err:
        create(apprunner, source=source)
    code, message = error(err)
    assert code == "InvalidRequestException"
    assert fragment in message


def test_auto_deployments_default_by_repository_type(apprunner):
    public = create(apprunner, "public-img", source={"ImageRepository": IMAGE})["Service"]
    assert public["SourceConfiguration"]["AutoDeploymentsEnabled"] is False
    private = create(apprunner, "private-img", source={
        "ImageRepository": PRIVATE_IMAGE, "AuthenticationConfiguration": {"AccessRoleArn": ROLE}})["Service"]
    assert private["SourceConfiguration"] == {"ImageRepository": PRIVATE_IMAGE, "AutoDeploymentsEnabled": True,
                                              "AuthenticationConfiguration": {"AccessRoleArn": ROLE}}
    sent_false = create(apprunner, "private-off", source={
        "ImageRepository": PRIVATE_IMAGE, "AutoDeploymentsEnabled": False,
        "AuthenticationConfiguration": {"AccessRoleArn": ROLE}})["Service"]
    assert sent_false["SourceConfiguration"]["AutoDeploymentsEnabled"] is False


def test_code_repository_needs_an_available_connection(apprunner, server):
    code = {"RepositoryUrl": "https://github.com/example/app",
            "SourceCodeVersion": {"Type": "BRANCH", "Value": "main"},
            "CodeConfiguration": {"ConfigurationSource": "API", "CodeConfigurationValues": {
                "Runtime": "PYTHON_311", "BuildCommand": "pip install -r requirements.txt",
                "StartCommand": "python app.py", "Port": "8080"}}}
    with pytest.raises(ClientError) as err:
        create(apprunner, source={"CodeRepository": code})
    assert "ConnectionArn" in error(err)[1]
    connection = apprunner.create_connection(ConnectionName="gh-conn", ProviderType="GITHUB")["Connection"]
    auth = {"ConnectionArn": connection["ConnectionArn"]}
    with pytest.raises(ClientError) as err:
        create(apprunner, source={"CodeRepository": code, "AuthenticationConfiguration": auth})
    assert "PENDING_HANDSHAKE" in error(err)[1]
    server.post_admin("apprunner/complete-connection-handshake", auth)
    without_config = {k: v for k, v in code.items() if k != "CodeConfiguration"}
    with pytest.raises(ClientError) as err:
        create(apprunner, source={"CodeRepository": without_config, "AuthenticationConfiguration": auth})
    assert "CodeConfiguration is required" in error(err)[1]

    service = create(apprunner, source={"CodeRepository": code, "AuthenticationConfiguration": auth})["Service"]
    assert service["SourceConfiguration"] == {"CodeRepository": code, "AuthenticationConfiguration": auth,
                                              "AutoDeploymentsEnabled": True}
    with pytest.raises(ClientError) as err:  # the connection is in use
        apprunner.delete_connection(ConnectionArn=connection["ConnectionArn"])
    assert error(err)[0] == "InvalidRequestException"

    # Only the repository is resent on update: the CodeConfiguration given at create time stays.
    wait_status(apprunner, service["ServiceArn"], "RUNNING")
    branch = {"RepositoryUrl": code["RepositoryUrl"], "SourceCodeVersion": {"Type": "BRANCH", "Value": "release"}}
    updated = apprunner.update_service(ServiceArn=service["ServiceArn"],
                                       SourceConfiguration={"CodeRepository": branch})["Service"]
    assert updated["SourceConfiguration"]["CodeRepository"] == {**code, **branch}
    wait_status(apprunner, service["ServiceArn"], "RUNNING")
    with pytest.raises(ClientError) as err:
        apprunner.update_service(ServiceArn=service["ServiceArn"], SourceConfiguration={"ImageRepository": IMAGE})
    assert error(err)[0] == "InvalidRequestException"
    assert "switch" in error(err)[1]


def test_name_is_unique_among_live_services(apprunner):
    first = running(apprunner, "same-name")
    with pytest.raises(ClientError) as err:
        create(apprunner, "same-name")
    assert error(err) == ("InvalidRequestException", "Service with the provided name already exists: same-name")
    apprunner.delete_service(ServiceArn=first["ServiceArn"])
    with pytest.raises(ClientError):  # still being deleted: the name is taken
        create(apprunner, "same-name")
    wait_status(apprunner, first["ServiceArn"], "DELETED")
    second = create(apprunner, "same-name")["Service"]
    assert second["ServiceArn"] != first["ServiceArn"]


def test_service_quota(apprunner):
    for index in range(30):
        create(apprunner, f"svc-{index:02d}")
    with pytest.raises(ClientError) as err:
        create(apprunner, "svc-30")
    assert error(err)[0] == "ServiceQuotaExceededException"
    assert len(apprunner.list_services()["ServiceSummaryList"]) == 30


def test_private_service_has_no_url(apprunner):
    # Terraform sends {} for is_publicly_accessible = false: the Go SDK omits a false boolean.
    private = create(apprunner, "private-svc", NetworkConfiguration={"IngressConfiguration": {}})["Service"]
    assert "ServiceUrl" not in private
    assert private["NetworkConfiguration"]["IngressConfiguration"] == {"IsPubliclyAccessible": False}
    explicit = create(apprunner, "private-two", NetworkConfiguration={
        "IngressConfiguration": {"IsPubliclyAccessible": False}, "IpAddressType": "DUAL_STACK"})["Service"]
    assert "ServiceUrl" not in explicit
    assert explicit["NetworkConfiguration"]["IpAddressType"] == "DUAL_STACK"
    assert explicit["NetworkConfiguration"]["EgressConfiguration"] == {"EgressType": "DEFAULT"}
    described = wait_status(apprunner, private["ServiceArn"], "RUNNING")
    assert "ServiceUrl" not in described
    summaries = apprunner.list_services()["ServiceSummaryList"]
    assert all("ServiceUrl" not in s for s in summaries)


@pytest.mark.parametrize("network, fragment", [
    ({"EgressConfiguration": {"EgressType": "VPC"}}, "requires a VpcConnectorArn"),
    ({"EgressConfiguration": {"EgressType": "DEFAULT", "VpcConnectorArn":
        "arn:aws:apprunner:us-east-1:123456789012:vpcconnector/conn/1/0123456789abcdef0123456789abcdef"}},
     "only valid when EgressType is VPC"),
])
def test_invalid_egress(apprunner, network, fragment):
    with pytest.raises(ClientError) as err:
        create(apprunner, NetworkConfiguration=network)
    code, message = error(err)
    assert code == "InvalidRequestException"
    assert fragment in message


def test_observability_needs_a_configuration_when_enabled(apprunner):
    with pytest.raises(ClientError) as err:
        create(apprunner, ObservabilityConfiguration={"ObservabilityEnabled": True})
    assert error(err)[0] == "InvalidRequestException"
    disabled = create(apprunner, ObservabilityConfiguration={"ObservabilityEnabled": False})["Service"]
    assert disabled["ObservabilityConfiguration"] == {"ObservabilityEnabled": False}


def test_custom_auto_scaling_configuration_by_partial_arn(apprunner, account):
    config = apprunner.create_auto_scaling_configuration(AutoScalingConfigurationName="high-availability",
                                                         MinSize=2, MaxSize=10)["AutoScalingConfiguration"]
    partial = f"arn:aws:apprunner:us-east-1:{account}:autoscalingconfiguration/high-availability"
    service = create(apprunner, AutoScalingConfigurationArn=partial)["Service"]
    summary = service["AutoScalingConfigurationSummary"]
    assert summary["AutoScalingConfigurationArn"] == config["AutoScalingConfigurationArn"]
    assert summary["AutoScalingConfigurationName"] == "high-availability"
    assert summary["IsDefault"] is False
    with pytest.raises(ClientError) as err:
        create(apprunner, "other-svc", AutoScalingConfigurationArn=partial + "-missing")
    assert error(err)[0] == "ResourceNotFoundException"


def test_update_merges_and_runs_again(apprunner):
    service = running(apprunner, InstanceConfiguration={"Cpu": "1 vCPU", "Memory": "2 GB",
                                                        "InstanceRoleArn": INSTANCE_ROLE})
    arn = service["ServiceArn"]
    response = apprunner.update_service(ServiceArn=arn, HealthCheckConfiguration={"Protocol": "HTTP",
                                                                                  "Path": "/health"})
    updated = response["Service"]
    assert updated["Status"] == "OPERATION_IN_PROGRESS"
    assert updated["HealthCheckConfiguration"] == {"Protocol": "HTTP", "Path": "/health", "Interval": 5,
                                                   "Timeout": 2, "HealthyThreshold": 1, "UnhealthyThreshold": 5}
    assert updated["InstanceConfiguration"] == {"Cpu": "1024", "Memory": "2048", "InstanceRoleArn": INSTANCE_ROLE}
    assert updated["SourceConfiguration"] == service["SourceConfiguration"]
    assert updated["UpdatedAt"] > service["UpdatedAt"]
    with pytest.raises(ClientError) as err:
        apprunner.update_service(ServiceArn=arn, InstanceConfiguration={"Cpu": "2 vCPU", "Memory": "4 GB"})
    code, message = error(err)
    assert code == "InvalidStateException"
    assert "OPERATION_IN_PROGRESS" in message

    wait_status(apprunner, arn, "RUNNING")
    resized = apprunner.update_service(ServiceArn=arn, InstanceConfiguration={"Cpu": "2 vCPU", "Memory": "4 GB"})
    assert resized["Service"]["InstanceConfiguration"] == {"Cpu": "2048", "Memory": "4096",
                                                           "InstanceRoleArn": INSTANCE_ROLE}
    assert resized["Service"]["HealthCheckConfiguration"]["Protocol"] == "HTTP"
    final = wait_status(apprunner, arn, "RUNNING")
    assert final["InstanceConfiguration"]["Cpu"] == "2048"
    types = [op["Type"] for op in apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"]]
    assert types == ["UPDATE_SERVICE", "UPDATE_SERVICE", "CREATE_SERVICE"]


def test_update_network_to_private_and_back(apprunner):
    service = running(apprunner)
    arn = service["ServiceArn"]
    private = apprunner.update_service(ServiceArn=arn, NetworkConfiguration={"IngressConfiguration": {}})["Service"]
    assert "ServiceUrl" not in private
    assert private["NetworkConfiguration"]["EgressConfiguration"] == {"EgressType": "DEFAULT"}
    wait_status(apprunner, arn, "RUNNING")
    public = apprunner.update_service(ServiceArn=arn, NetworkConfiguration={
        "IngressConfiguration": {"IsPubliclyAccessible": True}})["Service"]
    assert public["ServiceUrl"] == service["ServiceUrl"]


def test_pause_and_resume(apprunner):
    arn = running(apprunner)["ServiceArn"]
    with pytest.raises(ClientError) as err:
        apprunner.resume_service(ServiceArn=arn)
    code, message = error(err)
    assert code == "InvalidStateException"
    assert "RUNNING" in message

    paused = apprunner.pause_service(ServiceArn=arn)
    assert paused["Service"]["Status"] == "OPERATION_IN_PROGRESS"
    assert paused["OperationId"]
    wait_status(apprunner, arn, "PAUSED")
    for call in (lambda: apprunner.pause_service(ServiceArn=arn),
                 lambda: apprunner.update_service(ServiceArn=arn, HealthCheckConfiguration={"Interval": 10}),
                 lambda: apprunner.start_deployment(ServiceArn=arn)):
        with pytest.raises(ClientError) as err:
            call()
        code, message = error(err)
        assert code == "InvalidStateException"
        assert "PAUSED" in message
    assert apprunner.list_services()["ServiceSummaryList"][0]["Status"] == "PAUSED"

    resumed = apprunner.resume_service(ServiceArn=arn)
    assert resumed["Service"]["Status"] == "OPERATION_IN_PROGRESS"
    wait_status(apprunner, arn, "RUNNING")


def test_start_deployment_and_list_operations(apprunner):
    arn = create(apprunner)["Service"]["ServiceArn"]
    ops = apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"]
    assert len(ops) == 1
    assert ops[0]["Type"] == "CREATE_SERVICE"
    assert ops[0]["Status"] in ("PENDING", "IN_PROGRESS")
    assert "EndedAt" not in ops[0]
    with pytest.raises(ClientError) as err:
        apprunner.start_deployment(ServiceArn=arn)
    assert error(err)[0] == "InvalidStateException"

    wait_status(apprunner, arn, "RUNNING")
    deployment = apprunner.start_deployment(ServiceArn=arn)["OperationId"]
    assert apprunner.describe_service(ServiceArn=arn)["Service"]["Status"] == "OPERATION_IN_PROGRESS"
    ops = apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"]
    assert [(op["Id"], op["Type"]) for op in ops][0] == (deployment, "START_DEPLOYMENT")
    assert ops[0]["Status"] in ("PENDING", "IN_PROGRESS")
    assert ops[1]["Status"] == "SUCCEEDED"
    assert ops[1]["EndedAt"] >= ops[1]["StartedAt"]
    assert all(op["TargetArn"] == arn for op in ops)

    wait_status(apprunner, arn, "RUNNING")
    apprunner.pause_service(ServiceArn=arn)
    settle()
    apprunner.resume_service(ServiceArn=arn)
    settle()
    all_ops = apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"]
    assert [op["Type"] for op in all_ops] == ["RESUME_SERVICE", "PAUSE_SERVICE", "START_DEPLOYMENT",
                                              "CREATE_SERVICE"]
    assert {op["Status"] for op in all_ops} == {"SUCCEEDED"}

    first = apprunner.list_operations(ServiceArn=arn, MaxResults=3)
    assert [op["Id"] for op in first["OperationSummaryList"]] == [op["Id"] for op in all_ops[:3]]
    second = apprunner.list_operations(ServiceArn=arn, MaxResults=3, NextToken=first["NextToken"])
    assert [op["Id"] for op in second["OperationSummaryList"]] == [all_ops[3]["Id"]]
    assert "NextToken" not in second
    with pytest.raises(ClientError) as err:
        apprunner.list_operations(ServiceArn=arn, MaxResults=21)
    assert error(err)[0] == "InvalidRequestException"


def test_operation_status_progresses(apprunner):
    # PENDING lasts only the first tenth of the 0.3 s lifecycle, so it may or may not be seen.
    arn = create(apprunner)["Service"]["ServiceArn"]
    statuses = set()

    def seen_success():
        status = apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"][0]["Status"]
        statuses.add(status)
        return status == "SUCCEEDED"
    wait_for(seen_success, interval=0.005)
    assert "IN_PROGRESS" in statuses and "SUCCEEDED" in statuses
    assert statuses <= {"PENDING", "IN_PROGRESS", "SUCCEEDED"}


def test_delete_service(apprunner):
    service = create(apprunner)["Service"]
    arn = service["ServiceArn"]
    with pytest.raises(ClientError) as err:
        apprunner.delete_service(ServiceArn=arn)
    code, message = error(err)
    assert code == "InvalidStateException"
    assert "OPERATION_IN_PROGRESS" in message

    wait_status(apprunner, arn, "RUNNING")
    deleting = apprunner.delete_service(ServiceArn=arn)
    assert deleting["Service"]["Status"] == "OPERATION_IN_PROGRESS"
    assert deleting["OperationId"]
    assert [s["ServiceArn"] for s in apprunner.list_services()["ServiceSummaryList"]] == [arn]

    deleted = wait_status(apprunner, arn, "DELETED")  # still describable: Terraform reads DELETED as gone
    assert deleted["DeletedAt"] >= deleted["CreatedAt"]
    assert apprunner.list_services()["ServiceSummaryList"] == []
    assert apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"][0]["Type"] == "DELETE_SERVICE"
    for call in (lambda: apprunner.delete_service(ServiceArn=arn),
                 lambda: apprunner.update_service(ServiceArn=arn, HealthCheckConfiguration={"Interval": 10})):
        with pytest.raises(ClientError) as err:
            call()
        assert error(err)[0] == "ResourceNotFoundException"


def test_delete_paused_service(apprunner):
    arn = running(apprunner)["ServiceArn"]
    apprunner.pause_service(ServiceArn=arn)
    wait_status(apprunner, arn, "PAUSED")
    apprunner.delete_service(ServiceArn=arn)
    wait_status(apprunner, arn, "DELETED")


def test_unknown_service(apprunner, account):
    arn = f"arn:aws:apprunner:us-east-1:{account}:service/nope/0123456789abcdef0123456789abcdef"
    calls = [apprunner.describe_service, apprunner.delete_service, apprunner.pause_service,
             apprunner.resume_service, apprunner.start_deployment, apprunner.list_operations,
             apprunner.update_service]
    for call in calls:
        with pytest.raises(ClientError) as err:
            call(ServiceArn=arn)
        assert error(err)[0] == "ResourceNotFoundException", call
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_list_services_pages(apprunner):
    names = [f"page-svc-{i}" for i in range(5)]
    for name in names:
        create(apprunner, name)
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = apprunner.list_services(MaxResults=2, **kwargs)
        pages += 1
        seen += [s["ServiceName"] for s in page["ServiceSummaryList"]]
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3
    assert seen == names
    summary = apprunner.list_services()["ServiceSummaryList"][0]
    assert set(summary) == {"ServiceName", "ServiceId", "ServiceArn", "ServiceUrl", "CreatedAt", "UpdatedAt",
                            "Status"}
    with pytest.raises(ClientError) as err:
        apprunner.list_services(MaxResults=21)
    code, message = error(err)
    assert code == "InvalidRequestException"
    assert "maxResults" in message
    with pytest.raises(ClientError) as err:
        apprunner.list_services(NextToken="not-a-token")
    assert error(err)[0] == "InvalidRequestException"


def test_vpc_egress_through_a_connector(apprunner, ec2, account):
    network = make_network(ec2, zones=1)
    connector = apprunner.create_vpc_connector(VpcConnectorName="egress-conn", Subnets=network.subnet_ids,
                                               SecurityGroups=[network.group_id])["VpcConnector"]
    egress = {"EgressType": "VPC", "VpcConnectorArn": connector["VpcConnectorArn"]}
    service = create(apprunner, NetworkConfiguration={"EgressConfiguration": egress})["Service"]
    assert service["NetworkConfiguration"]["EgressConfiguration"] == egress
    assert service["NetworkConfiguration"]["IngressConfiguration"] == {"IsPubliclyAccessible": True}
    missing = f"arn:aws:apprunner:us-east-1:{account}:vpcconnector/other/1/0123456789abcdef0123456789abcdef"
    with pytest.raises(ClientError) as err:
        create(apprunner, "other-svc", NetworkConfiguration={"EgressConfiguration": {
            "EgressType": "VPC", "VpcConnectorArn": missing}})
    assert error(err)[0] == "ResourceNotFoundException"

    # Switching back to DEFAULT egress drops the connector.
    wait_status(apprunner, service["ServiceArn"], "RUNNING")
    updated = apprunner.update_service(ServiceArn=service["ServiceArn"], NetworkConfiguration={
        "EgressConfiguration": {"EgressType": "DEFAULT"}})["Service"]
    assert updated["NetworkConfiguration"]["EgressConfiguration"] == {"EgressType": "DEFAULT"}


def test_observability_enabled_with_a_partial_arn(apprunner, account):
    config = apprunner.create_observability_configuration(
        ObservabilityConfigurationName="xray-tracing",
        TraceConfiguration={"Vendor": "AWSXRAY"})["ObservabilityConfiguration"]
    partial = f"arn:aws:apprunner:us-east-1:{account}:observabilityconfiguration/xray-tracing"
    service = create(apprunner, ObservabilityConfiguration={"ObservabilityEnabled": True,
                                                            "ObservabilityConfigurationArn": partial})["Service"]
    assert service["ObservabilityConfiguration"] == {
        "ObservabilityEnabled": True, "ObservabilityConfigurationArn": config["ObservabilityConfigurationArn"]}


def test_delete_blocked_by_an_ingress_connection(apprunner, ec2):
    service = running(apprunner, NetworkConfiguration={"IngressConfiguration": {"IsPubliclyAccessible": False}})
    network = make_network(ec2, zones=1)
    config = {"VpcId": network.vpc_id, "VpcEndpointId": make_requests_endpoint(ec2, network)}
    connection = apprunner.create_vpc_ingress_connection(
        ServiceArn=service["ServiceArn"], VpcIngressConnectionName="ingress-conn", IngressVpcConfiguration=config,
    )["VpcIngressConnection"]
    with pytest.raises(ClientError) as err:
        apprunner.delete_service(ServiceArn=service["ServiceArn"])
    code, message = error(err)
    assert code == "InvalidStateException"
    assert "VPC ingress connection" in message
    settle()
    apprunner.delete_vpc_ingress_connection(VpcIngressConnectionArn=connection["VpcIngressConnectionArn"])
    settle()
    apprunner.delete_service(ServiceArn=service["ServiceArn"])
    wait_status(apprunner, service["ServiceArn"], "DELETED")
