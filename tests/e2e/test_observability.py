import re

from tests.e2e.apprunner_helpers import IMAGE, error_of

ARN = re.compile(r"arn:aws:apprunner:us-east-1:\d{12}:observabilityconfiguration/([\w-]+)/(\d+)/[0-9a-f]{32}")


def create(apprunner, name, **params) -> dict:
    return apprunner.create_observability_configuration(ObservabilityConfigurationName=name, **params)[
        "ObservabilityConfiguration"]


def listed(apprunner, **params) -> list[dict]:
    return apprunner.list_observability_configurations(**params)["ObservabilityConfigurationSummaryList"]


def test_fresh_account_has_none(apprunner):
    assert listed(apprunner) == []


def test_create_describe_with_and_without_tracing(apprunner):
    traced = create(apprunner, "xray", TraceConfiguration={"Vendor": "AWSXRAY"}, Tags=[{"Key": "a", "Value": "b"}])
    assert ARN.fullmatch(traced["ObservabilityConfigurationArn"]).groups() == ("xray", "1")
    assert traced["Status"] == "ACTIVE"
    assert traced["TraceConfiguration"] == {"Vendor": "AWSXRAY"}
    assert traced["Latest"] is True and traced["ObservabilityConfigurationRevision"] == 1
    plain = create(apprunner, "no-tracing")
    assert "TraceConfiguration" not in plain
    described = apprunner.describe_observability_configuration(
        ObservabilityConfigurationArn=traced["ObservabilityConfigurationArn"])["ObservabilityConfiguration"]
    assert described == traced
    assert apprunner.list_tags_for_resource(ResourceArn=traced["ObservabilityConfigurationArn"])["Tags"] == [
        {"Key": "a", "Value": "b"}]
    summaries = listed(apprunner)
    assert summaries == [
        {key: config[key] for key in ("ObservabilityConfigurationArn", "ObservabilityConfigurationName",
                                      "ObservabilityConfigurationRevision")}
        for config in (traced, plain)]


def test_revisions_latest_and_partial_arns(apprunner):
    first = create(apprunner, "obs-rev")
    second = create(apprunner, "obs-rev", TraceConfiguration={"Vendor": "AWSXRAY"})
    assert second["ObservabilityConfigurationRevision"] == 2
    name_arn = first["ObservabilityConfigurationArn"].rsplit("/", 2)[0]
    describe = apprunner.describe_observability_configuration
    assert describe(ObservabilityConfigurationArn=name_arn)["ObservabilityConfiguration"][
        "ObservabilityConfigurationArn"] == second["ObservabilityConfigurationArn"]
    by_revision = describe(ObservabilityConfigurationArn=f"{name_arn}/1")["ObservabilityConfiguration"]
    assert by_revision["ObservabilityConfigurationArn"] == first["ObservabilityConfigurationArn"]
    assert by_revision["Latest"] is False
    assert [s["ObservabilityConfigurationRevision"] for s in listed(apprunner)] == [2]
    assert [s["ObservabilityConfigurationRevision"] for s in listed(apprunner, LatestOnly=False)] == [1, 2]
    assert listed(apprunner, ObservabilityConfigurationName="other") == []


def test_delete(apprunner):
    first = create(apprunner, "doomed")
    second = create(apprunner, "doomed")
    name_arn = first["ObservabilityConfigurationArn"].rsplit("/", 2)[0]
    deleted = apprunner.delete_observability_configuration(ObservabilityConfigurationArn=name_arn)[
        "ObservabilityConfiguration"]
    assert deleted["ObservabilityConfigurationArn"] == second["ObservabilityConfigurationArn"]
    assert deleted["Status"] == "INACTIVE" and deleted["DeletedAt"] >= deleted["CreatedAt"]
    described = apprunner.describe_observability_configuration(
        ObservabilityConfigurationArn=second["ObservabilityConfigurationArn"])["ObservabilityConfiguration"]
    assert described["Status"] == "INACTIVE"  # Terraform reads this as gone
    assert [s["ObservabilityConfigurationRevision"] for s in listed(apprunner, LatestOnly=False)] == [1]
    assert apprunner.describe_observability_configuration(ObservabilityConfigurationArn=name_arn)[
        "ObservabilityConfiguration"]["Latest"] is True
    code, _ = error_of(apprunner.delete_observability_configuration,
                       ObservabilityConfigurationArn=second["ObservabilityConfigurationArn"])
    assert code == "ResourceNotFoundException"
    code, _ = error_of(apprunner.list_tags_for_resource, ResourceArn=second["ObservabilityConfigurationArn"])
    assert code == "ResourceNotFoundException"
    # Revision numbers aren't reused.
    assert create(apprunner, "doomed")["ObservabilityConfigurationRevision"] == 3


def test_reserved_name_and_validation(apprunner):
    code, message = error_of(create, apprunner=apprunner, name="DefaultConfiguration")
    assert code == "InvalidRequestException" and "reserved" in message
    code, message = error_of(create, apprunner=apprunner, name="vendor", TraceConfiguration={"Vendor": "DATADOG"})
    assert code == "InvalidRequestException" and "enum" in message
    code, _ = error_of(create, apprunner=apprunner, name="x" * 33)
    assert code == "InvalidRequestException"
    code, _ = error_of(apprunner.describe_observability_configuration,
                       ObservabilityConfigurationArn="arn:aws:apprunner:us-east-1:123456789012:service/x/y")
    assert code == "InvalidRequestException"


def test_not_found(apprunner, account):
    base = f"arn:aws:apprunner:us-east-1:{account}:observabilityconfiguration"
    for arn in (f"{base}/nope", f"{base}/nope/1", f"{base}/nope/1/{'c' * 32}"):
        assert error_of(apprunner.describe_observability_configuration,
                        ObservabilityConfigurationArn=arn)[0] == "ResourceNotFoundException"
        assert error_of(apprunner.delete_observability_configuration,
                        ObservabilityConfigurationArn=arn)[0] == "ResourceNotFoundException"


def test_quotas(apprunner):
    for _ in range(10):
        create(apprunner, "many-revs")
    assert error_of(create, apprunner=apprunner, name="many-revs")[0] == "ServiceQuotaExceededException"
    for index in range(9):
        create(apprunner, f"obs-{index}")
    assert error_of(create, apprunner=apprunner, name="obs-9")[0] == "ServiceQuotaExceededException"


def test_pagination(apprunner):
    for index in range(3):
        create(apprunner, f"page-{index}")
    first = apprunner.list_observability_configurations(MaxResults=2)
    second = apprunner.list_observability_configurations(MaxResults=2, NextToken=first["NextToken"])
    assert "NextToken" not in second
    names = [s["ObservabilityConfigurationName"] for page in (first, second)
             for s in page["ObservabilityConfigurationSummaryList"]]
    assert names == ["page-0", "page-1", "page-2"]


def test_in_use_configuration_cannot_be_deleted(apprunner):
    config = create(apprunner, "used-obs", TraceConfiguration={"Vendor": "AWSXRAY"})
    arn = config["ObservabilityConfigurationArn"]
    service = apprunner.create_service(
        ServiceName="traced", SourceConfiguration=IMAGE,
        ObservabilityConfiguration={"ObservabilityEnabled": True,
                                    "ObservabilityConfigurationArn": arn.rsplit("/", 2)[0]})["Service"]
    assert service["ObservabilityConfiguration"]["ObservabilityConfigurationArn"] == arn
    code, message = error_of(apprunner.delete_observability_configuration, ObservabilityConfigurationArn=arn)
    assert code == "InvalidRequestException" and "used by one or more services" in message
