"""Managed policies: create (validated by the policy engine), get, list (scope, attached only, path, usage), delete
(not while attached or with versions besides the default), versions (at most 5, one default), the entities a policy
is attached to, tags. AWS managed policies are read-only."""

from __future__ import annotations

from runnerlink.auth.keys import new_unique_id
from runnerlink.services.base import HandlerContext
from runnerlink.services.iam import ids
from runnerlink.services.iam.errors import already_exists, delete_conflict, limit_exceeded
from runnerlink.services.iam.records import attachments, documents, entities, managed
from runnerlink.services.iam.records.managed import POLICY, VERSION_LIMIT
from runnerlink.services.iam.records.paging import page


def create_policy(ctx: HandlerContext, params: dict) -> dict:
    name = params["PolicyName"]
    path = params.get("Path") or ids.DEFAULT_PATH
    if any(p["PolicyName"].lower() == name.lower() for p in ctx.tx.scan(POLICY)):
        raise already_exists(f"A policy called {name} already exists. Duplicate names are not allowed.")
    document = params["PolicyDocument"]
    documents.check(document)
    record = {"PolicyName": name, "PolicyId": new_unique_id("ANPA"), "Arn": ids.policy_arn(ctx.account, name, path),
              "Path": path, "DefaultVersionId": "v1", "AttachmentCount": 0, "PermissionsBoundaryUsageCount": 0,
              "IsAttachable": True, "CreateDate": ctx.now, "UpdateDate": ctx.now, "Tags": entities.tags(params),
              "_versions": [_version(1, document, True, ctx.now)], "_next_version": 2}
    if params.get("Description") is not None:
        record["Description"] = params["Description"]
    managed.save(ctx.tx, record)
    view = managed.view(record)
    view.pop("Description", None)  # CreatePolicy's answer leaves it out, as AWS's does
    return {"Policy": view}


def _version(number: int, document: str, default: bool, now: float) -> dict:
    return {"VersionId": f"v{number}", "Document": document, "IsDefaultVersion": default, "CreateDate": now}


def get_policy(ctx: HandlerContext, params: dict) -> dict:
    return {"Policy": managed.view(managed.get(ctx.tx, params["PolicyArn"]))}


def list_policies(ctx: HandlerContext, params: dict) -> dict:
    scope = params.get("Scope") or "All"
    usage = params.get("PolicyUsageFilter")
    prefix = params.get("PathPrefix") or "/"
    found = []
    for record in managed.all_policies(ctx.tx):
        aws = managed.is_aws_managed(record["Arn"])
        if (scope == "AWS" and not aws) or (scope == "Local" and aws) or not record["Path"].startswith(prefix):
            continue
        if params.get("OnlyAttached"):
            uses = {"PermissionsPolicy": record["AttachmentCount"],
                    "PermissionsBoundary": record["PermissionsBoundaryUsageCount"]}
            if not (uses[usage] if usage else sum(uses.values())):
                continue
        shown = managed.view(record)
        shown.pop("Tags", None)
        shown.pop("Description", None)
        found.append(shown)
    return page(found, params, "Policies")


def delete_policy(ctx: HandlerContext, params: dict) -> dict:
    record = managed.get_own(ctx.tx, params["PolicyArn"])
    if record["AttachmentCount"] or record["PermissionsBoundaryUsageCount"]:
        raise delete_conflict("Cannot delete a policy attached to entities.")
    if len(record["_versions"]) > 1:
        raise delete_conflict("This policy has more than one version. Before you delete a policy, you must delete "
                              "the policy's versions. The default version is deleted with the policy.")
    ctx.tx.delete(POLICY, record["Arn"])
    return {}


def create_policy_version(ctx: HandlerContext, params: dict) -> dict:
    record = managed.get_own(ctx.tx, params["PolicyArn"])
    if len(record["_versions"]) >= VERSION_LIMIT:
        raise limit_exceeded("A managed policy can have up to 5 versions. Before you create a new version, you must "
                             "delete an existing version.")
    documents.check(params["PolicyDocument"])
    default = bool(params.get("SetAsDefault"))
    number = record.get("_next_version", len(record["_versions"]) + 1)
    version = _version(number, params["PolicyDocument"], default, ctx.now)
    if default:
        _make_default(record, version["VersionId"], [version])
    record["_versions"].append(version)
    record["_next_version"] = number + 1
    record["UpdateDate"] = ctx.now
    managed.save(ctx.tx, record)
    return {"PolicyVersion": _version_view(version, document=False)}


def _make_default(record: dict, version_id: str, extra: list[dict] = ()) -> None:
    for version in list(record["_versions"]) + list(extra):
        version["IsDefaultVersion"] = version["VersionId"] == version_id
    record["DefaultVersionId"] = version_id


def _version_view(version: dict, *, document: bool = True) -> dict:
    shown = {k: v for k, v in version.items() if k != "Document"}
    if document:
        shown["Document"] = documents.encoded(version["Document"])
    return shown


def get_policy_version(ctx: HandlerContext, params: dict) -> dict:
    record = managed.get(ctx.tx, params["PolicyArn"])
    return {"PolicyVersion": _version_view(managed.get_version(record, params["VersionId"]))}


def list_policy_versions(ctx: HandlerContext, params: dict) -> dict:
    record = managed.get(ctx.tx, params["PolicyArn"])
    newest_first = sorted(record["_versions"], key=lambda v: int(v["VersionId"][1:]), reverse=True)
    return page([_version_view(v, document=False) for v in newest_first], params, "Versions")


def delete_policy_version(ctx: HandlerContext, params: dict) -> dict:
    record = managed.get_own(ctx.tx, params["PolicyArn"])
    version = managed.get_version(record, params["VersionId"])
    if version["IsDefaultVersion"]:
        raise delete_conflict("Cannot delete the default version of a policy.")
    record["_versions"] = [v for v in record["_versions"] if v["VersionId"] != version["VersionId"]]
    managed.save(ctx.tx, record)
    return {}


def set_default_policy_version(ctx: HandlerContext, params: dict) -> dict:
    record = managed.get_own(ctx.tx, params["PolicyArn"])
    version = managed.get_version(record, params["VersionId"])
    _make_default(record, version["VersionId"])
    record["UpdateDate"] = ctx.now
    managed.save(ctx.tx, record)
    return {}


_ENTITY_FILTERS = {"User": ("user",), "Group": ("group",), "Role": ("role",)}
_KINDS = {"user": (entities.USER, "UserName", "UserId", "PolicyUsers"),
          "group": (entities.GROUP, "GroupName", "GroupId", "PolicyGroups"),
          "role": (entities.ROLE, "RoleName", "RoleId", "PolicyRoles")}


def list_entities_for_policy(ctx: HandlerContext, params: dict) -> dict:
    arn = managed.get(ctx.tx, params["PolicyArn"])["Arn"]
    wanted = _ENTITY_FILTERS.get(params.get("EntityFilter") or "", ("user", "group", "role"))
    if params.get("EntityFilter") in ("LocalManagedPolicy", "AWSManagedPolicy"):
        wanted = ("user", "group", "role") if (params["EntityFilter"] == "AWSManagedPolicy") == \
            managed.is_aws_managed(arn) else ()
    usage = params.get("PolicyUsageFilter")
    owners: list[tuple[str, str]] = []
    if usage != "PermissionsBoundary":
        owners += attachments.entities_of(ctx.tx, arn)
    if usage != "PermissionsPolicy":
        for entity in ("user", "role"):
            kind, name_field = _KINDS[entity][:2]
            owners += [(entity, r[name_field]) for r in ctx.tx.scan(kind)
                       if (r.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn") == arn]
    prefix = params.get("PathPrefix") or "/"
    items = []
    for entity, name in dict.fromkeys(owners):
        kind, name_field, id_field, _ = _KINDS[entity]
        record = ctx.tx.get(kind, name)
        if entity in wanted and record is not None and record.get("Path", "/").startswith(prefix):
            items.append((entity, {name_field: record[name_field], id_field: record[id_field]}))
    answer = page(items, params, "_items")
    for entity in ("user", "group", "role"):
        answer[_KINDS[entity][3]] = [item for e, item in answer["_items"] if e == entity]
    del answer["_items"]
    return answer


def tag_policy(ctx: HandlerContext, params: dict) -> dict:
    record = managed.get_own(ctx.tx, params["PolicyArn"])
    entities.tag(record, params["Tags"])
    managed.save(ctx.tx, record)
    return {}


def untag_policy(ctx: HandlerContext, params: dict) -> dict:
    record = managed.get_own(ctx.tx, params["PolicyArn"])
    entities.untag(record, params["TagKeys"])
    managed.save(ctx.tx, record)
    return {}


def list_policy_tags(ctx: HandlerContext, params: dict) -> dict:
    return page(managed.get(ctx.tx, params["PolicyArn"]).get("Tags", []), params, "Tags")


HANDLERS = {
    "CreatePolicy": create_policy,
    "GetPolicy": get_policy,
    "ListPolicies": list_policies,
    "DeletePolicy": delete_policy,
    "CreatePolicyVersion": create_policy_version,
    "GetPolicyVersion": get_policy_version,
    "ListPolicyVersions": list_policy_versions,
    "DeletePolicyVersion": delete_policy_version,
    "SetDefaultPolicyVersion": set_default_policy_version,
    "ListEntitiesForPolicy": list_entities_for_policy,
    "TagPolicy": tag_policy,
    "UntagPolicy": untag_policy,
    "ListPolicyTags": list_policy_tags,
}
READ_ONLY = {"GetPolicy", "ListPolicies", "GetPolicyVersion", "ListPolicyVersions", "ListEntitiesForPolicy",
             "ListPolicyTags"}
