"""IAM users: create, get (the caller's own without a name; root's shape for the root user), list, rename or move,
delete (not while anything still belongs to it), tags and permissions boundaries."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext, root_arn
from runnerlink.services.iam.errors import delete_conflict
from runnerlink.services.iam.records import attachments, boundaries, entities, inline
from runnerlink.services.iam.records.entities import USER, check_new_name, get_user
from runnerlink.services.iam.records.paging import page
from runnerlink.services.iam.records.users import ACCESS_KEY, list_view, new_user, rename, view


def create_user(ctx: HandlerContext, params: dict) -> dict:
    name = params["UserName"]
    check_new_name(ctx.tx, USER, name)
    record = new_user(ctx, name, params.get("Path"), entities.tags(params))
    if params.get("PermissionsBoundary"):
        boundaries.set_boundary(ctx.tx, record, params["PermissionsBoundary"])
    ctx.tx.put(USER, name, record)
    return {"User": view(record)}


def get_user_(ctx: HandlerContext, params: dict) -> dict:
    name = params.get("UserName")
    if not name:
        if ctx.principal_arn == root_arn(ctx.account):
            # The root user: its account id as its UserId and no name or path of its own.
            return {"User": {"UserId": ctx.account, "Arn": ctx.principal_arn, "CreateDate": 0.0}}
        record = entities.user_by_arn(ctx.tx, ctx.principal_arn)
        if record is None:
            raise entities.not_a_user()
        return {"User": view(record)}
    return {"User": view(get_user(ctx.tx, name))}


def list_users(ctx: HandlerContext, params: dict) -> dict:
    users = entities.path_prefix_filter(ctx.tx.scan(USER), params)
    return page([list_view(u) for u in sorted(users, key=lambda u: u["UserName"].lower())], params, "Users")


def update_user(ctx: HandlerContext, params: dict) -> dict:
    record = get_user(ctx.tx, params["UserName"])
    new_name = params.get("NewUserName") or record["UserName"]
    if new_name != record["UserName"]:
        check_new_name(ctx.tx, USER, new_name)
    rename(ctx.tx, record, new_name, ctx.account, params.get("NewPath"))
    return {}


def delete_user(ctx: HandlerContext, params: dict) -> dict:
    name = params["UserName"]
    record = get_user(ctx.tx, name)
    if ctx.tx.scan(ACCESS_KEY, parent=name):
        raise delete_conflict("Cannot delete entity, must delete access keys first.")
    if inline.of(ctx.tx, "user", name):
        raise delete_conflict("Cannot delete entity, must delete policies first.")
    if attachments.of(ctx.tx, "user", name):
        raise delete_conflict("Cannot delete entity, must detach all policies first.")
    if entities.groups_of(ctx.tx, name):
        raise delete_conflict("Cannot delete entity, must remove user from all groups first.")
    boundaries.set_boundary(ctx.tx, record, None)
    ctx.tx.delete(USER, name)
    return {}


def tag_user(ctx: HandlerContext, params: dict) -> dict:
    record = get_user(ctx.tx, params["UserName"])
    entities.tag(record, params["Tags"])
    ctx.tx.put(USER, record["UserName"], record)
    return {}


def untag_user(ctx: HandlerContext, params: dict) -> dict:
    record = get_user(ctx.tx, params["UserName"])
    entities.untag(record, params["TagKeys"])
    ctx.tx.put(USER, record["UserName"], record)
    return {}


def list_user_tags(ctx: HandlerContext, params: dict) -> dict:
    return page(get_user(ctx.tx, params["UserName"]).get("Tags", []), params, "Tags")


def put_user_permissions_boundary(ctx: HandlerContext, params: dict) -> dict:
    record = get_user(ctx.tx, params["UserName"])
    boundaries.set_boundary(ctx.tx, record, params["PermissionsBoundary"])
    ctx.tx.put(USER, record["UserName"], record)
    return {}


def delete_user_permissions_boundary(ctx: HandlerContext, params: dict) -> dict:
    record = get_user(ctx.tx, params["UserName"])
    boundaries.set_boundary(ctx.tx, record, None)
    ctx.tx.put(USER, record["UserName"], record)
    return {}


HANDLERS = {
    "CreateUser": create_user,
    "GetUser": get_user_,
    "ListUsers": list_users,
    "UpdateUser": update_user,
    "DeleteUser": delete_user,
    "TagUser": tag_user,
    "UntagUser": untag_user,
    "ListUserTags": list_user_tags,
    "PutUserPermissionsBoundary": put_user_permissions_boundary,
    "DeleteUserPermissionsBoundary": delete_user_permissions_boundary,
}
# GetUser without UserName answers the caller: the edge's read cache keys answers by principal too.
READ_ONLY = {"GetUser", "ListUsers", "ListUserTags"}
