"""Users, groups and roles as stored (kinds iam_user, iam_group, iam_group_member; iam_role is the roles module's),
their lookups with AWS's NoSuchEntity wording, and the names IAM compares without case."""

from __future__ import annotations

from runnerlink.services.iam.errors import IAMError, already_exists, no_such_entity
from runnerlink.services.iam.records import entity_tags
from runnerlink.store import Transaction

USER = "iam_user"
GROUP = "iam_group"
MEMBER = "iam_group_member"
ROLE = "iam_role"

_NOUNS = {USER: "user", GROUP: "group", ROLE: "role"}


def get(tx: Transaction, kind: str, name: str) -> dict:
    record = tx.get(kind, name)
    if record is None:
        raise no_such_entity(f"The {_NOUNS[kind]} with name {name} cannot be found.")
    return record


def get_user(tx: Transaction, name: str) -> dict:
    return get(tx, USER, name)


def get_group(tx: Transaction, name: str) -> dict:
    return get(tx, GROUP, name)


def check_new_name(tx: Transaction, kind: str, name: str) -> None:
    """IAM names are unique without regard to case: "Bob" can't be created beside "bob"."""
    lowered = name.lower()
    field = "UserName" if kind == USER else "GroupName" if kind == GROUP else "RoleName"
    if tx.get(kind, name) is not None or any(r[field].lower() == lowered for r in tx.scan(kind)):
        raise already_exists(f"{_NOUNS[kind].capitalize()} with name {name} already exists.")


def user_by_arn(tx: Transaction, arn: str) -> dict | None:
    return next((u for u in tx.scan(USER) if u["Arn"] == arn), None)


def groups_of(tx: Transaction, user_name: str) -> list[str]:
    return [m["GroupName"] for m in tx.scan(MEMBER, parent=user_name)]


def members_of(tx: Transaction, group_name: str) -> list[str]:
    return [m["UserName"] for m in tx.scan(MEMBER) if m["GroupName"] == group_name]


def tags(params: dict) -> list[dict]:
    """A create request's tags, by the rules every IAM entity shares (records/entity_tags.py)."""
    found = entity_tags.checked(params.get("Tags"))
    entity_tags.too_many_on_create(found)
    return found


def tag(record: dict, new: list | None) -> None:
    record["Tags"] = entity_tags.merged(record.get("Tags", []), new or [], "resource")


def untag(record: dict, keys: list[str]) -> None:
    record["Tags"] = entity_tags.without(record.get("Tags", []), keys)


def path_prefix_filter(records: list[dict], params: dict) -> list[dict]:
    prefix = params.get("PathPrefix") or "/"
    return [r for r in records if r.get("Path", "/").startswith(prefix)]


def not_a_user(message: str = "Must specify userName when calling with non-User credentials") -> IAMError:
    return IAMError("ValidationError", message, 400)
