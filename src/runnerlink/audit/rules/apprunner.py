"""App Runner services: internet egress for services that call AWS APIs, private services no one can reach."""

from __future__ import annotations

from collections.abc import Iterator

from runnerlink.audit.findings import Finding
from runnerlink.audit.rules.base import AuditContext, Rule

# Ingress connection statuses in which the connection no longer (or never will) carry requests.
GONE_INGRESS = frozenset({"DELETED", "PENDING_DELETION", "FAILED_CREATION", "FAILED_DELETION"})
GONE_SERVICE = frozenset({"DELETED"})


def service_egress_default(context: AuditContext) -> Iterator[Finding]:
    for service in context.model.services.values():
        if service.status in GONE_SERVICE or service.egress_type != "DEFAULT" or not service.instance_role_arn:
            continue
        known = [c.arn for c in context.model.connectors.values()]
        connectors = ", ".join(known[:3]) + (f" and {len(known) - 3} more" if len(known) > 3 else "")
        yield Finding(
            "service-egress-default", "medium", service.arn, "apprunner-service",
            f"App Runner service {service.name} calls AWS APIs (it has instance role {service.instance_role_arn}) "
            f"with egress DEFAULT: its calls leave through App Runner's own internet egress, not a VPC endpoint, and "
            f"endpoint policies and aws:SourceVpce conditions never see them.",
            f"Send its egress through a VPC connector in subnets with the endpoints it needs: aws apprunner "
            f"update-service --service-arn {service.arn} --network-configuration "
            f"'EgressConfiguration={{EgressType=VPC,VpcConnectorArn=<connector arn>}}'; Terraform: "
            f"network_configuration {{ egress_configuration {{ egress_type = \"VPC\", vpc_connector_arn = ... }} }} "
            f"on the aws_apprunner_service" + (f" (VPC connectors: {connectors})." if known else "."),
            None, (f"{service.arn}: EgressType DEFAULT", f"InstanceRoleArn {service.instance_role_arn}"),
            related=(service.instance_role_arn,))


def private_service_no_ingress(context: AuditContext) -> Iterator[Finding]:
    live: dict[str, list[str]] = {}
    gone: dict[str, list[str]] = {}
    for connection in context.model.ingress.values():
        (gone if connection.status in GONE_INGRESS else live).setdefault(connection.service_arn, []).append(
            f"{connection.arn} ({connection.status})")
    for service in context.model.services.values():
        if service.status in GONE_SERVICE or service.public or service.arn in live:
            continue
        evidence = [f"{service.arn}: IsPubliclyAccessible false"]
        evidence += [f"VPC ingress connection {c} does not carry requests" for c in gone.get(service.arn, ())]
        if not gone.get(service.arn):
            evidence.append("no VPC ingress connection names it")
        yield Finding(
            "private-service-no-ingress", "medium", service.arn, "apprunner-service",
            f"App Runner service {service.name} is private (not publicly accessible) and has no VPC ingress "
            f"connection: no one can reach it.",
            f"Create a VPC ingress connection through an apprunner.requests interface endpoint in the VPC that calls "
            f"it: aws apprunner create-vpc-ingress-connection --service-arn {service.arn} "
            f"--vpc-ingress-connection-name <name> --ingress-vpc-configuration VpcId=<vpc>,VpcEndpointId=<vpce>; Terraform: "
            f"aws_apprunner_vpc_ingress_connection (or make it public: is_publicly_accessible = true).",
            None, tuple(evidence))


RULES: tuple[Rule, ...] = (
    Rule("service-egress-default", "medium", "Service calls AWS over App Runner's internet egress",
         "An App Runner service with egress DEFAULT has an instance role, so it calls AWS APIs: those calls leave "
         "through App Runner's own internet egress, not a VPC endpoint.",
         service_egress_default),
    Rule("private-service-no-ingress", "medium", "Private service without an ingress connection",
         "An App Runner service that is not publicly accessible has no VPC ingress connection: no one can reach it.",
         private_service_no_ingress),
)
