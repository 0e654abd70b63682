"""IAM ARNs and paths, as AWS forms them: arn:aws:iam::ACCOUNT:<type>{Path}{Name}; IAM is global (no region)."""

from __future__ import annotations

import re

DEFAULT_PATH = "/"
AWS_MANAGED_ACCOUNT = "aws"  # arn:aws:iam::aws:policy/… are AWS managed policies
_ROLE_ARN = re.compile(r"arn:aws[\w-]*:iam::(\d{12}):role(/(?:[^/]+/)*)?([\w+=,.@-]{1,64})")


def arn(account: str, resource_type: str, path: str | None, name: str) -> str:
    return f"arn:aws:iam::{account}:{resource_type}{path or DEFAULT_PATH}{name}"


def user_arn(account: str, name: str, path: str | None = None) -> str:
    return arn(account, "user", path, name)


def group_arn(account: str, name: str, path: str | None = None) -> str:
    return arn(account, "group", path, name)


def role_arn(account: str, name: str, path: str | None = None) -> str:
    return arn(account, "role", path, name)


def policy_arn(account: str, name: str, path: str | None = None) -> str:
    return arn(account, "policy", path, name)


def instance_profile_arn(account: str, name: str, path: str | None = None) -> str:
    return arn(account, "instance-profile", path, name)


def name_of(an_arn: str) -> str:
    """The last path segment of an IAM ARN (a role's, a policy's …)."""
    return an_arn.rsplit("/", 1)[-1]


def parse_role_arn(role_arn: str) -> tuple[str, str] | None:
    """(account, role name) of a role ARN (any path), None for anything else."""
    match = _ROLE_ARN.fullmatch(role_arn)
    return (match[1], match[3]) if match else None
