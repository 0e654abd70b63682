// The traffic view: the traffic log, newest first, in a virtualised list read a page at a time
// (/_runnerlink/traffic/page, anchored at a seq so pages don't shift while new requests arrive), filter menus from
// traffic/facets, new entries live from the traffic/stream event stream, and the opened entry's detail: status,
// path (hops), endpoint, the policy decision and the endpoint policy's statement, with a link to the topology.
// Route: #/traffic?account=&service=&outcome=&decision=&workload=&vpc=&seq=N (seq: the opened entry).

import { h as el } from "./dom.js";
import { VirtualList } from "./virtual-list.js";

const FILTERS = ["account", "service", "outcome", "decision", "workload", "vpc"];
const LABELS = { account: "Account", service: "Service", outcome: "Outcome", decision: "Decision", workload: "Workload",
  vpc: "VPC" };
const ROW_HEIGHT = 32;
const FACETS_EVERY_MS = 2000;
// Resource ids named in hops' details (EC2's prefix + 8 or 17 hex digits).
const RESOURCE_ID = /\b(?:vpc|subnet|rtb|igw|eigw|nat|vpce|sg|eni|pcx|tgw|acl|pl)-[0-9a-f]{8}(?:[0-9a-f]{9})?\b/g;
const COLUMNS = "grid-template-columns: 6.5em minmax(10em, 2fr) 7em 3.5em minmax(6em, 1fr) 7em";

function clock(time) {
  if (typeof time !== "number") return "";
  const date = new Date(time * 1000);
  return date.toLocaleTimeString([], { hour12: false });
}

function count(n) {
  return Number(n).toLocaleString("en-US");
}

/** The ids of the resources a request's path went through: from its hops' details, its endpoint and subnet. */
export function resourceIds(entry) {
  const ids = new Set();
  for (const hop of entry.hops || []) for (const id of String(hop.detail || "").match(RESOURCE_ID) || []) ids.add(id);
  if (entry.endpoint) ids.add(entry.endpoint);
  if (entry.subnet) ids.add(entry.subnet);
  if (entry.workload) ids.add(entry.workload);
  if (entry.vpc) ids.delete(entry.vpc);
  return [...ids];
}

export function createView(app) {
  const state = {
    filters: {}, key: null, anchor: null, since: null, newCount: 0, queue: [], loading: false,
    shown: false, source: null, retry: null, openSeq: null, facetsAt: 0, facetsTimer: null, detailToken: 0,
  };

  // --- the toolbar: filters, count, "N new" ------------------------------------------------------------------------
  const selects = {};
  const filterBar = el("div", { class: "traffic-filters", role: "group", "aria-label": "Filters",
    style: "display:flex;flex-wrap:wrap;gap:.75em;align-items:end" });
  for (const name of FILTERS) {
    const id = `traffic-filter-${name}`;
    const select = el("select", { id, "data-testid": `filter-${name}`, onchange: () => applyFilters() },
      el("option", { value: "", text: "all" }));
    if (name === "account") select.dataset.focusFirst = "";
    selects[name] = select;
    filterBar.append(el("label", { for: id, style: "display:flex;flex-direction:column;font-size:.85em" },
      LABELS[name], select));
  }
  const countText = el("span", { "data-testid": "traffic-count", role: "status", "aria-live": "polite",
    class: "traffic-count", style: "margin-left:auto;font-variant-numeric:tabular-nums" });
  const newButton = el("button", { type: "button", "data-testid": "traffic-new", class: "traffic-new", hidden: true,
    onclick: () => jumpToTop() });
  const errorLine = el("p", { class: "error", role: "alert", "data-testid": "traffic-error", hidden: true });
  const toolbar = el("div", { class: "traffic-toolbar",
    style: "display:flex;flex-wrap:wrap;gap:1em;align-items:end;margin-bottom:.5em" }, filterBar, newButton, countText);

  // --- the list ------------------------------------------------------------------------------------------------------
  const header = el("div", { class: "traffic-header", "aria-hidden": "true",
    style: `display:grid;${COLUMNS};gap:.5em;padding:0 .5em;border:1px solid transparent;color:var(--muted)` },
  ...["time", "request", "outcome", "status", "from", "decision"].map((t) => el("span", { text: t, style: "font-size:.8em" })));

  const list = new VirtualList({
    rowHeight: ROW_HEIGHT,
    label: "Requests, newest first",
    testid: "traffic-list",
    className: "traffic-list",
    fetchPage: (offset, limit) => fetchPage(offset, limit),
    renderRow: (entry, index) => renderRow(entry, index),
    onOpen: (entry) => app.navigate("traffic", { ...state.filters, seq: entry.seq }),
    onScroll: () => {
      if (state.newCount && list.atTop()) jumpToTop();
    },
  });
  list.element.style.height = "min(60vh, 36em)";
  list.element.style.border = "1px solid var(--border)";
  list.element.style.background = "var(--surface)";
  list.element.addEventListener("loaderror", (event) => showError(event.detail));

  const empty = el("p", { class: "muted traffic-empty", "data-testid": "traffic-empty", hidden: true,
    text: "No requests match these filters yet." });
  const detail = el("section", { "data-testid": "traffic-detail", class: "traffic-detail", "aria-label": "Request",
    tabindex: "-1", hidden: true,
    style: "border:1px solid var(--border);background:var(--surface);padding:.75em;overflow:auto;max-height:calc(100vh - 9em);position:sticky;top:.5em" });
  const columns = el("div", { class: "traffic-columns",
    style: "display:grid;grid-template-columns:minmax(0,3fr) minmax(18em,2fr);gap:1em;align-items:start" },
  el("div", {}, header, list.element, empty), detail);
  const element = el("div", { class: "traffic-view" }, el("h2", { text: "Traffic" }), toolbar, errorLine, columns);

  function renderRow(entry, index) {
    if (!entry) {
      return el("div", { class: "traffic-row loading", "data-testid": "traffic-row-loading",
        style: `display:grid;${COLUMNS};gap:.5em;align-items:center;padding:0 .5em;color:var(--muted)` },
      el("span", { text: "…" }));
    }
    const decision = entry.decision ? entry.decision.result : "";
    const from = entry.workloadName || entry.workload || entry.source || "";
    const failed = entry.outcome === "unreachable" || (entry.status || 0) >= 400;
    return el("div", {
      class: `traffic-row${failed ? " failed" : ""}`,
      "data-testid": "traffic-row",
      "aria-label": `${entry.service || "?"} ${entry.operation || ""}, ${entry.outcome || ""}, status ${entry.status ?? "none"}`,
      dataset: { seq: String(entry.seq), outcome: entry.outcome || "", service: entry.service || "",
        operation: entry.operation || "" },
      style: `display:grid;${COLUMNS};gap:.5em;align-items:center;padding:0 .5em;cursor:pointer;white-space:nowrap;` +
        `border-bottom:1px solid var(--surface-2)${failed ? ";color:var(--public)" : ""}`,
    },
    el("span", { text: clock(entry.time), title: new Date(entry.time * 1000).toISOString() }),
    el("span", { text: `${entry.service || "?"}.${entry.operation || "?"}`, style: "overflow:hidden;text-overflow:ellipsis" }),
    el("span", { class: `outcome outcome-${entry.outcome}`, text: entry.outcome || "" }),
    el("span", { text: entry.status ?? "" }),
    el("span", { text: from, style: "overflow:hidden;text-overflow:ellipsis" }),
    el("span", { text: decision }));
  }

  // --- reading ------------------------------------------------------------------------------------------------------
  async function fetchPage(offset, limit) {
    const params = { ...state.filters, offset, limit };
    if (state.anchor !== null) params.anchor = state.anchor;
    const answer = await app.api("traffic/page", params);
    if (state.anchor === null) {
      state.anchor = answer.anchor;
      if (state.since === null) state.since = answer.anchor;
    }
    showCount(answer.total);
    errorLine.hidden = true;
    return { total: answer.total, items: answer.entries };
  }

  function showCount(total) {
    countText.textContent = `${count(total)} ${total === 1 ? "request" : "requests"}`;
    countText.dataset.count = String(total);
    empty.hidden = total !== 0;
  }

  function showError(error) {
    errorLine.hidden = false;
    errorLine.textContent = `The traffic log could not be read: ${error && error.message ? error.message : error}`;
  }

  async function reload() {
    state.anchor = null;
    state.since = null;
    state.newCount = 0;
    state.queue = [];
    showNew();
    state.loading = true;
    try {
      await list.reset();
    } finally {
      state.loading = false;
    }
    flushQueue();
    connectStream();
  }

  function jumpToTop() {
    state.anchor = null;
    state.newCount = 0;
    state.queue = [];
    showNew();
    state.loading = true;
    list.reset().finally(() => {
      state.loading = false;
      flushQueue();
    });
  }

  function showNew() {
    newButton.hidden = state.newCount === 0;
    newButton.textContent = `${count(state.newCount)} new — jump to top`;
  }

  // --- live: the stream -----------------------------------------------------------------------------------------------
  function connectStream() {
    disconnect();
    if (!state.shown || !window.EventSource) return;
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(state.filters)) query.set(name, value);
    if (state.since !== null) query.set("since", String(state.since));
    const source = new EventSource(`/_runnerlink/traffic/stream?${query}`);
    state.source = source;
    source.addEventListener("entries", (event) => {
      if (source !== state.source) return;
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      arrived(data.entries || [], data.last);
    });
    source.addEventListener("error", () => {
      // EventSource would reconnect with the first `since`, repeating entries: reconnect from where we are.
      if (source !== state.source) return;
      source.close();
      state.source = null;
      if (state.shown) state.retry = setTimeout(connectStream, 2000);
    });
  }

  function disconnect() {
    clearTimeout(state.retry);
    if (state.source) state.source.close();
    state.source = null;
  }

  function arrived(entries, last) {
    if (typeof last === "number") state.since = Math.max(state.since ?? 0, last);
    if (state.loading || state.anchor === null) {
      state.queue.push(...entries);
      return;
    }
    const fresh = entries.filter((e) => e.seq > state.anchor);
    if (!fresh.length) return;
    if (list.atTop() && state.newCount === 0) {
      state.anchor = Math.max(state.anchor, last ?? fresh[fresh.length - 1].seq);
      list.prepend(fresh.slice().reverse());
      showCount(list.total);
    } else {
      state.newCount += fresh.length;
      showNew();
    }
    maybeFacets();
  }

  function flushQueue() {
    const queued = state.queue;
    state.queue = [];
    if (queued.length) arrived(queued, state.since);
  }

  // --- filter menus ----------------------------------------------------------------------------------------------------
  async function loadFacets() {
    state.facetsAt = Date.now();
    let facets;
    try {
      facets = await app.api("traffic/facets");
    } catch (error) {
      showError(error);
      return;
    }
    for (const name of FILTERS) {
      const select = selects[name];
      const current = state.filters[name] || "";
      const options = (facets[name] || []).map((value) => {
        if (name === "workload") {
          const id = value.id || value.name;
          const text = value.name && value.id ? `${value.name} (${value.id})` : id;
          return [id, text];
        }
        return [value, value];
      });
      if (current && !options.some(([value]) => value === current)) options.push([current, current]);
      const signature = options.map(([v, t]) => `${v}\u0000${t}`).join("\u0001");
      if (select.dataset.signature !== signature) {
        select.dataset.signature = signature;
        select.replaceChildren(el("option", { value: "", text: "all" }),
          ...options.map(([value, text]) => el("option", { value, text })));
      }
      select.value = current;
    }
  }

  function maybeFacets() {
    if (!state.shown || state.facetsTimer) return;
    const wait = Math.max(0, FACETS_EVERY_MS - (Date.now() - state.facetsAt));
    state.facetsTimer = setTimeout(() => {
      state.facetsTimer = null;
      if (state.shown) loadFacets();
    }, wait);
  }

  function applyFilters() {
    const filters = {};
    for (const name of FILTERS) if (selects[name].value) filters[name] = selects[name].value;
    app.navigate("traffic", filters);
  }

  // --- the opened entry ----------------------------------------------------------------------------------------------
  async function openEntry(seq) {
    state.openSeq = seq;
    list.select(String(seq));
    const token = ++state.detailToken;
    detail.hidden = false;
    detail.replaceChildren(el("p", { class: "muted", text: `Loading request ${seq}…` }));
    let entry;
    try {
      entry = await app.api("traffic/entry", { seq });
    } catch (error) {
      if (token !== state.detailToken) return;
      detail.replaceChildren(el("p", { class: "error", role: "alert", "data-testid": "detail-missing",
        text: error.status === 404 ? `Request ${seq} is no longer in the traffic log.` : String(error.message) }));
      return;
    }
    if (token !== state.detailToken) return;
    renderDetail(entry, token);
  }

  function closeEntry() {
    state.openSeq = null;
    state.detailToken += 1;
    list.select(null);
    detail.hidden = true;
    detail.replaceChildren();
  }

  function field(name, value, attributes = {}) {
    if (value === undefined || value === null || value === "") return null;
    return [el("dt", { text: name }), el("dd", attributes, value)];
  }

  function renderDetail(entry, token) {
    const status = `${entry.status ?? "no answer"}${entry.error ? ` ${entry.error}` : ""}`;
    const decision = entry.decision;
    const facts = el("dl", { class: "facts", style: "display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0" },
      field("Status", status, { "data-testid": "detail-status" }),
      field("Outcome", entry.outcome, { "data-testid": "detail-outcome" }),
      field("Time", typeof entry.time === "number" ? new Date(entry.time * 1000).toISOString() : entry.time),
      field("Principal", entry.principal),
      field("Account / region", [entry.account, entry.region].filter(Boolean).join(" / ")),
      field("Source", entry.source, { "data-testid": "detail-source" }),
      field("Workload", entry.workload && entry.workloadName ? `${entry.workloadName} (${entry.workload})`
        : entry.workload || entry.workloadName,
        { "data-testid": "detail-workload" }),
      field("VPC", entry.vpc, { "data-testid": "detail-vpc" }),
      field("Subnet", entry.subnet, { "data-testid": "detail-subnet" }),
      field("Address", entry.address),
      field("Host", entry.host, { "data-testid": "detail-host" }),
      field("Endpoint", entry.endpoint, { "data-testid": "detail-endpoint" }),
      field("Application", entry.application ? entry.application.service : null));
    const hops = (entry.hops || []).map((hop) => el("li", {
      "data-testid": "hop", dataset: { step: hop.step, ok: String(Boolean(hop.ok)) },
      style: hop.ok ? "" : "color:var(--public);font-weight:600",
    }, el("span", { text: hop.ok ? "✓ " : "✗ ", "aria-label": hop.ok ? "passed" : "failed" }),
    el("strong", { text: hop.step }), " — ", hop.detail || ""));
    const statement = el("div", { class: "statement-box" });
    const decisionBox = el("div", { "data-testid": "decision", class: "decision" },
      decision ? [
        el("p", { style: "margin:.2em 0" }, el("strong", { text: decision.result || "?" }),
          decision.policy ? ` by the ${decision.policy} policy` : "",
          decision.policyName ? ` ${decision.policyName}` : ""),
        decision.statement ? el("p", { style: "margin:.2em 0" },
          `statement ${decision.statement.sid ? `"${decision.statement.sid}" ` : ""}` +
          `(index ${decision.statement.index ?? "?"}${decision.statement.effect ? `, ${decision.statement.effect}` : ""})`)
          : el("p", { style: "margin:.2em 0", text: "no statement matched" }),
        decision.action ? el("p", { style: "margin:.2em 0", text: `action ${decision.action} on ${decision.resource || "*"}` }) : null,
        decision.missing ? el("p", { style: "margin:.2em 0", text: `missing: ${JSON.stringify(decision.missing)}` }) : null,
      ] : el("p", { class: "muted", text: "No policy decision: none was evaluated for this request." }));
    const error = entry.error || entry.message
      ? el("p", { class: "error", "data-testid": "detail-error", text: [entry.error, entry.message].filter(Boolean).join(": ") })
      : null;
    const ids = resourceIds(entry);
    const topology = el("button", {
      type: "button", "data-testid": "show-on-topology", disabled: !entry.vpc,
      title: entry.vpc ? "Show this request's path on the network diagram" : "This request came from outside any VPC",
      onclick: () => app.showOnTopology({ account: entry.account, region: entry.region, vpc: entry.vpc, ids }),
    }, "Show on topology");
    const close = el("button", { type: "button", class: "close", "aria-label": "Close the request",
      onclick: () => app.navigate("traffic", { ...state.filters }) }, "×");
    detail.replaceChildren(
      el("div", { style: "display:flex;justify-content:space-between;align-items:center;gap:1em" },
        el("h3", { style: "margin:0", text: `#${entry.seq} ${entry.service || "?"}.${entry.operation || "?"}` }), close),
      facts,
      el("h4", { text: "Path" }),
      hops.length ? el("ol", { class: "hops", "data-testid": "hops" }, hops)
        : el("p", { class: "muted", text: "No hops: the request did not come from a subnet." }),
      el("h4", { text: "Decision" }), decisionBox, statement, ...(error ? [error] : []), el("p", {}, topology));
    if (decision && decision.policy === "endpoint" && decision.statement && Number.isInteger(decision.statement.index)) {
      loadStatement(entry, decision, statement, token);
    }
  }

  async function loadStatement(entry, decision, box, token) {
    const endpoint = decision.policyName || entry.endpoint;
    try {
      const answer = await app.api("ui/api/statement", { account: entry.account, region: entry.region, endpoint,
        index: decision.statement.index });
      if (token !== state.detailToken) return;
      box.replaceChildren(el("h4", { text: `Statement ${decision.statement.index} of ${endpoint}'s policy` }),
        el("pre", { "data-testid": "statement", class: "statement",
          style: "background:var(--code-bg);color:var(--code-text);padding:.5em;overflow:auto" },
        JSON.stringify(answer.statement, null, 2)));
    } catch (error) {
      if (token !== state.detailToken) return;
      box.replaceChildren(el("p", { class: "muted", "data-testid": "statement-missing",
        text: `The statement is not available (${error.message}).` }));
    }
  }

  // --- the view's life --------------------------------------------------------------------------------------------------
  app.on("state", () => maybeFacets());
  if (app.on) {
    app.on("escape", () => {
      if (state.shown && state.openSeq !== null) app.navigate("traffic", { ...state.filters });
    });
  }

  return {
    element,
    async show(params = {}) {
      const wasShown = state.shown;
      state.shown = true;
      const filters = {};
      for (const name of FILTERS) if (params[name]) filters[name] = params[name];
      const key = JSON.stringify(filters);
      for (const name of FILTERS) selects[name].value = filters[name] || "";
      const seq = params.seq ? Number(params.seq) : null;
      if (seq !== null && Number.isInteger(seq)) {
        if (seq !== state.openSeq) openEntry(seq);
      } else if (state.openSeq !== null) {
        closeEntry();
      }
      if (key !== state.key) {
        state.key = key;
        state.filters = filters;
        if (!wasShown || !state.facetsAt) loadFacets();
        else maybeFacets();
        await reload();
      } else if (!wasShown) {
        maybeFacets();
        if (state.newCount || !state.source) {
          // Back on the tab: from the newest again if it was at the top, else where it was.
          if (list.atTop()) await reload();
          else connectStream();
        }
      }
    },
    hide() {
      state.shown = false;
      disconnect();
    },
  };
}
