"""The policies attached to IAM entities, read from the records of the identity contract (docs/layout.md):
`iam_inline_policy` and `iam_attachment` under parent "<entity>/<name>", customer managed `iam_policy` records.

Interim copy of the reader the IAM users-and-policies work provides under the same names and signatures; on merge
that module (which also reads the AWS managed policies' data) replaces this one.
"""

from __future__ import annotations

from runnerlink.store import Transaction

INLINE = "iam_inline_policy"
ATTACHMENT = "iam_attachment"
POLICY = "iam_policy"


def _entity_policies(tx: Transaction, parent: str) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = [(r["PolicyName"], r["PolicyDocument"]) for r in tx.scan(INLINE, parent=parent)]
    for attachment in tx.scan(ATTACHMENT, parent=parent):
        document = managed_document(tx, attachment["PolicyArn"])
        if document is not None:
            found.append((attachment["PolicyArn"], document))  # managed policies are named by ARN
    return tuple(found)


def role_policies(tx: Transaction, role_name: str) -> tuple[tuple[str, str], ...]:
    """(name, document) of the role's inline and attached managed policies."""
    return _entity_policies(tx, f"role/{role_name}")


def user_policies(tx: Transaction, user_name: str) -> tuple[tuple[str, str], ...]:
    """(name, document) of the user's inline and attached policies, then those of each of its groups."""
    found = list(_entity_policies(tx, f"user/{user_name}"))
    for member in tx.scan("iam_group_member", parent=user_name):
        found.extend(_entity_policies(tx, f"group/{member['GroupName']}"))
    return tuple(found)


def managed_document(tx: Transaction, policy_arn: str) -> str | None:
    """The default version's document of a managed policy, or None when there is no such policy."""
    record = tx.get(POLICY, policy_arn)
    if record is None:
        return None
    for version in record.get("_versions", []):
        if version.get("IsDefaultVersion"):
            return version["Document"]
    return None
