"""How App Runner requests are authorized and refused: the action, resource ARNs and condition keys of App Runner's
service authorization reference (runnerlink.policy's catalogue), and AWS's AccessDeniedException."""

from __future__ import annotations

from runnerlink.policy import PolicyError
from runnerlink.policy.apprunner_scope import request_scope
from runnerlink.policy.catalogue import action as catalogue_action
from runnerlink.services.base import Authorization, Denial, HandlerContext

DENIAL = Denial(code="AccessDeniedException", status=400)


def authorize(operation: str, params: dict, region: str, account: str) -> Authorization:
    """KeyError for an operation the catalogue doesn't list."""
    try:
        catalogue_action("apprunner", operation)
    except PolicyError:
        raise KeyError(operation) from None
    try:
        scope = request_scope(operation, params, region, account)
    except (PolicyError, KeyError):  # input the resource ARNs can't be built from: judged against any resource
        return Authorization(f"apprunner:{operation}")
    return Authorization(scope.action, scope.all_resources, dict(scope.context))


def resource_tags(ctx: HandlerContext, arn: str) -> dict[str, str]:
    """A stored resource's tags, for aws:ResourceTag: its kind is the resource type in its ARN."""
    kind = arn.split(":", 5)[-1].split("/", 1)[0]
    record = ctx.tx.get(kind, arn)
    return {t["Key"]: t["Value"] for t in (record or {}).get("_tags", [])}
