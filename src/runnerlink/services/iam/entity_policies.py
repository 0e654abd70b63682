"""The policies of users, groups and roles: inline ones (Put/Get/List/Delete{User,Group,Role}Policy, size-limited
per entity type) and attached managed ones (Attach/Detach/ListAttached{User,Group,Role}Policies, 10 per entity)."""

from __future__ import annotations

from typing import Callable

from runnerlink.services.base import HandlerContext
from runnerlink.services.iam.records import attachments, documents, entities, inline, managed, roles
from runnerlink.services.iam.records.paging import page

_ENTITIES = {"User": ("user", entities.USER, "UserName"), "Group": ("group", entities.GROUP, "GroupName"),
             "Role": ("role", entities.ROLE, "RoleName")}


def _owner(ctx: HandlerContext, params: dict, label: str, change: bool = False) -> tuple[str, str]:
    """(entity type, name) of the entity the request names; for a change, a service-linked role is refused
    (UnmodifiableEntity: only its service changes it)."""
    entity, kind, field = _ENTITIES[label]
    record = entities.get(ctx.tx, kind, params[field])
    if change and entity == "role":
        roles.modifiable(record)
    return entity, record[field]


def _put(label: str) -> Callable:
    def handler(ctx: HandlerContext, params: dict) -> dict:
        entity, name = _owner(ctx, params, label, change=True)
        documents.check(params["PolicyDocument"], entity=entity, name=name)
        inline.put(ctx.tx, entity, name, params["PolicyName"], params["PolicyDocument"])
        return {}
    return handler


def _get(label: str) -> Callable:
    def handler(ctx: HandlerContext, params: dict) -> dict:
        entity, name = _owner(ctx, params, label)
        record = inline.get(ctx.tx, entity, name, params["PolicyName"])
        return {_ENTITIES[label][2]: name, "PolicyName": record["PolicyName"],
                "PolicyDocument": documents.encoded(record["PolicyDocument"])}
    return handler


def _list(label: str) -> Callable:
    def handler(ctx: HandlerContext, params: dict) -> dict:
        entity, name = _owner(ctx, params, label)
        return page(sorted(p["PolicyName"] for p in inline.of(ctx.tx, entity, name)), params, "PolicyNames")
    return handler


def _delete(label: str) -> Callable:
    def handler(ctx: HandlerContext, params: dict) -> dict:
        entity, name = _owner(ctx, params, label, change=True)
        inline.delete(ctx.tx, entity, name, params["PolicyName"])
        return {}
    return handler


def _attach(label: str) -> Callable:
    def handler(ctx: HandlerContext, params: dict) -> dict:
        entity, name = _owner(ctx, params, label, change=True)
        attachments.attach(ctx.tx, entity, name, params["PolicyArn"])
        return {}
    return handler


def _detach(label: str) -> Callable:
    def handler(ctx: HandlerContext, params: dict) -> dict:
        entity, name = _owner(ctx, params, label, change=True)
        attachments.detach(ctx.tx, entity, name, params["PolicyArn"])
        return {}
    return handler


def _list_attached(label: str) -> Callable:
    def handler(ctx: HandlerContext, params: dict) -> dict:
        entity, name = _owner(ctx, params, label)
        prefix = params.get("PathPrefix") or "/"
        found = []
        for attached in attachments.of(ctx.tx, entity, name):
            policy = managed.find(ctx.tx, attached["PolicyArn"])
            if policy is not None and policy["Path"].startswith(prefix):
                found.append({"PolicyName": attached["PolicyName"], "PolicyArn": attached["PolicyArn"]})
        return page(found, params, "AttachedPolicies")
    return handler


HANDLERS: dict[str, Callable] = {}
for _label in _ENTITIES:
    HANDLERS.update({
        f"Put{_label}Policy": _put(_label),
        f"Get{_label}Policy": _get(_label),
        f"List{_label}Policies": _list(_label),
        f"Delete{_label}Policy": _delete(_label),
        f"Attach{_label}Policy": _attach(_label),
        f"Detach{_label}Policy": _detach(_label),
        f"ListAttached{_label}Policies": _list_attached(_label),
    })
READ_ONLY = {f"{verb}{label}{noun}" for label in _ENTITIES
             for verb, noun in (("Get", "Policy"), ("List", "Policies"), ("ListAttached", "Policies"))}
