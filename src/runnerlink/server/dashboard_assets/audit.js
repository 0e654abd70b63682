// The audit view: the scope's `runnerlink audit` (summary by severity, each finding with its message, evidence and
// fix), linked to the resources it names: a VPC's resources open the network view with them highlighted.

import { h, clear, errorBox } from "./dom.js";
import { refresher } from "./live.js";

const SEVERITIES = ["critical", "high", "medium", "low", "info"];

export function createView(app) {
  const summary = h("div", { class: "audit-summary", "data-testid": "audit-summary", "aria-live": "polite" });
  const severity = h("select", { id: "audit-severity", "data-testid": "audit-severity" },
    h("option", { value: "" }, "all severities"), SEVERITIES.map((s) => h("option", { value: s }, s === "critical" ? "critical only" : `${s} and above`)));
  const filterNote = h("p", { class: "muted", "data-testid": "audit-filter-note" });
  const list = h("div", { class: "findings", "data-testid": "findings" });
  const extra = h("div", { class: "audit-extra" });
  const element = h("div", { class: "audit-view" },
    h("div", { class: "view-head" }, h("h2", {}, "Audit"),
      h("label", { for: "audit-severity" }, "Show"), severity),
    summary, filterNote, list, extra);

  const state = { visible: false, stale: false, key: null, params: {}, data: null, token: 0 };

  async function load() {
    state.token += 1;
    const token = state.token;
    const { account, region } = state.params;
    if (!state.data) summary.replaceChildren(h("p", { class: "muted" }, "Auditing…"));
    let data;
    try {
      data = await app.api("ui/api/audit", { account, region });
    } catch (error) {
      if (token !== state.token) return;
      summary.replaceChildren(errorBox(error));
      clear(list);
      return;
    }
    if (token !== state.token) return;
    state.data = data;
    live.seen(data.generation);
    render();
  }

  function render() {
    const data = state.data;
    if (!data) return;
    const counts = data.summary || {};
    const total = (data.findings || []).length;
    summary.replaceChildren(
      h("p", { class: "summary-line" }, total ? `${total} finding${total === 1 ? "" : "s"} in ${data.account} · ${data.region}`
        : `No findings in ${data.account} · ${data.region}: the network is as it should be.`),
      h("ul", { class: "severity-counts" }, SEVERITIES.map((s) => h("li", { class: `sev sev-${s}`, "data-severity": s },
        h("span", { class: "n" }, String(counts[s] || 0)), ` ${s}`))));
    const rules = Object.fromEntries((data.rules || []).map((r) => [r.id, r]));
    const floor = SEVERITIES.indexOf(severity.value);
    const { vpc, resource } = state.params;
    const shown = (data.findings || []).filter((f) => {
      if (floor >= 0 && SEVERITIES.indexOf(f.severity) > floor) return false;
      if (vpc && f.vpc !== vpc) return false;
      if (resource && f.resource !== resource && !(f.related || []).includes(resource)) return false;
      return true;
    });
    const filters = [vpc ? `VPC ${vpc}` : null, resource ? `resource ${resource}` : null].filter(Boolean);
    filterNote.replaceChildren();
    if (filters.length) {
      filterNote.append(`Showing the findings about ${filters.join(" and ")}. `,
        h("a", { href: app.href("audit") }, "Show all"));
    }
    list.replaceChildren(...shown.map((f) => finding(f, rules[f.rule])));
    if (!shown.length && total) list.append(h("p", { class: "muted" }, "No finding matches."));
    const notes = [...(data.notes || []), ...(data.refused || []).map((c) =>
      `${c.service}:${c.operation} was refused (${c.code}): the audit could not read it.`)];
    extra.replaceChildren(...(notes.length ? [h("h3", {}, "Notes"), h("ul", {}, notes.map((n) => h("li", {}, n)))] : []));
  }

  function finding(f, rule) {
    const links = [f.resource, ...(f.related || []).filter((r) => r !== f.resource)];
    return h("article", { class: `finding sev-border-${f.severity}`, "data-testid": "finding", "data-rule": f.rule,
      "data-resource": f.resource, "data-severity": f.severity },
    h("header", {},
      h("span", { class: `sev sev-${f.severity}`, "data-testid": "finding-severity" }, f.severity),
      h("h3", {}, rule ? rule.title : f.rule), h("code", { class: "rule-id" }, f.rule)),
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

  severity.addEventListener("change", render);

  const live = refresher(app, () => {
    if (state.visible) load();
    else state.stale = true;
  }, { trafficMs: 5000 });

  return {
    element,
    show(params) {
      state.visible = true;
      const key = `${params.account}/${params.region}`;
      state.params = params;
      if (key !== state.key || state.stale || !state.data) {
        if (key !== state.key) state.data = null;
        state.key = key;
        state.stale = false;
        load();
      } else {
        render();
      }
    },
    hide() {
      state.visible = false;
    },
  };
}
