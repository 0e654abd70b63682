"""Terraform (hashicorp/aws 5.100.0) creates, updates and destroys a service whose application runnerlink really runs:
the provider's waiters wait for the deployment, and the URL serves what was deployed."""

from __future__ import annotations

import pytest

from tests.e2e.app_helpers import get, get_json, python_app
from tests.e2e.terraform_harness import (  # noqa: F401 (fixtures)
    account,
    skip_without_terraform,
    sts_available,
    tf_home,
    tf_server,
    workspace,
)

skip_without_terraform()

pytestmark = pytest.mark.terraform


def test_terraform_deploys_a_running_application(workspace, tf_server, account, tmp_path):
    app = python_app(tmp_path / "app")
    (app / "apprunner.yaml").unlink()  # configured through the API (code_configuration_values)
    tf = workspace("running_app")
    tf.env["TF_VAR_app_dir"] = str(app)
    tf.apply()
    outputs = tf.outputs()
    seen = get_json(tf_server, outputs["service_url"])
    assert (seen["version"], seen["greeting"], seen["built"]) == ("1", "from terraform", True)
    tf.assert_no_changes()

    tf.env["TF_VAR_app_version"] = "2"  # UpdateService, and the waiter waits for the new deployment
    tf.apply()
    assert get_json(tf_server, outputs["service_url"])["version"] == "2"

    tf.destroy()
    status, _ = get(tf_server, outputs["service_url"])
    assert status in (404, 503)  # deleted: the instance is stopped
    apprunner = tf_server.client("apprunner", account=account)
    assert apprunner.list_services()["ServiceSummaryList"] == []
