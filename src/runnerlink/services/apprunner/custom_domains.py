"""Custom domains of a service, with statuses in lowercase as the live API sends them.

creating → pending_certificate_dns_validation after the lifecycle delay (derived from the clock). AWS then waits for
the user's DNS to carry the certificate validation CNAMEs; runnerlink has no public DNS, so the admin action
validate-custom-domain stands in for that and makes the association active. Disassociating shows "deleting" for the
lifecycle delay, after which the association is gone.
"""

from __future__ import annotations

import secrets
import string

from runnerlink.services.apprunner import ids
from runnerlink.services.apprunner.common import CUSTOM_DOMAIN, finished, paginate
from runnerlink.services.apprunner.errors import InvalidRequest, InvalidState, ResourceNotFound
from runnerlink.services.base import HandlerContext

QUOTA = 5  # custom domains per service (App Runner developer guide: "You can associate up to five custom domains")
CREATING = "creating"
PENDING_VALIDATION = "pending_certificate_dns_validation"
ACTIVE = "active"
DELETING = "deleting"
_LABEL_ALPHABET = string.ascii_lowercase + string.digits


def _key(service_arn: str, domain: str) -> str:
    return f"{service_arn}|{domain}"


def _status(ctx: HandlerContext, record: dict) -> str | None:
    """The association's status at ctx.now; None once a disassociation has finished."""
    if record.get("_deleting_at") is not None:
        return None if finished(ctx, record["_deleting_at"], record["_duration"]) else DELETING
    if record.get("_validated_at") is not None:
        return ACTIVE
    if not finished(ctx, record["_created_at"], record["_duration"]):
        return CREATING
    return PENDING_VALIDATION


def _view(ctx: HandlerContext, record: dict) -> dict:
    status = _status(ctx, record) or DELETING
    view = {"DomainName": record["DomainName"], "EnableWWWSubdomain": record["EnableWWWSubdomain"], "Status": status,
            "CertificateValidationRecords": []}
    if status != CREATING:  # ACM issues the validation records once the certificate request exists
        record_status = "SUCCESS" if record.get("_validated_at") is not None else "PENDING_VALIDATION"
        view["CertificateValidationRecords"] = [{**r, "Status": record_status} for r in record["_records"]]
    return view


def _random_label(length: int) -> str:
    return "".join(secrets.choice(_LABEL_ALPHABET) for _ in range(length))


def _validation_records(domain: str, www: bool) -> list[dict]:
    """ACM's DNS-validation CNAMEs: the domain, www.<domain> when included, and the App Runner-managed name."""
    base = domain[2:] if domain.startswith("*.") else domain
    names = [base] + ([f"www.{base}"] if www else []) + [f"{_random_label(31)}.{base}"]
    return [{"Name": f"_{ids.new_id()}.{name}.", "Type": "CNAME",
             "Value": f"_{ids.new_id()}.{_random_label(10)}.acm-validations.aws."} for name in names]


def _service(ctx: HandlerContext, service_arn: str) -> dict:
    from runnerlink.services.apprunner import services

    service = services.get_service(ctx, service_arn)
    if service["Status"] == services.DELETED:
        raise ResourceNotFound(f"Service with the provided ARN has been deleted: {service_arn}")
    return service


def _require_settled(service: dict, action: str) -> None:
    if service["Status"] in ("PAUSED", "OPERATION_IN_PROGRESS"):
        raise InvalidState(
            f"You can't {action} a custom domain while service {service['ServiceName']} is {service['Status']}. "
            "The service must be RUNNING."
        )


def _of_service(ctx: HandlerContext, service_arn: str) -> list[dict]:
    """The service's associations that still exist (including those being deleted)."""
    return [r for r in ctx.tx.scan(CUSTOM_DOMAIN)
            if r["_service_arn"] == service_arn and _status(ctx, r) is not None]


def _vpc_dns_targets(ctx: HandlerContext, service_arn: str) -> list[dict]:
    from runnerlink.services.apprunner import ingress

    connections = ingress.active_for_service(ctx, service_arn)
    return [{"VpcIngressConnectionArn": c["VpcIngressConnectionArn"],
             "VpcId": (c.get("IngressVpcConfiguration") or {}).get("VpcId"),
             "DomainName": c.get("DomainName")} for c in connections]


def _response(ctx: HandlerContext, service: dict) -> dict:
    return {"DNSTarget": service["_dns_target"], "ServiceArn": service["ServiceArn"],
            "VpcDNSTargets": _vpc_dns_targets(ctx, service["ServiceArn"])}


def associate_custom_domain(ctx: HandlerContext, params: dict) -> dict:
    service = _service(ctx, params["ServiceArn"])
    _require_settled(service, "associate")
    domain = params["DomainName"]
    current = _of_service(ctx, service["ServiceArn"])
    if any(r["DomainName"] == domain for r in current):
        raise InvalidRequest(f"The domain {domain} is already associated with service {service['ServiceName']}.")
    if len(current) >= QUOTA:
        raise InvalidRequest(
            f"Service {service['ServiceName']} already has {QUOTA} custom domains, the most a service can have."
        )
    www = params.get("EnableWWWSubdomain", True)
    record = {
        "DomainName": domain,
        "EnableWWWSubdomain": www,
        "_service_arn": service["ServiceArn"],
        "_created_at": ctx.now,
        "_duration": ctx.lifecycle_delay,
        "_records": _validation_records(domain, www),
    }
    ctx.tx.put(CUSTOM_DOMAIN, _key(service["ServiceArn"], domain), record)
    return {**_response(ctx, service), "CustomDomain": _view(ctx, record)}


def _existing(ctx: HandlerContext, service: dict, domain: str) -> dict:
    record = ctx.tx.get(CUSTOM_DOMAIN, _key(service["ServiceArn"], domain))
    if record is None or _status(ctx, record) is None:
        raise ResourceNotFound(f"The domain {domain} isn't associated with service {service['ServiceName']}.")
    return record


def disassociate_custom_domain(ctx: HandlerContext, params: dict) -> dict:
    service = _service(ctx, params["ServiceArn"])
    _require_settled(service, "disassociate")
    record = _existing(ctx, service, params["DomainName"])
    if _status(ctx, record) == DELETING:
        raise InvalidState(f"The domain {record['DomainName']} is already being disassociated.")
    record["_deleting_at"] = ctx.now
    record["_duration"] = ctx.lifecycle_delay
    ctx.tx.put(CUSTOM_DOMAIN, _key(service["ServiceArn"], record["DomainName"]), record)
    return {**_response(ctx, service), "CustomDomain": _view(ctx, record)}


def describe_custom_domains(ctx: HandlerContext, params: dict) -> dict:
    service = _service(ctx, params["ServiceArn"])
    page, token = paginate(_of_service(ctx, service["ServiceArn"]), params)
    domains = [_view(ctx, r) for r in page]
    return {**_response(ctx, service), "CustomDomains": domains, **({"NextToken": token} if token else {})}


def remove_for_service(ctx: HandlerContext, service_arn: str) -> None:
    """Drop every association of a service being deleted."""
    for record in ctx.tx.scan(CUSTOM_DOMAIN):
        if record["_service_arn"] == service_arn:
            ctx.tx.delete(CUSTOM_DOMAIN, _key(service_arn, record["DomainName"]))


def validate_custom_domain(ctx: HandlerContext, params: dict) -> dict:
    """runnerlink's stand-in for DNS validation: the certificate is issued and the domain becomes active."""
    service_arn, domain = params.get("ServiceArn"), params.get("DomainName")
    if not service_arn or not domain:
        raise InvalidRequest("Send ServiceArn and DomainName.")
    service = _service(ctx, service_arn)
    record = _existing(ctx, service, domain)
    if _status(ctx, record) == DELETING:
        raise InvalidState(f"The domain {domain} is being disassociated.")
    record["_validated_at"] = ctx.now
    ctx.tx.put(CUSTOM_DOMAIN, _key(service_arn, domain), record)
    return {**_response(ctx, service), "CustomDomain": _view(ctx, record)}


HANDLERS = {
    "AssociateCustomDomain": associate_custom_domain,
    "DisassociateCustomDomain": disassociate_custom_domain,
    "DescribeCustomDomains": describe_custom_domains,
}
READ_ONLY = {"DescribeCustomDomains"}
ADMIN = {"validate-custom-domain": validate_custom_domain}
