"""Role operations: create, read, list, update, delete, trust policy, permissions boundary, tags."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.iam.errors import already_exists
from runnerlink.services.iam.records import entity_tags, roles
from runnerlink.services.iam.records.paging import page


def create_role(ctx: HandlerContext, params: dict) -> dict:
    name = params["RoleName"]
    document = params["AssumeRolePolicyDocument"]
    roles.check_trust_policy(document)
    tags = entity_tags.checked(params.get("Tags"))
    entity_tags.too_many_on_create(tags)
    if any(role["RoleName"].lower() == name.lower() for role in ctx.tx.scan(roles.KIND)):
        raise already_exists(f"Role with name {name} already exists.")
    boundary = params.get("PermissionsBoundary")
    role = roles.new(ctx, name, document, path=params.get("Path"), description=params.get("Description"),
                     max_session=params.get("MaxSessionDuration"),
                     boundary=roles.check_boundary(ctx.tx, boundary) if boundary else None, tags=tags)
    return {"Role": roles.view(role, last_used=False)}


def get_role(ctx: HandlerContext, params: dict) -> dict:
    return {"Role": roles.view(roles.require(ctx.tx, params["RoleName"]))}


def list_roles(ctx: HandlerContext, params: dict) -> dict:
    prefix = params.get("PathPrefix") or "/"
    found = [roles.view(role, last_used=False) for role in ctx.tx.scan(roles.KIND) if role["Path"].startswith(prefix)]
    for role in found:  # ListRoles leaves out tags and the boundary, as on AWS
        role.pop("Tags", None)
        role.pop("PermissionsBoundary", None)
    return page(sorted(found, key=lambda role: role["RoleName"].lower()), params, "Roles")


def update_role(ctx: HandlerContext, params: dict) -> dict:
    role = roles.require(ctx.tx, params["RoleName"])
    if params.get("MaxSessionDuration") is not None:
        roles.modifiable(role)
    if "Description" in params:
        role["Description"] = params["Description"]
    if params.get("MaxSessionDuration") is not None:
        role["MaxSessionDuration"] = params["MaxSessionDuration"]
    ctx.tx.put(roles.KIND, role["RoleName"], role)
    return {}


def update_role_description(ctx: HandlerContext, params: dict) -> dict:
    role = roles.require(ctx.tx, params["RoleName"])  # a service-linked role's description is the user's to edit
    role["Description"] = params["Description"]
    ctx.tx.put(roles.KIND, role["RoleName"], role)
    return {"Role": roles.view(role)}


def update_assume_role_policy(ctx: HandlerContext, params: dict) -> dict:
    role = roles.modifiable(roles.require(ctx.tx, params["RoleName"]))
    roles.check_trust_policy(params["PolicyDocument"])
    role["AssumeRolePolicyDocument"] = params["PolicyDocument"]
    ctx.tx.put(roles.KIND, role["RoleName"], role)
    return {}


def delete_role(ctx: HandlerContext, params: dict) -> dict:
    role = roles.modifiable(roles.require(ctx.tx, params["RoleName"]))
    roles.check_deletable(ctx.tx, role)
    ctx.tx.delete(roles.KIND, role["RoleName"])
    return {}


def put_role_permissions_boundary(ctx: HandlerContext, params: dict) -> dict:
    role = roles.modifiable(roles.require(ctx.tx, params["RoleName"]))
    role["PermissionsBoundary"] = roles.check_boundary(ctx.tx, params["PermissionsBoundary"])
    ctx.tx.put(roles.KIND, role["RoleName"], role)
    return {}


def delete_role_permissions_boundary(ctx: HandlerContext, params: dict) -> dict:
    role = roles.modifiable(roles.require(ctx.tx, params["RoleName"]))
    role.pop("PermissionsBoundary", None)
    ctx.tx.put(roles.KIND, role["RoleName"], role)
    return {}


def tag_role(ctx: HandlerContext, params: dict) -> dict:
    roles.tag(ctx.tx, roles.require(ctx.tx, params["RoleName"]), params["Tags"])
    return {}


def untag_role(ctx: HandlerContext, params: dict) -> dict:
    role = roles.require(ctx.tx, params["RoleName"])
    role["Tags"] = entity_tags.without(role.get("Tags", []), params["TagKeys"])
    ctx.tx.put(roles.KIND, role["RoleName"], role)
    return {}


def list_role_tags(ctx: HandlerContext, params: dict) -> dict:
    return page(list(roles.require(ctx.tx, params["RoleName"]).get("Tags", [])), params, "Tags")


HANDLERS = {
    "CreateRole": create_role, "GetRole": get_role, "ListRoles": list_roles, "UpdateRole": update_role,
    "UpdateRoleDescription": update_role_description, "UpdateAssumeRolePolicy": update_assume_role_policy,
    "DeleteRole": delete_role, "PutRolePermissionsBoundary": put_role_permissions_boundary,
    "DeleteRolePermissionsBoundary": delete_role_permissions_boundary, "TagRole": tag_role,
    "UntagRole": untag_role, "ListRoleTags": list_role_tags,
}
READ_ONLY = frozenset({"GetRole", "ListRoles", "ListRoleTags"})
