"""The dashboard's reads (GET /_runnerlink/ui/api/<name>): the scopes that hold anything, a page of an account and
region's VPCs, one VPC with its diagram, resources and findings, the audit of a region, App Runner's services, and
a policy statement by its index. Built from the same pieces the CLI shows: the audit's model of the store
(server/audit_view.py), its diagram and rules (audit/), the supervisor's services."""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, replace
from typing import Callable

from runnerlink.audit import codec
from runnerlink.audit.engine import Report, run_audit
from runnerlink.audit.model import AuditModel
from runnerlink.audit.report import json_report
from runnerlink.audit.report.diagram import default_route, is_internet_target, vpc_svg
from runnerlink.audit.rules.policies import full_access
from runnerlink.config import DEFAULT_ACCOUNT
from runnerlink.network.model import Endpoint
from runnerlink.runtime.supervisor import Supervisor
from runnerlink.server import admin_apps, audit_view
from runnerlink.server.context import RequestContext
from runnerlink.server.pipeline import AdminError, Pipeline, admin_scope
from runnerlink.services.apprunner.records import operations
from runnerlink.services.apprunner.records.kinds import SERVICE
from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.records.subnets import SUBNET
from runnerlink.services.ec2.records.vpc_endpoints import VPC_ENDPOINT
from runnerlink.services.ec2.records.vpcs import VPC

Answer = tuple[int, dict]
MAX_PAGE = 500
REGION_NAME = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
# A region's model is rebuilt when the store changed, or the traffic log grew and this long has passed (what
# workloads were seen sending feeds the traffic rules): the audit of 1,000 VPCs takes seconds, not milliseconds.
TRAFFIC_REFRESH_SECONDS = 2.0


class ViewError(ValueError):
    """A read the dashboard can't answer as asked: 400 with this message."""


def answer(pipeline: Pipeline, supervisor: Supervisor | None, name: str, ctx: RequestContext) -> Answer:
    view = VIEWS.get(name)
    if view is None:
        return 404, {"error": "NotFound", "message": f"The dashboard has no view {name!r}."}
    try:
        return 200, view(Reader(pipeline, supervisor, ctx))
    except ViewError as error:
        return 400, {"error": "InvalidRequest", "message": str(error)}
    except LookupError as error:
        return 404, {"error": "NotFound", "message": str(error.args[0]) if error.args else "Not found."}


class Reader:
    """One dashboard read: the request's query, its account and region, and read transactions in them."""

    def __init__(self, pipeline: Pipeline, supervisor: Supervisor | None, ctx: RequestContext):
        self.pipeline, self.supervisor, self.ctx, self.query = pipeline, supervisor, ctx, ctx.query
        try:
            self.account, self.region = admin_scope(
                {"account": self.query.get("account") or DEFAULT_ACCOUNT, "region": self.query.get("region") or None},
                pipeline.settings.region)
        except (ValueError, AdminError) as error:
            raise ViewError(str(error)) from None
        if not REGION_NAME.fullmatch(self.region):
            raise ViewError(f"region is an AWS region name (us-east-1), not {self.region!r}.")

    def read(self, handler: Callable[[HandlerContext], object]):
        return self.pipeline.invoke(self.ctx, handler, self.account, self.region, False)[0]

    def integer(self, name: str, default: int, low: int = 0, high: int = 10 ** 9) -> int:
        text = self.query.get(name)
        if not text:
            return default
        try:
            return max(low, min(int(text), high))
        except ValueError:
            raise ViewError(f"{name} is an integer, not {text!r}.") from None

    def generation(self) -> str:
        return str(self.pipeline.store.generation())


# --- the region's model and audit, cached ------------------------------------------------------------------------
# (generation, traffic seq, monotonic time built, when a state derived from time next changes, model, audit) by
# (store, account, region): the store too, as several servers may run in one process (runnerlink.testing's
# in-process servers), each store counting its generations from the start.
_cache: dict[tuple[object, str, str], tuple[str, int, float, float, AuditModel, Report]] = {}


def _audited(reader: Reader) -> tuple[AuditModel, Report]:
    """The audit model of the reader's region and its audit, reused while current: the store unchanged, no state
    derived from time (a pending endpoint, an operation in progress) due to change, and the traffic log unchanged or
    the model recent enough. One VPC's view is a part of the region's, so its findings are the audit tab's, and a VPC
    after the first opens in milliseconds."""
    key = (reader.pipeline.store, reader.account, reader.region)
    generation, seq, now = reader.generation(), reader.pipeline.traffic.seq, time.monotonic()
    cached = _cache.get(key)
    if cached and cached[0] == generation and reader.ctx.received_at < cached[3] \
            and (cached[1] == seq or now - cached[2] < TRAFFIC_REFRESH_SECONDS):
        return cached[4], cached[5]
    traffic = reader.pipeline.traffic
    model, handler_ctx = reader.pipeline.invoke(reader.ctx, lambda h: audit_view.build(h, traffic),
                                                reader.account, reader.region, False)
    report = run_audit(model)
    if len(_cache) > 32:
        _cache.clear()
    _cache[key] = (generation, seq, now, handler_ctx.changes_at, model, report)
    return model, report


# --- views ---------------------------------------------------------------------------------------------------------
def scopes(reader: Reader) -> dict:
    """Every account and region holding VPCs or App Runner services, and the server's default scope."""
    store = reader.pipeline.store
    found = sorted(set(store.scopes(VPC.name)) | set(store.scopes(SERVICE)))
    listed = []
    for scope in found:
        account, _, region = scope.partition("/")
        if account.isdigit() and region and region != "global":
            listed.append({"account": account, "region": region})
    default = {"account": DEFAULT_ACCOUNT, "region": reader.pipeline.settings.region}
    if default not in listed:
        listed.insert(0, default)
    return {"scopes": listed, "default": default, "generation": reader.generation()}


def vpcs(reader: Reader) -> dict:
    """GET vpcs?account=&region=&offset=&limit=&q=: a page of the region's VPCs (q: part of an id, name or CIDR)."""
    offset, limit = reader.integer("offset", 0), reader.integer("limit", 100, 1, MAX_PAGE)
    wanted = (reader.query.get("q") or "").strip().lower()
    rows = _cached_rows(reader)
    if wanted:
        rows = [r for r in rows if wanted in r["id"] or wanted in (r["name"] or "").lower()
                or any(wanted in c for c in r["cidrs"])]
    return {"account": reader.account, "region": reader.region, "total": len(rows),
            "vpcs": rows[offset:offset + limit], "generation": reader.generation()}


_rows_cache: dict[tuple[object, str, str], tuple[str, float, list[dict]]] = {}  # by (store, account, region)


def _cached_rows(reader: Reader) -> list[dict]:
    """The region's VPC rows, read once per store generation (the list pages and searches while one scrolls)."""
    key, generation = (reader.pipeline.store, reader.account, reader.region), reader.generation()
    cached = _rows_cache.get(key)
    if cached and cached[0] == generation and reader.ctx.received_at < cached[1]:
        return cached[2]
    rows, handler_ctx = reader.pipeline.invoke(reader.ctx, _vpc_rows, reader.account, reader.region, False)
    if len(_rows_cache) > 32:
        _rows_cache.clear()
    _rows_cache[key] = (generation, handler_ctx.changes_at, rows)
    return rows


def _vpc_rows(ctx: HandlerContext) -> list[dict]:
    """Each VPC with its Name tag, CIDRs and how many subnets and endpoints it has (records, not the topology: a list
    of 1,000 VPCs must not cost a path finder's model)."""
    counts: dict[str, dict[str, int]] = {}
    for kind, field in ((SUBNET, "subnets"), (VPC_ENDPOINT, "endpoints")):
        for record in kind.all(ctx):
            tally = counts.setdefault(record["VpcId"], {"subnets": 0, "endpoints": 0})
            tally[field] += 1
    rows = []
    for record in sorted(VPC.all(ctx), key=lambda r: r["VpcId"]):
        vpc_id = record["VpcId"]
        cidrs = [a["CidrBlock"] for a in record.get("CidrBlockAssociationSet") or []
                 if (a.get("CidrBlockState") or {}).get("State") in ("associated", "associating", None)]
        rows.append({"id": vpc_id, "name": _name(record), "cidrs": cidrs or [record["CidrBlock"]],
                     "isDefault": bool(record.get("IsDefault")),
                     **counts.get(vpc_id, {"subnets": 0, "endpoints": 0})})
    return rows


def vpc(reader: Reader) -> dict:
    """GET vpc?account=&region=&vpc=: one VPC: its diagram (SVG), its resources as the audit models them (with what a
    reader wants to see of each: public or private, policy summaries), and the findings about it."""
    vpc_id = reader.query.get("vpc") or ""
    if not vpc_id:
        raise ViewError("Name the VPC: vpc=vpc-….")
    model, report = _audited(reader)
    if vpc_id not in model.topology.vpcs:
        raise LookupError(f"There is no VPC {vpc_id} in {reader.account}/{reader.region}.")
    findings = [f for f in report.findings if f.vpc_id == vpc_id]
    shown = shown_part(model, vpc_id)
    return {"account": reader.account, "region": reader.region, "vpc": vpc_id,
            "svg": vpc_svg(model, vpc_id, findings), "model": codec.to_dict(shown),
            "subnets": _subnets(model, vpc_id), "endpoints": _endpoints(model, vpc_id),
            "findings": [f.to_dict() for f in findings], **reader.read(lambda h: _labels(h, shown, vpc_id)),
            "generation": reader.generation()}


# Store kinds of the resources whose Name tag the dashboard shows (the audit model has no names).
_NAMED_KINDS = {"vpc-": "vpc", "subnet-": "subnet", "rtb-": "route-table", "igw-": "internet-gateway",
                "nat-": "natgateway", "vpce-": "vpc-endpoint", "sg-": "security-group", "pcx-": "vpc-peering-connection"}


def _labels(ctx: HandlerContext, model: AuditModel, vpc_id: str) -> dict:
    """What the EC2 records say of the VPC's resources that the audit model leaves out: each one's Name tag
    ("names": id → name), the security groups' names and descriptions, the route tables' main flag and explicit
    subnet associations."""
    topology = model.topology
    ids = [vpc_id, *topology.subnets, *topology.route_tables, *topology.internet_gateways, *topology.nat_gateways,
           *topology.endpoints, *topology.security_groups, *topology.peerings]
    names, groups, tables = {}, {}, {}
    for resource_id in ids:
        kind = next((k for prefix, k in _NAMED_KINDS.items() if resource_id.startswith(prefix)), None)
        record = ctx.tx.get(kind, resource_id) if kind else None
        if record is None:
            continue
        if name := _name(record):
            names[resource_id] = name
        if kind == "security-group":
            groups[resource_id] = {"name": record.get("GroupName"), "description": record.get("Description")}
        elif kind == "route-table":
            associations = record.get("Associations") or []
            tables[resource_id] = {"main": any(a.get("Main") for a in associations),
                                   "subnets": sorted(a["SubnetId"] for a in associations if a.get("SubnetId")
                                                     and a["SubnetId"] in topology.subnets)}
    return {"names": names, "securityGroups": groups, "routeTables": tables}


def shown_part(model: AuditModel, vpc_id: str) -> AuditModel:
    """The model of what the VPC view shows: the VPC, the VPCs peered with it, and their resources. (The model the
    rules read also holds every endpoint of the region, whose vpce-… names resolve from anywhere: thousands in a
    large account, none of them drawn.)"""
    topology = model.topology
    vpcs = {vpc_id} | {p.peer_of(vpc_id) for p in topology.peerings.values() if p.peer_of(vpc_id)}
    subnets = {k: v for k, v in topology.subnets.items() if v.vpc_id in vpcs}
    kept = replace(
        topology,
        vpcs={k: v for k, v in topology.vpcs.items() if k in vpcs}, subnets=subnets,
        route_tables={k: v for k, v in topology.route_tables.items() if v.vpc_id in vpcs},
        security_groups={k: v for k, v in topology.security_groups.items() if v.vpc_id in vpcs},
        endpoints={k: v for k, v in topology.endpoints.items() if v.vpc_id in vpcs},
        interfaces={k: v for k, v in topology.interfaces.items() if v.vpc_id in vpcs},
        internet_gateways={k: v for k, v in topology.internet_gateways.items() if v.vpc_id in vpcs},
        nat_gateways={k: v for k, v in topology.nat_gateways.items() if v.subnet_id in subnets})
    return replace(model, topology=kept, default_groups={k: v for k, v in model.default_groups.items() if k in vpcs},
                   observed=tuple(o for o in model.observed if o.vpc_id in vpcs))


def _subnets(model: AuditModel, vpc_id: str) -> list[dict]:
    answer = []
    for subnet in sorted((s for s in model.topology.subnets.values() if s.vpc_id == vpc_id), key=lambda s: s.id):
        route = default_route(model, subnet)
        public = bool(route and route[1].startswith("igw-") and is_internet_target(route[1]))
        answer.append({**asdict(subnet), "public": public, "defaultRoute": route[1] if route else None})
    return answer


def _endpoints(model: AuditModel, vpc_id: str) -> list[dict]:
    region = model.topology.region
    return [{"id": e.id, "type": e.type, "service": e.service_name, "state": e.state, "privateDns": e.private_dns,
             "privateDnsName": e.private_dns_name, "policySummary": policy_summary(e, region)}
            for e in sorted(model.topology.endpoints.values(), key=lambda e: e.id) if e.vpc_id == vpc_id]


def policy_summary(endpoint: Endpoint, region: str) -> str:
    """"full access" or the actions its Allow statements grant, short ("apprunner:List*, apprunner:Describe*")."""
    service = endpoint.service_name.removeprefix(f"com.amazonaws.{region}.")
    if endpoint.policy is None or full_access(endpoint, service):
        return "full access"
    try:
        statements = json.loads(endpoint.policy).get("Statement", [])
    except (ValueError, AttributeError):
        return "unreadable policy"
    if isinstance(statements, dict):
        statements = [statements]
    parts = []
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        actions = statement.get("Action") or statement.get("NotAction") or []
        actions = [actions] if isinstance(actions, str) else actions
        prefix = "" if statement.get("Effect") == "Allow" else "deny "
        prefix += "not " if "NotAction" in statement else ""
        parts.append(prefix + ", ".join(str(a) for a in actions))
    return "; ".join(parts) or "allows nothing"


def audit(reader: Reader) -> dict:
    """GET audit?account=&region=[&severity=&rule=&vpc=&resource=&offset=&limit=]: the region's audit, as `runnerlink
    audit --format json` gives it; with any of the others, "findings" is that page of the matching ones (worst
    first), "total" says how many match, and "facets" counts the findings of the vpc and resource asked by severity
    (of the rule asked) and by rule (of the severity asked), for the dashboard's menus ("summary" counts them all).
    resource= matches a finding about the resource or naming it among its related ones."""
    _, report = _audited(reader)
    wanted = {k: reader.query.get(k) for k in ("severity", "rule", "vpc", "resource") if reader.query.get(k)}
    if not (wanted or reader.query.get("limit") or reader.query.get("offset")):
        document = json_report.document(report)
        return {**document, "total": len(document["findings"]), "generation": reader.generation()}
    offset, limit = reader.integer("offset", 0), reader.integer("limit", 100, 1, MAX_PAGE)
    resource = wanted.get("resource")
    scoped = [f for f in report.findings if ("vpc" not in wanted or f.vpc_id == wanted["vpc"])
              and (resource is None or f.resource == resource or resource in f.related)]
    facets: dict[str, dict[str, int]] = {"severity": {}, "rule": {}}
    for finding in scoped:  # each menu counts what choosing one of its values would show, given the other menu
        if wanted.get("rule", finding.rule) == finding.rule:
            facets["severity"][finding.severity] = facets["severity"].get(finding.severity, 0) + 1
        if wanted.get("severity", finding.severity) == finding.severity:
            facets["rule"][finding.rule] = facets["rule"].get(finding.rule, 0) + 1
    matching = [f for f in scoped if wanted.get("severity", f.severity) == f.severity
                and wanted.get("rule", f.rule) == f.rule]
    # Only the page is turned into JSON: the region's whole list is thousands of findings in a large account.
    document = json_report.document(replace(report, findings=()))
    document.update(summary=report.summary(), findings=[f.to_dict() for f in matching[offset:offset + limit]],
                    total=len(matching), offset=offset, facets=facets)
    return {**document, "generation": reader.generation()}


def apprunner(reader: Reader) -> dict:
    """GET apprunner?account=&region=: the region's services with status, URLs, operations (newest first) and
    whether this server runs them (then their logs are at /_runnerlink/apprunner/logs)."""
    local = {}
    if reader.supervisor is not None:
        status, listed = admin_apps.services(reader.supervisor, reader.pipeline.settings.port,
                                             {"account": reader.account, "region": reader.region})
        local = {s["ServiceArn"]: s for s in listed.get("services", [])} if status == 200 else {}

    def read(ctx: HandlerContext) -> list[dict]:
        from runnerlink.services.apprunner.records.services import live_services
        rows = []
        for record in live_services(ctx):
            arn = record["ServiceArn"]
            ran = local.get(arn)
            rows.append({"name": record["ServiceName"], "arn": arn, "id": record["ServiceId"],
                         "status": record["Status"], "url": record.get("ServiceUrl"),
                         "localUrl": ran.get("localUrl") if ran else None, "runs": ran is not None,
                         "port": ran.get("port") if ran else None,
                         "unavailable": ran.get("unavailable") if ran else None,
                         "operations": [operations.summary(ctx, op) for op in operations.operations_of(ctx, arn)][:20]})
        return sorted(rows, key=lambda r: r["name"])

    return {"account": reader.account, "region": reader.region, "runsApplications": reader.supervisor is not None,
            "services": reader.read(read), "generation": reader.generation()}


def statement(reader: Reader) -> dict:
    """GET statement?account=&region=&endpoint=vpce-…&index=N: statement N of an endpoint's policy (for a traffic
    entry's decision), with the whole document."""
    endpoint_id = reader.query.get("endpoint") or ""
    index = reader.integer("index", 0)
    record = reader.read(lambda h: VPC_ENDPOINT.find(h, endpoint_id)) if endpoint_id.startswith("vpce-") else None
    if record is None:
        raise LookupError(f"There is no VPC endpoint {endpoint_id} in {reader.account}/{reader.region}.")
    text = record.get("PolicyDocument")
    if not text:
        return {"endpoint": endpoint_id, "default": True, "statement": None, "policy": None}
    document = json.loads(text)
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    if not 0 <= index < len(statements):
        raise LookupError(f"The policy of {endpoint_id} has no statement {index}.")
    return {"endpoint": endpoint_id, "default": False, "statement": statements[index], "policy": document}


def _name(record: dict) -> str | None:
    return next((t["Value"] for t in record.get("Tags") or [] if t.get("Key") == "Name"), None)


VIEWS: dict[str, Callable[[Reader], dict]] = {"scopes": scopes, "vpcs": vpcs, "vpc": vpc, "audit": audit,
                                              "apprunner": apprunner, "statement": statement}
