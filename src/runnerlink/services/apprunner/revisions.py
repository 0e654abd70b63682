"""What revisioned configurations (auto scaling, observability) share: partial ARNs, Latest, revision numbers, quotas.

A revisioned record is stored under its full ARN (…:<kind>/<name>/<revision>/<id>) and never removed: deleting a
revision marks it inactive, so a full ARN stays describable and revision numbers are never reused.
"""

from __future__ import annotations

from dataclasses import dataclass

import runnerlink.services.apprunner.ids as ids
from runnerlink.services.apprunner.errors import InvalidRequest, ResourceNotFound, ServiceQuotaExceeded
from runnerlink.services.base import HandlerContext


@dataclass(frozen=True)
class Revisioned:
    kind: str  # store kind == the ARN's resource type
    prefix: str  # member prefix: "AutoScalingConfiguration" → AutoScalingConfigurationArn, …Name, …Revision
    label: str  # for messages: "auto scaling configuration"
    active: str  # Status values, in the casing the live API uses
    inactive: str
    name_quota: int
    revision_quota: int

    def arn(self, record: dict) -> str:
        return record[f"{self.prefix}Arn"]

    def name(self, record: dict) -> str:
        return record[f"{self.prefix}Name"]

    def revision(self, record: dict) -> int:
        return record[f"{self.prefix}Revision"]

    def is_active(self, record: dict) -> bool:
        return record["Status"] == self.active

    def new_arn(self, ctx: HandlerContext, name: str, revision: int, resource_id: str | None = None) -> str:
        return ids.arn(ctx.region, ctx.account, f"{self.kind}/{name}/{revision}/{resource_id or ids.new_id()}")


def of_name(spec: Revisioned, records: list[dict], name: str) -> list[dict]:
    return [r for r in records if spec.name(r) == name]


def latest_active(spec: Revisioned, records: list[dict], name: str) -> dict | None:
    active = [r for r in of_name(spec, records, name) if spec.is_active(r)]
    return max(active, key=spec.revision, default=None)


def is_latest(spec: Revisioned, records: list[dict], record: dict) -> bool:
    """Latest: the highest active revision of its name (an inactive revision is never latest)."""
    latest = latest_active(spec, records, spec.name(record))
    return latest is not None and spec.arn(latest) == spec.arn(record)


def next_revision(spec: Revisioned, records: list[dict], name: str) -> int:
    return max((spec.revision(r) for r in of_name(spec, records, name)), default=0) + 1


def check_quotas(spec: Revisioned, counted: list[dict], name: str) -> None:
    """Raise if a new revision of name would exceed the per-account name quota or the per-name revision quota."""
    active = [r for r in counted if spec.is_active(r)]
    names = {spec.name(r) for r in active}
    if name not in names and len(names) >= spec.name_quota:
        raise ServiceQuotaExceeded(
            f"You have reached the maximum number of {spec.label} names ({spec.name_quota}) in this region."
        )
    if len(of_name(spec, active, name)) >= spec.revision_quota:
        raise ServiceQuotaExceeded(
            f"You have reached the maximum number of revisions ({spec.revision_quota}) for the {spec.label} {name}."
        )


def split_arn(ctx: HandlerContext, spec: Revisioned, arn: str, field: str) -> tuple[str, ...]:
    """The path after the resource type: (name,), (name, revision) or (name, revision, id)."""
    parsed = ids.parse_arn(arn, field)
    if parsed.resource_type != spec.kind or not 1 <= len(parsed.parts) <= 3 or not all(parsed.parts):
        raise InvalidRequest(f"The {field} '{arn}' is not a valid {spec.label} ARN.")
    if parsed.account != ctx.account or parsed.region != ctx.region:
        raise ResourceNotFound(f"The {spec.label} {arn} doesn't exist.")
    if len(parsed.parts) >= 2 and not parsed.parts[1].isdigit():
        raise InvalidRequest(f"The {field} '{arn}' has an invalid revision: {parsed.parts[1]}")
    return parsed.parts


def lookup(ctx: HandlerContext, spec: Revisioned, records: list[dict], arn: str, field: str,
           allow_inactive: bool) -> dict:
    """The record a full or partial ARN names; …/name means its latest active revision.

    An inactive revision named exactly (full ARN or …/name/revision) is returned only when allow_inactive.
    """
    parts = split_arn(ctx, spec, arn, field)
    found: dict | None
    if len(parts) == 1:
        found = latest_active(spec, records, parts[0])
    else:
        revision = int(parts[1])
        matches = [r for r in of_name(spec, records, parts[0]) if spec.revision(r) == revision]
        found = matches[0] if matches else None
        if found is not None and len(parts) == 3 and spec.arn(found) != arn:
            found = None
    if found is None or (not allow_inactive and not spec.is_active(found)):
        raise ResourceNotFound(f"The {spec.label} {arn} doesn't exist.")
    return found
