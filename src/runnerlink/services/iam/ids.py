"""IAM ARNs and paths, as AWS forms them: arn:aws:iam::ACCOUNT:<type>{Path}{Name}; IAM is global (no region)."""

from __future__ import annotations

DEFAULT_PATH = "/"
AWS_MANAGED_ACCOUNT = "aws"  # arn:aws:iam::aws:policy/… are AWS managed policies


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
