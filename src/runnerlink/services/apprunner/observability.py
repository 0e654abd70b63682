"""Observability configurations: create revisions, describe, delete, list; tracing optional."""

from __future__ import annotations

import runnerlink.services.apprunner.ids as ids
import runnerlink.services.apprunner.revisions as revisions
from runnerlink.services.apprunner.errors import InvalidRequest, ResourceNotFound
from runnerlink.services.apprunner.inputs import TAG_RULES, bad_token
from runnerlink.services.apprunner.records.kinds import OBSERVABILITY
from runnerlink.services.apprunner.records.observability import ACTIVE, FIELD, INACTIVE, SPEC, view
from runnerlink.services.apprunner.records.usage import observability_users
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import merge_tags, paginate


def create_observability_configuration(ctx: HandlerContext, params: dict) -> dict:
    name = params["ObservabilityConfigurationName"]
    if name == ids.DEFAULT_ASC_NAME:
        raise InvalidRequest(
            f"The name {name} is reserved. You can't use it to create an observability configuration or a revision."
        )
    records = ctx.tx.scan(OBSERVABILITY)
    revisions.check_quotas(SPEC, records, name)
    revision = revisions.next_revision(SPEC, records, name)
    record = {
        "ObservabilityConfigurationArn": SPEC.new_arn(ctx, name, revision),
        "ObservabilityConfigurationName": name,
        "ObservabilityConfigurationRevision": revision,
        "Status": ACTIVE,
        "CreatedAt": ctx.now,
        "_tags": merge_tags(params.get("Tags"), TAG_RULES),
    }
    if params.get("TraceConfiguration"):
        record["TraceConfiguration"] = {"Vendor": params["TraceConfiguration"]["Vendor"]}
    ctx.tx.put(OBSERVABILITY, record[FIELD], record)
    return {"ObservabilityConfiguration": view(records + [record], record)}


def describe_observability_configuration(ctx: HandlerContext, params: dict) -> dict:
    records = ctx.tx.scan(OBSERVABILITY)
    record = revisions.lookup(ctx, SPEC, records, params[FIELD], FIELD, allow_inactive=True)
    return {"ObservabilityConfiguration": view(records, record)}


def delete_observability_configuration(ctx: HandlerContext, params: dict) -> dict:
    arn = params[FIELD]
    records = ctx.tx.scan(OBSERVABILITY)
    record = revisions.lookup(ctx, SPEC, records, arn, FIELD, allow_inactive=True)
    if record["Status"] != ACTIVE:
        # ResourceNotFound (not InvalidRequest as for auto scaling): Terraform's delete tolerates only that here.
        raise ResourceNotFound(f"The observability configuration {arn} has been deleted.")
    if observability_users(ctx, record[FIELD]):
        raise InvalidRequest(
            "You can't delete the observability configuration. It's used by one or more services. "
            "To delete it, update the services to use other observability configurations."
        )
    record.update(Status=INACTIVE, DeletedAt=ctx.now, _deleted_at=ctx.now)
    ctx.tx.put(OBSERVABILITY, record[FIELD], record)
    return {"ObservabilityConfiguration": view(records, record)}


def list_observability_configurations(ctx: HandlerContext, params: dict) -> dict:
    records = ctx.tx.scan(OBSERVABILITY)
    items = [r for r in records if r["Status"] == ACTIVE]
    if params.get("ObservabilityConfigurationName"):
        items = revisions.of_name(SPEC, items, params["ObservabilityConfigurationName"])
    if params.get("LatestOnly", True):
        items = [r for r in items if revisions.is_latest(SPEC, records, r)]
    page, token = paginate(items, params, bad_token)
    keys = ("ObservabilityConfigurationArn", "ObservabilityConfigurationName", "ObservabilityConfigurationRevision")
    summaries = [{k: r[k] for k in keys} for r in page]
    return {"ObservabilityConfigurationSummaryList": summaries, **({"NextToken": token} if token else {})}


HANDLERS = {
    "CreateObservabilityConfiguration": create_observability_configuration,
    "DescribeObservabilityConfiguration": describe_observability_configuration,
    "DeleteObservabilityConfiguration": delete_observability_configuration,
    "ListObservabilityConfigurations": list_observability_configurations,
}
READ_ONLY = {"DescribeObservabilityConfiguration", "ListObservabilityConfigurations"}
ADMIN: dict = {}
