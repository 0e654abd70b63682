"""Loading botocore's service models, once per process."""

from __future__ import annotations

from functools import lru_cache

import botocore.session
from botocore.model import OperationModel, ServiceModel


@lru_cache(maxsize=None)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@lru_cache(maxsize=None)
def service_model(name: str) -> ServiceModel:
    """The botocore model of a service by its model name ("apprunner", "ec2", "sts", "iam")."""
    return _session().get_service_model(name)


@lru_cache(maxsize=None)
def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


@lru_cache(maxsize=None)
def operation_names(service: str) -> frozenset[str]:
    return frozenset(service_model(service).operation_names)
