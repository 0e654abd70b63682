import re

from tests.e2e.apprunner_helpers import IMAGE, error_of

DEFAULT_ARN = re.compile(r"arn:aws:apprunner:us-east-1:\d{12}:autoscalingconfiguration/DefaultConfiguration/1/0{31}1")
ARN = re.compile(r"arn:aws:apprunner:us-east-1:(\d{12}):autoscalingconfiguration/([\w-]+)/(\d+)/([0-9a-f]{32})")


def create(apprunner, name, **settings) -> dict:
    return apprunner.create_auto_scaling_configuration(AutoScalingConfigurationName=name, **settings)[
        "AutoScalingConfiguration"]


def listed(apprunner, **params) -> list[dict]:
    return apprunner.list_auto_scaling_configurations(**params)["AutoScalingConfigurationSummaryList"]


def test_fresh_account_has_the_default_configuration(apprunner, account):
    summaries = listed(apprunner)
    assert len(summaries) == 1
    default = summaries[0]
    assert DEFAULT_ARN.fullmatch(default["AutoScalingConfigurationArn"])
    assert f":{account}:" in default["AutoScalingConfigurationArn"]
    assert default["AutoScalingConfigurationName"] == "DefaultConfiguration"
    assert default["AutoScalingConfigurationRevision"] == 1
    assert default["Status"] == "active"
    assert default["IsDefault"] is True
    assert default["HasAssociatedService"] is False
    described = apprunner.describe_auto_scaling_configuration(
        AutoScalingConfigurationArn=default["AutoScalingConfigurationArn"])["AutoScalingConfiguration"]
    assert (described["MaxConcurrency"], described["MinSize"], described["MaxSize"]) == (100, 1, 25)
    assert described["Latest"] is True
    assert described["CreatedAt"] == default["CreatedAt"]


def test_create_with_defaults_and_with_settings(apprunner):
    plain = create(apprunner, "plain")
    match = ARN.fullmatch(plain["AutoScalingConfigurationArn"])
    assert match and match.group(2, 3) == ("plain", "1")
    assert plain["Status"] == "active"  # lowercase, as the live API (Terraform's waiter wants "active")
    assert (plain["MaxConcurrency"], plain["MinSize"], plain["MaxSize"]) == (100, 1, 25)
    assert plain["Latest"] is True and plain["IsDefault"] is False and plain["HasAssociatedService"] is False
    assert "DeletedAt" not in plain
    custom = create(apprunner, "custom", MaxConcurrency=50, MinSize=2, MaxSize=10,
                    Tags=[{"Key": "env", "Value": "dev"}])
    assert (custom["MaxConcurrency"], custom["MinSize"], custom["MaxSize"]) == (50, 2, 10)
    assert apprunner.list_tags_for_resource(ResourceArn=custom["AutoScalingConfigurationArn"])["Tags"] == [
        {"Key": "env", "Value": "dev"}]


def test_revisions_latest_and_partial_arns(apprunner):
    first = create(apprunner, "scaling", MaxSize=5)
    second = create(apprunner, "scaling", MaxSize=6)
    third = create(apprunner, "scaling", MaxSize=7)
    assert [c["AutoScalingConfigurationRevision"] for c in (first, second, third)] == [1, 2, 3]
    name_arn = first["AutoScalingConfigurationArn"].rsplit("/", 2)[0]
    describe = apprunner.describe_auto_scaling_configuration
    assert describe(AutoScalingConfigurationArn=name_arn)["AutoScalingConfiguration"]["MaxSize"] == 7
    by_revision = describe(AutoScalingConfigurationArn=f"{name_arn}/2")["AutoScalingConfiguration"]
    assert by_revision["AutoScalingConfigurationArn"] == second["AutoScalingConfigurationArn"]
    assert by_revision["Latest"] is False
    assert describe(AutoScalingConfigurationArn=first["AutoScalingConfigurationArn"])[
        "AutoScalingConfiguration"]["Latest"] is False

    latest = listed(apprunner, AutoScalingConfigurationName="scaling")
    assert [s["AutoScalingConfigurationRevision"] for s in latest] == [3]
    every = listed(apprunner, AutoScalingConfigurationName="scaling", LatestOnly=False)
    assert [s["AutoScalingConfigurationRevision"] for s in every] == [1, 2, 3]
    assert sorted(s["AutoScalingConfigurationName"] for s in listed(apprunner)) == ["DefaultConfiguration", "scaling"]

    # Deleting the latest revision makes the previous one latest; a new revision still gets a fresh number.
    apprunner.delete_auto_scaling_configuration(AutoScalingConfigurationArn=third["AutoScalingConfigurationArn"])
    assert describe(AutoScalingConfigurationArn=name_arn)["AutoScalingConfiguration"]["AutoScalingConfigurationRevision"] == 2
    assert create(apprunner, "scaling")["AutoScalingConfigurationRevision"] == 4


def test_delete_marks_inactive_and_deleting_again_fails(apprunner):
    config = create(apprunner, "to-delete")
    arn = config["AutoScalingConfigurationArn"]
    deleted = apprunner.delete_auto_scaling_configuration(AutoScalingConfigurationArn=arn)["AutoScalingConfiguration"]
    assert deleted["Status"] == "inactive"
    assert deleted["DeletedAt"] >= deleted["CreatedAt"]
    assert deleted["Latest"] is False
    described = apprunner.describe_auto_scaling_configuration(AutoScalingConfigurationArn=arn)
    assert described["AutoScalingConfiguration"]["Status"] == "inactive"  # Terraform reads this as gone
    assert "to-delete" not in {s["AutoScalingConfigurationName"] for s in listed(apprunner, LatestOnly=False)}
    code, message = error_of(apprunner.delete_auto_scaling_configuration, AutoScalingConfigurationArn=arn)
    assert code == "InvalidRequestException"
    assert "The auto scaling configuration you specified has been deleted" in message
    code, message = error_of(apprunner.delete_auto_scaling_configuration,
                             AutoScalingConfigurationArn=arn.rsplit("/", 2)[0])
    assert "has been deleted" in message
    # A deleted configuration is gone for tagging.
    code, _ = error_of(apprunner.list_tags_for_resource, ResourceArn=arn)
    assert code == "ResourceNotFoundException"
    # An inactive configuration can't be resolved through the name-only partial ARN.
    code, _ = error_of(apprunner.describe_auto_scaling_configuration, AutoScalingConfigurationArn=arn.rsplit("/", 2)[0])
    assert code == "ResourceNotFoundException"


def test_delete_by_partial_arn_and_all_revisions(apprunner):
    revisions = [create(apprunner, "multi") for _ in range(3)]
    name_arn = revisions[0]["AutoScalingConfigurationArn"].rsplit("/", 2)[0]
    code, message = error_of(apprunner.delete_auto_scaling_configuration,
                             AutoScalingConfigurationArn=f"{name_arn}/1", DeleteAllRevisions=True)
    assert code == "InvalidRequestException" and "DeleteAllRevisions" in message
    # …/name deletes the latest active revision.
    gone = apprunner.delete_auto_scaling_configuration(AutoScalingConfigurationArn=name_arn)
    assert gone["AutoScalingConfiguration"]["AutoScalingConfigurationRevision"] == 3
    apprunner.delete_auto_scaling_configuration(AutoScalingConfigurationArn=name_arn, DeleteAllRevisions=True)
    for revision in revisions:
        described = apprunner.describe_auto_scaling_configuration(
            AutoScalingConfigurationArn=revision["AutoScalingConfigurationArn"])["AutoScalingConfiguration"]
        assert described["Status"] == "inactive"
    assert listed(apprunner, AutoScalingConfigurationName="multi", LatestOnly=False) == []


def test_update_default_moves_the_flag(apprunner):
    mine = create(apprunner, "my-default", MinSize=2)
    updated = apprunner.update_default_auto_scaling_configuration(
        AutoScalingConfigurationArn=mine["AutoScalingConfigurationArn"].rsplit("/", 2)[0])["AutoScalingConfiguration"]
    assert updated["AutoScalingConfigurationArn"] == mine["AutoScalingConfigurationArn"]
    assert updated["IsDefault"] is True
    defaults = [s for s in listed(apprunner) if s["IsDefault"] and s["Status"] == "active"]
    assert [s["AutoScalingConfigurationArn"] for s in defaults] == [mine["AutoScalingConfigurationArn"]]

    code, _ = error_of(apprunner.delete_auto_scaling_configuration,
                       AutoScalingConfigurationArn=mine["AutoScalingConfigurationArn"])
    assert code == "InvalidRequestException"
    # The App Runner-provided DefaultConfiguration is no longer default, so it can now be deleted (since 2023).
    provided = next(s for s in listed(apprunner) if s["AutoScalingConfigurationName"] == "DefaultConfiguration")
    assert provided["IsDefault"] is False
    apprunner.delete_auto_scaling_configuration(AutoScalingConfigurationArn=provided["AutoScalingConfigurationArn"])
    assert [s["AutoScalingConfigurationName"] for s in listed(apprunner)] == ["my-default"]


def test_default_configuration_cannot_be_deleted_while_default(apprunner):
    default = listed(apprunner)[0]
    code, message = error_of(apprunner.delete_auto_scaling_configuration,
                             AutoScalingConfigurationArn=default["AutoScalingConfigurationArn"])
    assert code == "InvalidRequestException" and "You can't delete a reserved auto scaling configuration" in message


def test_default_configuration_name_may_get_revisions(apprunner):
    second = create(apprunner, "DefaultConfiguration", MaxSize=3)
    assert second["AutoScalingConfigurationRevision"] == 2
    assert second["IsDefault"] is False
    latest = listed(apprunner, AutoScalingConfigurationName="DefaultConfiguration")
    assert [s["AutoScalingConfigurationRevision"] for s in latest] == [2]


def test_validation(apprunner):
    code, message = error_of(create, apprunner=apprunner, name="backwards", MinSize=5, MaxSize=2)
    assert code == "InvalidRequestException" and "MinSize" in message
    code, message = error_of(create, apprunner=apprunner, name="too-busy", MaxConcurrency=500)
    assert code == "InvalidRequestException" and "maxConcurrency" in message
    code, message = error_of(create, apprunner=apprunner, name="too-big", MinSize=26)
    assert code == "InvalidRequestException" and "minSize" in message
    code, _ = error_of(create, apprunner=apprunner, name="bad name!")
    assert code == "InvalidRequestException"
    code, _ = error_of(apprunner.describe_auto_scaling_configuration, AutoScalingConfigurationArn="not-an-arn")
    assert code == "InvalidRequestException"


def test_not_found(apprunner, account):
    base = f"arn:aws:apprunner:us-east-1:{account}:autoscalingconfiguration"
    for arn in (f"{base}/nope", f"{base}/nope/1", f"{base}/nope/1/{'a' * 32}"):
        code, _ = error_of(apprunner.describe_auto_scaling_configuration, AutoScalingConfigurationArn=arn)
        assert code == "ResourceNotFoundException"
    config = create(apprunner, "exists")
    wrong_id = config["AutoScalingConfigurationArn"][:-32] + "b" * 32
    assert error_of(apprunner.describe_auto_scaling_configuration,
                    AutoScalingConfigurationArn=wrong_id)[0] == "ResourceNotFoundException"
    assert error_of(apprunner.describe_auto_scaling_configuration,
                    AutoScalingConfigurationArn=f"{base}/exists/9")[0] == "ResourceNotFoundException"
    assert error_of(apprunner.delete_auto_scaling_configuration,
                    AutoScalingConfigurationArn=f"{base}/nope")[0] == "ResourceNotFoundException"
    assert error_of(apprunner.update_default_auto_scaling_configuration,
                    AutoScalingConfigurationArn=f"{base}/nope")[0] == "ResourceNotFoundException"
    assert error_of(apprunner.list_services_for_auto_scaling_configuration,
                    AutoScalingConfigurationArn=f"{base}/nope")[0] == "ResourceNotFoundException"


def test_quotas(apprunner):
    for _ in range(5):
        create(apprunner, "revs")
    code, _ = error_of(create, apprunner=apprunner, name="revs")
    assert code == "ServiceQuotaExceededException"
    for index in range(9):  # the provided DefaultConfiguration doesn't count: 10 names of our own
        create(apprunner, f"name-{index}")
    code, _ = error_of(create, apprunner=apprunner, name="name-10")
    assert code == "ServiceQuotaExceededException"
    # A new revision of an existing name is still fine; deleting a name frees a slot.
    create(apprunner, "name-0")
    apprunner.delete_auto_scaling_configuration(
        AutoScalingConfigurationArn=listed(apprunner, AutoScalingConfigurationName="revs")[0][
            "AutoScalingConfigurationArn"].rsplit("/", 2)[0], DeleteAllRevisions=True)
    create(apprunner, "name-10")


def test_list_pagination(apprunner):
    for index in range(4):
        create(apprunner, f"page-{index}")
    first = apprunner.list_auto_scaling_configurations(MaxResults=2)
    assert len(first["AutoScalingConfigurationSummaryList"]) == 2
    second = apprunner.list_auto_scaling_configurations(MaxResults=2, NextToken=first["NextToken"])
    third = apprunner.list_auto_scaling_configurations(MaxResults=2, NextToken=second["NextToken"])
    assert "NextToken" not in third
    names = [s["AutoScalingConfigurationName"] for page in (first, second, third)
             for s in page["AutoScalingConfigurationSummaryList"]]
    assert names == ["DefaultConfiguration", "page-0", "page-1", "page-2", "page-3"]
    code, _ = error_of(apprunner.list_auto_scaling_configurations, MaxResults=101)
    assert code == "InvalidRequestException"


def test_list_services_for_configuration_without_services(apprunner):
    config = create(apprunner, "unused")
    result = apprunner.list_services_for_auto_scaling_configuration(
        AutoScalingConfigurationArn=config["AutoScalingConfigurationArn"])
    assert result["ServiceArnList"] == []


def test_in_use_configuration(apprunner):
    config = create(apprunner, "in-use", MaxSize=3)
    arn = config["AutoScalingConfigurationArn"]
    service = apprunner.create_service(ServiceName="uses-config", SourceConfiguration=IMAGE,
                                       AutoScalingConfigurationArn=arn.rsplit("/", 2)[0])["Service"]
    assert service["AutoScalingConfigurationSummary"]["AutoScalingConfigurationArn"] == arn
    result = apprunner.list_services_for_auto_scaling_configuration(AutoScalingConfigurationArn=arn)
    assert result["ServiceArnList"] == [service["ServiceArn"]]
    described = apprunner.describe_auto_scaling_configuration(AutoScalingConfigurationArn=arn)
    assert described["AutoScalingConfiguration"]["HasAssociatedService"] is True
    assert next(s for s in listed(apprunner) if s["AutoScalingConfigurationArn"] == arn)["HasAssociatedService"]
    code, message = error_of(apprunner.delete_auto_scaling_configuration, AutoScalingConfigurationArn=arn)
    assert code == "InvalidRequestException"
    assert message == ("You can't delete the auto scaling configuration. It's used by one or more services. "
                       "To delete it, update the services to use other auto scaling configurations.")


def test_new_service_uses_the_current_default(apprunner):
    mine = create(apprunner, "new-default")
    apprunner.update_default_auto_scaling_configuration(AutoScalingConfigurationArn=mine["AutoScalingConfigurationArn"])
    service = apprunner.create_service(ServiceName="gets-default", SourceConfiguration=IMAGE)["Service"]
    summary = service["AutoScalingConfigurationSummary"]
    assert summary["AutoScalingConfigurationArn"] == mine["AutoScalingConfigurationArn"]
    assert summary["Status"] == "active"
