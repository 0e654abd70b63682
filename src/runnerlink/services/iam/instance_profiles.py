"""Instance profile operations: create, read, list, delete, a role in and out (one at most), tags."""

from __future__ import annotations

from runnerlink.auth.keys import new_unique_id
from runnerlink.services.base import HandlerContext
from runnerlink.services.iam import ids
from runnerlink.services.iam.errors import already_exists, delete_conflict, limit_exceeded, no_such_entity
from runnerlink.services.iam.records import entity_tags, instance_profiles, roles
from runnerlink.services.iam.records.paging import page

KIND = instance_profiles.KIND


def create_instance_profile(ctx: HandlerContext, params: dict) -> dict:
    name = params["InstanceProfileName"]
    tags = entity_tags.checked(params.get("Tags"))
    entity_tags.too_many_on_create(tags)
    if ctx.tx.get(KIND, name) is not None:
        raise already_exists(f"Instance Profile {name} already exists.")
    path = params.get("Path")
    profile = {"InstanceProfileName": name, "InstanceProfileId": new_unique_id("AIPA"),
               "Arn": ids.instance_profile_arn(ctx.account, name, path), "Path": path or ids.DEFAULT_PATH,
               "CreateDate": ctx.now, "Roles": [], "Tags": tags}
    ctx.tx.put(KIND, name, profile)
    return {"InstanceProfile": instance_profiles.view(ctx.tx, profile)}


def get_instance_profile(ctx: HandlerContext, params: dict) -> dict:
    profile = instance_profiles.require(ctx.tx, params["InstanceProfileName"])
    return {"InstanceProfile": instance_profiles.view(ctx.tx, profile)}


def list_instance_profiles(ctx: HandlerContext, params: dict) -> dict:
    prefix = params.get("PathPrefix") or "/"
    found = [instance_profiles.view(ctx.tx, p) for p in ctx.tx.scan(KIND) if p["Path"].startswith(prefix)]
    return page(sorted(found, key=lambda p: p["InstanceProfileName"].lower()), params, "InstanceProfiles")


def list_instance_profiles_for_role(ctx: HandlerContext, params: dict) -> dict:
    role = roles.require(ctx.tx, params["RoleName"])
    found = [instance_profiles.view(ctx.tx, p) for p in instance_profiles.of_role(ctx.tx, role["RoleName"])]
    return page(found, params, "InstanceProfiles")


def delete_instance_profile(ctx: HandlerContext, params: dict) -> dict:
    profile = instance_profiles.require(ctx.tx, params["InstanceProfileName"])
    if profile.get("Roles"):
        raise delete_conflict("Cannot delete entity, must remove roles from instance profile first.")
    ctx.tx.delete(KIND, profile["InstanceProfileName"])
    return {}


def add_role_to_instance_profile(ctx: HandlerContext, params: dict) -> dict:
    profile = instance_profiles.require(ctx.tx, params["InstanceProfileName"])
    role = roles.require(ctx.tx, params["RoleName"])
    if profile["Roles"]:
        raise limit_exceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
    profile["Roles"] = [role["RoleName"]]
    ctx.tx.put(KIND, profile["InstanceProfileName"], profile)
    return {}


def remove_role_from_instance_profile(ctx: HandlerContext, params: dict) -> dict:
    profile = instance_profiles.require(ctx.tx, params["InstanceProfileName"])
    name = params["RoleName"]
    roles.require(ctx.tx, name)
    if name not in profile["Roles"]:
        raise no_such_entity(f"The role with name {name} cannot be found in instance profile "
                             f"{profile['InstanceProfileName']}.")
    profile["Roles"] = [r for r in profile["Roles"] if r != name]
    ctx.tx.put(KIND, profile["InstanceProfileName"], profile)
    return {}


def tag_instance_profile(ctx: HandlerContext, params: dict) -> dict:
    profile = instance_profiles.require(ctx.tx, params["InstanceProfileName"])
    profile["Tags"] = entity_tags.merged(profile.get("Tags", []), params["Tags"], "resource")
    ctx.tx.put(KIND, profile["InstanceProfileName"], profile)
    return {}


def untag_instance_profile(ctx: HandlerContext, params: dict) -> dict:
    profile = instance_profiles.require(ctx.tx, params["InstanceProfileName"])
    profile["Tags"] = entity_tags.without(profile.get("Tags", []), params["TagKeys"])
    ctx.tx.put(KIND, profile["InstanceProfileName"], profile)
    return {}


def list_instance_profile_tags(ctx: HandlerContext, params: dict) -> dict:
    profile = instance_profiles.require(ctx.tx, params["InstanceProfileName"])
    return page(list(profile.get("Tags", [])), params, "Tags")


HANDLERS = {
    "CreateInstanceProfile": create_instance_profile, "GetInstanceProfile": get_instance_profile,
    "ListInstanceProfiles": list_instance_profiles, "ListInstanceProfilesForRole": list_instance_profiles_for_role,
    "DeleteInstanceProfile": delete_instance_profile, "AddRoleToInstanceProfile": add_role_to_instance_profile,
    "RemoveRoleFromInstanceProfile": remove_role_from_instance_profile,
    "TagInstanceProfile": tag_instance_profile, "UntagInstanceProfile": untag_instance_profile,
    "ListInstanceProfileTags": list_instance_profile_tags,
}
READ_ONLY = frozenset({"GetInstanceProfile", "ListInstanceProfiles", "ListInstanceProfilesForRole",
                       "ListInstanceProfileTags"})
