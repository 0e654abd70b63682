"""Traffic log entries for requests to applications (a service's own hostnames), through the edge or the subnet
gateway: the same fields as an AWS request's (server/pipeline.py traffic_entry), the operation being the method and
path ("GET /hello"), and the application the name led to."""

from __future__ import annotations

import time

from runnerlink.network.context import NetworkContext
from runnerlink.runtime.supervisor import Route
from runnerlink.server.context import new_request_id
from runnerlink.services.apprunner.ids import parse_arn

SERVICE = "apprunner"


def operation(method: str, target: str) -> str:
    """"GET /hello" for GET /hello?x=1."""
    return f"{method.upper()} {target.partition('?')[0] or '/'}"


def entry(network: NetworkContext, method: str, target: str, status: int, route: Route | None,
          error: str | None = None, message: str | None = None, received_at: float | None = None) -> dict:
    """One request to an application (or its refusal: error and message say why)."""
    service = parse_arn(route.service_arn) if route is not None else None
    account, region = (service.account, service.region) if service is not None else (None, None)
    return {
        "time": received_at if received_at is not None else time.time(),
        "requestId": new_request_id(),
        "account": account or network.account,
        "principal": None,
        "service": SERVICE,
        "operation": operation(method, target),
        "admin": False,
        "region": region or network.region,
        **network.log_fields,
        "keys": None,
        "decision": None,
        "status": status,
        "error": error,
        "message": message,
        "application": None if route is None else {
            "service": route.service_name, "serviceArn": route.service_arn, **dict(route.via)},
    }
