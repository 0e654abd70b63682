"""Auto scaling configurations: create revisions, describe, delete, list, choose the account's default."""

from __future__ import annotations

import runnerlink.services.apprunner.revisions as revisions
from runnerlink.services.apprunner.errors import InvalidRequest
from runnerlink.services.apprunner.inputs import TAG_RULES, bad_token
from runnerlink.services.apprunner.records.autoscaling import (
    ACTIVE, DEFAULTS, FIELD, INACTIVE, SPEC, all_records, new_record, summary_fields, view,
)
from runnerlink.services.apprunner.records.kinds import AUTO_SCALING
from runnerlink.services.apprunner.records.usage import auto_scaling_users
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import merge_tags, paginate

IN_USE = ("You can't delete the auto scaling configuration. It's used by one or more services. "
          "To delete it, update the services to use other auto scaling configurations.")


def create_auto_scaling_configuration(ctx: HandlerContext, params: dict) -> dict:
    name = params["AutoScalingConfigurationName"]
    settings = {key: params.get(key, value) for key, value in DEFAULTS.items()}
    if settings["MinSize"] > settings["MaxSize"]:
        raise InvalidRequest(
            f"MinSize ({settings['MinSize']}) must be less than or equal to MaxSize ({settings['MaxSize']})."
        )
    records = all_records(ctx)
    revisions.check_quotas(SPEC, [r for r in records if not r.get("_provided")], name)
    revision = revisions.next_revision(SPEC, records, name)
    record = new_record(ctx, SPEC.new_arn(ctx, name, revision), name, revision, settings)
    record["_tags"] = merge_tags(params.get("Tags"), TAG_RULES)
    ctx.tx.put(AUTO_SCALING, record[FIELD], record)
    return {"AutoScalingConfiguration": view(records + [record], record, {})}


def describe_auto_scaling_configuration(ctx: HandlerContext, params: dict) -> dict:
    records = all_records(ctx)
    record = revisions.lookup(ctx, SPEC, records, params[FIELD], FIELD, allow_inactive=True)
    return {"AutoScalingConfiguration": view(records, record, auto_scaling_users(ctx))}


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
    records = all_records(ctx)
    targets = _targets(ctx, records, params[FIELD], bool(params.get("DeleteAllRevisions")))
    used = auto_scaling_users(ctx)
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
    return {"AutoScalingConfiguration": view(records, shown, used)}


def list_auto_scaling_configurations(ctx: HandlerContext, params: dict) -> dict:
    records = all_records(ctx)
    items = [r for r in records if r["Status"] == ACTIVE]
    if params.get("AutoScalingConfigurationName"):
        items = revisions.of_name(SPEC, items, params["AutoScalingConfigurationName"])
    if params.get("LatestOnly", True):
        items = [r for r in items if revisions.is_latest(SPEC, records, r)]
    page, token = paginate(items, params, bad_token)
    used = auto_scaling_users(ctx)
    summaries = [{**summary_fields(r), "HasAssociatedService": bool(used.get(r[FIELD]))} for r in page]
    return {"AutoScalingConfigurationSummaryList": summaries, **({"NextToken": token} if token else {})}


def update_default_auto_scaling_configuration(ctx: HandlerContext, params: dict) -> dict:
    records = all_records(ctx)
    target = revisions.lookup(ctx, SPEC, records, params[FIELD], FIELD, allow_inactive=False)
    for record in records:
        is_target = record[FIELD] == target[FIELD]
        if record["IsDefault"] != is_target:
            record["IsDefault"] = is_target
            ctx.tx.put(AUTO_SCALING, record[FIELD], record)
    target["IsDefault"] = True
    return {"AutoScalingConfiguration": view(records, target, auto_scaling_users(ctx))}


def list_services_for_auto_scaling_configuration(ctx: HandlerContext, params: dict) -> dict:
    record = revisions.lookup(ctx, SPEC, all_records(ctx), params[FIELD], FIELD, allow_inactive=True)
    page, token = paginate(auto_scaling_users(ctx).get(record[FIELD], []), params, bad_token)
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
