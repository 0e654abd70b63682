"""Managed policies attached to users, groups and roles (kind iam_attachment, keyed "<entity>/<name>/<PolicyArn>",
parent "<entity>/<name>"), with the policy's AttachmentCount kept in step."""

from __future__ import annotations

from runnerlink.services.iam.errors import limit_exceeded, no_such_entity
from runnerlink.services.iam.records import managed
from runnerlink.services.iam.records.inline import owner
from runnerlink.store import Transaction

ATTACHMENT = "iam_attachment"
LIMIT = 10  # managed policies per user, group or role (AWS's default quota)
_QUOTA = {"user": "PoliciesPerUser", "group": "PoliciesPerGroup", "role": "PoliciesPerRole"}


def of(tx: Transaction, entity: str, name: str) -> list[dict]:
    return tx.scan(ATTACHMENT, parent=owner(entity, name))


def attach(tx: Transaction, entity: str, name: str, policy_arn: str, *, service_linked: bool = False) -> None:
    """Attach (again: nothing changes). service_linked: a service-linked role's own policy, which AWS marks not
    attachable by customers."""
    policy = managed.get(tx, policy_arn)
    if not policy.get("IsAttachable", True) and not service_linked:
        raise managed.not_found(policy_arn)
    key = f"{owner(entity, name)}/{policy_arn}"
    if tx.get(ATTACHMENT, key) is not None:
        return
    if len(of(tx, entity, name)) >= LIMIT:
        raise limit_exceeded(f"Cannot exceed quota for {_QUOTA[entity]}: {LIMIT}")
    tx.put(ATTACHMENT, key, {"PolicyArn": policy_arn, "PolicyName": policy["PolicyName"], "_owner": [entity, name]},
           parent=owner(entity, name))
    managed.count(tx, policy_arn, "AttachmentCount", 1)


def detach(tx: Transaction, entity: str, name: str, policy_arn: str) -> None:
    managed.check_arn(policy_arn)
    key = f"{owner(entity, name)}/{policy_arn}"
    if tx.get(ATTACHMENT, key) is None:
        raise no_such_entity(f"Policy {policy_arn} was not found.")
    tx.delete(ATTACHMENT, key)
    managed.count(tx, policy_arn, "AttachmentCount", -1)


def entities_of(tx: Transaction, policy_arn: str) -> list[tuple[str, str]]:
    """(entity, name) of everything the policy is attached to, in attachment order."""
    return [tuple(r["_owner"]) for r in tx.scan(ATTACHMENT) if r["PolicyArn"] == policy_arn]


def move(tx: Transaction, entity: str, old: str, new: str) -> None:
    for record in of(tx, entity, old):
        tx.delete(ATTACHMENT, f"{owner(entity, old)}/{record['PolicyArn']}")
        tx.put(ATTACHMENT, f"{owner(entity, new)}/{record['PolicyArn']}", {**record, "_owner": [entity, new]},
               parent=owner(entity, new))
