"""Auto scaling configurations: revisioned, one account-wide default, statuses in lowercase as the live API sends them.

Every account/region starts with App Runner's DefaultConfiguration (revision 1, id 000…001), seeded lazily the first
time any function here touches the scope. Its record is never removed (deleting marks it inactive), so its presence
is also the marker that seeding happened.
"""

from __future__ import annotations

from runnerlink.services.apprunner import ids, revisions
from runnerlink.services.apprunner.common import AUTO_SCALING, check_tags, paginate, public
from runnerlink.services.apprunner.errors import InvalidRequest, ResourceNotFound
from runnerlink.services.base import HandlerContext

ACTIVE = "active"
INACTIVE = "inactive"
FIELD = "AutoScalingConfigurationArn"
DEFAULTS = {"MaxConcurrency": 100, "MinSize": 1, "MaxSize": 25}
IN_USE = ("You can't delete the auto scaling configuration. It's used by one or more services. "
          "To delete it, update the services to use other auto scaling configurations.")

SPEC = revisions.Revisioned(kind=AUTO_SCALING, prefix="AutoScalingConfiguration", label="auto scaling configuration",
                            active=ACTIVE, inactive=INACTIVE, name_quota=10, revision_quota=5)


def _default_arn(ctx: HandlerContext) -> str:
    return SPEC.new_arn(ctx, ids.DEFAULT_ASC_NAME, 1, ids.DEFAULT_ASC_ID)


def _new_record(ctx: HandlerContext, arn: str, name: str, revision: int, settings: dict) -> dict:
    return {
        "AutoScalingConfigurationArn": arn,
        "AutoScalingConfigurationName": name,
        "AutoScalingConfigurationRevision": revision,
        "Status": ACTIVE,
        **settings,
        "CreatedAt": ctx.now,
        "IsDefault": False,
        "_tags": [],
    }


def _records(ctx: HandlerContext) -> list[dict]:
    """Every revision in the scope (active or not), seeding App Runner's DefaultConfiguration on first use."""
    arn = _default_arn(ctx)
    if ctx.tx.get(AUTO_SCALING, arn) is None:
        record = _new_record(ctx, arn, ids.DEFAULT_ASC_NAME, 1, DEFAULTS)
        record.update(IsDefault=True, _provided=True)
        ctx.tx.put(AUTO_SCALING, arn, record)
    return ctx.tx.scan(AUTO_SCALING)


def _used_arns(ctx: HandlerContext) -> dict[str, list[str]]:
    """Configuration ARN → the ARNs of the live services using it."""
    from runnerlink.services.apprunner import services

    used: dict[str, list[str]] = {}
    for service in services.live_services(ctx):
        arn = (service.get("AutoScalingConfigurationSummary") or {}).get("AutoScalingConfigurationArn")
        if arn:
            used.setdefault(arn, []).append(service["ServiceArn"])
    return used


def _view(records: list[dict], record: dict, used: dict[str, list[str]]) -> dict:
    return {**public(record), "Latest": revisions.is_latest(SPEC, records, record),
            "HasAssociatedService": bool(used.get(record["AutoScalingConfigurationArn"]))}


def summary(ctx: HandlerContext, record: dict) -> dict:
    """The AutoScalingConfigurationSummary a Service embeds.

    HasAssociatedService is true: the embedding service uses it. Deliberately not computed from live_services, so
    services.py can call this while building the very views live_services returns.
    """
    return {**_summary_fields(record), "HasAssociatedService": True}


def _summary_fields(record: dict) -> dict:
    keys = ("AutoScalingConfigurationArn", "AutoScalingConfigurationName", "AutoScalingConfigurationRevision",
            "Status", "CreatedAt", "IsDefault")
    return {k: record[k] for k in keys}


def resolve_auto_scaling(ctx: HandlerContext, arn: str) -> dict:
    """The active revision a full or partial ARN names (…/name means the latest active revision)."""
    return revisions.lookup(ctx, SPEC, _records(ctx), arn, FIELD, allow_inactive=False)


def default_auto_scaling(ctx: HandlerContext) -> dict:
    """The account's current default configuration."""
    records = _records(ctx)
    for record in records:
        if record["IsDefault"] and record["Status"] == ACTIVE:
            return record
    raise ResourceNotFound("This account has no default auto scaling configuration.")  # unreachable: see delete


def create_auto_scaling_configuration(ctx: HandlerContext, params: dict) -> dict:
    name = params["AutoScalingConfigurationName"]
    settings = {key: params.get(key, value) for key, value in DEFAULTS.items()}
    if settings["MinSize"] > settings["MaxSize"]:
        raise InvalidRequest(
            f"MinSize ({settings['MinSize']}) must be less than or equal to MaxSize ({settings['MaxSize']})."
        )
    records = _records(ctx)
    revisions.check_quotas(SPEC, [r for r in records if not r.get("_provided")], name)
    revision = revisions.next_revision(SPEC, records, name)
    record = _new_record(ctx, SPEC.new_arn(ctx, name, revision), name, revision, settings)
    record["_tags"] = check_tags(params.get("Tags"))
    ctx.tx.put(AUTO_SCALING, record[FIELD], record)
    return {"AutoScalingConfiguration": _view(records + [record], record, {})}


def describe_auto_scaling_configuration(ctx: HandlerContext, params: dict) -> dict:
    records = _records(ctx)
    record = revisions.lookup(ctx, SPEC, records, params[FIELD], FIELD, allow_inactive=True)
    return {"AutoScalingConfiguration": _view(records, record, _used_arns(ctx))}


def _deleted_error(arn: str) -> InvalidRequest:
    return InvalidRequest(f"The auto scaling configuration you specified has been deleted: {arn}")


def _targets(ctx: HandlerContext, records: list[dict], arn: str, all_revisions: bool) -> list[dict]:
    """The revisions a Delete names; a name whose revisions are all inactive counts as deleted."""
    parts = revisions.split_arn(ctx, SPEC, arn, FIELD)
    if all_revisions and len(parts) != 1:
        raise InvalidRequest("DeleteAllRevisions is valid only with a partial ARN ending with .../name.")
    if len(parts) == 1:
        same_name = revisions.of_name(SPEC, records, parts[0])
        active = [r for r in same_name if r["Status"] == ACTIVE]
        if not active and same_name:
            raise _deleted_error(arn)
        if all_revisions:
            return active
    record = revisions.lookup(ctx, SPEC, records, arn, FIELD, allow_inactive=True)
    if record["Status"] != ACTIVE:
        raise _deleted_error(arn)
    return [record]


def delete_auto_scaling_configuration(ctx: HandlerContext, params: dict) -> dict:
    records = _records(ctx)
    targets = _targets(ctx, records, params[FIELD], bool(params.get("DeleteAllRevisions")))
    used = _used_arns(ctx)
    for record in targets:
        if record["IsDefault"]:
            # AWS's wording (quoted in terraform-provider-aws's acceptance tests) for deleting the current default.
            raise InvalidRequest("You can't delete a reserved auto scaling configuration")
        if used.get(record[FIELD]):
            raise InvalidRequest(IN_USE)
    for record in targets:
        record.update(Status=INACTIVE, DeletedAt=ctx.now, _deleted_at=ctx.now)
        ctx.tx.put(AUTO_SCALING, record[FIELD], record)
    shown = max(targets, key=SPEC.revision)
    return {"AutoScalingConfiguration": _view(records, shown, used)}


def list_auto_scaling_configurations(ctx: HandlerContext, params: dict) -> dict:
    records = _records(ctx)
    items = [r for r in records if r["Status"] == ACTIVE]
    if params.get("AutoScalingConfigurationName"):
        items = revisions.of_name(SPEC, items, params["AutoScalingConfigurationName"])
    if params.get("LatestOnly", True):
        items = [r for r in items if revisions.is_latest(SPEC, records, r)]
    page, token = paginate(items, params)
    used = _used_arns(ctx)
    summaries = [{**_summary_fields(r), "HasAssociatedService": bool(used.get(r[FIELD]))} for r in page]
    return {"AutoScalingConfigurationSummaryList": summaries, **({"NextToken": token} if token else {})}


def update_default_auto_scaling_configuration(ctx: HandlerContext, params: dict) -> dict:
    records = _records(ctx)
    target = revisions.lookup(ctx, SPEC, records, params[FIELD], FIELD, allow_inactive=False)
    for record in records:
        is_target = record[FIELD] == target[FIELD]
        if record["IsDefault"] != is_target:
            record["IsDefault"] = is_target
            ctx.tx.put(AUTO_SCALING, record[FIELD], record)
    target["IsDefault"] = True
    return {"AutoScalingConfiguration": _view(records, target, _used_arns(ctx))}


def list_services_for_auto_scaling_configuration(ctx: HandlerContext, params: dict) -> dict:
    record = revisions.lookup(ctx, SPEC, _records(ctx), params[FIELD], FIELD, allow_inactive=True)
    page, token = paginate(_used_arns(ctx).get(record[FIELD], []), params)
    return {"ServiceArnList": page, **({"NextToken": token} if token else {})}


HANDLERS = {
    "CreateAutoScalingConfiguration": create_auto_scaling_configuration,
    "DescribeAutoScalingConfiguration": describe_auto_scaling_configuration,
    "DeleteAutoScalingConfiguration": delete_auto_scaling_configuration,
    "ListAutoScalingConfigurations": list_auto_scaling_configurations,
    "UpdateDefaultAutoScalingConfiguration": update_default_auto_scaling_configuration,
    "ListServicesForAutoScalingConfiguration": list_services_for_auto_scaling_configuration,
}
# Reads may seed the DefaultConfiguration: running them as write transactions makes SQLite take the write lock up
# front rather than upgrading a read snapshot mid-transaction (which fails if another writer committed meanwhile).
READ_ONLY: set[str] = set()
ADMIN: dict = {}
