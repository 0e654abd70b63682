"""The AWS services a VPC endpoint can be created for in a region.

The catalogue is fixed data (AWS's own endpoint services; no user-defined endpoint services). Every service name
is com.amazonaws.<region>.<short name>; anything else — including names made from an App Runner service URL, since
App Runner offers no endpoint for an application's own URL — is InvalidServiceName.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from runnerlink.services.ec2.errors import EC2Error
from runnerlink.services.ec2.records.zones import zones

INTERFACE = "Interface"
GATEWAY = "Gateway"


@dataclass(frozen=True)
class _Offer:
    short: str  # "ecr.api"
    kind: str  # Interface or Gateway
    private_dns: bool = True  # whether the service has a private DNS name (interface only)
    wildcard: bool = False  # names are *.<name> (S3, ECR's registry)
    policy: bool = True  # VpcEndpointPolicySupported
    ipv6: bool = True  # whether dualstack/ipv6 endpoints are offered


# apprunner.requests (private App Runner services): no endpoint policies (App Runner guide, network-pl.html) and, we
# assume, no private DNS name — the CDK example turns private DNS off for it, and a VPC ingress connection gives each
# service its own domain name instead. App Runner is IPv4 only for private endpoints.
_OFFERS = (
    _Offer("apprunner", INTERFACE, ipv6=False),
    _Offer("apprunner.requests", INTERFACE, private_dns=False, policy=False, ipv6=False),
    _Offer("codebuild", INTERFACE),
    _Offer("codecommit", INTERFACE),
    _Offer("codepipeline", INTERFACE),
    _Offer("dynamodb", GATEWAY),
    _Offer("ec2", INTERFACE),
    _Offer("ec2messages", INTERFACE),
    _Offer("ecr.api", INTERFACE),
    _Offer("ecr.dkr", INTERFACE, wildcard=True),
    _Offer("ecs", INTERFACE),
    _Offer("elasticloadbalancing", INTERFACE),
    _Offer("execute-api", INTERFACE, wildcard=True),
    _Offer("kms", INTERFACE),
    _Offer("lambda", INTERFACE),
    _Offer("logs", INTERFACE),
    _Offer("monitoring", INTERFACE),
    _Offer("s3", GATEWAY),
    _Offer("s3", INTERFACE, wildcard=True),
    _Offer("secretsmanager", INTERFACE),
    _Offer("sns", INTERFACE),
    _Offer("sqs", INTERFACE),
    _Offer("ssm", INTERFACE),
    _Offer("ssmmessages", INTERFACE),
    _Offer("sts", INTERFACE),
)


def dns_part(short: str) -> str:
    """The service's labels in DNS names: dotted names are reversed (ecr.api → api.ecr)."""
    return ".".join(reversed(short.split(".")))


def service_name(region: str, short: str) -> str:
    return f"com.amazonaws.{region}.{short}"


def _service_id(region: str, short: str, kind: str) -> str:
    digest = hashlib.sha256(f"{region}/{short}/{kind}".encode()).hexdigest()
    return f"vpce-svc-{digest[:17]}"


def _detail(region: str, offer: _Offer) -> dict:
    part = dns_part(offer.short)
    star = "*." if offer.wildcard else ""
    zone_list = zones(region)
    detail = {
        "ServiceName": service_name(region, offer.short),
        "ServiceId": _service_id(region, offer.short, offer.kind),
        "ServiceType": [{"ServiceType": offer.kind}],
        "ServiceRegion": region,
        "AvailabilityZones": [z["ZoneName"] for z in zone_list],
        "AvailabilityZoneIds": [z["ZoneId"] for z in zone_list],
        "Owner": "amazon",
        "VpcEndpointPolicySupported": offer.policy,
        "AcceptanceRequired": False,
        "ManagesVpcEndpoints": False,
        "SupportedIpAddressTypes": ["ipv4", "ipv6"] if offer.ipv6 else ["ipv4"],
        "Tags": [],
    }
    if offer.kind == GATEWAY:
        detail["BaseEndpointDnsNames"] = [f"{part}.{region}.amazonaws.com"]
        return detail
    detail["BaseEndpointDnsNames"] = [f"{part}.{region}.vpce.amazonaws.com"]
    if offer.private_dns:
        private = f"{star}{part}.{region}.amazonaws.com"
        detail.update(PrivateDnsName=private, PrivateDnsNames=[{"PrivateDnsName": private}],
                      PrivateDnsNameVerificationState="verified")
    return detail


@lru_cache(maxsize=64)
def _catalogue(region: str) -> tuple[dict, ...]:
    return tuple(_detail(region, offer) for offer in _OFFERS)


def catalogue(region: str) -> list[dict]:
    """Every endpoint service of the region, as ServiceDetail dicts (copies: callers may change them)."""
    return [dict(d) for d in _catalogue(region)]


def endpoint_types(detail: dict) -> list[str]:
    return [t["ServiceType"] for t in detail["ServiceType"]]


def find_service(region: str, name: str, kind: str | None = None) -> dict | None:
    """The service detail for a name (and endpoint type, when given), else None."""
    for detail in _catalogue(region):
        if detail["ServiceName"] == name and (kind is None or kind in endpoint_types(detail)):
            return dict(detail)
    return None


def service_not_found(name: str) -> EC2Error:
    return EC2Error("InvalidServiceName", f"The Vpc Endpoint Service '{name}' does not exist")


def lookup_service(region: str, name: str, kind: str) -> dict:
    """The service an endpoint of type kind is being created for; InvalidServiceName when there is none."""
    detail = find_service(region, name, kind)
    if detail is not None:
        return detail
    if find_service(region, name) is None:
        raise service_not_found(name)
    offered = ", ".join(t for d in _catalogue(region) if d["ServiceName"] == name for t in endpoint_types(d))
    # AWS's wording for this case is not known; the code is the one it uses for other bad endpoint parameters.
    raise EC2Error("InvalidParameter", f"The Vpc Endpoint Service '{name}' does not support endpoint type "
                                       f"{kind}; it offers {offered}.")
