"""AWS STS (2011-06-15): AssumeRole, GetSessionToken, GetFederationToken, GetCallerIdentity, GetAccessKeyInfo.

STS is global here: its sessions are stored with the account's IAM records ("<account>/global"), a role session in
the role's account (its ASIA key carries that account).
"""

from __future__ import annotations

from runnerlink.errors import ValidationError
from runnerlink.services.base import GLOBAL_REGION, ServicePackage, handler_tables
from runnerlink.services.sts import assume_role, authorization, caller, federation, session_token
from runnerlink.wire.routing import ServiceSpec

_OPERATIONS = (assume_role, caller, federation, session_token)


def _package() -> ServicePackage:
    handlers, read_only = handler_tables(_OPERATIONS)
    return ServicePackage(
        spec=ServiceSpec(model_name="sts", signing_name="sts", validation_error=ValidationError),
        handlers=handlers,
        read_only=read_only,
        authorize=authorization.authorize,
        denial=authorization.DENIAL,
        resource_policy=assume_role.trust_policy,
        scope_region=GLOBAL_REGION,
    )


PACKAGE = _package()
