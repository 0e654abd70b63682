"""Access keys of IAM users: create (the secret is shown once; 2 per user), list, activate or deactivate, delete,
last use. Without UserName, the calling user's own keys."""

from __future__ import annotations

from runnerlink.auth.keys import new_access_key_id, new_secret_access_key
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import public
from runnerlink.services.iam.errors import limit_exceeded, no_such_entity
from runnerlink.services.iam.records.entities import get_user
from runnerlink.services.iam.records.paging import page
from runnerlink.services.iam.records.users import ACCESS_KEY, caller_name

KEYS_PER_USER = 2


def _key(ctx: HandlerContext, key_id: str, user: str | None = None) -> dict:
    record = ctx.tx.get(ACCESS_KEY, key_id)
    if record is None or (user is not None and record["UserName"] != user):
        raise no_such_entity(f"The Access Key with id {key_id} cannot be found.")
    return record


def create_access_key(ctx: HandlerContext, params: dict) -> dict:
    user = get_user(ctx.tx, caller_name(ctx, params))["UserName"]
    if len(ctx.tx.scan(ACCESS_KEY, parent=user)) >= KEYS_PER_USER:
        raise limit_exceeded(f"Cannot exceed quota for AccessKeysPerUser: {KEYS_PER_USER}")
    secret = new_secret_access_key()
    record = {"AccessKeyId": new_access_key_id(ctx.account), "UserName": user, "Status": "Active",
              "CreateDate": ctx.now, "_secret": secret}
    ctx.tx.put(ACCESS_KEY, record["AccessKeyId"], record, parent=user)
    return {"AccessKey": {**public(record), "SecretAccessKey": secret}}


def list_access_keys(ctx: HandlerContext, params: dict) -> dict:
    user = get_user(ctx.tx, caller_name(ctx, params))["UserName"]
    return page([public(k) for k in ctx.tx.scan(ACCESS_KEY, parent=user)], params, "AccessKeyMetadata")


def update_access_key(ctx: HandlerContext, params: dict) -> dict:
    user = get_user(ctx.tx, caller_name(ctx, params))["UserName"]
    record = _key(ctx, params["AccessKeyId"], user)
    record["Status"] = params["Status"]
    ctx.tx.put(ACCESS_KEY, record["AccessKeyId"], record, parent=user)
    return {}


def delete_access_key(ctx: HandlerContext, params: dict) -> dict:
    user = get_user(ctx.tx, caller_name(ctx, params))["UserName"]
    ctx.tx.delete(ACCESS_KEY, _key(ctx, params["AccessKeyId"], user)["AccessKeyId"])
    return {}


def get_access_key_last_used(ctx: HandlerContext, params: dict) -> dict:
    record = _key(ctx, params["AccessKeyId"])
    used = record.get("_last_used")  # set by the edge once it records uses; until then AWS's "N/A" answer
    last = ({"LastUsedDate": used["at"], "ServiceName": used["service"], "Region": used["region"]} if used
            else {"ServiceName": "N/A", "Region": "N/A"})
    return {"UserName": record["UserName"], "AccessKeyLastUsed": last}


HANDLERS = {
    "CreateAccessKey": create_access_key,
    "ListAccessKeys": list_access_keys,
    "UpdateAccessKey": update_access_key,
    "DeleteAccessKey": delete_access_key,
    "GetAccessKeyLastUsed": get_access_key_last_used,
}
READ_ONLY = {"ListAccessKeys", "GetAccessKeyLastUsed"}
