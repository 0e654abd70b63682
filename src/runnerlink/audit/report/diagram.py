"""A VPC as an SVG diagram: the VPC box, its subnets grouped by Availability Zone (each with its route table and
default route), the gateways its routes lead to, its endpoints, what calls AWS from each subnet, and the App Runner
services tied to it. Internet paths (a default route to an internet or NAT gateway) are dashed red lines up to an
"Internet" node; endpoint paths are solid lines down to the endpoints. Pure and deterministic: the same model gives
the same picture, byte for byte."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from runnerlink.audit.findings import Finding, severity_rank, SEVERITIES
from runnerlink.audit.model import AuditModel
from runnerlink.network.model import Subnet

SUBNET_W, NODE_W, NODE_H, SERVICE_W = 230, 180, 50, 220
GAP, AZ_PAD, PAD, LINE = 14, 10, 16, 15
SUBNETS_PER_ROW = 6
CHAR_W = 6.7  # 11px monospace
FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"
DEFAULTS = ("0.0.0.0/0", "::/0")
SEVERITY_FILL = {"critical": "#7f1d1d", "high": "#dc2626", "medium": "#d97706", "low": "#0891b2", "info": "#6b7280"}
INTERNET_RED = "#dc2626"
ENDPOINT_GREEN = "#15803d"


def _clip(text: str, width: float) -> str:
    room = max(int((width - 14) / CHAR_W), 4)
    return text if len(text) <= room else text[: room - 1] + "…"


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


@dataclass
class _Node:
    id: str
    kind: str
    x: float
    y: float
    w: float
    h: float
    lines: list[tuple[str, str]]  # (text, css class)
    title: str
    fill: str = "#ffffff"
    stroke: str = "#64748b"
    dash: str | None = None

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


@dataclass
class _Edge:
    kind: str  # "internet" | "endpoint" | "peering" | "ingress"
    source: str
    target: str
    d: str


@dataclass
class _Canvas:
    nodes: list[_Node] = field(default_factory=list)
    edges: list[_Edge] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)  # raw SVG drawn before edges (VPC box, AZ frames)
    labels: list[str] = field(default_factory=list)  # raw SVG drawn last


def default_route(model: AuditModel, subnet: Subnet) -> tuple[str, str] | None:
    """(destination, target) of the subnet's default route (IPv4 first), or None."""
    table = model.topology.route_tables.get(subnet.route_table_id or "")
    if table is None:
        return None
    for destination in DEFAULTS:
        for route in table.routes:
            if route.destination == destination:
                return destination, route.target if route.state == "active" else f"{route.target} (blackhole)"
    return None


def is_internet_target(target: str) -> bool:
    return target.startswith(("igw-", "nat-")) and not target.endswith("(blackhole)")


def _short_service(service_name: str, region: str) -> str:
    prefix = f"com.amazonaws.{region}."
    return service_name[len(prefix):] if service_name.startswith(prefix) else service_name


def _curve(x1: float, y1: float, x2: float, y2: float) -> str:
    middle = (y1 + y2) / 2
    return f"M{x1:.1f},{y1:.1f} C{x1:.1f},{middle:.1f} {x2:.1f},{middle:.1f} {x2:.1f},{y2:.1f}"


def _marks(findings: list[Finding]) -> dict[str, tuple[str, int]]:
    """Resource id → (worst severity, count) of the findings naming it (as the resource or a related one)."""
    marks: dict[str, list[str]] = {}
    for finding in findings:
        for rid in {finding.resource, *finding.related}:
            marks.setdefault(rid, []).append(finding.severity)
    return {rid: (SEVERITIES[max(severity_rank(s) for s in sev)], len(sev)) for rid, sev in marks.items()}


class _VpcLayout:
    def __init__(self, model: AuditModel, vpc_id: str, findings: list[Finding]):
        self.model, self.topology, self.vpc_id = model, model.topology, vpc_id
        self.region = model.topology.region
        self.canvas = _Canvas()
        self.marks = _marks(findings)
        self.node_at: dict[str, _Node] = {}
        topology = self.topology
        self.subnets = sorted((s for s in topology.subnets.values() if s.vpc_id == vpc_id),
                              key=lambda s: (s.zone, s.id))
        subnet_ids = {s.id for s in self.subnets}
        self.endpoints = sorted((e for e in topology.endpoints.values() if e.vpc_id == vpc_id),
                                key=lambda e: (e.type != "Interface", _short_service(e.service_name, self.region), e.id))
        self.routes = {s.id: default_route(model, s) for s in self.subnets}
        self.placements: dict[str, list[tuple[str, str]]] = {s.id: [] for s in self.subnets}
        for placement in sorted(model.placements, key=lambda p: p.id):
            if placement.subnet_id in subnet_ids:
                self.placements[placement.subnet_id].append((placement.label or f"{placement.kind} {placement.id}",
                                                             placement.id))
        services_by_connector: dict[str, list[str]] = {}
        for service in model.services.values():
            if service.egress_type == "VPC" and service.connector_arn:
                services_by_connector.setdefault(service.connector_arn, []).append(service.name)
        self.services = {}
        for connector in sorted(model.connectors.values(), key=lambda c: c.name):
            users = sorted(services_by_connector.get(connector.arn, []))
            for subnet_id in connector.subnet_ids:
                if subnet_id in subnet_ids:
                    text = f"VPC connector {connector.name}" + (f" → {', '.join(users)}" if users else "")
                    self.placements[subnet_id].append((text, connector.arn))
        ingress = [c for c in model.ingress.values() if c.vpc_id == vpc_id]
        self.ingress = sorted(ingress, key=lambda c: c.name)
        connectors_here = {c.arn for c in model.connectors.values() if set(c.subnet_ids) & subnet_ids}
        tied = {c.service_arn for c in ingress} | {s.arn for s in model.services.values()
                                                  if s.egress_type == "VPC" and s.connector_arn in connectors_here}
        self.app_services = sorted((model.services[arn] for arn in tied if arn in model.services),
                                   key=lambda s: (s.name, s.arn))

    # -- nodes -------------------------------------------------------------------------------------------------
    def _node(self, node: _Node) -> _Node:
        self.canvas.nodes.append(node)
        self.node_at.setdefault(node.id, node)
        return node

    def _gateways(self) -> list[tuple[str, str, list[tuple[str, str]], str]]:
        """(id, kind, lines, title) of each gateway node: the VPC's internet and NAT gateways, its peerings, and any
        route target the model doesn't otherwise have."""
        topology, vpc_id = self.topology, self.vpc_id
        found: dict[str, tuple[str, str, list[tuple[str, str]], str]] = {}
        for gateway in sorted(topology.internet_gateways.values(), key=lambda g: g.id):
            if gateway.vpc_id == vpc_id:
                found[gateway.id] = (gateway.id, "igw", [("Internet gateway", "kind"), (gateway.id, "id")],
                                     f"Internet gateway {gateway.id}")
        subnet_ids = {s.id for s in self.subnets}
        for nat in sorted(topology.nat_gateways.values(), key=lambda n: n.id):
            if nat.subnet_id in subnet_ids:
                kind = "NAT gateway" if nat.public_ip else "NAT gateway (private)"
                found[nat.id] = (nat.id, "nat", [(kind, "kind"), (nat.id, "id"), (f"in {nat.subnet_id}", "detail")],
                                 f"{kind} {nat.id} in {nat.subnet_id}, {nat.state}")
        for peering in sorted(topology.peerings.values(), key=lambda p: p.id):
            peer = peering.peer_of(vpc_id)
            if peer is not None:
                found[peering.id] = (peering.id, "pcx", [("Peering", "kind"), (peering.id, "id"),
                                                        (f"↔ {peer} ({peering.status})", "detail")],
                                     f"Peering connection {peering.id} with {peer}, {peering.status}")
        for subnet in self.subnets:
            table = topology.route_tables.get(subnet.route_table_id or "")
            for route in table.routes if table else ():
                target = route.target
                if target.startswith(("igw-", "nat-", "pcx-")) and target not in found:
                    found[target] = (target, target.split("-")[0], [("Route target", "kind"), (target, "id"),
                                                                    ("not in the model", "detail")],
                                     f"{target}: a route target the model does not have")
        return list(found.values())

    def _subnet_lines(self, subnet: Subnet) -> list[tuple[str, str]]:
        lines = [(subnet.id, "id"), (subnet.cidr + ("  public IPs" if subnet.map_public_ip else ""), "detail"),
                 (f"route table {subnet.route_table_id or '—'}", "detail")]
        route = self.routes[subnet.id]
        if route is None:
            lines.append(("no default route", "private"))
        else:
            destination, target = route
            lines.append((f"{destination} → {target}", "internet" if is_internet_target(target) else "detail"))
        lines += [(f"● {text}", "placement") for text, _ in self.placements[subnet.id]]
        return lines

    def _endpoint_lines(self, endpoint) -> list[tuple[str, str]]:
        service = _short_service(endpoint.service_name, self.region)
        lines = [(f"{service} ({endpoint.type})", "kind"), (endpoint.id, "id")]
        if endpoint.type == "Interface":
            dns = "private DNS on" if endpoint.private_dns else "private DNS off"
            lines.append((f"{dns} · {endpoint.state}", "detail" if endpoint.private_dns else "warn"))
        else:
            lines.append((endpoint.state, "detail"))
        return lines

    # -- layout ------------------------------------------------------------------------------------------------
    def build(self) -> str:
        topology, canvas = self.topology, self.canvas
        vpc = topology.vpcs.get(self.vpc_id)
        internet_subnets = [s for s in self.subnets if self.routes[s.id] and is_internet_target(self.routes[s.id][1])]
        gateways = self._gateways()
        has_internet = bool(internet_subnets) or any(g[1] == "igw" for g in gateways)

        rows = [self.subnets[i:i + SUBNETS_PER_ROW] for i in range(0, len(self.subnets), SUBNETS_PER_ROW)]
        inner_widths = []
        for row in rows:
            zones = len({s.zone for s in row})
            inner_widths.append(len(row) * SUBNET_W + (len(row) - zones) * GAP + zones * (2 * AZ_PAD) + (zones - 1) * GAP)
        per_line = max(1, len(gateways))
        endpoints_per_row = max(1, min(len(self.endpoints), 6))
        width = max([480, *(w + 2 * PAD for w in inner_widths),
                     per_line * (NODE_W + GAP) - GAP + 2 * PAD,
                     endpoints_per_row * (NODE_W + GAP) - GAP + 2 * PAD,
                     len(self.app_services) * (SERVICE_W + GAP) - GAP + 2 * PAD])
        width = width + 2 * PAD  # the VPC box sits PAD inside the drawing

        y = PAD
        internet_node = None
        if has_internet:
            internet_node = _Node("internet", "internet", 0, y, 140, 40, [("Internet", "kind")],
                                  "The internet (public AWS endpoints)", "#fef2f2", INTERNET_RED)
            y += 40 + 36
        vpc_top = y
        x0 = 2 * PAD
        y += 44  # the VPC header
        if gateways:
            x = x0
            for gid, kind, lines, title in gateways:
                internet = kind in ("igw", "nat")
                self._node(_Node(gid, kind, x, y, NODE_W, NODE_H, lines, title,
                                 "#fff7ed" if internet else "#f8fafc", INTERNET_RED if internet else "#64748b"))
                x += NODE_W + GAP
            y += NODE_H + 44
        for row in rows:
            heights = [len(self._subnet_lines(s)) * LINE + 12 for s in row]
            row_h = max(heights)
            x = x0
            zone, frame_start = None, x0
            frames: list[tuple[str, float, float]] = []
            for subnet in row:
                if subnet.zone != zone:
                    if zone is not None:
                        right = x - GAP + AZ_PAD
                        frames.append((zone, frame_start, right))
                        x = right + GAP
                    zone, frame_start = subnet.zone, x
                    x += AZ_PAD
                internet = subnet in internet_subnets
                self._node(_Node(subnet.id, "subnet", x, y + 22, SUBNET_W, row_h, self._subnet_lines(subnet),
                                 f"Subnet {subnet.id} {subnet.cidr} in {subnet.zone}, route table "
                                 f"{subnet.route_table_id or '—'}", "#fff1f2" if internet else "#ffffff",
                                 INTERNET_RED if internet else "#475569", "6 4" if internet else None))
                x += SUBNET_W + GAP
            frames.append((zone, frame_start, x - GAP + AZ_PAD))
            for name, left, right in frames:
                canvas.frames.append(
                    f'<g class="az" data-zone="{_attr(name)}"><rect x="{left:.1f}" y="{y:.1f}" width="{right - left:.1f}" '
                    f'height="{row_h + 32:.1f}" rx="8" fill="#eef2ff" stroke="#a5b4fc" stroke-dasharray="2 3"/>'
                    f'<text x="{left + 8:.1f}" y="{y + 15:.1f}" class="az-label" fill="#4338ca" '
                    f'font-size="11">Availability Zone {_attr(name)}</text></g>')
            y += row_h + 32 + 44
        if not self.subnets:
            canvas.labels.append(f'<text x="{x0}" y="{y + 12}" fill="#64748b" font-size="12">no subnets</text>')
            y += 40
        if self.endpoints:
            x = x0
            for i, endpoint in enumerate(self.endpoints):
                if i and i % endpoints_per_row == 0:
                    x, y = x0, y + NODE_H + 20
                self._node(_Node(endpoint.id, "endpoint", x, y, NODE_W, NODE_H, self._endpoint_lines(endpoint),
                                 f"{endpoint.type} endpoint {endpoint.id} for {endpoint.service_name}, "
                                 f"{endpoint.state}", "#f0fdf4", ENDPOINT_GREEN))
                x += NODE_W + GAP
            y += NODE_H + PAD
        else:
            canvas.labels.append(f'<text x="{x0}" y="{y + 12}" fill="#64748b" font-size="12" class="no-endpoints">'
                                 f'no VPC endpoints</text>')
            y += 24 + PAD
        vpc_bottom = y
        if self.app_services:
            y += 40
            x = x0
            for service in self.app_services:
                egress = f"egress {service.egress_type}"
                lines = [(f"App Runner {service.name}", "kind"), (f"{service.status or '—'} · {egress}", "detail"),
                         ("public" if service.public else "private (ingress via VPC)", "detail")]
                self._node(_Node(service.arn, "service", x, y, SERVICE_W, NODE_H, lines,
                                 f"App Runner service {service.name} ({service.arn})", "#faf5ff", "#7c3aed"))
                x += SERVICE_W + GAP
            y += NODE_H
        height = y + PAD

        if internet_node is not None:
            anchors = [n.cx for n in canvas.nodes if n.kind in ("igw", "nat")] or [width / 2]
            internet_node.x = sum(anchors) / len(anchors) - internet_node.w / 2
            internet_node.x = min(max(internet_node.x, PAD), width - internet_node.w - PAD)
            canvas.nodes.insert(0, internet_node)
            self.node_at["internet"] = internet_node

        label = self.vpc_id
        if vpc is not None:
            dns = f"DNS support {'on' if vpc.dns_support else 'off'} · DNS hostnames {'on' if vpc.dns_hostnames else 'off'}"
            cidrs = ", ".join(vpc.cidrs)
        else:
            dns, cidrs = "not in the model", ""
        canvas.frames.insert(0, (
            f'<g class="vpc-box" data-id="{_attr(self.vpc_id)}"><rect x="{PAD}" y="{vpc_top}" width="{width - 2 * PAD}" '
            f'height="{vpc_bottom - vpc_top}" rx="10" fill="#f8fafc" stroke="#0f172a" stroke-width="1.5"/>'
            f'<text x="{PAD + 12}" y="{vpc_top + 20}" font-size="14" font-weight="bold" fill="#0f172a">VPC '
            f'{_attr(label)}  {_attr(cidrs)}</text>'
            f'<text x="{PAD + 12}" y="{vpc_top + 36}" font-size="11" fill="'
            f'{"#b45309" if vpc is not None and not (vpc.dns_support and vpc.dns_hostnames) else "#475569"}">'
            f'{_attr(dns)}</text></g>'))
        self._edges()
        return self._svg(width, height)

    # -- edges -------------------------------------------------------------------------------------------------
    def _edges(self) -> None:
        canvas, node_at, topology = self.canvas, self.node_at, self.topology
        for subnet in self.subnets:
            route = self.routes[subnet.id]
            node = node_at[subnet.id]
            if route is not None and route[1] in node_at and route[1].startswith(("igw-", "nat-", "pcx-")):
                target = node_at[route[1]]
                kind = "internet" if is_internet_target(route[1]) else "peering"
                canvas.edges.append(_Edge(kind, subnet.id, target.id,
                                          _curve(node.cx, node.y, target.cx, target.y + target.h)))
        for gateway in [n for n in canvas.nodes if n.kind == "nat"]:
            nat = topology.nat_gateways.get(gateway.id)
            home = topology.subnets.get(nat.subnet_id) if nat else None
            route = default_route(self.model, home) if home else None
            if route and route[1] in node_at and route[1].startswith("igw-"):
                igw = node_at[route[1]]
                top = gateway.y - 22
                canvas.edges.append(_Edge("internet", gateway.id, igw.id,
                                          f"M{gateway.cx:.1f},{gateway.y:.1f} C{gateway.cx:.1f},{top:.1f} "
                                          f"{igw.cx:.1f},{top:.1f} {igw.cx:.1f},{igw.y:.1f}"))
        internet = node_at.get("internet")
        if internet is not None:
            for gateway in [n for n in canvas.nodes if n.kind == "igw"]:
                canvas.edges.append(_Edge("internet", gateway.id, "internet",
                                          _curve(gateway.cx, gateway.y, internet.cx, internet.y + internet.h)))
        fan: dict[str, int] = {}
        for endpoint in self.endpoints:
            target = node_at[endpoint.id]
            if endpoint.type == "Interface":
                users = sorted({topology.interfaces[i].subnet_id for i in endpoint.interface_ids
                                if i in topology.interfaces})
            else:
                tables = {t.id for t in topology.route_tables.values()
                          if any(r.target == endpoint.id for r in t.routes)}
                users = [s.id for s in self.subnets if s.route_table_id in tables]
            for subnet_id in users:
                if subnet_id not in node_at:
                    continue
                node = node_at[subnet_id]
                k = fan.get(subnet_id, 0)
                fan[subnet_id] = k + 1
                x1 = node.x + 20 + (k * 14) % (node.w - 40)
                canvas.edges.append(_Edge("endpoint", subnet_id, endpoint.id,
                                          _curve(x1, node.y + node.h, target.cx, target.y)))
        for connection in self.ingress:
            if connection.endpoint_id in node_at and connection.service_arn in node_at:
                service, endpoint = node_at[connection.service_arn], node_at[connection.endpoint_id]
                canvas.edges.append(_Edge("ingress", connection.service_arn, connection.endpoint_id,
                                          _curve(service.cx, service.y, endpoint.cx, endpoint.y + endpoint.h)))

    # -- drawing -----------------------------------------------------------------------------------------------
    def _svg(self, width: float, height: float) -> str:
        canvas = self.canvas
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="topology" data-vpc="{_attr(self.vpc_id)}" '
                 f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
                 f'aria-label="Topology of VPC {_attr(self.vpc_id)}" font-family="{FONT}">',
                 f'<title>Topology of VPC {escape(self.vpc_id)}</title>']
        parts += canvas.frames
        for edge in canvas.edges:
            parts.append(_edge_svg(edge))
        for node in canvas.nodes:
            parts.append(self._node_svg(node))
        parts += canvas.labels
        parts.append(_legend(height))
        parts.append("</svg>")
        return "".join(parts)

    def _node_svg(self, node: _Node) -> str:
        return _node_svg(node, self.marks)


def _node_svg(node: _Node, marks: dict[str, tuple[str, int]]) -> str:
    shape = "ellipse" if node.kind == "internet" else "rect"
    dash = f' stroke-dasharray="{node.dash}"' if node.dash else ""
    if shape == "ellipse":
        body = (f'<ellipse cx="{node.cx:.1f}" cy="{node.y + node.h / 2:.1f}" rx="{node.w / 2:.1f}" '
                f'ry="{node.h / 2:.1f}" fill="{node.fill}" stroke="{node.stroke}" stroke-width="1.5"/>')
    else:
        body = (f'<rect x="{node.x:.1f}" y="{node.y:.1f}" width="{node.w:.1f}" height="{node.h:.1f}" rx="6" '
                f'fill="{node.fill}" stroke="{node.stroke}" stroke-width="1.5"{dash}/>')
    texts = []
    colours = {"id": "#0f172a", "kind": "#334155", "detail": "#475569", "internet": INTERNET_RED,
               "private": ENDPOINT_GREEN, "warn": "#b45309", "placement": "#6d28d9"}
    for i, (text, css) in enumerate(node.lines):
        weight = ' font-weight="bold"' if css in ("id", "kind") and i == 0 else ""
        if node.kind == "internet":
            texts.append(f'<text x="{node.cx:.1f}" y="{node.y + node.h / 2 + 5:.1f}" text-anchor="middle" '
                         f'font-size="13" font-weight="bold" fill="{INTERNET_RED}">{escape(text)}</text>')
            continue
        texts.append(f'<text x="{node.x + 8:.1f}" y="{node.y + 16 + i * LINE:.1f}" font-size="11" '
                     f'class="{css}" fill="{colours.get(css, "#334155")}"{weight}>'
                     f'{escape(_clip(text, node.w))}</text>')
    badge = ""
    mark = marks.get(node.id)
    if mark is not None:
        severity, count = mark
        bx, by = node.x + node.w - 4, node.y + 4
        badge = (f'<g class="badge sev-{severity}"><circle cx="{bx:.1f}" cy="{by:.1f}" r="10" '
                 f'fill="{SEVERITY_FILL[severity]}" stroke="#ffffff" stroke-width="1.5"/><text x="{bx:.1f}" '
                 f'y="{by + 4:.1f}" text-anchor="middle" font-size="11" font-weight="bold" fill="#ffffff">'
                 f'{count}</text><title>{count} finding(s), worst {severity}</title></g>')
    return (f'<g class="node {node.kind}" data-id="{_attr(node.id)}"><title>{escape(node.title)}</title>{body}'
            f'{"".join(texts)}{badge}</g>')


def _edge_svg(edge: _Edge) -> str:
    style = {"internet": f'stroke="{INTERNET_RED}" stroke-width="2" stroke-dasharray="7 5"',
             "endpoint": f'stroke="{ENDPOINT_GREEN}" stroke-width="2"',
             "peering": 'stroke="#64748b" stroke-width="1.5" stroke-dasharray="2 3"',
             "ingress": 'stroke="#2563eb" stroke-width="2" stroke-dasharray="1 4" stroke-linecap="round"'}[edge.kind]
    return (f'<path class="edge {edge.kind}" data-from="{_attr(edge.source)}" data-to="{_attr(edge.target)}" '
            f'd="{edge.d}" fill="none" {style}/>')


def _legend(height: float) -> str:
    items = [("internet path", f'stroke="{INTERNET_RED}" stroke-width="2" stroke-dasharray="7 5"'),
             ("endpoint path", f'stroke="{ENDPOINT_GREEN}" stroke-width="2"'),
             ("ingress connection", 'stroke="#2563eb" stroke-width="2" stroke-dasharray="1 4"')]
    parts = ['<g class="legend">']
    x = PAD
    for text, style in items:
        parts.append(f'<line x1="{x}" y1="{height - 6}" x2="{x + 26}" y2="{height - 6}" {style}/>'
                     f'<text x="{x + 32}" y="{height - 2}" font-size="10" fill="#475569">{text}</text>')
        x += 32 + len(text) * 6.2 + 20
    parts.append("</g>")
    return "".join(parts)


def vpc_svg(model: AuditModel, vpc_id: str, findings: list[Finding] = ()) -> str:
    """The SVG of one VPC (findings mark the resources they name with a severity badge)."""
    return _VpcLayout(model, vpc_id, list(findings)).build()


def services_svg(model: AuditModel, services, findings: list[Finding] = ()) -> str:
    """App Runner services outside any VPC: each with its egress through App Runner's own internet access, drawn as
    an internet path."""
    services = list(services)
    marks = _marks(list(findings))
    per_row = 4
    rows = (len(services) + per_row - 1) // per_row
    width = max(480, min(len(services), per_row) * (SERVICE_W + GAP) - GAP + 2 * PAD)
    internet_y = PAD
    top = internet_y + 40 + 50
    height = top + rows * (NODE_H + 30) + 14 + PAD
    cx = width / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="topology services" width="{width:.0f}" '
             f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
             f'aria-label="App Runner services outside any VPC" font-family="{FONT}">'
             '<title>App Runner services outside any VPC</title>']
    boxes = []
    for i, service in enumerate(services):
        x = PAD + (i % per_row) * (SERVICE_W + GAP)
        y = top + (i // per_row) * (NODE_H + 30)
        parts.append(_edge_svg(_Edge("internet", service.arn, "internet",
                                     _curve(x + SERVICE_W / 2, y, cx, internet_y + 40))))
        node = _Node(service.arn, "service", x, y, SERVICE_W, NODE_H,
                     [(f"App Runner {service.name}", "kind"), (f"{service.status or '—'} · egress DEFAULT", "internet"),
                      ("instance role" if service.instance_role_arn else "no instance role", "detail")],
                     f"App Runner service {service.name} ({service.arn})", "#faf5ff", "#7c3aed")
        boxes.append(node)
    parts += [_node_svg(node, marks) for node in boxes]
    parts.append(_node_svg(_Node("internet", "internet", cx - 70, internet_y, 140, 40, [("Internet", "kind")],
                                        "App Runner's own internet egress", "#fef2f2", INTERNET_RED), marks))
    parts.append(_legend(height))
    parts.append("</svg>")
    return "".join(parts)
