"""Permissions boundaries: the managed policy a user or role names as its boundary, checked and counted."""

from __future__ import annotations

from runnerlink.services.iam.records import managed
from runnerlink.store import Transaction


def boundary_policy(tx: Transaction, policy_arn: str) -> dict:
    """The managed policy a PermissionsBoundary names (AWS's InvalidInput for no policy ARN, NoSuchEntity for one
    that doesn't exist). Users and roles both check theirs here."""
    return managed.get(tx, policy_arn)


def set_boundary(tx: Transaction, record: dict, policy_arn: str | None) -> None:
    """Set (None: remove) an entity record's PermissionsBoundary, keeping the policies' usage counts."""
    old = (record.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if policy_arn is not None:
        boundary_policy(tx, policy_arn)
    if old == policy_arn:
        return
    if old is not None:
        managed.count(tx, old, "PermissionsBoundaryUsageCount", -1)
        record.pop("PermissionsBoundary", None)
    if policy_arn is not None:
        managed.count(tx, policy_arn, "PermissionsBoundaryUsageCount", 1)
        record["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": policy_arn}
