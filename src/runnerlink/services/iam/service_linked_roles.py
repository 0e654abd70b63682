"""Service-linked roles: CreateServiceLinkedRole for the services runnerlink emulates, their deletion and its
status. The role is protected: only its service changes or deletes it (records.roles.modifiable)."""

from __future__ import annotations

import uuid

from runnerlink.services.base import HandlerContext
from runnerlink.services.iam.errors import invalid_input, no_such_entity
from runnerlink.services.iam.records import attachments, inline, roles, service_linked

_NAME = "AWSServiceRoleFor"


def create_service_linked_role(ctx: HandlerContext, params: dict) -> dict:
    principal = params["AWSServiceName"]
    service = service_linked.SERVICES.get(principal)
    if service is None:
        raise invalid_input(f"Service role name could not be determined: {principal} is not a service that "
                            f"supports service-linked roles in runnerlink.")
    if params.get("CustomSuffix") and not service.custom_suffix:
        raise invalid_input(f"Custom suffix is not allowed for {principal}")
    name = service.role_name
    if roles.get(ctx.tx, name) is not None:
        raise invalid_input(f"Service role name {name} has been taken in this account, please try a different "
                            f"suffix.")
    role = roles.new(ctx, name, service.trust_policy, path=service.path, description=params.get("Description"),
                     service_linked=True)
    attachments.attach(ctx.tx, "role", name, service.policy_arn, service_linked=True)
    return {"Role": roles.view(role, last_used=False)}


def delete_service_linked_role(ctx: HandlerContext, params: dict) -> dict:
    role = roles.require(ctx.tx, params["RoleName"])
    if not role.get("_service_linked"):
        raise invalid_input(f"Role {role['RoleName']} is not a service-linked role.")
    name = role["RoleName"]
    principal = role["Path"].strip("/").split("/", 1)[-1]
    task = f"task/aws-service-role/{principal}/{name}/{uuid.uuid4()}"
    for attached in attachments.of(ctx.tx, "role", name):
        attachments.detach(ctx.tx, "role", name, attached["PolicyArn"])
    for record in inline.of(ctx.tx, "role", name):
        inline.delete(ctx.tx, "role", name, record["PolicyName"])
    ctx.tx.delete(roles.KIND, name)
    ctx.tx.put(service_linked.DELETION_TASK, task, {"DeletionTaskId": task, "Status": "SUCCEEDED"})
    return {"DeletionTaskId": task}


def get_service_linked_role_deletion_status(ctx: HandlerContext, params: dict) -> dict:
    task = ctx.tx.get(service_linked.DELETION_TASK, params["DeletionTaskId"])
    if task is None:
        raise no_such_entity(f"Deletion task {params['DeletionTaskId']} cannot be found.")
    return {"Status": task["Status"]}


HANDLERS = {
    "CreateServiceLinkedRole": create_service_linked_role,
    "DeleteServiceLinkedRole": delete_service_linked_role,
    "GetServiceLinkedRoleDeletionStatus": get_service_linked_role_deletion_status,
}
READ_ONLY = frozenset({"GetServiceLinkedRoleDeletionStatus"})
