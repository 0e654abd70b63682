"""A principal's identity policies as (name, document) pairs, for the identity source (services/iam/identity.py):
a user's inline and attached policies and those of its groups; a role's inline and attached policies. Attached
policies count by their default version; AWS managed ones come from the data file."""

from __future__ import annotations

from runnerlink.services.iam.records import attachments, inline, managed
from runnerlink.services.iam.records.entities import groups_of
from runnerlink.store import Transaction


def managed_document(tx: Transaction, policy_arn: str) -> str | None:
    """The default version's document of a managed policy (None: no such policy)."""
    record = managed.find(tx, policy_arn)
    return managed.default_version(record)["Document"] if record is not None else None


def boundary_document(tx: Transaction, record: dict) -> tuple[str, str] | None:
    """(policy ARN, document) of a user's or role's permissions boundary, or None."""
    arn = (record.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if arn is None:
        return None
    document = managed_document(tx, arn)
    return (arn, document) if document is not None else None


def _entity_policies(tx: Transaction, entity: str, name: str) -> list[tuple[str, str]]:
    found = [(p["PolicyName"], p["PolicyDocument"]) for p in inline.of(tx, entity, name)]
    for attached in attachments.of(tx, entity, name):
        document = managed_document(tx, attached["PolicyArn"])
        if document is not None:
            found.append((attached["PolicyArn"], document))
    return found


def user_policies(tx: Transaction, user_name: str) -> tuple[tuple[str, str], ...]:
    found = _entity_policies(tx, "user", user_name)
    for group in groups_of(tx, user_name):
        found += _entity_policies(tx, "group", group)
    return tuple(found)


def role_policies(tx: Transaction, role_name: str) -> tuple[tuple[str, str], ...]:
    return tuple(_entity_policies(tx, "role", role_name))
