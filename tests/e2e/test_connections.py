import pytest
from botocore.exceptions import ClientError


def test_create_list_delete_connection(apprunner, server):
    created = apprunner.create_connection(ConnectionName="my-github", ProviderType="GITHUB",
                                          Tags=[{"Key": "team", "Value": "web"}])["Connection"]
    assert created["Status"] == "PENDING_HANDSHAKE"
    assert created["ConnectionArn"].startswith("arn:aws:apprunner:us-east-1:")
    listed = apprunner.list_connections(ConnectionName="my-github")["ConnectionSummaryList"]
    assert [c["ConnectionArn"] for c in listed] == [created["ConnectionArn"]]
    assert apprunner.list_tags_for_resource(ResourceArn=created["ConnectionArn"])["Tags"] == [
        {"Key": "team", "Value": "web"}]

    server.post_admin("apprunner/complete-connection-handshake", {"ConnectionArn": created["ConnectionArn"]})
    assert apprunner.list_connections()["ConnectionSummaryList"][0]["Status"] == "AVAILABLE"

    deleted = apprunner.delete_connection(ConnectionArn=created["ConnectionArn"])["Connection"]
    assert deleted["Status"] == "DELETED"
    assert apprunner.list_connections()["ConnectionSummaryList"] == []
    with pytest.raises(ClientError) as err:
        apprunner.delete_connection(ConnectionArn=created["ConnectionArn"])
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_connection_name_validation_and_uniqueness(apprunner):
    with pytest.raises(ClientError) as err:
        apprunner.create_connection(ConnectionName="bad name!", ProviderType="GITHUB")
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "connectionName" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        apprunner.create_connection(ConnectionName="okname", ProviderType="GITLAB")
    assert "enum value set" in err.value.response["Error"]["Message"]
    apprunner.create_connection(ConnectionName="dupe", ProviderType="GITHUB")
    with pytest.raises(ClientError) as err:
        apprunner.create_connection(ConnectionName="dupe", ProviderType="BITBUCKET")
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"


def test_connection_quota(apprunner):
    for index in range(10):
        apprunner.create_connection(ConnectionName=f"conn-{index}", ProviderType="GITHUB")
    with pytest.raises(ClientError) as err:
        apprunner.create_connection(ConnectionName="conn-10", ProviderType="GITHUB")
    assert err.value.response["Error"]["Code"] == "ServiceQuotaExceededException"


def test_accounts_are_isolated(server, account):
    mine = server.client("apprunner", account=account)
    other = server.client("apprunner", account="999999999999")
    mine.create_connection(ConnectionName="isolated", ProviderType="GITHUB")
    assert other.list_connections(ConnectionName="isolated")["ConnectionSummaryList"] == []
    west = server.client("apprunner", account=account, region="us-west-2")
    assert west.list_connections()["ConnectionSummaryList"] == []


def test_connection_in_use_by_a_service_cannot_be_deleted(apprunner, server):
    from tests.conftest import settle

    arn = apprunner.create_connection(ConnectionName="used-conn", ProviderType="GITHUB")["Connection"]["ConnectionArn"]
    server.post_admin("apprunner/complete-connection-handshake", {"ConnectionArn": arn})
    service = apprunner.create_service(ServiceName="from-code", SourceConfiguration={
        "AuthenticationConfiguration": {"ConnectionArn": arn},
        "CodeRepository": {"RepositoryUrl": "https://github.com/example/app",
                           "SourceCodeVersion": {"Type": "BRANCH", "Value": "main"},
                           "CodeConfiguration": {"ConfigurationSource": "API",
                                                 "CodeConfigurationValues": {"Runtime": "PYTHON_311"}}}})["Service"]
    settle()
    with pytest.raises(ClientError) as err:
        apprunner.delete_connection(ConnectionArn=arn)
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"
    apprunner.delete_service(ServiceArn=service["ServiceArn"])
    # still being deleted: still a user of the connection, and still taggable
    with pytest.raises(ClientError):
        apprunner.delete_connection(ConnectionArn=arn)
    apprunner.tag_resource(ResourceArn=service["ServiceArn"], Tags=[{"Key": "k", "Value": "v"}])
    settle()
    assert apprunner.delete_connection(ConnectionArn=arn)["Connection"]["Status"] == "DELETED"
    with pytest.raises(ClientError) as err:
        apprunner.list_tags_for_resource(ResourceArn=service["ServiceArn"])
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
