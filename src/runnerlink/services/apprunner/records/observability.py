"""Observability configuration records: revisioned like auto scaling ones, statuses ACTIVE / INACTIVE."""

from __future__ import annotations

import runnerlink.services.apprunner.revisions as revisions
from runnerlink.services.apprunner.records.kinds import OBSERVABILITY
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import public

ACTIVE = "ACTIVE"
INACTIVE = "INACTIVE"
FIELD = "ObservabilityConfigurationArn"

SPEC = revisions.Revisioned(kind=OBSERVABILITY, prefix="ObservabilityConfiguration",
                            label="observability configuration", active=ACTIVE, inactive=INACTIVE,
                            name_quota=10, revision_quota=10)


def view(records: list[dict], record: dict) -> dict:
    """The ObservabilityConfiguration the API returns."""
    return {**public(record), "Latest": revisions.is_latest(SPEC, records, record)}


def resolve_observability(ctx: HandlerContext, arn: str) -> dict:
    """The active revision a full or partial ARN names (…/name means the latest active revision)."""
    return revisions.lookup(ctx, SPEC, ctx.tx.scan(OBSERVABILITY), arn, FIELD, allow_inactive=False)
