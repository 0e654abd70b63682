"""Custom domains of a service: associate, disassociate, describe, and validate (runnerlink's stand-in for DNS
validation of the certificate)."""

from __future__ import annotations

import secrets
import string

import runnerlink.services.apprunner.ids as ids
from runnerlink.services.apprunner.errors import InvalidRequest, InvalidState
from runnerlink.services.apprunner.inputs import bad_token
from runnerlink.services.apprunner.records import custom_domains as domain_records
from runnerlink.services.apprunner.records.kinds import CUSTOM_DOMAIN
from runnerlink.services.apprunner.records.services import IN_PROGRESS, PAUSED, get_live_service
from runnerlink.services.base import HandlerContext
from runnerlink.services.common import paginate

QUOTA = 5  # custom domains per service (App Runner developer guide: "You can associate up to five custom domains")
_LABEL_ALPHABET = string.ascii_lowercase + string.digits


def _random_label(length: int) -> str:
    return "".join(secrets.choice(_LABEL_ALPHABET) for _ in range(length))


def _validation_records(domain: str, www: bool) -> list[dict]:
    """ACM's DNS-validation CNAMEs: the domain, www.<domain> when included, and the App Runner-managed name."""
    base = domain[2:] if domain.startswith("*.") else domain
    names = [base] + ([f"www.{base}"] if www else []) + [f"{_random_label(31)}.{base}"]
    return [{"Name": f"_{ids.new_id()}.{name}.", "Type": "CNAME",
             "Value": f"_{ids.new_id()}.{_random_label(10)}.acm-validations.aws."} for name in names]


def _require_settled(service: dict, action: str) -> None:
    if service["Status"] in (PAUSED, IN_PROGRESS):
        raise InvalidState(
            f"You can't {action} a custom domain while service {service['ServiceName']} is {service['Status']}. "
            "The service must be RUNNING."
        )


def associate_custom_domain(ctx: HandlerContext, params: dict) -> dict:
    service = get_live_service(ctx, params["ServiceArn"])
    _require_settled(service, "associate")
    domain = params["DomainName"]
    current = domain_records.of_service(ctx, service["ServiceArn"])
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
    ctx.tx.put(CUSTOM_DOMAIN, domain_records.key(service["ServiceArn"], domain), record)
    return {**domain_records.targets(ctx, service), "CustomDomain": domain_records.view(ctx, record)}


def disassociate_custom_domain(ctx: HandlerContext, params: dict) -> dict:
    service = get_live_service(ctx, params["ServiceArn"])
    _require_settled(service, "disassociate")
    record = domain_records.existing(ctx, service, params["DomainName"])
    if domain_records.status(ctx, record) == domain_records.DELETING:
        raise InvalidState(f"The domain {record['DomainName']} is already being disassociated.")
    record["_deleting_at"] = ctx.now
    record["_duration"] = ctx.lifecycle_delay
    ctx.tx.put(CUSTOM_DOMAIN, domain_records.key(service["ServiceArn"], record["DomainName"]), record)
    return {**domain_records.targets(ctx, service), "CustomDomain": domain_records.view(ctx, record)}


def describe_custom_domains(ctx: HandlerContext, params: dict) -> dict:
    service = get_live_service(ctx, params["ServiceArn"])
    page, token = paginate(domain_records.of_service(ctx, service["ServiceArn"]), params, bad_token)
    domains = [domain_records.view(ctx, r) for r in page]
    return {**domain_records.targets(ctx, service), "CustomDomains": domains, **({"NextToken": token} if token else {})}


def validate_custom_domain(ctx: HandlerContext, params: dict) -> dict:
    """runnerlink's stand-in for DNS validation: the certificate is issued and the domain becomes active."""
    service_arn, domain = params.get("ServiceArn"), params.get("DomainName")
    if not service_arn or not domain:
        raise InvalidRequest("Send ServiceArn and DomainName.")
    service = get_live_service(ctx, service_arn)
    record = domain_records.existing(ctx, service, domain)
    if domain_records.status(ctx, record) == domain_records.DELETING:
        raise InvalidState(f"The domain {domain} is being disassociated.")
    record["_validated_at"] = ctx.now
    ctx.tx.put(CUSTOM_DOMAIN, domain_records.key(service_arn, domain), record)
    return {**domain_records.targets(ctx, service), "CustomDomain": domain_records.view(ctx, record)}


HANDLERS = {
    "AssociateCustomDomain": associate_custom_domain,
    "DisassociateCustomDomain": disassociate_custom_domain,
    "DescribeCustomDomains": describe_custom_domains,
}
READ_ONLY = {"DescribeCustomDomains"}
ADMIN = {"validate-custom-domain": validate_custom_domain}
