"""The user records' shared mutations: create, rename (every record keyed by the name follows), the caller's own
user, and the views."""

from __future__ import annotations

from runnerlink.auth.keys import new_unique_id
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import public
from runnerlink.services.iam import ids
from runnerlink.services.iam.records import attachments, inline
from runnerlink.services.iam.records.entities import MEMBER, USER, not_a_user, user_by_arn
from runnerlink.store import Transaction

ACCESS_KEY = "iam_access_key"


def new_user(ctx: HandlerContext, name: str, path: str | None, tags: list[dict]) -> dict:
    path = path or ids.DEFAULT_PATH
    return {"UserName": name, "UserId": new_unique_id("AIDA"), "Arn": ids.user_arn(ctx.account, name, path),
            "Path": path, "CreateDate": ctx.now, "Tags": tags}


def view(record: dict, *, tags: bool = True) -> dict:
    shown = public(record)
    if not tags or not shown.get("Tags"):
        shown.pop("Tags", None)
    return shown


def list_view(record: dict) -> dict:
    """ListUsers and GetGroup leave out tags and boundaries, as AWS does."""
    shown = view(record, tags=False)
    shown.pop("PermissionsBoundary", None)
    return shown


def caller_name(ctx: HandlerContext, params: dict) -> str:
    """UserName, else the calling user's own (AWS refuses other callers without one)."""
    name = params.get("UserName")
    if name:
        return name
    record = user_by_arn(ctx.tx, ctx.principal_arn)
    if record is None:
        raise not_a_user()
    return record["UserName"]


def rename(tx: Transaction, record: dict, new_name: str, account: str, new_path: str | None) -> dict:
    old = record["UserName"]
    path = new_path or record["Path"]
    renamed = {**record, "UserName": new_name, "Path": path, "Arn": ids.user_arn(account, new_name, path)}
    if new_name != old:
        tx.delete(USER, old)
        for member in tx.scan(MEMBER, parent=old):
            tx.delete(MEMBER, f"{member['GroupName']}/{old}")
            tx.put(MEMBER, f"{member['GroupName']}/{new_name}", {**member, "UserName": new_name}, parent=new_name)
        for key in tx.scan(ACCESS_KEY, parent=old):
            tx.put(ACCESS_KEY, key["AccessKeyId"], {**key, "UserName": new_name}, parent=new_name)
        inline.move(tx, "user", old, new_name)
        attachments.move(tx, "user", old, new_name)
    tx.put(USER, new_name, renamed)
    return renamed
