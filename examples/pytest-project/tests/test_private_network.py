"""Clients inside the documentation's private network ("Using App Runner with VPC endpoints"): what an endpoint policy
lets through, and what happens without the endpoint."""

import json
import sys

import botocore.exceptions
import pytest

from runnerlink.testing import READ_ONLY_POLICY

IMAGE = {"ImageRepository": {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest",
                             "ImageRepositoryType": "ECR_PUBLIC"}}

# A program of the project's, run unchanged inside a subnet: it knows nothing of runnerlink.
LIST_SERVICES = """
import boto3
print(len(boto3.client("apprunner").list_services()["ServiceSummaryList"]))
"""


def test_the_read_only_endpoint_policy_lets_list_through_and_denies_create(runnerlink):
    network = runnerlink.private_network(endpoint_policy=READ_ONLY_POLICY)
    with runnerlink.workload(network.subnet_id) as workload:
        apprunner = workload.client("apprunner")
        assert apprunner.list_services()["ServiceSummaryList"] == []
        with pytest.raises(botocore.exceptions.ClientError) as denied:
            apprunner.create_service(ServiceName="web-app", SourceConfiguration=IMAGE)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "no VPC endpoint policy allows" in denied.value.response["Error"]["Message"]

    [listed, created] = [e for e in runnerlink.traffic() if e["service"] == "apprunner"]
    assert (listed["outcome"], listed["endpoint"], listed["status"]) == ("endpoint", network.endpoint_id, 200)
    assert listed["keys"]["aws:SourceVpce"] == network.endpoint_id and "aws:SourceIp" not in listed["keys"]
    assert (created["operation"], created["status"]) == ("CreateService", 400)


def test_a_program_run_in_the_subnet_reaches_app_runner_through_the_endpoint(runnerlink):
    network = runnerlink.private_network()
    done = runnerlink.exec(network.subnet_id, [sys.executable, "-c", LIST_SERVICES])
    assert (done.returncode, done.stdout.strip()) == (0, "0"), done.stderr
    [entry] = runnerlink.traffic(operation="ListServices")
    assert (entry["outcome"], entry["endpoint"]) == ("endpoint", network.endpoint_id)


def test_without_the_endpoint_a_public_subnet_silently_goes_over_the_internet(runnerlink):
    network = runnerlink.private_network(endpoint=False, public=True)
    with runnerlink.workload(network.subnet_id) as workload:
        assert workload.client("apprunner").list_services()["ServiceSummaryList"] == []  # no error at all …
    [entry] = runnerlink.traffic(operation="ListServices")
    assert (entry["outcome"], entry["endpoint"]) == ("internet", None)  # … but not through an endpoint
    assert entry["keys"]["aws:SourceIp"] == workload.public_ip


def test_a_private_subnet_without_the_endpoint_fails_visibly(runnerlink):
    network = runnerlink.private_network(endpoint=False)
    with runnerlink.workload(network.subnet_id) as workload:
        with pytest.raises(botocore.exceptions.ProxyConnectionError):
            workload.client("apprunner").list_services()
    refused = runnerlink.traffic(outcome="unreachable")  # each attempt of the client's, refused alike
    assert refused and all(e["hops"][-1]["step"] == "route" and not e["hops"][-1]["ok"] for e in refused)


@pytest.mark.runnerlink_keep_state
def test_state_can_be_kept_for_a_test_that_builds_on_the_last(runnerlink):
    vpcs = runnerlink.client("ec2").describe_vpcs(Filters=[{"Name": "is-default", "Values": ["false"]}])["Vpcs"]
    assert [vpc["CidrBlock"] for vpc in vpcs] == ["10.0.0.0/16"]  # the previous test's network


def test_the_network_can_be_exported_for_ci(runnerlink, tmp_path):
    runnerlink.private_network()
    document = runnerlink.export_state()
    (tmp_path / "network.json").write_text(json.dumps(document))  # `runnerlink serve --init network.json` seeds CI
    runnerlink.reset()
    runnerlink.import_state(document)
    assert len(runnerlink.client("ec2").describe_vpc_endpoints()["VpcEndpoints"]) == 1
