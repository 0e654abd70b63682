"""DNS as seen from inside a VPC: AWS hostnames → services, private DNS of interface endpoints, endpoint-specific
vpce-… names, App Runner's names (<id>.<region>.awsapprunner.com: a service's public URL, or a VPC ingress
connection's name, which resolves only inside its VPC to its endpoint's ENIs), and the modelled public addresses of
everything else."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass

from runnerlink.network.model import Endpoint, PrivateName, Topology, Workload

GLOBAL_REGION = "us-east-1"  # where global endpoints (sts.amazonaws.com, iam.amazonaws.com) live
# Model public addresses of services: 192.0.2.1–192.0.2.126 (RFC 5737). The upper half, 192.0.2.128/25, is for the
# public addresses of workloads.
_PUBLIC_NET = ipaddress.ip_network("192.0.2.0/24")
_PUBLIC_SLOTS = 126
_REGION = r"[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+"
_SERVICE_HOST = re.compile(rf"^(?P<labels>[a-z0-9.-]+?)\.(?P<region>{_REGION})\.amazonaws\.com$")
_GLOBAL_HOST = re.compile(r"^(?P<service>[a-z0-9-]+)\.amazonaws\.com$")
_VPCE_HOST = re.compile(rf"^(?:\*\.)?(?P<endpoint>vpce-[0-9a-f]+)-(?P<label>[a-z0-9]+)(?:-(?P<zone>{_REGION}[a-z]))?"
                        rf"\.(?P<labels>[a-z0-9.-]+)\.(?P<region>{_REGION})\.vpce\.amazonaws\.com$")

_APP_HOST = re.compile(rf"^[a-z0-9-]+\.(?P<region>{_REGION})\.awsapprunner\.com$")


@dataclass(frozen=True)
class AwsHost:
    """What an AWS hostname names: the service's short name ("apprunner", "ecr.api") and its region."""

    service: str
    region: str
    endpoint_id: str | None = None  # set for endpoint-specific vpce-… names
    zone: str | None = None  # the zone of a zonal vpce-… name

    def service_name(self) -> str:
        """The endpoint service name: com.amazonaws.<region>.<service>."""
        return f"com.amazonaws.{self.region}.{self.service}"


@dataclass(frozen=True)
class Resolution:
    host: str
    addresses: tuple[str, ...]
    via: str  # "private-dns" | "endpoint-name" | "private-name" | "public" | "none"
    endpoint_id: str | None
    reason: str


def normalize(host: str) -> str:
    return host.strip().lower().rstrip(".")


def _short_name(labels: str) -> str:
    """DNS labels → the service's short name: dotted services are reversed in names (api.ecr → ecr.api); a bucket or
    account prefix in front of s3 is dropped."""
    parts = labels.split(".")
    if "s3" in parts:
        return "s3"
    return ".".join(reversed(parts))


def aws_host(host: str) -> AwsHost | None:
    """The service (and region) an AWS hostname belongs to, or None for a name that is not AWS's."""
    host = normalize(host)
    match = _VPCE_HOST.match(host)
    if match:
        return AwsHost(_short_name(match["labels"]), match["region"], match["endpoint"], match["zone"])
    match = _SERVICE_HOST.match(host)
    if match:
        return AwsHost(_short_name(match["labels"]), match["region"])
    match = _GLOBAL_HOST.match(host)
    if match:
        return AwsHost(match["service"], GLOBAL_REGION)
    return None


def app_host(host: str) -> str | None:
    """The region of an App Runner application name (<id>.<region>.awsapprunner.com), None for other names."""
    match = _APP_HOST.match(normalize(host))
    return match["region"] if match else None


def public_address(host: str) -> str:
    """The model public address of a hostname: stable, from 192.0.2.1–126."""
    digest = hashlib.sha256(normalize(host).encode()).digest()
    return str(_PUBLIC_NET[1 + int.from_bytes(digest[:4], "big") % _PUBLIC_SLOTS])


def service_address(topology: Topology, host: str) -> str:
    """The model public address of a hostname as seen from the topology's Region: an S3 or DynamoDB name of that
    Region gets one inside the service's AWS-managed prefix list (what a gateway endpoint route matches), any other
    name its public_address()."""
    parsed = aws_host(host)
    if parsed is not None and parsed.endpoint_id is None and parsed.region == topology.region:
        listed = next((p for p in topology.prefix_lists.values() if p.name == parsed.service_name()), None)
        if listed is not None and listed.cidrs:
            network = ipaddress.ip_network(listed.cidrs[0], strict=False)
            digest = hashlib.sha256(normalize(host).encode()).digest()
            return str(network[1 + int.from_bytes(digest[:4], "big") % max(network.num_addresses - 2, 1)])
    return public_address(host)


def default_private_dns_name(service_name: str) -> str | None:
    """The public name an endpoint service's private DNS overrides (com.amazonaws.us-east-1.ecr.api →
    api.ecr.us-east-1.amazonaws.com)."""
    parts = service_name.split(".")
    if len(parts) < 4 or parts[:2] != ["com", "amazonaws"]:
        return None
    region, short = parts[2], parts[3:]
    return ".".join([*reversed(short), region, "amazonaws", "com"])


def endpoint_addresses(topology: Topology, endpoint: Endpoint, zone: str | None = None) -> tuple[str, ...]:
    """The private addresses of the endpoint's ENIs (only the zone's for a zonal name)."""
    found = []
    for interface_id in endpoint.interface_ids:
        interface = topology.interfaces.get(interface_id)
        if interface is None:
            continue
        subnet = topology.subnets.get(interface.subnet_id)
        if zone is None or subnet is None or subnet.zone == zone:
            found.append(interface.private_ip)
    return tuple(found)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _private_dns_endpoint(topology: Topology, vpc_id: str, host: str) -> Endpoint | None:
    """The VPC's interface endpoint whose private DNS answers for host (any state), if any."""
    for endpoint in topology.endpoints.values():
        if endpoint.vpc_id != vpc_id or endpoint.type != "Interface" or not endpoint.private_dns:
            continue
        name = endpoint.private_dns_name or default_private_dns_name(endpoint.service_name)
        if name and _name_matches(normalize(name), host):
            return endpoint
    return None


def _name_matches(name: str, host: str) -> bool:
    """A private DNS name answers for host: the same name, or a wildcard (ECR's registry endpoint has
    *.dkr.ecr.<region>.amazonaws.com, so every <account>.dkr.ecr… name resolves to it)."""
    if name.startswith("*."):
        return host.endswith(name[1:]) and len(host) > len(name) - 1
    return name == host


def _service_endpoints(topology: Topology, vpc_id: str, service_name: str) -> list[Endpoint]:
    return [e for e in topology.endpoints.values()
            if e.vpc_id == vpc_id and e.service_name == service_name and e.type == "Interface"]


def _endpoint_name(topology: Topology, host: str, parsed: AwsHost) -> Resolution:
    endpoint = topology.endpoints.get(parsed.endpoint_id or "")
    if endpoint is None or not any(normalize(n) == host for n in endpoint.dns_names):
        return Resolution(host, (), "none", parsed.endpoint_id, f"{host} does not exist (no such endpoint name)")
    if endpoint.state != "available":
        return Resolution(host, (), "none", endpoint.id,
                          f"endpoint {endpoint.id} is {endpoint.state}: {host} does not resolve yet")
    addresses = endpoint_addresses(topology, endpoint, parsed.zone)
    if not addresses:
        return Resolution(host, (), "none", endpoint.id, f"endpoint {endpoint.id} has no network interface "
                                                         f"{'in ' + parsed.zone if parsed.zone else ''}".rstrip())
    return Resolution(host, addresses, "endpoint-name", endpoint.id,
                      f"{host} is endpoint {endpoint.id}'s own name: its network interfaces "
                      f"{', '.join(addresses)}")


def endpoint_note(topology: Topology, vpc_id: str, host: str) -> str | None:
    """Why an AWS name is not answered by an endpoint in the VPC (None for names that are not AWS's)."""
    parsed = aws_host(host)
    if parsed is None or parsed.endpoint_id is not None:
        return None
    name = parsed.service_name()
    endpoints = _service_endpoints(topology, vpc_id, name)
    pending = next((e for e in endpoints if e.private_dns and e.state != "available"), None)
    if pending is not None:
        return f"endpoint {pending.id} is {pending.state}: its private DNS for {name} does not answer yet"
    serving = next((e for e in endpoints if e.private_dns), None)
    if serving is not None:
        return f"endpoint {serving.id} for {name} has no network interface"
    if endpoints:
        return f"endpoint {endpoints[0].id} for {name} has private DNS off"
    return f"no endpoint for {name} with private DNS in {vpc_id}" + _across_peering(topology, vpc_id, name)


def _across_peering(topology: Topology, vpc_id: str, service_name: str) -> str:
    """Why a peered VPC's endpoint for the service does not answer its name here (private DNS does not cross VPC
    peering: only its own vpce-… names and addresses reach it)."""
    for peering in topology.peerings.values():
        peer = peering.peer_of(vpc_id)
        if peer is None:
            continue
        for endpoint in _service_endpoints(topology, peer, service_name):
            if endpoint.private_dns:
                return (f" (endpoint {endpoint.id} in {peer}, peered through {peering.id}, has private DNS for it, "
                        f"but private DNS does not cross VPC peering: use its vpce-… name)")
    return ""


def _private_name(topology: Topology, host: str, private: PrivateName) -> Resolution:
    """A name private to the workload's VPC (an ingress connection's): its endpoint's ENI addresses once both are
    available."""
    if private.status != "AVAILABLE":
        return Resolution(host, (), "none", private.endpoint_id,
                          f"{private.owner} is {private.status}: {host} does not resolve yet in {private.vpc_id}")
    endpoint = topology.endpoints.get(private.endpoint_id)
    if endpoint is None:
        return Resolution(host, (), "none", private.endpoint_id,
                          f"endpoint {private.endpoint_id} of {private.owner} does not exist: {host} does not resolve")
    if endpoint.state != "available":
        return Resolution(host, (), "none", endpoint.id,
                          f"endpoint {endpoint.id} of {private.owner} is {endpoint.state}: {host} does not resolve")
    addresses = endpoint_addresses(topology, endpoint)
    if not addresses:
        return Resolution(host, (), "none", endpoint.id, f"endpoint {endpoint.id} has no network interface")
    return Resolution(host, addresses, "private-name", endpoint.id,
                      f"{host} is {private.owner}, private to {private.vpc_id}: endpoint {endpoint.id}'s network "
                      f"interfaces {', '.join(addresses)}")


def _public(topology: Topology, vpc_id: str, host: str) -> Resolution:
    address = service_address(topology, host)
    note = endpoint_note(topology, vpc_id, host)
    why = f"{host} resolves to its public address {address}" + (f" ({note})" if note else "")
    return Resolution(host, (address,), "public", None, why)


def resolve(topology: Topology, workload: Workload, host: str) -> Resolution:
    """What host resolves to for a workload, with the reason."""
    host = normalize(host)
    vpc = topology.vpcs.get(workload.vpc_id)
    if vpc is None:
        return Resolution(host, (), "none", None, f"VPC {workload.vpc_id} does not exist")
    if _is_address(host):
        return Resolution(host, (host,), "public", None, f"{host} is an address (no lookup)")
    if not vpc.dns_support:
        return Resolution(host, (), "none", None,
                          f"VPC {vpc.id} has DNS support disabled: {host} does not resolve")
    parsed = aws_host(host)
    if parsed is not None and parsed.endpoint_id is not None:
        return _endpoint_name(topology, host, parsed)
    private = topology.private_names.get(host)
    if private is not None and private.vpc_id == vpc.id:
        return _private_name(topology, host, private)
    if private is not None:  # another VPC's private name: App Runner's public zone answers it here
        public = _public(topology, vpc.id, host)
        return Resolution(host, public.addresses, "public", None,
                          f"{public.reason} ({host} is {private.owner}, private to {private.vpc_id}: it resolves to "
                          f"endpoint {private.endpoint_id} only there)")
    endpoint = _private_dns_endpoint(topology, vpc.id, host)
    if endpoint is not None and endpoint.state == "available":
        addresses = endpoint_addresses(topology, endpoint)
        if addresses:
            return Resolution(host, addresses, "private-dns", endpoint.id,
                              f"private DNS of endpoint {endpoint.id} ({endpoint.service_name}) in {vpc.id}: "
                              f"{host} → {', '.join(addresses)}")
    return _public(topology, vpc.id, host)
