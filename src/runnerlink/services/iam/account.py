"""The account's IAM at a glance: GetAccountSummary (counts and quotas) and GetAccountAuthorizationDetails (every user,
group, role and customer managed or attached policy with its policies, paged together)."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import public
from runnerlink.services.iam.records import attachments, documents, entities, inline, managed
from runnerlink.services.iam.records.paging import page

INSTANCE_PROFILE = "iam_instance_profile"

# AWS's default quotas (IAM and AWS STS quotas, IAM User Guide).
QUOTAS = {"UsersQuota": 5000, "GroupsQuota": 300, "RolesQuota": 1000, "PoliciesQuota": 1500,
          "InstanceProfilesQuota": 1000, "ServerCertificatesQuota": 20, "PolicyVersionsInUseQuota": 10000,
          "VersionsPerPolicyQuota": 5, "AttachedPoliciesPerUserQuota": 10, "AttachedPoliciesPerGroupQuota": 10,
          "AttachedPoliciesPerRoleQuota": 10, "AccessKeysPerUserQuota": 2, "GroupsPerUserQuota": 10,
          "SigningCertificatesPerUserQuota": 2, "PolicySizeQuota": 6144, "UserPolicySizeQuota": 2048,
          "GroupPolicySizeQuota": 5120, "RolePolicySizeQuota": 10240, "AssumeRolePolicySizeQuota": 2048}


def get_account_summary(ctx: HandlerContext, params: dict) -> dict:
    tx = ctx.tx
    own = tx.scan(managed.POLICY)
    in_use = sum(len(p["_versions"]) for p in own if p["AttachmentCount"] or p["PermissionsBoundaryUsageCount"])
    counts = {"Users": len(tx.scan(entities.USER)), "Groups": len(tx.scan(entities.GROUP)),
              "Roles": len(tx.scan(entities.ROLE)), "Policies": len(own),
              "InstanceProfiles": len(tx.scan(INSTANCE_PROFILE)), "PolicyVersionsInUse": in_use,
              "ServerCertificates": 0, "MFADevices": 0, "MFADevicesInUse": 0, "Providers": 0,
              "AccountMFAEnabled": 0, "AccountAccessKeysPresent": 0, "AccountPasswordPresent": 0,
              "AccountSigningCertificatesPresent": 0, "GlobalEndpointTokenVersion": 1}
    return {"SummaryMap": {**counts, **QUOTAS}}


def _inline(tx, entity: str, name: str) -> list[dict]:
    return [{"PolicyName": p["PolicyName"], "PolicyDocument": documents.encoded(p["PolicyDocument"])}
            for p in inline.of(tx, entity, name)]


def _attached(tx, entity: str, name: str) -> list[dict]:
    return [{"PolicyName": a["PolicyName"], "PolicyArn": a["PolicyArn"]} for a in attachments.of(tx, entity, name)]


def _tagged(record: dict) -> dict:
    shown = public(record)
    if not shown.get("Tags"):
        shown.pop("Tags", None)
    return shown


def get_account_authorization_details(ctx: HandlerContext, params: dict) -> dict:
    tx = ctx.tx
    wanted = set(params.get("Filter") or ("User", "Group", "Role", "LocalManagedPolicy", "AWSManagedPolicy"))
    items: list[tuple[str, dict]] = []
    if "User" in wanted:
        for user in tx.scan(entities.USER):
            name = user["UserName"]
            items.append(("UserDetailList", {**_tagged(user), "UserPolicyList": _inline(tx, "user", name),
                                             "GroupList": entities.groups_of(tx, name),
                                             "AttachedManagedPolicies": _attached(tx, "user", name)}))
    if "Group" in wanted:
        for group in tx.scan(entities.GROUP):
            name = group["GroupName"]
            items.append(("GroupDetailList", {**public(group), "GroupPolicyList": _inline(tx, "group", name),
                                              "AttachedManagedPolicies": _attached(tx, "group", name)}))
    if "Role" in wanted:
        profiles = tx.scan(INSTANCE_PROFILE)
        for role in tx.scan(entities.ROLE):
            name = role["RoleName"]
            shown = {k: v for k, v in _tagged(role).items() if k in ("Path", "RoleName", "RoleId", "Arn", "CreateDate",
                                                                     "PermissionsBoundary", "Tags")}
            shown["AssumeRolePolicyDocument"] = documents.encoded(role.get("AssumeRolePolicyDocument") or "")
            shown["InstanceProfileList"] = [_profile(tx, p) for p in profiles if name in p.get("Roles", [])]
            items.append(("RoleDetailList", {**shown, "RolePolicyList": _inline(tx, "role", name),
                                             "AttachedManagedPolicies": _attached(tx, "role", name)}))
    for policy in managed.all_policies(tx):
        aws = managed.is_aws_managed(policy["Arn"])
        if ("AWSManagedPolicy" if aws else "LocalManagedPolicy") not in wanted:
            continue
        if aws and not (policy["AttachmentCount"] or policy["PermissionsBoundaryUsageCount"]):
            continue  # AWS lists only the AWS managed policies the account uses
        versions = [{**{k: v for k, v in version.items() if k != "Document"},
                     "Document": documents.encoded(version["Document"])} for version in policy["_versions"]]
        shown = managed.view(policy)
        shown.pop("Tags", None)
        items.append(("Policies", {**shown, "PolicyVersionList": versions}))
    answer = page(items, params, "_items")
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"):
        answer[key] = [item for k, item in answer["_items"] if k == key]
    del answer["_items"]
    return answer


def _profile(tx, profile: dict) -> dict:
    """An instance profile as RoleDetail lists it: with its roles' records."""
    roles = [r for r in (tx.get(entities.ROLE, n) for n in profile.get("Roles", [])) if r is not None]
    shown = {k: v for k, v in public(profile).items() if k != "Tags"}
    shown["Roles"] = [{k: v for k, v in public(r).items() if k in ("Path", "RoleName", "RoleId", "Arn", "CreateDate")}
                      | {"AssumeRolePolicyDocument": documents.encoded(r.get("AssumeRolePolicyDocument") or "")}
                      for r in roles]
    return shown


HANDLERS = {
    "GetAccountSummary": get_account_summary,
    "GetAccountAuthorizationDetails": get_account_authorization_details,
}
READ_ONLY = set(HANDLERS)
