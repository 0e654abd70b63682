"""The edge's read cache is invisible: through boto3 against real servers, reads polled in a tight loop never show a
status the clock or a write has already moved past, and several processes sharing one state directory agree."""

from __future__ import annotations

import time

import pytest

from tests.server import RunningServer

IMAGE = {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest", "ImageRepositoryType": "ECR_PUBLIC"}
SOURCE = {"AutoDeploymentsEnabled": False, "ImageRepository": IMAGE}
DELAY = 0.3  # tests/conftest.py's LIFECYCLE_DELAY: the shared server's
POLLS = 2000  # bounds every polling loop (a poll takes about a millisecond)


def poll(call, until: float) -> list[tuple[float, float, dict]]:
    """(sent at, answered at, answer) of `call()` repeated until the clock passes `until`."""
    answers = []
    for _ in range(POLLS):
        sent = time.time()
        answer = call()
        answers.append((sent, time.time(), answer))
        if sent > until:
            break
    return answers


def test_describe_service_flips_to_running_exactly_when_the_delay_passes(apprunner):
    created = apprunner.create_service(ServiceName="polled", SourceConfiguration=SOURCE)["Service"]
    arn = created["ServiceArn"]
    ready_at = created["CreatedAt"].timestamp() + DELAY
    answers = poll(lambda: apprunner.describe_service(ServiceArn=arn)["Service"]["Status"], ready_at + 0.05)
    assert len(answers) > 20  # many reads of an unchanged service: the cache answers most of them
    for sent, answered, status in answers:
        if answered < ready_at:
            assert status == "OPERATION_IN_PROGRESS", (sent - ready_at, status)
        if sent >= ready_at:
            assert status == "RUNNING", (sent - ready_at, status)
    assert answers[-1][2] == "RUNNING"


def test_list_operations_statuses_still_progress(apprunner):
    arn = apprunner.create_service(ServiceName="operations", SourceConfiguration=SOURCE)["Service"]["ServiceArn"]
    first = apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"][0]
    started = first["StartedAt"].timestamp()
    in_progress_at, done_at = started + DELAY * 0.1, started + DELAY
    answers = poll(lambda: apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"][0]["Status"],
                   done_at + 0.05)
    for sent, answered, status in answers:
        if answered < in_progress_at:
            assert status == "PENDING", (sent - started, status)
        elif sent >= done_at:
            assert status == "SUCCEEDED", (sent - started, status)
        elif sent >= in_progress_at and answered < done_at:
            assert status == "IN_PROGRESS", (sent - started, status)
    seen = [status for _, _, status in answers]
    assert seen == sorted(seen, key=["PENDING", "IN_PROGRESS", "SUCCEEDED"].index)
    assert {"IN_PROGRESS", "SUCCEEDED"} <= set(seen)


def _running(client, name: str) -> str:
    arn = client.create_service(ServiceName=name, SourceConfiguration=SOURCE)["Service"]["ServiceArn"]
    for _ in range(POLLS):
        if client.describe_service(ServiceArn=arn)["Service"]["Status"] == "RUNNING":
            return arn
        time.sleep(0.01)
    raise AssertionError("the service never became RUNNING")


def test_a_write_is_seen_by_the_next_read(apprunner):
    arn = _running(apprunner, "written")
    for _ in range(3):  # warm the cache with the answers before the writes
        assert apprunner.list_tags_for_resource(ResourceArn=arn)["Tags"] == []
        assert apprunner.describe_service(ServiceArn=arn)["Service"]["Status"] == "RUNNING"
        apprunner.list_services()

    apprunner.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "web"}])
    assert apprunner.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "web"}]

    apprunner.update_service(ServiceArn=arn, InstanceConfiguration={"Cpu": "2048", "Memory": "4096"})
    service = apprunner.describe_service(ServiceArn=arn)["Service"]
    assert service["Status"] == "OPERATION_IN_PROGRESS"
    assert service["InstanceConfiguration"]["Cpu"] == "2048"
    listed = apprunner.list_services()["ServiceSummaryList"]
    assert [s["Status"] for s in listed if s["ServiceArn"] == arn] == ["OPERATION_IN_PROGRESS"]

    apprunner.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert apprunner.list_tags_for_resource(ResourceArn=arn)["Tags"] == []


def test_a_read_after_a_failed_read_and_in_another_account_is_its_own(server, apprunner):
    """Errors aren't kept, and the same request body in another account gets that account's answer."""
    arn = _running(apprunner, "mine")
    other = server.client("apprunner", account="999988887777")
    for _ in range(2):
        assert [s["ServiceArn"] for s in apprunner.list_services()["ServiceSummaryList"]] == [arn]
        assert arn not in [s["ServiceArn"] for s in other.list_services()["ServiceSummaryList"]]


@pytest.mark.slow
def test_two_processes_sharing_a_state_directory_see_each_others_writes(tmp_path):
    first = RunningServer(state=tmp_path, lifecycle_delay=DELAY).start()
    second = RunningServer(state=tmp_path, lifecycle_delay=DELAY).start()
    try:
        writer, reader = first.client(account="123456789012"), second.client(account="123456789012")
        arn = _running(writer, "shared")
        for _ in range(3):  # the reader's cache now holds these answers
            assert reader.describe_service(ServiceArn=arn)["Service"]["Status"] == "RUNNING"
            assert reader.list_tags_for_resource(ResourceArn=arn)["Tags"] == []
            assert len(reader.list_services()["ServiceSummaryList"]) == 1

        writer.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])
        assert reader.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
        writer.pause_service(ServiceArn=arn)
        assert reader.describe_service(ServiceArn=arn)["Service"]["Status"] == "OPERATION_IN_PROGRESS"
        writer.create_service(ServiceName="shared-2", SourceConfiguration=SOURCE)
        assert len(reader.list_services()["ServiceSummaryList"]) == 2
    finally:
        first.stop()
        second.stop()


@pytest.mark.slow
def test_two_processes_agree_on_records_read_through_the_record_cache(tmp_path):
    """EC2 answers are never kept, but their decoded records are (store/cached.py): another process's write is
    seen by the next read all the same, and a record changed in one read never leaks into the next."""
    first = RunningServer(state=tmp_path, lifecycle_delay=0.0).start()
    second = RunningServer(state=tmp_path, lifecycle_delay=0.0).start()
    try:
        writer, reader = first.client("ec2", account="123456789012"), second.client("ec2", account="123456789012")
        vpc = writer.create_vpc(CidrBlock="10.9.0.0/24")["Vpc"]["VpcId"]
        subnet = writer.create_subnet(VpcId=vpc, CidrBlock="10.9.0.0/25")["Subnet"]["SubnetId"]
        endpoint = writer.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface", SubnetIds=[subnet],
                                              ServiceName="com.amazonaws.us-east-1.apprunner",
                                              PrivateDnsEnabled=False)["VpcEndpoint"]["VpcEndpointId"]

        def seen() -> dict:
            return reader.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]

        for _ in range(3):
            assert seen()["State"] == "available" and seen().get("Tags", []) == []
            assert [e["VpcEndpointId"] for e in reader.describe_vpc_endpoints(
                Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]] == [endpoint]
        writer.create_tags(Resources=[endpoint], Tags=[{"Key": "k", "Value": "v"}])
        assert seen()["Tags"] == [{"Key": "k", "Value": "v"}]
        writer.delete_vpc_endpoints(VpcEndpointIds=[endpoint])  # no lifecycle delay: gone at once
        with pytest.raises(reader.exceptions.ClientError, match="InvalidVpcEndpointId.NotFound"):
            seen()
        assert reader.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"] == []
    finally:
        first.stop()
        second.stop()
