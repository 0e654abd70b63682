"""What the runtime (runnerlink.runtime) reads of App Runner services and records of their deployments.

Where the server runs applications, an operation that brings a service up awaits its deployment (records.operations).
The runtime builds and starts the application, runs the health checks, then records the outcome here: the operation
SUCCEEDED (the deployment now serves), FAILED (a creation: CREATE_FAILED), or ROLLBACK_SUCCEEDED (a failed update or
deployment of a service that was serving: the previous configuration and version are back and keep serving).
"""

from __future__ import annotations

from runnerlink.services.apprunner.records import custom_domains as custom_domain_records
from runnerlink.services.apprunner.records import ingress as ingress_records
from runnerlink.services.apprunner.records.kinds import OPERATION, SERVICE
from runnerlink.services.apprunner.records.services import derive
from runnerlink.services.base import HandlerContext

# What an update changes and a rollback restores.
CONFIGURATION = ("SourceConfiguration", "InstanceConfiguration", "HealthCheckConfiguration", "NetworkConfiguration",
                 "AutoScalingConfigurationSummary", "ObservabilityConfiguration", "ServiceUrl", "_connection_arn")
ROLLS_BACK = frozenset({"UPDATE_SERVICE", "START_DEPLOYMENT"})


def remember_configuration(record: dict) -> None:
    """Keep the configuration in force before an update, for a rollback."""
    record["_previous"] = {key: record[key] for key in CONFIGURATION if key in record}


def finish(ctx: HandlerContext, service_arn: str, operation_id: str, deployment_id: str, succeeded: bool,
           reason: str | None = None) -> str | None:
    """Record the outcome of the deployment operation_id awaited; the operation's final status, or None when the
    service no longer awaits that operation (deleted, or another operation superseded it)."""
    record = ctx.tx.get(SERVICE, service_arn)
    if record is None:
        return None
    op = record["_op"]
    if op["Id"] != operation_id or not op.get("Awaits") or op.get("Result") is not None:
        return None
    if succeeded:
        status = "SUCCEEDED"
        record["_serving"] = deployment_id
        record.pop("_failure", None)
    else:
        status = "ROLLBACK_SUCCEEDED" if op["Type"] in ROLLS_BACK and record.get("_serving") else "FAILED"
        record["_failure"] = reason or "the deployment failed"
        previous = record.get("_previous")
        if status == "ROLLBACK_SUCCEEDED" and previous is not None:  # an update's; a deployment changed none
            for key in CONFIGURATION:
                record.pop(key, None)
            record.update(previous)
    result = {"Status": status, "At": ctx.now, "Reason": reason}
    op["Result"] = result
    record.pop("_previous", None)
    ctx.tx.put(SERVICE, service_arn, record)
    stored = ctx.tx.get(OPERATION, operation_id)
    if stored is not None:
        stored["_result"] = result
        ctx.tx.put(OPERATION, operation_id, stored)
    return status


def snapshot(ctx: HandlerContext) -> list[dict]:
    """Every service of the scope as the runtime needs it: the record with its derived Status (internal fields
    included), with "_hosts": the names its requests arrive by (the service's own domain, its active custom domains
    and their www. names, and its available ingress connections' domain names) → "public" or the ingress connection
    (its VPC and endpoint)."""
    services = [derive(ctx, record) for record in ctx.tx.scan(SERVICE)]
    by_arn = {s["ServiceArn"]: s for s in services}
    for service in services:
        service["_hosts"] = {service["_dns_target"]: {"via": "service"}}
    for domain in ctx.tx.scan(custom_domain_records.CUSTOM_DOMAIN):
        service = by_arn.get(domain["_service_arn"])
        if service is None or custom_domain_records.status(ctx, domain) != custom_domain_records.ACTIVE:
            continue
        names = [domain["DomainName"]]
        if domain.get("EnableWWWSubdomain") and not domain["DomainName"].startswith("*."):
            names.append(f"www.{domain['DomainName']}")
        for name in names:
            service["_hosts"][name.lower()] = {"via": "custom-domain"}
    for connection in ingress_records.not_deleted(ctx):
        service = by_arn.get(connection["ServiceArn"])
        if service is None or ingress_records.status(ctx, connection) != "AVAILABLE":
            continue
        config = connection["IngressVpcConfiguration"]
        service["_hosts"][connection["DomainName"]] = {
            "via": "ingress", "connection": connection["VpcIngressConnectionArn"], "vpc": config["VpcId"],
            "endpoint": config["VpcEndpointId"]}
    return services
