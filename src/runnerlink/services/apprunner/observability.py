"""Observability configurations: revisioned like auto scaling ones, statuses ACTIVE / INACTIVE, tracing optional."""

from __future__ import annotations

from runnerlink.services.apprunner import ids, revisions
from runnerlink.services.apprunner.common import OBSERVABILITY, check_tags, paginate, public
from runnerlink.services.apprunner.errors import InvalidRequest, ResourceNotFound
from runnerlink.services.base import HandlerContext

ACTIVE = "ACTIVE"
INACTIVE = "INACTIVE"
FIELD = "ObservabilityConfigurationArn"

SPEC = revisions.Revisioned(kind=OBSERVABILITY, prefix="ObservabilityConfiguration",
                            label="observability configuration", active=ACTIVE, inactive=INACTIVE,
                            name_quota=10, revision_quota=10)


def _view(records: list[dict], record: dict) -> dict:
    return {**public(record), "Latest": revisions.is_latest(SPEC, records, record)}


def _users(ctx: HandlerContext, arn: str) -> list[str]:
    """The live services with observability enabled through arn (a disabled service doesn't use it)."""
    from runnerlink.services.apprunner import services

    return [s["ServiceArn"] for s in services.live_services(ctx) if _observability_arn(s) == arn]


def _observability_arn(service: dict) -> str | None:
    config = service.get("ObservabilityConfiguration") or {}
    return config.get("ObservabilityConfigurationArn") if config.get("ObservabilityEnabled") else None


def resolve_observability(ctx: HandlerContext, arn: str) -> dict:
    """The active revision a full or partial ARN names (…/name means the latest active revision)."""
    return revisions.lookup(ctx, SPEC, ctx.tx.scan(OBSERVABILITY), arn, FIELD, allow_inactive=False)


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
        "_tags": check_tags(params.get("Tags")),
    }
    if params.get("TraceConfiguration"):
        record["TraceConfiguration"] = {"Vendor": params["TraceConfiguration"]["Vendor"]}
    ctx.tx.put(OBSERVABILITY, record[FIELD], record)
    return {"ObservabilityConfiguration": _view(records + [record], record)}


def describe_observability_configuration(ctx: HandlerContext, params: dict) -> dict:
    records = ctx.tx.scan(OBSERVABILITY)
    record = revisions.lookup(ctx, SPEC, records, params[FIELD], FIELD, allow_inactive=True)
    return {"ObservabilityConfiguration": _view(records, record)}


def delete_observability_configuration(ctx: HandlerContext, params: dict) -> dict:
    arn = params[FIELD]
    records = ctx.tx.scan(OBSERVABILITY)
    record = revisions.lookup(ctx, SPEC, records, arn, FIELD, allow_inactive=True)
    if record["Status"] != ACTIVE:
        # ResourceNotFound (not InvalidRequest as for auto scaling): Terraform's delete tolerates only that here.
        raise ResourceNotFound(f"The observability configuration {arn} has been deleted.")
    if _users(ctx, record[FIELD]):
        raise InvalidRequest(
            "You can't delete the observability configuration. It's used by one or more services. "
            "To delete it, update the services to use other observability configurations."
        )
    record.update(Status=INACTIVE, DeletedAt=ctx.now, _deleted_at=ctx.now)
    ctx.tx.put(OBSERVABILITY, record[FIELD], record)
    return {"ObservabilityConfiguration": _view(records, record)}


def list_observability_configurations(ctx: HandlerContext, params: dict) -> dict:
    records = ctx.tx.scan(OBSERVABILITY)
    items = [r for r in records if r["Status"] == ACTIVE]
    if params.get("ObservabilityConfigurationName"):
        items = revisions.of_name(SPEC, items, params["ObservabilityConfigurationName"])
    if params.get("LatestOnly", True):
        items = [r for r in items if revisions.is_latest(SPEC, records, r)]
    page, token = paginate(items, params)
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
