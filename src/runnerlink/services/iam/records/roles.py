"""IAM roles (`iam_role` [RoleName]): lookups with IAM's errors, the trust policy's checks, the API view."""

from __future__ import annotations

import json
from urllib.parse import quote

from runnerlink.auth.keys import new_unique_id
from runnerlink.policy import validate
from runnerlink.services.base import GLOBAL_REGION, HandlerContext
from runnerlink.services.common import public
from runnerlink.services.iam import ids
from runnerlink.services.iam.errors import (IAMError, delete_conflict, malformed_policy, no_such_entity,
                                            unmodifiable)
from runnerlink.services.iam.records import entities, entity_tags
from runnerlink.services.iam.records.policies import managed_document
from runnerlink.store import Transaction

KIND = entities.ROLE
INSTANCE_PROFILE = "iam_instance_profile"
INLINE = "iam_inline_policy"  # the identity contract's kinds of a role's policies (parent "role/<name>")
ATTACHMENT = "iam_attachment"
DEFAULT_MAX_SESSION = 3600
TRUST_POLICY_LIMIT = 2048  # the ACLSizePerRole quota's default


def get(tx: Transaction, name: str) -> dict | None:
    return tx.get(KIND, name)


def require(tx: Transaction, name: str) -> dict:
    return entities.get(tx, KIND, name)


def modifiable(role: dict) -> dict:
    """The role, unless it is service-linked (only its service changes or deletes it)."""
    if role.get("_service_linked"):
        raise unmodifiable(f"Cannot perform the operation on the protected role '{role['RoleName']}' - "
                           f"this role is only modifiable by AWS")
    return role


def check_trust_policy(document: str) -> None:
    """MalformedPolicyDocument unless the document is a valid trust policy: a resource policy (Principal required)
    of sts: actions only, without Resource."""
    if len(document) > TRUST_POLICY_LIMIT:
        raise IAMError("LimitExceeded", f"Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_LIMIT}", 409)
    try:
        parsed = json.loads(document)
    except ValueError:
        parsed = None
    statements = parsed.get("Statement") if isinstance(parsed, dict) else None
    for statement in statements if isinstance(statements, list) else [statements]:
        if isinstance(statement, dict) and ("Resource" in statement or "NotResource" in statement):
            field = "Resource" if "Resource" in statement else "NotResource"
            raise malformed_policy(f"Has prohibited field {field}")
    messages = [m for m in validate(document, "resource") if m != "Policy statement must contain resources."]
    if messages:
        raise malformed_policy(messages[0])
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            continue
        actions = statement.get("Action", statement.get("NotAction", []))
        for action in [actions] if isinstance(actions, str) else actions:
            if isinstance(action, str) and not (action == "*" or action.lower().startswith("sts:")):
                raise malformed_policy("AssumeRole policy may only specify STS AssumeRole actions.")


def check_boundary(tx: Transaction, policy_arn: str) -> dict:
    if managed_document(tx, policy_arn) is None:
        raise no_such_entity(f"Scope ARN: {policy_arn} does not exist or is not attachable.")
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": policy_arn}


def new(ctx: HandlerContext, name: str, trust_policy: str, *, path: str | None = None, description: str | None = None,
        max_session: int | None = None, boundary: dict | None = None, tags: list[dict] | None = None,
        service_linked: bool = False) -> dict:
    record = {
        "RoleName": name, "RoleId": new_unique_id("AROA"), "Arn": ids.role_arn(ctx.account, name, path),
        "Path": path or ids.DEFAULT_PATH, "CreateDate": ctx.now, "AssumeRolePolicyDocument": trust_policy,
        "MaxSessionDuration": max_session or DEFAULT_MAX_SESSION, "Tags": tags or [],
        "_service_linked": service_linked,
    }
    if description is not None:
        record["Description"] = description
    if boundary is not None:
        record["PermissionsBoundary"] = boundary
    ctx.tx.put(KIND, name, record)
    return record


def view(role: dict, *, last_used: bool = True) -> dict:
    """The Role shape: the trust policy URL-encoded as IAM returns it (boto3 and the SDKs decode it)."""
    shown = public(role)
    shown["AssumeRolePolicyDocument"] = quote(role["AssumeRolePolicyDocument"], safe="")
    if not shown.get("Tags"):
        shown.pop("Tags", None)
    if last_used:
        last = role.get("_last_used")
        shown["RoleLastUsed"] = dict(last) if last else {}
    return shown


def check_deletable(tx: Transaction, role: dict) -> None:
    name = role["RoleName"]
    if tx.scan(INLINE, parent=f"role/{name}"):
        raise delete_conflict("Cannot delete entity, must delete policies first.")
    if tx.scan(ATTACHMENT, parent=f"role/{name}"):
        raise delete_conflict("Cannot delete entity, must detach all policies first.")
    if any(name in profile.get("Roles", []) for profile in tx.scan(INSTANCE_PROFILE)):
        raise delete_conflict("Cannot delete entity, must remove roles from instance profile first.")


def mark_used(tx: Transaction, role: dict, at: float, region: str) -> None:
    """RoleLastUsed: when (and in which region, when the handler knows it) the role's credentials were last issued.
    A global service's handler runs in the "global" scope region, which is not a region to report."""
    role["_last_used"] = {"LastUsedDate": at} if region == GLOBAL_REGION else {"LastUsedDate": at, "Region": region}
    tx.put(KIND, role["RoleName"], role)


def tag(tx: Transaction, role: dict, tags: list[dict]) -> None:
    role["Tags"] = entity_tags.merged(role.get("Tags", []), tags, "resource")
    tx.put(KIND, role["RoleName"], role)
