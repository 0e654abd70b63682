// The App Runner view: the scope's services with status, their URL (a link to where this server runs the
// application), recent operations, and — when this server runs applications — their logs, followed while shown.

import { h, clear, errorBox, formatTime } from "./dom.js";
import { refresher } from "./live.js";

const LOG_POLL_MS = 1500;
const MAX_LOG_LINES = 2000;

export function createView(app) {
  const note = h("p", { class: "notice", "data-testid": "apps-note", hidden: true });
  const list = h("div", { class: "app-services", "data-testid": "app-services" });
  const element = h("div", { class: "apps-view" }, h("div", { class: "view-head" }, h("h2", {}, "App Runner")),
    note, list);
  const state = { visible: false, stale: false, key: null, params: {}, data: null, token: 0,
    logs: new Map() /* arn → {cursor, pre, busy, lines} */, timer: null };

  async function load() {
    state.token += 1;
    const token = state.token;
    const { account, region } = state.params;
    let data;
    try {
      data = await app.api("ui/api/apprunner", { account, region });
    } catch (error) {
      if (token !== state.token) return;
      list.replaceChildren(errorBox(error));
      return;
    }
    if (token !== state.token) return;
    state.data = data;
    live.seen(data.generation);
    live.settling(data.services.some((s) => s.status === "OPERATION_IN_PROGRESS"
      || (s.operations || []).some((op) => op.Status === "IN_PROGRESS" || op.Status === "PENDING")));
    render();
  }

  function render() {
    const data = state.data;
    if (!data) return;
    note.hidden = data.runsApplications;
    note.textContent = data.runsApplications ? ""
      : "Applications don't run here: this server only emulates the App Runner API (no URL opens an application, "
        + "and there are no logs). Start `runnerlink serve` with applications enabled to run them.";
    const keep = new Set();
    const cards = data.services.map((service) => {
      keep.add(service.arn);
      return card(service, data.runsApplications);
    });
    for (const arn of [...state.logs.keys()]) if (!keep.has(arn)) state.logs.delete(arn);
    if (!cards.length) {
      list.replaceChildren(h("p", { class: "muted", "data-testid": "apps-empty" },
        `No App Runner services in ${data.account} · ${data.region}.`));
    } else {
      list.replaceChildren(...cards);
    }
    const selected = state.params.service && list.querySelector(`[data-testid=app-service].selected`);
    if (selected && state.scrollPending) {
      state.scrollPending = false;
      selected.scrollIntoView({ block: "start" });
    }
    follow();
  }

  function card(service, runsApplications) {
    const selected = state.params.service === service.name || state.params.service === service.arn;
    const url = service.localUrl
      ? h("a", { href: service.localUrl, "data-testid": "app-url", target: "_blank", rel: "noopener" }, service.localUrl)
      : h("span", { class: "muted", "data-testid": "app-url-missing" },
        service.url ? `${service.url} (not served here)` : "no URL yet");
    const operations = (service.operations || []).map((op) => h("li", { "data-testid": "app-operation",
      "data-type": op.Type, "data-status": op.Status },
    h("span", { class: "mono" }, op.Type), " ", h("span", { class: `tag status-${String(op.Status).toLowerCase()}` }, op.Status),
    " ", h("span", { class: "muted" }, formatTime(op.StartedAt), op.EndedAt ? ` → ${formatTime(op.EndedAt)}` : "")));
    let logs = null;
    if (runsApplications && service.runs) {
      const entry = state.logs.get(service.arn) || { cursor: null, lines: [], busy: false };
      entry.failed = false;
      entry.pre = h("pre", { class: "logs", "data-testid": "app-logs", tabindex: "0", "aria-label": `Logs of ${service.name}`,
        "data-empty": entry.lines.length ? null : "no log entries yet" }, entry.lines.join("\n"));
      state.logs.set(service.arn, entry);
      logs = h("div", { class: "app-logs" }, h("h4", {}, "Logs"), entry.pre);
    } else if (runsApplications) {
      logs = h("p", { class: "muted" }, service.unavailable ? `Not running: ${service.unavailable}`
        : "This service's application is not running here.");
    }
    return h("article", { class: `app-service${selected ? " selected" : ""}`, "data-testid": "app-service",
      "data-name": service.name, "data-arn": service.arn, "aria-current": selected ? "true" : null },
    h("header", {}, h("h3", {}, service.name),
      h("span", { class: `tag status-${String(service.status).toLowerCase()}`, "data-testid": "app-status" }, service.status)),
    h("dl", { class: "facts" },
      h("dt", {}, "URL"), h("dd", {}, url),
      service.url && service.localUrl ? [h("dt", {}, "Service URL"), h("dd", { class: "mono" }, service.url)] : null,
      h("dt", {}, "ARN"), h("dd", { class: "mono wrap" }, service.arn),
      service.port ? [h("dt", {}, "Port"), h("dd", {}, String(service.port))] : null),
    h("h4", {}, "Operations"),
    operations.length ? h("ul", { class: "operations" }, operations) : h("p", { class: "muted" }, "No operations."),
    logs);
  }

  // Follow each shown service's logs: entries since the cursor the last read gave.
  function follow() {
    clearTimeout(state.timer);
    if (!state.visible || !state.data || !state.data.runsApplications) return;
    const reads = [...state.logs.entries()].map(([arn, entry]) => readLogs(arn, entry));
    Promise.allSettled(reads).then(() => {
      if (state.visible) state.timer = setTimeout(follow, LOG_POLL_MS);
    });
  }

  async function readLogs(arn, entry) {
    if (entry.busy || entry.failed) return;
    entry.busy = true;
    try {
      const { account, region } = state.params;
      const answer = await app.api("apprunner/logs", { service: arn, account, region, after: entry.cursor });
      entry.cursor = answer.cursor;
      if (answer.entries.length) {
        const lines = answer.entries.map((e) => `${logTime(e.time)} ${e.stream || ""} ${e.text ?? e.message ?? ""}`.trimEnd());
        entry.lines.push(...lines);
        if (entry.lines.length > MAX_LOG_LINES) entry.lines.splice(0, entry.lines.length - MAX_LOG_LINES);
        const pre = entry.pre;
        const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
        pre.textContent = entry.lines.join("\n");
        pre.removeAttribute("data-empty");
        if (atBottom) pre.scrollTop = pre.scrollHeight;
      }
    } catch (error) {
      if (error.status === 404 || error.status === 503) {
        entry.failed = true; // not run here (any more): the next refresh of the list says so
        if (!entry.lines.length) entry.pre.dataset.empty = error.message;
      }
    } finally {
      entry.busy = false;
    }
  }

  const live = refresher(app, () => {
    if (state.visible) load();
    else state.stale = true;
  });
  app.on("escape", () => {
    if (state.visible && state.params.service) app.navigate("apprunner", {});
  });

  return {
    element,
    show(params) {
      state.visible = true;
      const key = `${params.account}/${params.region}`;
      state.params = params;
      state.scrollPending = Boolean(params.service);
      if (key !== state.key) {
        state.key = key;
        state.data = null;
        state.logs = new Map();
        clear(list);
      }
      if (state.stale || !state.data) {
        state.stale = false;
        load();
      } else {
        render();
      }
    },
    hide() {
      state.visible = false;
      clearTimeout(state.timer);
    },
  };
}

function logTime(time) {
  if (typeof time !== "number") return String(time ?? "");
  return new Date(time * 1000).toISOString().slice(11, 23);
}
