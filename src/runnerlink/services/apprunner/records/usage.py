"""Which live services use a configuration, connector or connection: what a Delete refuses to remove while in use,
and HasAssociatedService."""

from __future__ import annotations

from runnerlink.services.apprunner.records.services import live_services
from runnerlink.services.base import HandlerContext


def auto_scaling_users(ctx: HandlerContext) -> dict[str, list[str]]:
    """Auto scaling configuration ARN → the ARNs of the live services using it."""
    used: dict[str, list[str]] = {}
    for service in live_services(ctx):
        arn = (service.get("AutoScalingConfigurationSummary") or {}).get("AutoScalingConfigurationArn")
        if arn:
            used.setdefault(arn, []).append(service["ServiceArn"])
    return used


def observability_users(ctx: HandlerContext, arn: str) -> list[str]:
    """The live services with observability enabled through arn (a disabled service doesn't use it)."""
    return [s["ServiceArn"] for s in live_services(ctx) if _observability_arn(s) == arn]


def _observability_arn(service: dict) -> str | None:
    config = service.get("ObservabilityConfiguration") or {}
    return config.get("ObservabilityConfigurationArn") if config.get("ObservabilityEnabled") else None


def vpc_connector_users(ctx: HandlerContext, arn: str) -> list[str]:
    users = []
    for service in live_services(ctx):
        egress = (service.get("NetworkConfiguration") or {}).get("EgressConfiguration") or {}
        if egress.get("VpcConnectorArn") == arn:
            users.append(service["ServiceArn"])
    return users


def connection_users(ctx: HandlerContext, arn: str) -> list[dict]:
    """The live services whose source is reached through the connection arn."""
    return [s for s in live_services(ctx) if s.get("_connection_arn") == arn]
