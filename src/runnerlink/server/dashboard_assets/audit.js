// The audit view: the scope's `runnerlink audit` (summary by severity, each finding with its message, evidence and
// fix), linked to the resources it names: a VPC's resources open the network view with them highlighted. Findings
// are read a page at a time (a 1,000-VPC account has thousands: megabytes as one document): the summary always, the
// first PAGE findings, then "show more". The severity and rule menus, and the route's vpc= and resource=, filter on
// the server's side; all four are in the route (#/audit?severity=high&rule=…), so a filtered view is a link.

import { h, clear, errorBox } from "./dom.js";
import { refresher } from "./live.js";

const SEVERITIES = ["critical", "high", "medium", "low", "info"];
const PAGE = 100;
const MAX_LIMIT = 500; // the server's largest page
const FILTERS = ["vpc", "resource", "severity", "rule"];

export function createView(app) {
  const summary = h("div", { class: "audit-summary", "data-testid": "audit-summary", "aria-live": "polite" });
  const severity = h("select", { id: "audit-severity", "data-testid": "audit-severity" });
  const rule = h("select", { id: "audit-rule", "data-testid": "audit-rule" });
  const filterNote = h("p", { class: "muted", "data-testid": "audit-filter-note" });
  const shownLine = h("p", { class: "muted audit-shown", "data-testid": "audit-shown", "aria-live": "polite" });
  const list = h("div", { class: "findings", "data-testid": "findings" });
  const more = h("button", { type: "button", class: "audit-more", "data-testid": "audit-more", hidden: true });
  const extra = h("div", { class: "audit-extra" });
  const element = h("div", { class: "audit-view" },
    h("div", { class: "view-head" }, h("h2", {}, "Audit"),
      h("label", { for: "audit-severity" }, "Severity"), severity,
      h("label", { for: "audit-rule" }, "Rule"), rule),
    summary, filterNote, shownLine, list, more, extra);

  const state = { visible: false, stale: false, key: null, params: {}, data: null, findings: [], token: 0,
    loadingMore: false };

  function query(offset, limit) {
    const { account, region } = state.params;
    const asked = { account, region, offset, limit };
    for (const name of FILTERS) if (state.params[name]) asked[name] = state.params[name];
    return app.api("ui/api/audit", asked);
  }

  /** Read the summary and the first page again; keep: as many findings as are shown (a live refresh). */
  async function load({ keep = false } = {}) {
    state.token += 1;
    const token = state.token;
    if (!state.data) summary.replaceChildren(h("p", { class: "muted" }, "Auditing…"));
    const wanted = keep ? Math.max(PAGE, state.findings.length) : PAGE;
    let data;
    let findings = [];
    try {
      do {
        const page = await query(findings.length, Math.min(MAX_LIMIT, wanted - findings.length));
        if (token !== state.token) return;
        data = page;
        findings = findings.concat(page.findings || []);
      } while (findings.length < Math.min(wanted, data.total) && data.findings.length);
    } catch (error) {
      if (token !== state.token) return;
      summary.replaceChildren(errorBox(error));
      clear(list);
      more.hidden = true;
      return;
    }
    state.data = data;
    state.findings = findings;
    live.seen(data.generation);
    render();
  }

  async function showMore() {
    if (state.loadingMore || !state.data) return;
    state.loadingMore = true;
    more.disabled = true;
    const token = state.token;
    const from = state.findings.length;
    try {
      const page = await query(from, PAGE);
      if (token !== state.token) return;
      state.data = { ...page, findings: undefined };
      state.findings = state.findings.concat(page.findings || []);
      render();
      // The button moved below the new findings: focus goes to the first of them, where reading goes on.
      list.children[from]?.focus();
    } catch (error) {
      if (token === state.token) shownLine.replaceChildren(errorBox(error));
    } finally {
      state.loadingMore = false;
      more.disabled = false;
    }
  }
  more.addEventListener("click", showMore);

  function render() {
    const data = state.data;
    if (!data) return;
    const counts = data.summary || {};
    const all = SEVERITIES.reduce((n, s) => n + (counts[s] || 0), 0);
    summary.replaceChildren(
      h("p", { class: "summary-line" }, all ? `${all} finding${all === 1 ? "" : "s"} in ${data.account} · ${data.region}`
        : `No findings in ${data.account} · ${data.region}: the network is as it should be.`),
      h("ul", { class: "severity-counts" }, SEVERITIES.map((s) => h("li", { class: `sev sev-${s}`, "data-severity": s },
        h("span", { class: "n" }, String(counts[s] || 0)), ` ${s}`))));
    const rules = Object.fromEntries((data.rules || []).map((r) => [r.id, r]));
    renderMenus(data.facets || { severity: {}, rule: {} }, rules);

    const { vpc, resource } = state.params;
    const filters = [vpc ? `VPC ${vpc}` : null, resource ? `resource ${resource}` : null].filter(Boolean);
    filterNote.replaceChildren();
    if (filters.length) {
      filterNote.append(`Showing the findings about ${filters.join(" and ")}. `,
        h("a", { href: app.href("audit", { severity: state.params.severity, rule: state.params.rule }) }, "Show all"));
    }
    const shown = state.findings.length;
    const total = data.total ?? shown;
    shownLine.textContent = total ? `Showing ${count(shown)} of ${count(total)} matching finding${total === 1 ? "" : "s"}`
      : "";
    // Findings already on the page stay as they are (focus, open <details>): only new ones are built.
    const kept = sameStart(shown);
    while (list.children.length > kept) list.lastChild.remove();
    list.append(...state.findings.slice(kept).map((f) => finding(f, rules[f.rule])));
    if (!shown) list.replaceChildren(h("p", { class: "muted" }, all ? "No finding matches." : ""));
    const left = total - shown;
    more.hidden = left <= 0;
    more.textContent = `Show ${count(Math.min(PAGE, left))} more (${count(left)} not shown)`;
    const notes = [...(data.notes || []), ...(data.refused || []).map((c) =>
      `${c.service}:${c.operation} was refused (${c.code}): the audit could not read it.`)];
    extra.replaceChildren(...(notes.length ? [h("h3", {}, "Notes"), h("ul", {}, notes.map((n) => h("li", {}, n)))] : []));
  }

  /** How many of the findings on the page are still the first of state.findings (same rule and resource). */
  function sameStart(shown) {
    const nodes = list.children;
    let n = 0;
    while (n < nodes.length && n < shown) {
      const node = nodes[n];
      const f = state.findings[n];
      if (node.dataset.rule !== f.rule || node.dataset.resource !== f.resource || node.dataset.key !== keyOf(f)) break;
      n += 1;
    }
    return n;
  }

  function renderMenus(facets, rules) {
    const chosen = { severity: state.params.severity || "", rule: state.params.rule || "" };
    const severityCounts = facets.severity || {};
    const allCount = Object.values(severityCounts).reduce((a, b) => a + b, 0);
    severity.replaceChildren(h("option", { value: "" }, `all severities (${count(allCount)})`),
      ...SEVERITIES.map((s) => h("option", { value: s }, `${s} (${count(severityCounts[s] || 0)})`)));
    severity.value = chosen.severity;
    const ruleCounts = { ...(facets.rule || {}) };
    if (chosen.rule && !(chosen.rule in ruleCounts)) ruleCounts[chosen.rule] = 0;
    const ids = Object.keys(ruleCounts).sort((a, b) => ruleCounts[b] - ruleCounts[a] || a.localeCompare(b));
    rule.replaceChildren(h("option", { value: "" }, "all rules"),
      ...ids.map((id) => h("option", { value: id, title: id }, `${rules[id] ? rules[id].title : id} (${count(ruleCounts[id])})`)));
    rule.value = chosen.rule;
  }

  function finding(f, ruleInfo) {
    const links = [f.resource, ...(f.related || []).filter((r) => r !== f.resource)];
    return h("article", { class: `finding sev-border-${f.severity}`, "data-testid": "finding", "data-rule": f.rule,
      "data-resource": f.resource, "data-severity": f.severity, "data-key": keyOf(f), tabindex: "-1" },
    h("header", {},
      h("span", { class: `sev sev-${f.severity}`, "data-testid": "finding-severity" }, f.severity),
      h("h3", {}, ruleInfo ? ruleInfo.title : f.rule), h("code", { class: "rule-id" }, f.rule)),
    h("p", { class: "message", "data-testid": "finding-message" }, f.message),
    h("div", { class: "finding-links" }, "Resources: ", links.map((id, i) => [i ? ", " : "",
      h("a", { href: resourceHref(f, id), "data-testid": "finding-resource", "data-id": id,
        class: i ? "related" : "primary" }, id)])),
    (f.evidence || []).length ? h("details", { open: true }, h("summary", {}, "Evidence"),
      h("ul", { class: "evidence", "data-testid": "finding-evidence" }, f.evidence.map((e) => h("li", {}, e)))) : null,
    h("div", { class: "fix" }, h("h4", {}, "Fix"), h("p", { "data-testid": "finding-fix" }, f.fix)),
    f.location ? h("p", { class: "muted" }, `Declared at ${f.location.address}`
      + (f.location.file ? ` (${f.location.file}${f.location.line ? ":" + f.location.line : ""})` : "")) : null);
  }

  function resourceHref(f, id) {
    const { account, region } = state.params;
    if (f.vpc) return app.href("network", { account, region, vpc: f.vpc, highlight: id });
    if (id.startsWith("arn:aws:apprunner:") && id.includes(":service/")) {
      return app.href("apprunner", { account, region, service: id.split("/")[1] });
    }
    if (id.startsWith("vpc-")) return app.href("network", { account, region, vpc: id });
    return app.href("network", { account, region, highlight: id });
  }

  function filter(name, value) {
    const params = { ...state.params, [name]: value };
    app.navigate("audit", Object.fromEntries(Object.entries(params).filter(([, v]) => v)));
  }
  severity.addEventListener("change", () => filter("severity", severity.value));
  rule.addEventListener("change", () => filter("rule", rule.value));

  const live = refresher(app, () => {
    if (state.visible) load({ keep: true });
    else state.stale = true;
  }, { trafficMs: 5000 });

  return {
    element,
    show(params) {
      state.visible = true;
      const key = JSON.stringify([params.account, params.region, ...FILTERS.map((name) => params[name] || "")]);
      state.params = params;
      if (key !== state.key || state.stale || !state.data) {
        const scopeChanged = !state.key || JSON.parse(state.key).slice(0, 2).join() !== [params.account, params.region].join();
        if (key !== state.key) {
          state.findings = [];
          clear(list);
          if (scopeChanged) state.data = null;
        }
        state.key = key;
        state.stale = false;
        load({ keep: true }); // as many as were shown: none after a change of filters
      } else {
        render();
      }
    },
    hide() {
      state.visible = false;
    },
  };
}

/** A finding's identity among the findings shown (rule, resource and message: one rule may say two things of one). */
function keyOf(f) {
  return `${f.rule} ${f.resource} ${f.message}`;
}

function count(n) {
  return Number(n).toLocaleString("en-US");
}
