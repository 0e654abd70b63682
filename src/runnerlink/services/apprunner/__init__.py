"""AWS App Runner (2020-05-15): all 37 operations."""

from __future__ import annotations

from runnerlink.services.apprunner import (
    authorization, autoscaling, connections, custom_domains, ingress, observability, services, tags, vpc_connectors,
)
from runnerlink.services.apprunner.errors import InvalidRequest
from runnerlink.services.base import ServicePackage
from runnerlink.wire.routing import ServiceSpec

_OPERATIONS = (services, custom_domains, autoscaling, observability, connections, vpc_connectors, ingress, tags)


def _package() -> ServicePackage:
    handlers: dict = {}
    read_only: set[str] = set()
    admin: dict = {}
    for module in _OPERATIONS:
        handlers.update(module.HANDLERS)
        read_only.update(module.READ_ONLY)
        admin.update(module.ADMIN)
    spec = ServiceSpec(model_name="apprunner", signing_name="apprunner", validation_error=InvalidRequest)
    return ServicePackage(spec=spec, handlers=handlers, read_only=frozenset(read_only), admin=admin,
                          authorize=authorization.authorize, denial=authorization.DENIAL,
                          resource_tags=authorization.resource_tags)


PACKAGE = _package()
