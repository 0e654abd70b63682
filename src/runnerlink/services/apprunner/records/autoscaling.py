"""Auto scaling configuration records: revisioned, one account-wide default, statuses in lowercase as the live API
sends them.

Every account/region starts with App Runner's DefaultConfiguration (revision 1, id 000…001), seeded lazily the first
time anything reads the scope's configurations (all_records()). Its record is never removed (deleting marks it
inactive), so its presence is also the marker that seeding happened.
"""

from __future__ import annotations

import runnerlink.services.apprunner.ids as ids
import runnerlink.services.apprunner.revisions as revisions
from runnerlink.services.apprunner.errors import ResourceNotFound
from runnerlink.services.apprunner.records.kinds import AUTO_SCALING
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import public

ACTIVE = "active"
INACTIVE = "inactive"
FIELD = "AutoScalingConfigurationArn"
DEFAULTS = {"MaxConcurrency": 100, "MinSize": 1, "MaxSize": 25}

SPEC = revisions.Revisioned(kind=AUTO_SCALING, prefix="AutoScalingConfiguration", label="auto scaling configuration",
                            active=ACTIVE, inactive=INACTIVE, name_quota=10, revision_quota=5)


def _default_arn(ctx: HandlerContext) -> str:
    return SPEC.new_arn(ctx, ids.DEFAULT_ASC_NAME, 1, ids.DEFAULT_ASC_ID)


def new_record(ctx: HandlerContext, arn: str, name: str, revision: int, settings: dict) -> dict:
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


def all_records(ctx: HandlerContext) -> list[dict]:
    """Every revision in the scope (active or not), seeding App Runner's DefaultConfiguration on first use."""
    arn = _default_arn(ctx)
    if ctx.tx.get(AUTO_SCALING, arn) is None:
        record = new_record(ctx, arn, ids.DEFAULT_ASC_NAME, 1, DEFAULTS)
        record.update(IsDefault=True, _provided=True)
        ctx.tx.put(AUTO_SCALING, arn, record)
    return ctx.tx.scan(AUTO_SCALING)


def resolve_auto_scaling(ctx: HandlerContext, arn: str) -> dict:
    """The active revision a full or partial ARN names (…/name means the latest active revision)."""
    return revisions.lookup(ctx, SPEC, all_records(ctx), arn, FIELD, allow_inactive=False)


def default_auto_scaling(ctx: HandlerContext) -> dict:
    """The account's current default configuration."""
    for record in all_records(ctx):
        if record["IsDefault"] and record["Status"] == ACTIVE:
            return record
    raise ResourceNotFound("This account has no default auto scaling configuration.")  # unreachable: the default is never deleted


def view(records: list[dict], record: dict, used: dict[str, list[str]]) -> dict:
    """The AutoScalingConfiguration the API returns; used: configuration ARN → the services using it."""
    return {**public(record), "Latest": revisions.is_latest(SPEC, records, record),
            "HasAssociatedService": bool(used.get(record["AutoScalingConfigurationArn"]))}


def summary(ctx: HandlerContext, record: dict) -> dict:
    """The AutoScalingConfigurationSummary a Service embeds.

    HasAssociatedService is true: the embedding service uses it. Deliberately not computed from live_services, so
    the service view can call this while building the very views live_services returns.
    """
    return {**summary_fields(record), "HasAssociatedService": True}


def summary_fields(record: dict) -> dict:
    keys = ("AutoScalingConfigurationArn", "AutoScalingConfigurationName", "AutoScalingConfigurationRevision",
            "Status", "CreatedAt", "IsDefault")
    return {k: record[k] for k in keys}
