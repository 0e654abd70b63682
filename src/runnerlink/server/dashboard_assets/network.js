// The network view: the scope's VPCs (searchable, virtualised), and the selected VPC's diagram (the server's SVG) and
// resources, every one a row [data-resource-id][data-kind]. highlight(ids) marks diagram nodes and rows; ids with
// no node of their own (route tables, security groups, interfaces, workloads, connectors) also mark what uses them.

import { h, clear, attr, errorBox } from "./dom.js";
import { VirtualList } from "./virtual-list.js";
import { refresher } from "./live.js";

const PAGE = 200;
const ROW_HEIGHT = 58;

export function createView(app) {
  const search = h("input", { type: "search", id: "vpc-search", "data-testid": "vpc-search", "data-focus-first": true,
    placeholder: "id, name or CIDR", autocomplete: "off", spellcheck: "false" });
  const count = h("p", { class: "muted vpc-count", "data-testid": "vpc-count", "aria-live": "polite" });
  const list = new VirtualList({ rowHeight: ROW_HEIGHT, pageSize: PAGE, overscan: 6, label: "VPCs", className: "vpc-list",
    keyOf: (vpc) => (vpc ? vpc.id : null), fetchPage: (offset, limit) => fetchVpcs(offset, limit),
    renderRow: (vpc) => vpcRow(vpc), onOpen: (vpc) => select(vpc.id) });
  const title = h("div", { class: "vpc-title" });
  const diagram = h("div", { class: "diagram", "data-testid": "diagram" });
  const fit = h("button", { type: "button", class: "small", "aria-pressed": "true", "data-testid": "diagram-fit",
    title: "Scale the diagram down to the width of the page" }, "Fit to width");
  const resources = h("div", { class: "resources", "data-testid": "resources" });
  const notice = h("p", { class: "notice", "data-testid": "highlight-notice", role: "status", hidden: true });
  const detail = h("div", { class: "vpc-detail", "aria-live": "off" }, title, notice,
    h("div", { class: "diagram-bar" }, h("h3", {}, "Diagram"), fit), diagram,
    h("h3", {}, "Resources"), resources);
  const element = h("div", { class: "network-view" },
    h("aside", { class: "vpc-pane", "aria-label": "VPCs" },
      h("label", { for: "vpc-search" }, "Find a VPC"), search, count, list.element),
    detail);

  const state = {
    visible: false, stale: false, account: null, region: null, q: "", total: 0, firstPage: null,
    vpc: null, data: null, highlight: [], detailToken: 0, generation: null,
  };

  // --- the VPC list ---------------------------------------------------------------------------------------------
  // A VirtualList of the server's pages (ui/api/vpcs pages and searches): 10,000 VPCs cost what 20 do.
  async function fetchVpcs(offset, limit) {
    const asked = { account: state.account, region: state.region, q: state.q };
    const answer = await app.api("ui/api/vpcs", { ...asked, offset, limit });
    if (asked.account === state.account && asked.region === state.region && asked.q === state.q) {
      state.total = answer.total;
      if (offset === 0) state.firstPage = answer.vpcs;
      count.textContent = countText(answer.total);
    }
    return { total: answer.total, items: answer.vpcs };
  }

  function vpcRow(vpc) {
    if (!vpc) return h("div", { class: "vpc-item placeholder", "aria-label": "loading" }, "…");
    return h("div", { class: "vpc-item", "data-testid": "vpc-item", "data-vpc": vpc.id, title: vpc.id },
      h("span", { class: "vpc-name" }, vpc.name || vpc.id, vpc.isDefault ? h("span", { class: "tag" }, "default") : null),
      h("span", { class: "vpc-meta" }, vpc.name ? `${vpc.id} · ` : "", vpc.cidrs.join(", "),
        ` · ${vpc.subnets} subnet${vpc.subnets === 1 ? "" : "s"} · ${vpc.endpoints} endpoint${vpc.endpoints === 1 ? "" : "s"}`));
  }

  list.element.addEventListener("loaderror", (event) => {
    count.textContent = `VPCs could not be read: ${event.detail?.message || event.detail}`;
  });

  function countText(total) {
    if (state.q) return `${total} VPC${total === 1 ? "" : "s"} match “${state.q}”`;
    return `${total} VPC${total === 1 ? "" : "s"} in ${state.account} · ${state.region}`;
  }

  /** Read the list again: from the top (a new scope or search), or the rows in view (the store changed). */
  async function reloadList({ keepScroll = true } = {}) {
    if (keepScroll) await list.refresh();
    else {
      state.firstPage = null;
      await list.reset();
    }
    if (state.total === 0) count.textContent = countText(0);
  }

  let searchTimer = null;
  let searching = null; // the reload of the search typed last, until it answered
  function applySearch() {
    clearTimeout(searchTimer);
    searchTimer = null;
    state.q = search.value.trim();
    searching = reloadList({ keepScroll: false });
    return searching;
  }
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(applySearch, 150);
  });
  search.addEventListener("keydown", async (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      list.focusIndex(0);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (searchTimer !== null || search.value.trim() !== state.q) await applySearch();
      else await searching;
      const first = list.item(0);
      if (first) select(first.id);
    }
  });

  function select(vpcId) {
    app.navigate("network", { account: state.account, region: state.region, vpc: vpcId });
  }

  // --- the selected VPC -------------------------------------------------------------------------------------------
  async function loadDetail({ keep = false } = {}) {
    state.detailToken += 1;
    const token = state.detailToken;
    if (!state.vpc) {
      state.data = null;
      clear(diagram);
      clear(resources);
      title.replaceChildren(h("h2", {}, "No VPC selected"),
        h("p", { class: "muted" }, state.total === 0 && !state.q ? "This account and region have no VPCs yet."
          : "Choose a VPC from the list."));
      return;
    }
    if (!keep) {
      title.replaceChildren(h("h2", {}, state.vpc), h("p", { class: "muted" }, "Loading…"));
      clear(diagram);
      clear(resources);
    }
    let data;
    try {
      data = await app.api("ui/api/vpc", { account: state.account, region: state.region, vpc: state.vpc });
    } catch (error) {
      if (token !== state.detailToken) return;
      state.data = null;
      title.replaceChildren(h("h2", {}, state.vpc), errorBox(error));
      clear(diagram);
      clear(resources);
      return;
    }
    if (token !== state.detailToken) return;
    const scroll = { diagram: [diagram.scrollLeft, diagram.scrollTop], page: window.scrollY };
    state.data = data;
    live.seen(data.generation);
    live.settling(settling(data));
    renderDetail(data);
    if (keep) {
      [diagram.scrollLeft, diagram.scrollTop] = scroll.diagram;
      applyHighlight(state.highlight, { scroll: false });
    } else {
      applyHighlight(state.highlight, { scroll: true });
    }
  }

  function renderDetail(data) {
    const names = data.names || {};
    const vpc = data.model.topology.vpcs[data.vpc] || { cidrs: [], dns_support: true, dns_hostnames: false };
    const findings = data.findings || [];
    title.replaceChildren(
      h("h2", {}, names[data.vpc] ? `${names[data.vpc]} ` : "", h("span", { class: "mono" }, data.vpc)),
      h("p", { class: "muted" }, `${vpc.cidrs.join(", ")} · DNS support ${vpc.dns_support ? "on" : "off"} · DNS hostnames `
        + `${vpc.dns_hostnames ? "on" : "off"} · `,
      findings.length
        ? h("a", { href: app.href("audit", { vpc: data.vpc }), "data-testid": "vpc-findings" },
          `${findings.length} finding${findings.length === 1 ? "" : "s"}`)
        : h("span", { "data-testid": "vpc-findings" }, "no findings")));
    diagram.innerHTML = data.svg; // the server's own SVG (escaped there); CSP forbids any script in it anyway
    const svg = diagram.querySelector("svg");
    if (svg) {
      svg.classList.toggle("fit", fit.getAttribute("aria-pressed") === "true");
      for (const node of svg.querySelectorAll("g.node[data-id]")) {
        node.setAttribute("tabindex", "0");
        node.setAttribute("role", "button");
        node.setAttribute("focusable", "true");
        const label = node.querySelector("title");
        if (label) node.setAttribute("aria-label", label.textContent);
      }
    }
    resources.replaceChildren(...resourceSections(data));
  }

  fit.addEventListener("click", () => {
    const on = fit.getAttribute("aria-pressed") !== "true";
    fit.setAttribute("aria-pressed", String(on));
    diagram.querySelector("svg")?.classList.toggle("fit", on);
  });

  function activateNode(event) {
    const node = event.target.closest("g.node[data-id]");
    if (!node) return;
    highlight([node.dataset.id], { scrollTo: "row" });
  }
  diagram.addEventListener("click", activateNode);
  diagram.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      activateNode(event);
    }
  });
  resources.addEventListener("click", (event) => {
    if (event.target.closest("a, button")) return;
    const row = event.target.closest("[data-resource-id]");
    if (row) highlight([row.dataset.resourceId], { scrollTo: "diagram" });
  });
  resources.addEventListener("keydown", (event) => {
    if ((event.key === "Enter" || event.key === " ") && event.target.matches("[data-resource-id]")) {
      event.preventDefault();
      highlight([event.target.dataset.resourceId], { scrollTo: "diagram" });
    }
  });

  // --- highlight ------------------------------------------------------------------------------------------------
  /**
   * What marking ids means: each id's own node and row, and for ids without a diagram node, what uses them (an
   * interface: its subnet and its endpoint). Ids that are not shown: `missing` (not in this VPC) or `gone` (a
   * workload no longer placed anywhere: `runnerlink exec` removes its workload when the command ends).
   */
  function expand(ids) {
    const data = state.data;
    const marked = new Set();
    const found = [];
    const missing = [];
    const gone = [];
    if (!data) return { marked, found, missing, gone };
    const topology = data.model.topology;
    const model = data.model;
    const hasNode = (id) => diagram.querySelector(nodeSelector(id)) !== null;
    const hasRow = (id) => resources.querySelector(`[data-resource-id=${attr(id)}]`) !== null;
    const subnetIds = new Set(data.subnets.map((s) => s.id));
    for (const id of ids) {
      const node = hasNode(id);
      if (node || hasRow(id)) {
        marked.add(id);
        found.push(id);
        if (!node) markUsers(id);
        continue;
      }
      // Not drawn nor listed: an interface, or a workload, of this VPC still shows through what holds it.
      const eni = id.startsWith("eni-") ? topology.interfaces[id] : null;
      const placement = model.placements.find((p) => p.id === id);
      if (eni && subnetIds.has(eni.subnet_id)) {
        found.push(id);
        markUsers(id);
      } else if (placement && subnetIds.has(placement.subnet_id)) {
        found.push(id);
        marked.add(placement.subnet_id);
      } else if (id.startsWith("wl-") && !placement) {
        gone.push(id);
      } else {
        missing.push(id);
      }
    }
    return { marked, found, missing, gone };

    /** Mark what shows an id that has no diagram node of its own. */
    function markUsers(id) {
      if (id.startsWith("rtb-")) {
        for (const subnet of data.subnets) if (subnet.route_table_id === id) marked.add(subnet.id);
        for (const route of topology.route_tables[id]?.routes || []) {
          if (route.target.startsWith("vpce-")) marked.add(route.target);
        }
      } else if (id.startsWith("sg-")) {
        for (const endpoint of Object.values(topology.endpoints)) {
          if (endpoint.vpc_id === data.vpc && endpoint.group_ids.includes(id)) marked.add(endpoint.id);
        }
        for (const placement of model.placements) {
          const groups = placement.group_ids.length ? placement.group_ids : [model.default_groups[data.vpc]];
          if (groups.includes(id) && subnetIds.has(placement.subnet_id)) {
            marked.add(placement.id);
            marked.add(placement.subnet_id);
          }
        }
        for (const connector of Object.values(model.connectors)) {
          if (connector.group_ids.includes(id)) {
            marked.add(connector.arn);
            for (const subnet of connector.subnet_ids) if (subnetIds.has(subnet)) marked.add(subnet);
          }
        }
      } else if (id.startsWith("eni-")) {
        const eni = topology.interfaces[id];
        if (eni && subnetIds.has(eni.subnet_id)) marked.add(eni.subnet_id);
        for (const endpoint of Object.values(topology.endpoints)) {
          if (endpoint.vpc_id === data.vpc && endpoint.interface_ids.includes(id)) marked.add(endpoint.id);
        }
      } else if (model.connectors[id]) {
        for (const subnet of model.connectors[id].subnet_ids) if (subnetIds.has(subnet)) marked.add(subnet);
      } else if (model.ingress[id]) {
        marked.add(model.ingress[id].endpoint_id);
        marked.add(model.ingress[id].service_arn);
      } else {
        const placement = model.placements.find((p) => p.id === id);
        if (placement) marked.add(placement.subnet_id);
      }
    }
  }

  function applyHighlight(ids, { scroll = true, scrollTo = "diagram" } = {}) {
    for (const old of element.querySelectorAll(".highlight")) old.classList.remove("highlight");
    const { marked, found, missing, gone } = expand(ids);
    const nodes = [];
    const rows = [];
    for (const id of marked) {
      for (const node of diagram.querySelectorAll(nodeSelector(id))) {
        node.classList.add("highlight");
        nodes.push(node);
      }
      for (const row of resources.querySelectorAll(`[data-resource-id=${attr(id)}]`)) {
        row.classList.add("highlight");
        rows.push(row);
      }
    }
    if (ids.length) {
      notice.hidden = false;
      notice.replaceChildren(
        found.length ? `Highlighted: ${found.join(", ")}` : "Nothing to highlight in this VPC",
        missing.length ? ` · not in this VPC: ${missing.join(", ")}` : "",
        gone.length ? ` · no longer exists: ${gone.join(", ")}` : "",
        " ",
        h("button", { type: "button", class: "small", onclick: () => highlight([]) }, "Clear"));
    } else {
      notice.hidden = true;
    }
    if (!scroll) return;
    const first = scrollTo === "row" ? rows[0] || nodes[0] : nodes[0] || rows[0];
    if (first) first.scrollIntoView({ block: "center", inline: "center", behavior: "auto" });
  }

  function highlight(ids, options = {}) {
    state.highlight = [...ids];
    applyHighlight(state.highlight, { scroll: true, ...options });
  }

  app.on("escape", () => {
    if (state.visible && state.highlight.length) highlight([]);
  });

  // --- resources --------------------------------------------------------------------------------------------------
  function resourceSections(data) {
    const topology = data.model.topology;
    const model = data.model;
    const names = data.names || {};
    const vpcId = data.vpc;
    const subnetIds = new Set(data.subnets.map((s) => s.id));
    const findingsOf = new Map();
    for (const finding of data.findings || []) {
      for (const id of new Set([finding.resource, ...(finding.related || [])])) {
        if (!findingsOf.has(id)) findingsOf.set(id, []);
        findingsOf.get(id).push(finding);
      }
    }
    const label = (id) => (names[id] ? `${id} (${names[id]})` : id);
    const groupLabel = (id) => {
      const group = (data.securityGroups || {})[id];
      return group && group.name ? `${id} (${group.name})` : id;
    };

    function row(kind, id, heading, ...details) {
      const findings = findingsOf.get(id) || [];
      return h("li", { class: "resource", "data-resource-id": id, "data-kind": kind, tabindex: "0" },
        h("div", { class: "resource-head" },
          h("span", { class: "mono resource-id" }, id),
          names[id] ? h("span", { class: "resource-name" }, names[id]) : null,
          heading,
          findings.length ? h("a", { class: `sev sev-${worst(findings)}`, "data-testid": "resource-findings",
            href: app.href("audit", { resource: id }) }, `${findings.length} finding${findings.length === 1 ? "" : "s"}`)
            : null),
        details.filter(Boolean).length ? h("div", { class: "resource-body" }, ...details) : null);
    }
    const line = (...parts) => h("div", { class: "line" }, ...parts);
    const section = (heading, kind, rows, empty) => h("section", { class: "resource-section", "data-section": kind },
      h("h4", {}, heading, h("span", { class: "count" }, ` ${rows.length}`)),
      rows.length ? h("ul", { class: "resource-list" }, rows) : h("p", { class: "muted" }, empty));

    const subnets = data.subnets.map((s) => row("subnet", s.id,
      h("span", { class: `tag ${s.public ? "public" : "private"}`, "data-testid": "subnet-exposure" },
        s.public ? "public" : "private"),
      line(`${s.cidr} · ${s.zone}${s.map_public_ip ? " · public IPs on launch" : ""}`),
      line(`route table ${s.route_table_id || "—"} · default route ${s.defaultRoute ? "→ " + s.defaultRoute : "none"}`)));

    const tables = Object.values(topology.route_tables).filter((t) => t.vpc_id === vpcId)
      .sort((a, b) => a.id.localeCompare(b.id)).map((table) => {
        const info = (data.routeTables || {})[table.id] || {};
        const users = data.subnets.filter((s) => s.route_table_id === table.id).map((s) => s.id);
        return row("route-table", table.id, info.main ? h("span", { class: "tag" }, "main") : null,
          line(users.length ? `used by ${users.join(", ")}` : "used by no subnet"),
          h("table", { class: "rules" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "destination"),
            h("th", { scope: "col" }, "target"), h("th", { scope: "col" }, "state"))),
          h("tbody", {}, table.routes.map((r) => h("tr", { class: r.state === "blackhole" ? "bad" : "" },
            h("td", { class: "mono" }, r.destination), h("td", { class: "mono" }, r.target), h("td", {}, r.state))))));
      });

    const igws = Object.values(topology.internet_gateways).filter((g) => g.vpc_id === vpcId)
      .map((g) => row("internet-gateway", g.id, null, line(`attached to ${vpcId}`)));

    const nats = Object.values(topology.nat_gateways).filter((n) => subnetIds.has(n.subnet_id)).map((n) =>
      row("nat-gateway", n.id, h("span", { class: "tag" }, n.state),
        line(`in ${n.subnet_id} · ${n.public_ip ? "public, Elastic IP " + n.public_ip : "private"}`)));

    const endpoints = (data.endpoints || []).map((e) => {
      const full = topology.endpoints[e.id] || { interface_ids: [], group_ids: [], dns_names: [] };
      const inSubnets = [...new Set(full.interface_ids.map((i) => topology.interfaces[i]?.subnet_id).filter(Boolean))];
      const service = e.service.replace(`com.amazonaws.${topology.region}.`, "");
      return row("endpoint", e.id, h("span", { class: "tag" }, `${service} · ${e.type}`),
        line(h("span", { "data-testid": "endpoint-state" }, `state ${e.state}`),
          e.type === "Interface" ? [" · ", h("span", { "data-testid": "endpoint-dns",
            class: e.privateDns ? "" : "warn" }, `private DNS ${e.privateDns ? "on" : "off"}`),
          e.privateDns && e.privateDnsName ? ` (${e.privateDnsName})` : ""] : null),
        line("policy: ", h("span", { "data-testid": "policy-summary", class: e.policySummary === "full access"
          ? "warn" : "" }, e.policySummary)),
        inSubnets.length ? line(`interfaces in ${inSubnets.join(", ")}`) : null,
        full.group_ids.length ? line(`groups ${full.group_ids.map(groupLabel).join(", ")}`) : null);
    });

    const groups = Object.values(topology.security_groups).filter((g) => g.vpc_id === vpcId)
      .sort((a, b) => a.id.localeCompare(b.id)).map((g) => {
        const info = (data.securityGroups || {})[g.id] || {};
        return row("security-group", g.id,
          info.name ? h("span", { class: "tag" }, info.name) : null,
          info.description ? line(info.description) : null,
          ruleTable("inbound", g.ingress, groupLabel), ruleTable("outbound", g.egress, groupLabel));
      });

    const workloads = model.placements.filter((p) => p.kind === "workload" && subnetIds.has(p.subnet_id)).map((p) =>
      row("workload", p.id, p.label && p.label !== `workload ${p.id}` ? h("span", { class: "tag" },
        p.label.replace(`workload ${p.id} `, "").replace(/^\((.*)\)$/, "$1")) : null,
      line(`in ${p.subnet_id}${p.public_ip ? " · public IP" : ""}`),
      line(`groups ${(p.group_ids.length ? p.group_ids : [model.default_groups[vpcId]].filter(Boolean))
        .map(groupLabel).join(", ") || "—"}`)));

    const connectors = Object.values(model.connectors).filter((c) => c.subnet_ids.some((s) => subnetIds.has(s)));
    const connectorArns = new Set(connectors.map((c) => c.arn));
    const ingress = Object.values(model.ingress).filter((i) => i.vpc_id === vpcId);
    const tied = new Set(ingress.map((i) => i.service_arn));
    for (const service of Object.values(model.services)) {
      if (service.egress_type === "VPC" && connectorArns.has(service.connector_arn)) tied.add(service.arn);
    }
    const services = [...tied].map((arn) => model.services[arn]).filter(Boolean)
      .sort((a, b) => a.name.localeCompare(b.name)).map((s) => row("service", s.arn,
        h("span", { class: "tag" }, s.name),
        line(`status ${s.status || "—"} · egress ${s.egress_type}${s.connector_arn ? " via " + s.connector_arn.split("/")[1] : ""}`
          + ` · ${s.public ? "public" : "private (ingress through the VPC)"}`),
        line(h("a", { href: app.href("apprunner", { service: s.name }) }, "App Runner view"))));

    const connectorRows = connectors.sort((a, b) => a.name.localeCompare(b.name)).map((c) =>
      row("connector", c.arn, h("span", { class: "tag" }, c.name),
        line(`status ${c.status} · subnets ${c.subnet_ids.join(", ")}`),
        line(`groups ${c.group_ids.map(groupLabel).join(", ") || "—"}`)));

    const ingressRows = ingress.sort((a, b) => a.name.localeCompare(b.name)).map((i) =>
      row("ingress", i.arn, h("span", { class: "tag" }, i.name),
        line(`status ${i.status} · endpoint ${i.endpoint_id}`),
        line(`service ${model.services[i.service_arn]?.name || i.service_arn}`)));

    const peerings = Object.values(topology.peerings)
      .filter((p) => p.requester_vpc_id === vpcId || p.accepter_vpc_id === vpcId).map((p) =>
        row("peering", p.id, h("span", { class: "tag" }, p.status),
          line(`${p.requester_vpc_id} ↔ ${p.accepter_vpc_id}`)));

    return [
      section("Subnets", "subnet", subnets, "No subnets."),
      section("Route tables", "route-table", tables, "No route tables."),
      section("Internet gateways", "internet-gateway", igws, "No internet gateway attached."),
      section("NAT gateways", "nat-gateway", nats, "No NAT gateways."),
      section("VPC endpoints", "endpoint", endpoints, "No VPC endpoints."),
      section("Security groups", "security-group", groups, "No security groups."),
      section("Workloads", "workload", workloads, "No workloads placed in this VPC."),
      section("App Runner services", "service", services, "No App Runner service uses this VPC."),
      section("VPC connectors", "connector", connectorRows, "No VPC connectors in this VPC."),
      section("VPC ingress connections", "ingress", ingressRows, "No VPC ingress connections."),
      peerings.length ? section("Peering connections", "peering", peerings, "") : null,
    ].filter(Boolean);
  }

  // --- the view's interface -----------------------------------------------------------------------------------------
  async function show(params) {
    state.visible = true;
    const scopeChanged = params.account !== state.account || params.region !== state.region;
    const highlightIds = (params.highlight || "").split(",").map((s) => s.trim()).filter(Boolean);
    const vpcChanged = (params.vpc || null) !== state.vpc;
    state.highlight = highlightIds;
    if (scopeChanged) {
      state.account = params.account;
      state.region = params.region;
      state.q = "";
      search.value = "";
      state.vpc = null;
      state.data = null;
      await reloadList({ keepScroll: false });
    } else if (state.stale) {
      await reloadList();
    }
    if (!params.vpc) {
      const first = await firstVpc();
      if (first) {
        app.navigate("network", { account: state.account, region: state.region, vpc: first,
          highlight: params.highlight }, { replace: true });
        return;
      }
    }
    state.vpc = params.vpc || null;
    list.select(state.vpc);
    if (vpcChanged || scopeChanged || state.stale || !state.data) {
      state.stale = false;
      await loadDetail();
    } else {
      applyHighlight(state.highlight, { scroll: highlightIds.length > 0 });
    }
    state.stale = false;
  }

  async function firstVpc() {
    if (!state.firstPage) await list.reset();
    const page = state.firstPage;
    if (!page || !page.length) return null;
    return (page.find((v) => !v.isDefault) || page[0]).id;
  }

  const live = refresher(app, () => {
    if (!state.visible) {
      state.stale = true;
      return;
    }
    reloadList();
    loadDetail({ keep: true });
  }, { trafficMs: 5000 });

  return {
    element,
    show,
    hide() {
      state.visible = false;
    },
    highlight,
  };
}

/** Is anything shown still changing by itself (states derived from time)? */
function settling(data) {
  const topology = data.model.topology;
  const moving = (status) => /pending|provisioning|deleting|in_progress/i.test(String(status || ""));
  return (data.endpoints || []).some((e) => moving(e.state))
    || Object.values(topology.nat_gateways).some((n) => moving(n.state))
    || Object.values(topology.peerings).some((p) => moving(p.status))
    || Object.values(data.model.services).some((s) => moving(s.status))
    || Object.values(data.model.ingress).some((i) => moving(i.status));
}

/** A diagram node of the id: a resource's box, or the VPC's own frame. */
function nodeSelector(id) {
  return `g.node[data-id=${attr(id)}], g.vpc-box[data-id=${attr(id)}]`;
}

function worst(findings) {
  const order = ["info", "low", "medium", "high", "critical"];
  return findings.reduce((a, f) => (order.indexOf(f.severity) > order.indexOf(a) ? f.severity : a), "info");
}

function ruleTable(direction, rules, groupLabel) {
  return h("table", { class: "rules", "data-direction": direction },
    h("caption", {}, direction),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "protocol"), h("th", { scope: "col" }, "ports"),
      h("th", { scope: "col" }, direction === "inbound" ? "source" : "destination"))),
    h("tbody", {}, rules.length ? rules.map((rule) => h("tr", { "data-testid": "sg-rule" },
      h("td", {}, protocolName(rule.protocol)), h("td", {}, ports(rule)),
      h("td", { class: "mono" }, peer(rule, groupLabel))))
      : h("tr", {}, h("td", { colspan: "3", class: "muted" }, "no rules: nothing allowed"))));
}

function protocolName(protocol) {
  return { "-1": "all", tcp: "TCP", udp: "UDP", icmp: "ICMP", icmpv6: "ICMPv6", 6: "TCP", 17: "UDP" }[protocol]
    || protocol;
}

function ports(rule) {
  if (rule.protocol === "-1" || rule.from_port === -1) return "all";
  return rule.from_port === rule.to_port ? String(rule.from_port) : `${rule.from_port}–${rule.to_port}`;
}

function peer(rule, groupLabel) {
  if (rule.cidr) return rule.cidr;
  if (rule.group_id) return groupLabel(rule.group_id);
  if (rule.prefix_list_id) return rule.prefix_list_id + (rule.prefix_cidrs.length ? ` (${rule.prefix_cidrs.join(", ")})` : "");
  return "—";
}
