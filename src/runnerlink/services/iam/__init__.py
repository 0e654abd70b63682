"""AWS Identity and Access Management (2010-05-08): users, groups, roles, policies, access keys, instance profiles.

IAM is global: every request, whatever its signing region, runs in the account's "<account>/global" store scope.
Each operations module exports HANDLERS (operation → handler) and READ_ONLY; a new module is a line in _OPERATIONS.
"""

from __future__ import annotations

from runnerlink.services.base import GLOBAL_REGION, ServicePackage
from runnerlink.services.iam import (access_keys, account, authorization, entity_policies, groups, identity,
                                    instance_profiles, managed_policies, roles, service_linked_roles, users)
from runnerlink.services.iam.errors import IAMValidationError
from runnerlink.wire.routing import ServiceSpec

_OPERATIONS: tuple = (users, groups, managed_policies, entity_policies, access_keys, account, roles, instance_profiles,
                      service_linked_roles)


def _package() -> ServicePackage:
    handlers: dict = {}
    read_only: set[str] = set()
    for module in _OPERATIONS:
        handlers.update(module.HANDLERS)
        read_only.update(module.READ_ONLY)
    return ServicePackage(
        spec=ServiceSpec(model_name="iam", signing_name="iam", validation_error=IAMValidationError),
        handlers=handlers,
        read_only=frozenset(read_only),
        authorize=authorization.authorize,
        denial=authorization.DENIAL,
        scope_region=GLOBAL_REGION,
        identity=identity.SOURCE,
    )


PACKAGE = _package()
