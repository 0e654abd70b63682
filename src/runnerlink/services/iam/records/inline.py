"""Inline policies of users, groups and roles (kind iam_inline_policy, keyed "<entity>/<name>/<PolicyName>",
parent "<entity>/<name>")."""

from __future__ import annotations

from runnerlink.services.iam.errors import no_such_entity
from runnerlink.store import Transaction

INLINE = "iam_inline_policy"


def owner(entity: str, name: str) -> str:
    return f"{entity}/{name}"


def put(tx: Transaction, entity: str, name: str, policy_name: str, document: str) -> None:
    tx.put(INLINE, f"{owner(entity, name)}/{policy_name}", {"PolicyName": policy_name, "PolicyDocument": document},
           parent=owner(entity, name))


def get(tx: Transaction, entity: str, name: str, policy_name: str) -> dict:
    record = tx.get(INLINE, f"{owner(entity, name)}/{policy_name}")
    if record is None:
        raise no_such_entity(f"The {entity} policy with name {policy_name} cannot be found.")
    return record


def of(tx: Transaction, entity: str, name: str) -> list[dict]:
    return tx.scan(INLINE, parent=owner(entity, name))


def delete(tx: Transaction, entity: str, name: str, policy_name: str) -> None:
    get(tx, entity, name, policy_name)
    tx.delete(INLINE, f"{owner(entity, name)}/{policy_name}")


def move(tx: Transaction, entity: str, old: str, new: str) -> None:
    """A renamed entity keeps its inline policies."""
    for record in of(tx, entity, old):
        tx.delete(INLINE, f"{owner(entity, old)}/{record['PolicyName']}")
        put(tx, entity, new, record["PolicyName"], record["PolicyDocument"])
