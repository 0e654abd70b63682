"""The audit model from the JSON of `terraform show -json`: a saved plan (before apply: ids, ENIs and addresses
unknown, followed through the configuration's references, with Terraform addresses as ids) or the state (all
known). What AWS creates by itself (each VPC's main route table and default security group) is added."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from runnerlink.audit.locations import module_dir, resource_blocks
from runnerlink.audit.model import AppService, AuditModel, Connector, IngressConnection, Location
from runnerlink.audit.sources.tf_document import UNKNOWN, Document, Instance, read
from runnerlink.network.dns import default_private_dns_name
from runnerlink.network.model import (Endpoint, Interface, InternetGateway, NatGateway, Peering, PrefixList, Route,
                                      RouteTable, Rule, SecurityGroup, Subnet, Topology, Vpc)

DEFAULT_REGION = "us-east-1"
_APPRUNNER = ("aws_apprunner_service", "aws_apprunner_vpc_connector", "aws_apprunner_vpc_ingress_connection")
SUPPORTED = frozenset({
    "aws_vpc", "aws_vpc_ipv4_cidr_block_association", "aws_subnet", "aws_route_table", "aws_route",
    "aws_route_table_association", "aws_main_route_table_association", "aws_default_route_table",
    "aws_internet_gateway", "aws_internet_gateway_attachment", "aws_nat_gateway", "aws_eip", "aws_vpc_endpoint",
    "aws_vpc_endpoint_subnet_association", "aws_vpc_endpoint_route_table_association", "aws_vpc_endpoint_policy",
    "aws_vpc_endpoint_security_group_association", "aws_security_group", "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule", "aws_default_security_group",
    "aws_vpc_peering_connection", "aws_vpc_peering_connection_accepter", "aws_ec2_managed_prefix_list",
    "aws_ec2_managed_prefix_list_entry", *_APPRUNNER,
})
# Route targets as the provider names them; the first one set is the route's target.
_ROUTE_TARGETS = {"gateway_id": ("aws_internet_gateway", "aws_vpc_endpoint"), "nat_gateway_id": ("aws_nat_gateway",),
                  "network_interface_id": (), "vpc_peering_connection_id": ("aws_vpc_peering_connection",),
                  "transit_gateway_id": (), "egress_only_gateway_id": (), "local_gateway_id": (),
                  "carrier_gateway_id": (), "vpc_endpoint_id": ("aws_vpc_endpoint",), "core_network_arn": ()}
_DESTINATIONS = ("destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id")
_INLINE_DESTINATIONS = ("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id")
_ALIASES = {"default_route_table_id": "main_route_table_id"}  # the same table until something else is made main
# Before apply a resource's id is its address; the path finder tells route targets apart by their id's prefix, so
# these keep AWS's in front of the address (igw-aws_internet_gateway.main).
_PREFIXES = {"aws_internet_gateway": "igw-", "aws_nat_gateway": "nat-", "aws_vpc_endpoint": "vpce-",
             "aws_vpc_peering_connection": "pcx-"}
# The AWS-managed prefix lists' ranges in runnerlink's model (RFC 5737): what a plan's gateway endpoint routes
# match before apply, so its paths agree with the applied network's (the state has the real ranges).
_MODEL_LIST_CIDRS = {"s3": "198.51.100.0/25", "dynamodb": "198.51.100.128/25"}
_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]+):(\d{12})?:")


def load(path: str | Path, region: str | None = None, config_dir: str | Path | None = None) -> AuditModel:
    """The model of `terraform show -json` output at path (a plan or a state). config_dir: the configuration's
    directory, for the file and line of each resource (default: the JSON file's directory). Raises ValueError for
    input that isn't that JSON."""
    document = read(path)
    return build(document, region, Path(config_dir) if config_dir else Path(path).resolve().parent)


def build(document: Document, region: str | None = None, config_dir: Path | None = None) -> AuditModel:
    return _Builder(document, region, config_dir).model()


class _Builder:
    def __init__(self, document: Document, region: str | None, config_dir: Path | None):
        self.doc = document
        self.notes: list[str] = []
        self.of_type: dict[str, list[Instance]] = {}
        for instance in document.instances:
            self.of_type.setdefault(instance.type, []).append(instance)
        self.account, arn_region = self._account_and_region()
        self.region = region or document.provider_region() or arn_region or DEFAULT_REGION
        if not (region or document.provider_region() or arn_region):
            self.notes.append(f"region assumed {DEFAULT_REGION} (no region argument, no aws provider region)")
        self.config_dir = config_dir
        self.unresolved: set[str] = set()

    # --- ids and references --------------------------------------------------------------------------------------

    def id_of(self, instance: Instance) -> str:
        if instance.type == "aws_default_route_table":
            return self.one(instance, "default_route_table_id") or instance.address
        if instance.type == "aws_default_security_group":
            vpc = self.one(instance, "vpc_id")
            return self._known(instance.get("id")) or (self.default_group_of(vpc) if vpc else instance.address)
        key = "arn" if instance.type in _APPRUNNER else "id"
        return self._known(instance.get(key)) or _PREFIXES.get(instance.type, "") + instance.address

    @staticmethod
    def _known(value: Any) -> str | None:
        return value if isinstance(value, str) and value else None

    def _target(self, instance: Instance, attr: str | None) -> str:
        if attr in (None, "id", "arn"):
            return self.id_of(instance)
        value = instance.get(attr)
        if isinstance(value, str) and value:
            return value
        if attr in _ALIASES and self._known(instance.get(_ALIASES[attr])):
            return instance.get(_ALIASES[attr])
        return f"{instance.address}.{_ALIASES.get(attr, attr)}"

    def values(self, instance: Instance, *path: Any, types: tuple[str, ...] = (), attrs: tuple = ()) -> list[str]:
        """The string(s) at path: known values as they are; unknown ones through the configuration's references
        (only to resources of `types` / attributes in `attrs` when given)."""
        value = instance.get(*path)
        if isinstance(value, str):
            return [value] if value else []
        if isinstance(value, list) and all(isinstance(v, str) and instance.get(*path, i) is not UNKNOWN
                                           for i, v in enumerate(value)):
            return [v for v in value if v]
        if value is None:
            return []
        found = []
        for target, attr in self.doc.references(instance, *path):
            if types and target.type not in types:
                continue
            if attrs and attr not in attrs:
                continue
            found.append(self._target(target, attr))
        if not found:
            self.unresolved.add(f"{instance.address}: {'.'.join(map(str, path))}")
        return list(dict.fromkeys(found))

    def one(self, instance: Instance, *path: Any, types: tuple[str, ...] = ()) -> str | None:
        found = self.values(instance, *path, types=types)
        return found[0] if found else None

    def flag(self, instance: Instance, name: str, default: bool) -> bool:
        value = instance.get(name)
        return value if isinstance(value, bool) else default

    def blocks(self, instance: Instance, name: str) -> list[dict]:
        value = instance.get(name)
        return value if isinstance(value, list) else []

    # --- implicit resources ----------------------------------------------------------------------------------

    def main_table_of(self, vpc_id: str) -> str:
        return self._implicit.get(vpc_id, {}).get("main", f"{vpc_id}.main_route_table_id")

    def default_group_of(self, vpc_id: str) -> str:
        return self._implicit.get(vpc_id, {}).get("group", f"{vpc_id}.default_security_group_id")

    @property
    def _implicit(self) -> dict[str, dict[str, str]]:
        if not hasattr(self, "_implicit_cache"):
            cache: dict[str, dict[str, str]] = {}
            for vpc in self.of_type.get("aws_vpc", []):
                cache[self.id_of(vpc)] = {"main": self._target(vpc, "main_route_table_id"),
                                          "group": self._target(vpc, "default_security_group_id")}
            self._implicit_cache = cache
        return self._implicit_cache

    def _account_and_region(self) -> tuple[str, str | None]:
        for instance in self.doc.instances:
            for key in ("arn", "owner_id"):
                value = instance.get(key)
                if not isinstance(value, str):
                    continue
                match = _ARN_REGION.match(value)
                if match and match.group(2):
                    return match.group(2), match.group(1) or None
                if key == "owner_id" and re.fullmatch(r"\d{12}", value):
                    return value, None
        return "", None

    # --- the model ------------------------------------------------------------------------------------------

    def model(self) -> AuditModel:
        vpcs = self.vpcs()
        table_vpc, routes = self.route_tables(vpcs)
        groups = self.security_groups(vpcs)
        subnets = self.subnets(vpcs)
        endpoints, interfaces, lists = self.endpoints(vpcs, subnets, routes)
        tables = self.finish_tables(vpcs, table_vpc, routes)
        managed = self.managed_prefix_lists()
        groups = _with_list_cidrs(groups, managed)
        topology = Topology(
            account=self.account, region=self.region, vpcs=vpcs, subnets=subnets, route_tables=tables,
            security_groups=groups, endpoints=endpoints, interfaces=interfaces,
            internet_gateways=self.internet_gateways(), nat_gateways=self.nat_gateways(),
            peerings=self.peerings(), prefix_lists={**managed, **lists})
        services, connectors, ingress = self.apprunner()
        if not self.account:
            self.notes.append("account unknown (a plan before apply names none)")
        if self.doc.kind == "plan" and any(self.id_of(i).endswith(i.address) for i in self.doc.instances):
            self.notes.append("ids unknown before apply are the resources' Terraform addresses (gateways, "
                              "endpoints and peerings with AWS's id prefix in front: igw-, nat-, vpce-, pcx-)")
        if self.unresolved:
            self.notes.append("values neither known nor found through the configuration's references: "
                              + "; ".join(sorted(self.unresolved)))
        aliases = sorted(k for k in self.doc.configuration.get("provider_config") or {} if k.startswith("aws."))
        if aliases:
            self.notes.append(f"resources of the aws provider configurations {', '.join(aliases)} are read as if in "
                              f"{self.region} (one model, one region)")
        ignored = sorted({i.type for i in self.doc.instances if i.type not in SUPPORTED})
        if ignored:
            self.notes.append("resource types the audit does not model (ignored): " + ", ".join(ignored))
        return AuditModel(topology=topology, source="terraform", services=services, connectors=connectors,
                          ingress=ingress, default_groups={v: self.default_group_of(v) for v in vpcs},
                          locations=self.locations(), notes=tuple(dict.fromkeys(self.notes)))

    def vpcs(self) -> dict[str, Vpc]:
        secondary: dict[str, list[str]] = {}
        for association in self.of_type.get("aws_vpc_ipv4_cidr_block_association", []):
            vpc, cidr = self.one(association, "vpc_id"), association.get("cidr_block")
            if vpc and isinstance(cidr, str) and cidr:
                secondary.setdefault(vpc, []).append(cidr)
        found = {}
        for vpc in self.of_type.get("aws_vpc", []):
            vpc_id = self.id_of(vpc)
            primary = vpc.get("cidr_block")
            if not isinstance(primary, str) or not primary:
                primary = None
                self.notes.append(f"{vpc.address}: CIDR unknown before apply (IPAM)")
            cidrs = tuple(c for c in [primary, *secondary.get(vpc_id, [])] if c)
            found[vpc_id] = Vpc(vpc_id, cidrs, self.flag(vpc, "enable_dns_support", True),
                                self.flag(vpc, "enable_dns_hostnames", False))
        return found

    def _local_routes(self, vpc: Vpc | None, vpc_instance: Instance | None) -> list[Route]:
        routes = [Route(cidr, "local") for cidr in (vpc.cidrs if vpc else ())]
        ipv6 = vpc_instance.get("ipv6_cidr_block") if vpc_instance else None
        if isinstance(ipv6, str) and ipv6:
            routes.append(Route(ipv6, "local"))
        return routes

    def _route(self, instance: Instance, path: tuple, destinations: tuple[str, ...]) -> Route | None:
        block = instance.get(*path) if path else instance.values
        block = block if isinstance(block, dict) else {}
        destination = next((block[k] for k in destinations if isinstance(block.get(k), str) and block[k]), None)
        if destination is None:
            unknown = next((k for k in destinations if instance.get(*path, k) is UNKNOWN), None)
            if unknown:
                destination = self.one(instance, *path, unknown)
        target = None
        for key, types in _ROUTE_TARGETS.items():
            value = instance.get(*path, key)
            if isinstance(value, str) and value:
                target = value
            elif value is UNKNOWN:
                found = self.values(instance, *path, key, types=types)
                target = found[0] if found else f"{instance.address}.{key}"
                if len(found) > 1:
                    self.notes.append(f"{instance.address}: more than one candidate for {key}; took {target}")
            if target:
                break
        if destination is None or target is None:
            return None
        return Route(destination, target)

    def route_tables(self, vpcs: dict[str, Vpc]) -> tuple[dict[str, str], dict[str, list[Route]]]:
        """(table id → its VPC, table id → its routes but the local ones): AWS's main table of each VPC, the
        route tables (inline routes), the default route tables, and aws_route."""
        routes: dict[str, list[Route]] = {}
        table_vpc: dict[str, str] = {}
        for vpc_id in vpcs:
            table_vpc[self.main_table_of(vpc_id)] = vpc_id
            routes[self.main_table_of(vpc_id)] = []
        for kind in ("aws_route_table", "aws_default_route_table"):
            for table in self.of_type.get(kind, []):
                table_id = self.id_of(table)
                table_vpc[table_id] = self.one(table, "vpc_id") or table_vpc.get(table_id, "")
                routes[table_id] = [r for r in (self._route(table, ("route", i), _INLINE_DESTINATIONS)
                                                for i in range(len(self.blocks(table, "route")))) if r]
        for instance in self.of_type.get("aws_route", []):
            table_id = self.one(instance, "route_table_id")
            route = self._route(instance, (), _DESTINATIONS)
            if table_id and route:
                routes.setdefault(table_id, []).append(route)
        return table_vpc, routes

    def finish_tables(self, vpcs: dict[str, Vpc], table_vpc: dict[str, str],
                      routes: dict[str, list[Route]]) -> dict[str, RouteTable]:
        vpc_instances = {self.id_of(v): v for v in self.of_type.get("aws_vpc", [])}
        finished = {}
        for table_id, table_routes in routes.items():
            vpc_id = table_vpc.get(table_id, "")
            local = self._local_routes(vpcs.get(vpc_id), vpc_instances.get(vpc_id))
            finished[table_id] = RouteTable(table_id, vpc_id, tuple(dict.fromkeys([*local, *table_routes])))
        return finished

    def subnets(self, vpcs: dict[str, Vpc]) -> dict[str, Subnet]:
        explicit: dict[str, str] = {}
        for association in self.of_type.get("aws_route_table_association", []):
            subnet, table = self.one(association, "subnet_id"), self.one(association, "route_table_id")
            if subnet and table:
                explicit[subnet] = table
        main: dict[str, str] = {}
        for association in self.of_type.get("aws_main_route_table_association", []):
            vpc, table = self.one(association, "vpc_id"), self.one(association, "route_table_id")
            if vpc and table:
                main[vpc] = table
        found = {}
        for subnet in self.of_type.get("aws_subnet", []):
            subnet_id = self.id_of(subnet)
            vpc_id = self.one(subnet, "vpc_id") or ""
            zone = subnet.get("availability_zone")
            if not isinstance(zone, str):
                zone = ""
                self.notes.append(f"{subnet.address}: Availability Zone unknown before apply")
            cidr = subnet.get("cidr_block")
            found[subnet_id] = Subnet(subnet_id, vpc_id, cidr if isinstance(cidr, str) else "", zone,
                                      explicit.get(subnet_id) or main.get(vpc_id)
                                      or (self.main_table_of(vpc_id) if vpc_id in vpcs else None),
                                      self.flag(subnet, "map_public_ip_on_launch", False))
        return found

    # --- security groups -------------------------------------------------------------------------------------

    def _rules(self, instance: Instance, path: tuple, group_id: str, keys: dict[str, str]) -> list[Rule]:
        """The Rules of one rule block or rule resource: one per CIDR, group and prefix list. keys names the
        provider's attributes: protocol, from, to, cidrs, ipv6, lists, groups, self (absent ones don't apply)."""
        get = lambda key: instance.get(*path, keys[key]) if key in keys else None  # noqa: E731
        protocol = str(get("protocol") if get("protocol") not in (None, UNKNOWN) else "-1").lower()
        protocol = {"all": "-1", "6": "tcp", "17": "udp", "1": "icmp"}.get(protocol, protocol)
        low, high = get("from"), get("to")
        ports = (-1, -1) if protocol == "-1" else (low if isinstance(low, int) else -1,
                                                   high if isinstance(high, int) else -1)

        def strings(key: str, **kw: Any) -> list[str]:
            return self.values(instance, *path, keys[key], **kw) if key in keys else []

        found = [Rule(protocol, *ports, cidr=c) for c in strings("cidrs", attrs=("cidr_block",))]
        found += [Rule(protocol, *ports, cidr=c) for c in strings("ipv6", attrs=("ipv6_cidr_block",))]
        found += [Rule(protocol, *ports, prefix_list_id=p) for p in strings("lists")]
        found += [Rule(protocol, *ports, group_id=g) for g in strings("groups", attrs=(None, "id"))]
        if get("self") is True:
            found.append(Rule(protocol, *ports, group_id=group_id))
        return found

    _INLINE = {"protocol": "protocol", "from": "from_port", "to": "to_port", "cidrs": "cidr_blocks",
               "ipv6": "ipv6_cidr_blocks", "lists": "prefix_list_ids", "groups": "security_groups", "self": "self"}
    _RULE = {**_INLINE, "groups": "source_security_group_id"}
    _VPC_RULE = {"protocol": "ip_protocol", "from": "from_port", "to": "to_port", "cidrs": "cidr_ipv4",
                 "ipv6": "cidr_ipv6", "lists": "prefix_list_id", "groups": "referenced_security_group_id"}

    def security_groups(self, vpcs: dict[str, Vpc]) -> dict[str, SecurityGroup]:
        ingress: dict[str, list[Rule]] = {}
        egress: dict[str, list[Rule]] = {}
        group_vpc: dict[str, str] = {}
        for vpc_id in vpcs:  # AWS's default group: all from itself, all out
            group_id = self.default_group_of(vpc_id)
            group_vpc[group_id] = vpc_id
            ingress[group_id] = [Rule("-1", group_id=group_id)]
            egress[group_id] = [Rule("-1", cidr="0.0.0.0/0")]
        for kind in ("aws_security_group", "aws_default_security_group"):
            for group in self.of_type.get(kind, []):
                group_id = self.id_of(group)
                group_vpc[group_id] = self.one(group, "vpc_id") or group_vpc.get(group_id, "")
                # Terraform removes AWS's allow-all egress from a group it creates (and the default group's rules)
                ingress[group_id] = [r for i in range(len(self.blocks(group, "ingress")))
                                     for r in self._rules(group, ("ingress", i), group_id, self._INLINE)]
                egress[group_id] = [r for i in range(len(self.blocks(group, "egress")))
                                    for r in self._rules(group, ("egress", i), group_id, self._INLINE)]
        for rule in self.of_type.get("aws_security_group_rule", []):
            group_id = self.one(rule, "security_group_id")
            if group_id:
                side = egress if rule.get("type") == "egress" else ingress
                side.setdefault(group_id, []).extend(self._rules(rule, (), group_id, self._RULE))
        for kind, side in (("aws_vpc_security_group_ingress_rule", ingress),
                           ("aws_vpc_security_group_egress_rule", egress)):
            for rule in self.of_type.get(kind, []):
                group_id = self.one(rule, "security_group_id")
                if group_id:
                    side.setdefault(group_id, []).extend(self._rules(rule, (), group_id, self._VPC_RULE))
        return {g: SecurityGroup(g, group_vpc.get(g, ""), tuple(dict.fromkeys(ingress.get(g, []))),
                                 tuple(dict.fromkeys(egress.get(g, []))))
                for g in dict.fromkeys([*ingress, *egress])}

    # --- endpoints -------------------------------------------------------------------------------------------

    def endpoints(self, vpcs: dict[str, Vpc], subnets: dict[str, Subnet], routes: dict[str, list[Route]]
                  ) -> tuple[dict[str, Endpoint], dict[str, Interface], dict[str, PrefixList]]:
        extra_subnets: dict[str, list[str]] = {}
        extra_tables: dict[str, list[str]] = {}
        extra_groups: dict[str, list[str]] = {}
        policies: dict[str, str] = {}
        for kind, key, into in (("aws_vpc_endpoint_subnet_association", "subnet_id", extra_subnets),
                                ("aws_vpc_endpoint_route_table_association", "route_table_id", extra_tables),
                                ("aws_vpc_endpoint_security_group_association", "security_group_id", extra_groups)):
            for association in self.of_type.get(kind, []):
                endpoint, value = self.one(association, "vpc_endpoint_id"), self.one(association, key)
                if endpoint and value:
                    into.setdefault(endpoint, []).append(value)
        for instance in self.of_type.get("aws_vpc_endpoint_policy", []):
            endpoint, policy = self.one(instance, "vpc_endpoint_id"), instance.get("policy")
            if endpoint and isinstance(policy, str) and policy:
                policies[endpoint] = policy
        endpoints: dict[str, Endpoint] = {}
        interfaces: dict[str, Interface] = {}
        lists: dict[str, PrefixList] = {}
        taken: dict[str, int] = {}  # subnet → addresses synthesized in it so far
        for instance in sorted(self.of_type.get("aws_vpc_endpoint", []), key=lambda i: i.address):
            endpoint_id = self.id_of(instance)
            vpc_id = self.one(instance, "vpc_id") or ""
            service = instance.get("service_name") if isinstance(instance.get("service_name"), str) else ""
            kind = instance.get("vpc_endpoint_type")
            kind = kind if isinstance(kind, str) and kind else "Gateway"
            state = instance.get("state")
            if not isinstance(state, str) or not state:
                state = "available"
                self.notes.append("endpoint states unknown before apply are assumed available")
            private_dns = kind == "Interface" and self.flag(instance, "private_dns_enabled", False)
            names = [e.get("dns_name", "") for e in self.blocks(instance, "dns_entry") if isinstance(e, dict)]
            private_name = next((n for n in names if n and not n.endswith(".vpce.amazonaws.com")), None)
            if private_dns and private_name is None and service.startswith(f"com.amazonaws.{self.region}."):
                # What apply will give it, as AWS names it: labels reversed (api.ecr…), ECR's registry a wildcard.
                private_name = (f"*.dkr.ecr.{self.region}.amazonaws.com" if service.endswith(".ecr.dkr")
                                else default_private_dns_name(service))
            policy = policies.get(endpoint_id) or instance.get("policy")
            policy = policy if isinstance(policy, str) and policy else None
            groups: list[str] = []
            interface_ids: list[str] = []
            if kind == "Interface":
                groups = [*self.values(instance, "security_group_ids"), *extra_groups.get(endpoint_id, [])]
                if not groups and vpc_id:
                    groups = [self.default_group_of(vpc_id)]
                    if self.doc.kind == "plan":
                        self.notes.append(f"{instance.address}: no security group given: the VPC's default group")
                known_ips = {c.get("subnet_id"): c.get("ipv4") for c in self.blocks(instance, "subnet_configuration")
                             if isinstance(c, dict)}
                for subnet_id in dict.fromkeys([*self.values(instance, "subnet_ids"),
                                                *extra_subnets.get(endpoint_id, [])]):
                    address = known_ips.get(subnet_id) or self._synthesize(subnets.get(subnet_id), taken)
                    if not known_ips.get(subnet_id):
                        self.notes.append("endpoint interface addresses unknown before apply are synthesized in "
                                          "their subnets' ranges")
                    # The JSON doesn't say which ENI is in which subnet: one interface per (endpoint, subnet).
                    interface_id = f"{endpoint_id}/{subnet_id}"
                    interfaces[interface_id] = Interface(interface_id, subnet_id, vpc_id, address, tuple(groups))
                    interface_ids.append(interface_id)
            elif kind == "Gateway":
                # Before apply: "pl-<address>" (route lookup knows a prefix-list destination by its pl- prefix)
                list_id = self._known(instance.get("prefix_list_id")) or f"pl-{instance.address}"
                cidrs = instance.get("cidr_blocks")
                cidrs = tuple(c for c in cidrs if isinstance(c, str)) if isinstance(cidrs, list) else ()
                if not cidrs and service.rpartition(".")[2] in _MODEL_LIST_CIDRS:
                    cidrs = (_MODEL_LIST_CIDRS[service.rpartition(".")[2]],)
                    self.notes.append(f"{instance.address}: the {service} prefix list's CIDRs are unknown before "
                                      f"apply: runnerlink's model range {cidrs[0]} stands for them")
                lists[list_id] = PrefixList(list_id, service, cidrs)
                for table_id in dict.fromkeys([*self.values(instance, "route_table_ids"),
                                               *extra_tables.get(endpoint_id, [])]):
                    routes.setdefault(table_id, []).append(Route(list_id, endpoint_id))
            endpoints[endpoint_id] = Endpoint(
                id=endpoint_id, vpc_id=vpc_id, service_name=service, type=kind, state=state,
                private_dns=private_dns, private_dns_name=private_name if private_dns else None,
                dns_names=tuple(n for n in names if n.endswith(".vpce.amazonaws.com")),
                interface_ids=tuple(interface_ids), group_ids=tuple(dict.fromkeys(groups)), policy=policy)
        return endpoints, interfaces, lists

    @staticmethod
    def _synthesize(subnet: Subnet | None, taken: dict[str, int]) -> str:
        """The next address past AWS's four reserved ones in the subnet (deterministic: endpoints in address
        order)."""
        if subnet is None or not subnet.cidr:
            return ""
        network = ipaddress.ip_network(subnet.cidr, strict=False)
        index = taken.get(subnet.id, 0)
        taken[subnet.id] = index + 1
        return str(network.network_address + 4 + index)

    # --- gateways, peerings, prefix lists ----------------------------------------------------------------------

    def internet_gateways(self) -> dict[str, InternetGateway]:
        attached: dict[str, str] = {}
        for attachment in self.of_type.get("aws_internet_gateway_attachment", []):
            gateway, vpc = self.one(attachment, "internet_gateway_id"), self.one(attachment, "vpc_id")
            if gateway and vpc:
                attached[gateway] = vpc
        found = {}
        for gateway in self.of_type.get("aws_internet_gateway", []):
            gateway_id = self.id_of(gateway)
            found[gateway_id] = InternetGateway(gateway_id, self.one(gateway, "vpc_id") or attached.get(gateway_id))
        return found

    def nat_gateways(self) -> dict[str, NatGateway]:
        eips = {self.id_of(e): e for e in self.of_type.get("aws_eip", [])}
        found = {}
        for nat in self.of_type.get("aws_nat_gateway", []):
            nat_id = self.id_of(nat)
            public_ip = None
            if nat.get("connectivity_type") != "private":
                public_ip = self._known(nat.get("public_ip"))
                allocation = self.one(nat, "allocation_id", types=("aws_eip",))
                eip = eips.get(allocation or "")
                if public_ip is None and eip is not None:
                    public_ip = self._known(eip.get("public_ip"))
                if public_ip is None:
                    public_ip = "192.0.2.1"  # RFC 5737, as runnerlink's model addresses
                    self.notes.append(f"{nat.address}: its Elastic IP is unknown before apply (a placeholder)")
            found[nat_id] = NatGateway(nat_id, self.one(nat, "subnet_id") or "", "available", public_ip)
        return found

    def peerings(self) -> dict[str, Peering]:
        accepted = {self.one(a, "vpc_peering_connection_id")
                    for a in self.of_type.get("aws_vpc_peering_connection_accepter", [])}
        found = {}
        for peering in self.of_type.get("aws_vpc_peering_connection", []):
            peering_id = self.id_of(peering)
            status = self._known(peering.get("accept_status"))
            if status is None:
                status = "active" if peering.get("auto_accept") is True or peering_id in accepted \
                    else "pending-acceptance"
            found[peering_id] = Peering(peering_id, self.one(peering, "vpc_id") or "",
                                        self.one(peering, "peer_vpc_id") or "", status)
        return found

    def managed_prefix_lists(self) -> dict[str, PrefixList]:
        cidrs: dict[str, list[str]] = {}
        names: dict[str, str] = {}
        for instance in self.of_type.get("aws_ec2_managed_prefix_list", []):
            list_id = self.id_of(instance)
            names[list_id] = instance.get("name") if isinstance(instance.get("name"), str) else ""
            cidrs[list_id] = [e["cidr"] for e in self.blocks(instance, "entry")
                              if isinstance(e, dict) and isinstance(e.get("cidr"), str)]
        for entry in self.of_type.get("aws_ec2_managed_prefix_list_entry", []):
            list_id, cidr = self.one(entry, "prefix_list_id"), entry.get("cidr")
            if list_id and isinstance(cidr, str):
                cidrs.setdefault(list_id, []).append(cidr)
        return {i: PrefixList(i, names.get(i, ""), tuple(dict.fromkeys(c))) for i, c in cidrs.items()}

    # --- App Runner -------------------------------------------------------------------------------------------

    def apprunner(self) -> tuple[dict[str, AppService], dict[str, Connector], dict[str, IngressConnection]]:
        connectors = {}
        for connector in self.of_type.get("aws_apprunner_vpc_connector", []):
            arn = self.id_of(connector)
            connectors[arn] = Connector(arn, str(connector.get("vpc_connector_name") or ""),
                                        tuple(self.values(connector, "subnets")),
                                        tuple(self.values(connector, "security_groups")),
                                        self._known(connector.get("status")) or "ACTIVE")
        services = {}
        for service in self.of_type.get("aws_apprunner_service", []):
            arn = self.id_of(service)
            egress = ("network_configuration", 0, "egress_configuration", 0)
            egress_type = service.get(*egress, "egress_type")
            egress_type = egress_type if isinstance(egress_type, str) and egress_type else "DEFAULT"
            connector = self.one(service, *egress, "vpc_connector_arn") if egress_type == "VPC" else None
            public = service.get("network_configuration", 0, "ingress_configuration", 0, "is_publicly_accessible")
            role = service.get("instance_configuration", 0, "instance_role_arn")
            if role is UNKNOWN:  # computed when the configuration gives none: None then
                found = [self._target(t, a) for t, a in
                         self.doc.references(service, "instance_configuration", 0, "instance_role_arn")]
                role = found[0] if found else None
            services[arn] = AppService(arn, str(service.get("service_name") or ""),
                                       self._known(service.get("status")) or "", egress_type, connector,
                                       public if isinstance(public, bool) else True,
                                       role if isinstance(role, str) and role else None)
        ingress = {}
        for connection in self.of_type.get("aws_apprunner_vpc_ingress_connection", []):
            arn = self.id_of(connection)
            config = ("ingress_vpc_configuration", 0)
            ingress[arn] = IngressConnection(arn, str(connection.get("name") or ""),
                                             self.one(connection, "service_arn") or "",
                                             self.one(connection, *config, "vpc_id") or "",
                                             self.one(connection, *config, "vpc_endpoint_id") or "",
                                             self._known(connection.get("status")) or "AVAILABLE")
        return services, connectors, ingress

    # --- where each resource is declared ----------------------------------------------------------------------

    def locations(self) -> dict[str, Location]:
        sources = self.doc.module_sources()
        blocks: dict[str, dict] = {}

        def block(instance: Instance) -> tuple[str | None, int | None]:
            if self.config_dir is None:
                return None, None
            if instance.module not in blocks:
                directory = module_dir(self.config_dir, instance.module, sources)
                blocks[instance.module] = resource_blocks(directory) if directory else {}
            return blocks[instance.module].get((instance.type, instance.name), (None, None))

        found: dict[str, Location] = {}
        for instance in self.doc.instances:
            if instance.type not in SUPPORTED:
                continue
            file, line = block(instance)
            found.setdefault(self.id_of(instance), Location(instance.address, file, line))
            if instance.type == "aws_vpc":  # what AWS creates with it is declared by it
                vpc_id = self.id_of(instance)
                for implicit in (self.main_table_of(vpc_id), self.default_group_of(vpc_id)):
                    found.setdefault(implicit, Location(instance.address, file, line))
        return found


def _with_list_cidrs(groups: dict[str, SecurityGroup], lists: dict[str, PrefixList]) -> dict[str, SecurityGroup]:
    """Rules naming a customer-managed prefix list carry its CIDRs, as runnerlink's own model does."""
    def fill(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        return tuple(replace(r, prefix_cidrs=lists[r.prefix_list_id].cidrs) if r.prefix_list_id in lists else r
                     for r in rules)

    return {g: replace(group, ingress=fill(group.ingress), egress=fill(group.egress)) for g, group in groups.items()}
