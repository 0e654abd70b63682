"""AWS STS (2011-06-15): GetCallerIdentity, so clients such as Terraform learn the account of their access key."""

from __future__ import annotations

from runnerlink.errors import ValidationError
from runnerlink.services.base import HandlerContext, ServicePackage
from runnerlink.services.sts import authorization
from runnerlink.wire.routing import ServiceSpec


def get_caller_identity(ctx: HandlerContext, params: dict) -> dict:
    # An account-root credential's UserId is the account id itself, as on AWS.
    return {"UserId": ctx.account, "Account": ctx.account, "Arn": ctx.principal_arn}


PACKAGE = ServicePackage(
    spec=ServiceSpec(model_name="sts", signing_name="sts", validation_error=ValidationError),
    handlers={"GetCallerIdentity": get_caller_identity},
    read_only=frozenset({"GetCallerIdentity"}),
    authorize=authorization.authorize,
    denial=authorization.DENIAL,
)
