"""Custom domain records of a service, with statuses in lowercase as the live API sends them.

creating → pending_certificate_dns_validation after the lifecycle delay (derived from the clock). AWS then waits for
the user's DNS to carry the certificate validation CNAMEs; runnerlink has no public DNS, so the admin action
validate-custom-domain stands in for that and makes the association active. Disassociating shows "deleting" for the
lifecycle delay, after which the association is gone.
"""

from __future__ import annotations

from runnerlink.services.apprunner.errors import ResourceNotFound
from runnerlink.services.apprunner.records import ingress as ingress_records
from runnerlink.services.apprunner.records.kinds import CUSTOM_DOMAIN
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import finished

CREATING = "creating"
PENDING_VALIDATION = "pending_certificate_dns_validation"
ACTIVE = "active"
DELETING = "deleting"


def key(service_arn: str, domain: str) -> str:
    """The store key of a service's association with a domain."""
    return f"{service_arn}|{domain}"


def status(ctx: HandlerContext, record: dict) -> str | None:
    """The association's status at ctx.now; None once a disassociation has finished."""
    if record.get("_deleting_at") is not None:
        return None if finished(ctx, record["_deleting_at"], record["_duration"]) else DELETING
    if record.get("_validated_at") is not None:
        return ACTIVE
    if not finished(ctx, record["_created_at"], record["_duration"]):
        return CREATING
    return PENDING_VALIDATION


def view(ctx: HandlerContext, record: dict) -> dict:
    """The CustomDomain the API returns."""
    current = status(ctx, record) or DELETING
    shown = {"DomainName": record["DomainName"], "EnableWWWSubdomain": record["EnableWWWSubdomain"],
             "Status": current, "CertificateValidationRecords": []}
    if current != CREATING:  # ACM issues the validation records once the certificate request exists
        record_status = "SUCCESS" if record.get("_validated_at") is not None else "PENDING_VALIDATION"
        shown["CertificateValidationRecords"] = [{**r, "Status": record_status} for r in record["_records"]]
    return shown


def of_service(ctx: HandlerContext, service_arn: str) -> list[dict]:
    """The service's associations that still exist (including those being deleted)."""
    return [r for r in ctx.tx.scan(CUSTOM_DOMAIN)
            if r["_service_arn"] == service_arn and status(ctx, r) is not None]


def existing(ctx: HandlerContext, service: dict, domain: str) -> dict:
    """The service's association with domain, which must still exist."""
    record = ctx.tx.get(CUSTOM_DOMAIN, key(service["ServiceArn"], domain))
    if record is None or status(ctx, record) is None:
        raise ResourceNotFound(f"The domain {domain} isn't associated with service {service['ServiceName']}.")
    return record


def _vpc_dns_targets(ctx: HandlerContext, service_arn: str) -> list[dict]:
    connections = ingress_records.active_for_service(ctx, service_arn)
    return [{"VpcIngressConnectionArn": c["VpcIngressConnectionArn"],
             "VpcId": (c.get("IngressVpcConfiguration") or {}).get("VpcId"),
             "DomainName": c.get("DomainName")} for c in connections]


def targets(ctx: HandlerContext, service: dict) -> dict:
    """The members every custom domain response carries: where the service's domains should point."""
    return {"DNSTarget": service["_dns_target"], "ServiceArn": service["ServiceArn"],
            "VpcDNSTargets": _vpc_dns_targets(ctx, service["ServiceArn"])}


def remove_for_service(ctx: HandlerContext, service_arn: str) -> None:
    """Drop every association of a service being deleted."""
    for record in ctx.tx.scan(CUSTOM_DOMAIN):
        if record["_service_arn"] == service_arn:
            ctx.tx.delete(CUSTOM_DOMAIN, key(service_arn, record["DomainName"]))
