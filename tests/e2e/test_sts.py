import os
import subprocess
import urllib.error
import urllib.request


def test_get_caller_identity_names_the_account_of_the_access_key(server, account):
    identity = server.client("sts", account=account).get_caller_identity()
    assert identity["Account"] == account
    assert identity["Arn"] == f"arn:aws:iam::{account}:root"
    assert identity["UserId"] == account
    assert len(identity["ResponseMetadata"]["RequestId"]) == 36


def test_non_numeric_access_key_is_the_default_account(server):
    import boto3

    sts = boto3.client("sts", endpoint_url=server.url, region_name="eu-west-1",
                       aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="x")
    assert sts.get_caller_identity()["Account"] == "000000000000"


def test_unknown_action_is_an_xml_error(server):
    request = urllib.request.Request(server.url + "/", data=b"Action=StealCredentials&Version=2011-06-15",
                                     method="POST", headers={
                                         "Content-Type": "application/x-www-form-urlencoded",
                                         "Authorization": "AWS4-HMAC-SHA256 Credential=111122223333/20261125/"
                                                          "us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00"})
    try:
        urllib.request.urlopen(request, timeout=5)
        raise AssertionError("expected an error")
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        assert error.code == 400
        assert "<ErrorResponse" in body and "<Code>InvalidAction</Code>" in body and "<Type>Sender</Type>" in body


def test_aws_cli_get_caller_identity(server, account, tmp_path):
    env = {"PATH": os.environ["PATH"], "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "x",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": str(tmp_path / "c"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "k"), "HOME": str(tmp_path)}
    result = subprocess.run(["aws", "sts", "get-caller-identity", "--endpoint-url", server.url, "--output", "json"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f'"Account": "{account}"' in result.stdout
