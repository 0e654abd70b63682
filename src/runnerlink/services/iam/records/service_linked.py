"""The service-linked roles runnerlink knows: the services that create them, their names, paths, trust policies and
the AWS managed policy each has attached."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class LinkedService:
    principal: str  # the AWSServiceName
    role_name: str
    policy_arn: str
    custom_suffix: bool = False

    @property
    def path(self) -> str:
        return f"/aws-service-role/{self.principal}/"

    @property
    def trust_policy(self) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": [self.principal]}, "Action": ["sts:AssumeRole"]}]})


SERVICES = {s.principal: s for s in (
    LinkedService("apprunner.amazonaws.com", "AWSServiceRoleForAppRunner",
                  "arn:aws:iam::aws:policy/aws-service-role/AppRunnerServiceRolePolicy"),
    LinkedService("networking.apprunner.amazonaws.com", "AWSServiceRoleForAppRunnerNetworking",
                  "arn:aws:iam::aws:policy/aws-service-role/AppRunnerNetworkingServiceRolePolicy"),
)}

DELETION_TASK = "iam_slr_deletion"  # [DeletionTaskId]: Status, Reason?
