"""Instance profiles (`iam_instance_profile` [InstanceProfileName]): lookups and the API view (with its roles)."""

from __future__ import annotations

from runnerlink.services.common import public
from runnerlink.services.iam.errors import no_such_entity
from runnerlink.services.iam.records import roles
from runnerlink.store import Transaction

KIND = roles.INSTANCE_PROFILE


def require(tx: Transaction, name: str) -> dict:
    profile = tx.get(KIND, name)
    if profile is None:
        raise no_such_entity(f"Instance Profile {name} cannot be found.")
    return profile


def view(tx: Transaction, profile: dict) -> dict:
    shown = public(profile)
    shown["Roles"] = [roles.view(role, last_used=False) for name in profile.get("Roles", [])
                      if (role := roles.get(tx, name)) is not None]
    if not shown.get("Tags"):
        shown.pop("Tags", None)
    return shown


def of_role(tx: Transaction, role_name: str) -> list[dict]:
    return [profile for profile in tx.scan(KIND) if role_name in profile.get("Roles", [])]
