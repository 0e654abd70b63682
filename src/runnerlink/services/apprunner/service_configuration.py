"""A service's configuration blocks as CreateService and UpdateService take them: each block sent is validated, then
merged into the record (on create, over App Runner's defaults)."""

from __future__ import annotations

import re

from runnerlink.services.apprunner.errors import InvalidRequest
from runnerlink.services.apprunner.records import autoscaling as auto_scaling_records
from runnerlink.services.apprunner.records import observability as observability_records
from runnerlink.services.apprunner.records import vpc_connectors as connector_records
from runnerlink.services.apprunner.records.kinds import CONNECTION
from runnerlink.services.base import HandlerContext

DEFAULT_HEALTH_CHECK = {"Protocol": "TCP", "Path": "/", "Interval": 5, "Timeout": 2, "HealthyThreshold": 1,
                        "UnhealthyThreshold": 5}
DEFAULT_CPU = "1024"
DEFAULT_MEMORY = "2048"
# vCPU units → the memory sizes (MB) App Runner offers with them.
INSTANCE_SIZES = {
    "256": ("512", "1024"),
    "512": ("1024",),
    "1024": ("2048", "3072", "4096"),
    "2048": ("4096", "6144"),
    "4096": ("8192", "10240", "12288"),
}

LOCAL_REPOSITORY = "file://"
_PRIVATE_ECR = re.compile(r"\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/.+")
_PUBLIC_ECR = re.compile(r"public\.ecr\.aws/.+/.+")


def configure(ctx: HandlerContext, record: dict, params: dict, creating: bool) -> None:
    """Validate the configuration blocks sent and merge them into the record (creating: fill the defaults)."""
    if "SourceConfiguration" in params:
        record["SourceConfiguration"] = _source(ctx, record.get("SourceConfiguration"), params["SourceConfiguration"])
        auth = record["SourceConfiguration"].get("AuthenticationConfiguration") or {}
        record["_connection_arn"] = auth.get("ConnectionArn")
    if creating or "InstanceConfiguration" in params:
        record["InstanceConfiguration"] = _instance(record.get("InstanceConfiguration"),
                                                    params.get("InstanceConfiguration"))
    if creating or "HealthCheckConfiguration" in params:
        record["HealthCheckConfiguration"] = _health_check(record.get("HealthCheckConfiguration"),
                                                           params.get("HealthCheckConfiguration"))
    if creating or "NetworkConfiguration" in params:
        record["NetworkConfiguration"] = _network(ctx, record.get("NetworkConfiguration"),
                                                  params.get("NetworkConfiguration"))
    if creating or "AutoScalingConfigurationArn" in params:
        record["AutoScalingConfigurationSummary"] = _auto_scaling(ctx, params.get("AutoScalingConfigurationArn"))
    if "ObservabilityConfiguration" in params:
        record["ObservabilityConfiguration"] = _observability(ctx, params["ObservabilityConfiguration"])
    _apply_url(record)


def _apply_url(record: dict) -> None:
    """Public services show their domain as ServiceUrl; private ones have none (it stays reachable as DNSTarget)."""
    if record["NetworkConfiguration"]["IngressConfiguration"]["IsPubliclyAccessible"]:
        record["ServiceUrl"] = record["_dns_target"]
    else:
        record.pop("ServiceUrl", None)


def _normalize_cpu(value: str) -> str:
    if value.endswith(" vCPU"):
        return str(int(float(value[:-len(" vCPU")]) * 1024))
    return value


def _normalize_memory(value: str) -> str:
    if value.endswith(" GB"):
        return str(int(float(value[:-len(" GB")]) * 1024))
    return value


def _instance(old: dict | None, sent: dict | None) -> dict:
    merged = {"Cpu": DEFAULT_CPU, "Memory": DEFAULT_MEMORY, **(old or {}), **(sent or {})}
    merged["Cpu"] = _normalize_cpu(merged["Cpu"])
    merged["Memory"] = _normalize_memory(merged["Memory"])
    allowed = INSTANCE_SIZES.get(merged["Cpu"], ())
    if merged["Memory"] not in allowed:
        offered = ", ".join(allowed) or "none"
        raise InvalidRequest(
            f"The instance configuration Cpu {merged['Cpu']} with Memory {merged['Memory']} isn't supported. "
            f"Memory values supported with Cpu {merged['Cpu']}: {offered}."
        )
    return merged


def _health_check(old: dict | None, sent: dict | None) -> dict:
    return {**DEFAULT_HEALTH_CHECK, **(old or {}), **(sent or {})}


def _network(ctx: HandlerContext, old: dict | None, sent: dict | None) -> dict:
    """Each sub-block sent replaces the old one whole: an IngressConfiguration sent as {} means private (Terraform
    omits a false IsPubliclyAccessible), and an EgressConfiguration without a connector drops the old connector."""
    network = old or {"EgressConfiguration": {"EgressType": "DEFAULT"},
                      "IngressConfiguration": {"IsPubliclyAccessible": True}, "IpAddressType": "IPV4"}
    network = dict(network)
    sent = sent or {}
    if "EgressConfiguration" in sent:
        network["EgressConfiguration"] = _egress(ctx, sent["EgressConfiguration"])
    if "IngressConfiguration" in sent:
        public_access = bool(sent["IngressConfiguration"].get("IsPubliclyAccessible", False))
        network["IngressConfiguration"] = {"IsPubliclyAccessible": public_access}
    if "IpAddressType" in sent:
        network["IpAddressType"] = sent["IpAddressType"]
    return network


def _egress(ctx: HandlerContext, sent: dict) -> dict:
    egress_type = sent.get("EgressType", "DEFAULT")
    connector_arn = sent.get("VpcConnectorArn")
    if egress_type == "DEFAULT":
        if connector_arn:
            raise InvalidRequest("VpcConnectorArn is only valid when EgressType is VPC.")
        return {"EgressType": "DEFAULT"}
    if not connector_arn:
        raise InvalidRequest("EgressType VPC requires a VpcConnectorArn.")
    connector_records.resolve_vpc_connector(ctx, connector_arn)
    return {"EgressType": "VPC", "VpcConnectorArn": connector_arn}


def _observability(ctx: HandlerContext, sent: dict) -> dict:
    if not sent.get("ObservabilityEnabled"):
        return {**sent, "ObservabilityEnabled": False}
    arn = sent.get("ObservabilityConfigurationArn")
    if not arn:
        raise InvalidRequest("ObservabilityConfigurationArn is required when ObservabilityEnabled is true.")
    record = observability_records.resolve_observability(ctx, arn)
    return {"ObservabilityEnabled": True, "ObservabilityConfigurationArn": record["ObservabilityConfigurationArn"]}


def _auto_scaling(ctx: HandlerContext, arn: str | None) -> dict:
    """The AutoScalingConfigurationSummary for the configuration arn names (full or partial), or the default."""
    if arn:
        record = auto_scaling_records.resolve_auto_scaling(ctx, arn)
    else:
        record = auto_scaling_records.default_auto_scaling(ctx)
    return auto_scaling_records.summary(ctx, record)


# --- source configuration --------------------------------------------------------------------------------------------

def _source(ctx: HandlerContext, old: dict | None, sent: dict) -> dict:
    if "ImageRepository" in sent and "CodeRepository" in sent:
        raise InvalidRequest("SourceConfiguration must specify either ImageRepository or CodeRepository, not both.")
    source = _merge_source(old, sent) if old else dict(sent)
    image, code = source.get("ImageRepository"), source.get("CodeRepository")
    if not image and not code:
        raise InvalidRequest("SourceConfiguration must specify either ImageRepository or CodeRepository.")
    if image:
        _check_image(source, image)
    else:
        _check_code(ctx, source, code, creating=old is None)
    return source


def _merge_source(old: dict, sent: dict) -> dict:
    """UpdateService: a repository sent replaces the old one (keeping a CodeConfiguration/SourceDirectory that
    wasn't resent, as CodeConfiguration is only required on create); other members sent replace theirs."""
    kind = "ImageRepository" if "ImageRepository" in old else "CodeRepository"
    other = "CodeRepository" if kind == "ImageRepository" else "ImageRepository"
    if other in sent:
        raise InvalidRequest(
            f"You can't switch service source from {kind} to {other}; create a new service instead."
        )
    source = {**old, **sent}
    if kind == "CodeRepository" and "CodeRepository" in sent:
        kept = {k: v for k, v in old["CodeRepository"].items() if k in ("CodeConfiguration", "SourceDirectory")}
        source["CodeRepository"] = {**kept, **sent["CodeRepository"]}
    return source


def _check_image(source: dict, image: dict) -> None:
    identifier, repo_type = image["ImageIdentifier"], image["ImageRepositoryType"]
    if repo_type == "ECR" and not _PRIVATE_ECR.fullmatch(identifier):
        raise InvalidRequest(
            f"The image identifier {identifier} isn't an Amazon ECR private image "
            "(<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]), as ImageRepositoryType ECR needs."
        )
    if repo_type == "ECR_PUBLIC" and not _PUBLIC_ECR.fullmatch(identifier):
        raise InvalidRequest(
            f"The image identifier {identifier} isn't an Amazon ECR Public image "
            "(public.ecr.aws/<alias>/<repository>[:tag|@digest]), as ImageRepositoryType ECR_PUBLIC needs."
        )
    auth = source.get("AuthenticationConfiguration") or {}
    if repo_type == "ECR" and not auth.get("AccessRoleArn"):
        raise InvalidRequest(
            "An image from a private Amazon ECR repository needs AuthenticationConfiguration.AccessRoleArn, "
            "a role App Runner can assume to pull it."
        )
    source.setdefault("AutoDeploymentsEnabled", repo_type != "ECR_PUBLIC")
    if repo_type == "ECR_PUBLIC" and source["AutoDeploymentsEnabled"]:
        raise InvalidRequest(
            "App Runner doesn't support automatic deployments for an image in an ECR Public repository."
        )


def _check_code(ctx: HandlerContext, source: dict, code: dict, creating: bool) -> None:
    connection_arn = (source.get("AuthenticationConfiguration") or {}).get("ConnectionArn")
    if connection_arn:
        _check_connection(ctx, connection_arn)
    elif not code["RepositoryUrl"].startswith(LOCAL_REPOSITORY):  # runnerlink's local directories need none
        raise InvalidRequest(
            "A code repository needs AuthenticationConfiguration.ConnectionArn, an App Runner connection to it."
        )
    configuration = code.get("CodeConfiguration")
    if creating and not configuration:
        raise InvalidRequest("CodeRepository.CodeConfiguration is required when creating a service.")
    if configuration and configuration["ConfigurationSource"] == "API" \
            and not configuration.get("CodeConfigurationValues"):
        raise InvalidRequest("CodeConfigurationValues is required when ConfigurationSource is API.")
    source.setdefault("AutoDeploymentsEnabled", True)


def _check_connection(ctx: HandlerContext, connection_arn: str) -> None:
    connection = ctx.tx.get(CONNECTION, connection_arn)
    if connection is None or connection.get("Status") == "DELETED":
        raise InvalidRequest(f"The connection {connection_arn} doesn't exist.")
    if connection.get("Status") != "AVAILABLE":
        raise InvalidRequest(
            f"The connection {connection_arn} is {connection.get('Status')}; complete its handshake so it's "
            "AVAILABLE before using it."
        )
