"""AWS Identity and Access Management (2010-05-08): users, groups, roles, policies, access keys, instance profiles.

IAM is global: every request, whatever its signing region, runs in the account's "<account>/global" store scope.
Each operations module exports HANDLERS (operation → handler) and READ_ONLY; a new module is a line in _OPERATIONS.
"""

from __future__ import annotations

from runnerlink.services.base import GLOBAL_REGION, ServicePackage, handler_tables
from runnerlink.services.iam import (access_keys, account, authorization, entity_policies, groups, identity,
                                    instance_profiles, managed_policies, roles, service_linked_roles, users)
from runnerlink.services.iam.errors import IAMValidationError
from runnerlink.wire.routing import ServiceSpec

_OPERATIONS: tuple = (users, groups, managed_policies, entity_policies, access_keys, account, roles, instance_profiles,
                      service_linked_roles)


def _package() -> ServicePackage:
    handlers, read_only = handler_tables(_OPERATIONS)
    return ServicePackage(
        spec=ServiceSpec(model_name="iam", signing_name="iam", validation_error=IAMValidationError),
        handlers=handlers,
        read_only=read_only,
        authorize=authorization.authorize,
        denial=authorization.DENIAL,
        scope_region=GLOBAL_REGION,
        identity=identity.SOURCE,
    )


PACKAGE = _package()
