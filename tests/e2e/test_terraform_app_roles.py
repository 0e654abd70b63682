"""Terraform (hashicorp/aws 5.100.0): an aws_apprunner_service with an access role (build.apprunner.amazonaws.com,
AWSAppRunnerServicePolicyForECRAccess attached) and an instance role (tasks.apprunner.amazonaws.com, an inline
policy) applies with zero drift, its application signs its AWS calls as the instance role's session, and everything
is destroyed.

It needs IAM (issue 11's services/iam: the roles, the attachment, the inline policy, the sessions): until that is
merged it fails at the first aws_iam_role."""

from __future__ import annotations

import pytest

from tests.e2e.app_helpers import get, get_json
from tests.e2e.terraform_harness import (  # noqa: F401 (fixtures)
    LIFECYCLE_DELAY,
    skip_without_terraform,
    sts_available,
    tf_home,
    workspace,
)
from tests.e2e.test_app_instance_role import APP
from tests.server import RunningServer

skip_without_terraform()

pytestmark = pytest.mark.terraform

ACCOUNT = "210000000990"  # the image's account: the stand-in is mapped when the server starts
IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/roles-app:1"
ECR_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSAppRunnerServicePolicyForECRAccess"


@pytest.fixture(scope="module")
def tf_server(tmp_path_factory):
    """The module's server, running the private image as a stand-in: the whoami app (STS GetCallerIdentity with
    boto3's default credential chain)."""
    app = tmp_path_factory.mktemp("roles-app") / "server.py"
    app.write_text(APP)
    running = RunningServer(state="memory", lifecycle_delay=LIFECYCLE_DELAY,
                            extra_args=["--image", f"{IMAGE}=python3 {app}"]).start()
    yield running
    running.stop()


@pytest.fixture
def account() -> str:
    return ACCOUNT


def test_terraform_service_with_access_and_instance_roles(workspace, tf_server, account):
    tf = workspace("app_roles")
    tf.services = (*tf.services, "IAM")
    tf.env["TF_VAR_image"] = IMAGE
    tf.apply()
    outputs = tf.outputs()
    tf.assert_no_changes()

    iam = tf_server.client("iam", account=account)
    assert iam.get_role(RoleName="tf-apprunner-instance")["Role"]["Arn"] == outputs["instance_role_arn"]
    assert iam.list_attached_role_policies(RoleName="tf-apprunner-ecr-access")["AttachedPolicies"] == [
        {"PolicyName": "AWSAppRunnerServicePolicyForECRAccess", "PolicyArn": ECR_ACCESS}]
    assert iam.list_role_policies(RoleName="tf-apprunner-instance")["PolicyNames"] == ["read-apprunner"]
    apprunner = tf_server.client("apprunner", account=account)
    [summary] = apprunner.list_services()["ServiceSummaryList"]
    service = apprunner.describe_service(ServiceArn=summary["ServiceArn"])["Service"]
    assert service["InstanceConfiguration"]["InstanceRoleArn"] == outputs["instance_role_arn"]
    assert service["SourceConfiguration"]["AuthenticationConfiguration"]["AccessRoleArn"] == \
        outputs["access_role_arn"]

    # The application's calls are the instance role's session (App Runner names it after the service id here).
    answer = get_json(tf_server, outputs["service_url"], "/whoami")
    assert answer == {"ok": True, "Account": account, "UserId": answer["UserId"],
                      "Arn": f"arn:aws:sts::{account}:assumed-role/tf-apprunner-instance/{outputs['service_id']}"}

    tf.destroy()
    assert get(tf_server, outputs["service_url"])[0] in (404, 503)
    assert apprunner.list_services()["ServiceSummaryList"] == []
    assert not [r for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("tf-apprunner-")]
