"""IAM groups and their members: create, get (with its users, paged), list, rename or move, delete (not while it has
members or policies), add and remove users, a user's groups."""

from __future__ import annotations

from runnerlink.auth.keys import new_unique_id
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import public
from runnerlink.services.iam import ids
from runnerlink.services.iam.errors import delete_conflict, limit_exceeded, no_such_entity
from runnerlink.services.iam.records import attachments, entities, inline
from runnerlink.services.iam.records.entities import GROUP, MEMBER, check_new_name, get_group, get_user
from runnerlink.services.iam.records.paging import page
from runnerlink.services.iam.records.users import list_view

GROUPS_PER_USER = 10


def create_group(ctx: HandlerContext, params: dict) -> dict:
    name = params["GroupName"]
    check_new_name(ctx.tx, GROUP, name)
    path = params.get("Path") or ids.DEFAULT_PATH
    record = {"GroupName": name, "GroupId": new_unique_id("AGPA"), "Arn": ids.group_arn(ctx.account, name, path),
              "Path": path, "CreateDate": ctx.now}
    ctx.tx.put(GROUP, name, record)
    return {"Group": public(record)}


def get_group_(ctx: HandlerContext, params: dict) -> dict:
    record = get_group(ctx.tx, params["GroupName"])
    members = (ctx.tx.get(entities.USER, n) for n in entities.members_of(ctx.tx, record["GroupName"]))
    users = [list_view(u) for u in members if u is not None]
    return {"Group": public(record), **page(users, params, "Users")}


def list_groups(ctx: HandlerContext, params: dict) -> dict:
    groups = entities.path_prefix_filter(ctx.tx.scan(GROUP), params)
    return page([public(g) for g in sorted(groups, key=lambda g: g["GroupName"].lower())], params, "Groups")


def update_group(ctx: HandlerContext, params: dict) -> dict:
    record = get_group(ctx.tx, params["GroupName"])
    old = record["GroupName"]
    new = params.get("NewGroupName") or old
    if new != old:
        check_new_name(ctx.tx, GROUP, new)
    path = params.get("NewPath") or record["Path"]
    renamed = {**record, "GroupName": new, "Path": path, "Arn": ids.group_arn(ctx.account, new, path)}
    if new != old:
        ctx.tx.delete(GROUP, old)
        for member in [m for m in ctx.tx.scan(MEMBER) if m["GroupName"] == old]:
            ctx.tx.delete(MEMBER, f"{old}/{member['UserName']}")
            ctx.tx.put(MEMBER, f"{new}/{member['UserName']}", {**member, "GroupName": new}, parent=member["UserName"])
        inline.move(ctx.tx, "group", old, new)
        attachments.move(ctx.tx, "group", old, new)
    ctx.tx.put(GROUP, new, renamed)
    return {}


def delete_group(ctx: HandlerContext, params: dict) -> dict:
    name = get_group(ctx.tx, params["GroupName"])["GroupName"]
    if entities.members_of(ctx.tx, name):
        raise delete_conflict("Cannot delete entity, must remove users from group first.")
    if inline.of(ctx.tx, "group", name):
        raise delete_conflict("Cannot delete entity, must delete policies first.")
    if attachments.of(ctx.tx, "group", name):
        raise delete_conflict("Cannot delete entity, must detach all policies first.")
    ctx.tx.delete(GROUP, name)
    return {}


def add_user_to_group(ctx: HandlerContext, params: dict) -> dict:
    group = get_group(ctx.tx, params["GroupName"])["GroupName"]
    user = get_user(ctx.tx, params["UserName"])["UserName"]
    key = f"{group}/{user}"
    if ctx.tx.get(MEMBER, key) is None:
        if len(entities.groups_of(ctx.tx, user)) >= GROUPS_PER_USER:
            raise limit_exceeded(f"Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}")
        ctx.tx.put(MEMBER, key, {"GroupName": group, "UserName": user}, parent=user)
    return {}


def remove_user_from_group(ctx: HandlerContext, params: dict) -> dict:
    group = get_group(ctx.tx, params["GroupName"])["GroupName"]
    user = get_user(ctx.tx, params["UserName"])["UserName"]
    key = f"{group}/{user}"
    if ctx.tx.get(MEMBER, key) is None:
        raise no_such_entity(f"The user with name {user} cannot be found.")
    ctx.tx.delete(MEMBER, key)
    return {}


def list_groups_for_user(ctx: HandlerContext, params: dict) -> dict:
    user = get_user(ctx.tx, params["UserName"])["UserName"]
    groups = [ctx.tx.get(GROUP, name) for name in entities.groups_of(ctx.tx, user)]
    return page([public(g) for g in groups if g is not None], params, "Groups")


HANDLERS = {
    "CreateGroup": create_group,
    "GetGroup": get_group_,
    "ListGroups": list_groups,
    "UpdateGroup": update_group,
    "DeleteGroup": delete_group,
    "AddUserToGroup": add_user_to_group,
    "RemoveUserFromGroup": remove_user_from_group,
    "ListGroupsForUser": list_groups_for_user,
}
READ_ONLY = {"GetGroup", "ListGroups", "ListGroupsForUser"}
