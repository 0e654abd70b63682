"""An App Runner service's instance role (InstanceConfiguration.InstanceRoleArn): App Runner, as the service principal
tasks.apprunner.amazonaws.com, assumes the role for the service's application, whose SDKs read the session's
credentials from the container credentials endpoint (server/app_credentials.py).

The role must be in the service's account, exist, and trust tasks.apprunner.amazonaws.com with sts:AssumeRole. The
session is minted by IAM's `mint_role_session` (services/iam/identity.py), as STS AssumeRole mints its own; this
module only decides whether App Runner may assume the role and asks for the session.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol

from runnerlink.policy.compiler import compile_policy
from runnerlink.policy.errors import PolicyError
from runnerlink.policy.evaluate import evaluate
from runnerlink.policy.request import Request
from runnerlink.services.apprunner.errors import InvalidRequest
from runnerlink.services.iam.ids import parse_role_arn
from runnerlink.store import Transaction

TASKS_PRINCIPAL = "tasks.apprunner.amazonaws.com"
SESSION_SECONDS = 3600  # within every role's MaxSessionDuration (IAM's least is an hour)


class RoleRefused(Exception):
    """App Runner can't assume the instance role; str() says why (the endpoint answers it to the application)."""


class Identity(Protocol):
    """What IAM provides for this (services/iam/identity.py); a test may pass a stand-in."""

    def get_role(self, tx: Transaction, name: str) -> dict | None: ...

    def mint_role_session(self, tx: Transaction, role_record: dict, session_name: str, duration_seconds: int,
                          now: float, **options: Any) -> dict: ...


def iam_identity() -> Identity:
    """IAM's identity module (imported when first needed: the edge loads services/iam on its own schedule)."""
    from runnerlink.services.iam import identity

    return identity  # type: ignore[return-value]


def role_account(role_arn: str) -> str | None:
    """The account of an IAM role ARN, or None when it isn't one."""
    parsed = parse_role_arn(role_arn)
    return parsed[0] if parsed else None


def assume_instance_role(tx: Transaction, identity: Identity, role_arn: str, service_arn: str, service_account: str,
                         session_name: str, now: float) -> dict:
    """A session of the service's instance role, minted in tx (the role account's "<account>/global" scope):
    {AccessKeyId, SecretAccessKey, SessionToken, Expiration (epoch)}. RoleRefused when App Runner can't assume it."""
    refused = f"Error in assuming instance role {role_arn}"
    parsed = parse_role_arn(role_arn)
    if parsed is None:
        raise RoleRefused(f"{refused}: it is not an IAM role ARN.")
    account, name = parsed
    if account != service_account:
        raise RoleRefused(f"{refused}: an instance role must belong to the service's account {service_account}.")
    role = identity.get_role(tx, name)
    if role is None or role.get("Arn") != role_arn:
        raise RoleRefused(f"{refused}: the role does not exist.")
    if not trusts_app_runner(role.get("AssumeRolePolicyDocument") or "", role_arn, service_arn, service_account):
        raise RoleRefused(f"{refused}: its trust policy does not allow the service principal {TASKS_PRINCIPAL} to "
                          f"call sts:AssumeRole.")
    return identity.mint_role_session(tx, role, session_name, SESSION_SECONDS, now)


def trusts_app_runner(document: str, role_arn: str, service_arn: str, service_account: str) -> bool:
    """Whether the role's trust policy lets tasks.apprunner.amazonaws.com call sts:AssumeRole on it for the service
    (aws:SourceAccount and aws:SourceArn name the service, so confused-deputy conditions on them work)."""
    try:
        policy = compile_policy(document, "trust")
    except (ValueError, PolicyError, TypeError, AttributeError):
        return False
    request = Request(TASKS_PRINCIPAL, "sts:AssumeRole", role_arn, resource_account=service_account,
                      context={"aws:SourceAccount": service_account, "aws:SourceArn": service_arn})
    return evaluate(request, resource=policy).allowed


IdentityLoader = Callable[[], Identity]


def check_configured(tx: Transaction, identity: Identity, record: dict) -> None:
    """CreateService/UpdateService: a service whose instance role exists in its account but doesn't trust App
    Runner is refused at once, as AWS refuses it ("Error in assuming instance role …"). A role ARN IAM has no record
    of is accepted (services configured before IAM was emulated, or for IAM kept elsewhere): its application is
    refused credentials when it asks for them."""
    role_arn = (record.get("InstanceConfiguration") or {}).get("InstanceRoleArn")
    parsed = parse_role_arn(role_arn or "")
    if parsed is None or parsed[0] != record["ServiceArn"].split(":")[4]:
        return
    service_account, name = parsed
    role = identity.get_role(tx.in_scope(f"{service_account}/global"), name)
    if role is None or role.get("Arn") != role_arn:
        return
    if not trusts_app_runner(role.get("AssumeRolePolicyDocument") or "", role_arn, record["ServiceArn"],
                             service_account):
        raise InvalidRequest(f"Error in assuming instance role {role_arn}")
