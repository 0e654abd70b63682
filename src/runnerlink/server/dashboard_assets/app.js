// The dashboard's shell: tabs, hash routes (#/<tab>?params), the account/region scope, the theme, and the live
// state (ui/events, or polling ui/api/scopes when the event stream is not there). Each view is a module exporting
// createView(app) → {element, show(params), hide()}.

import { api } from "./api.js";
import { createView as networkView } from "./network.js";
import { createView as trafficView } from "./traffic.js";
import { createView as auditView } from "./audit.js";
import { createView as appsView } from "./apps.js";

const TABS = ["network", "traffic", "audit", "apprunner"];
const THEME_KEY = "runnerlink.theme";
const POLL_MS = 2000;
const SCOPELESS = new Set(["traffic"]);

const listeners = new Map();
const app = {
  scope: { account: "000000000000", region: "us-east-1" },
  defaultScope: null,
  tab: null,
  params: {},
  generation: null,
  last: null,
  live: false,
  api,
  on(event, callback) {
    if (!listeners.has(event)) listeners.set(event, new Set());
    listeners.get(event).add(callback);
    return () => listeners.get(event).delete(callback);
  },
  emit(event, data) {
    for (const callback of listeners.get(event) || []) {
      try {
        callback(data);
      } catch (error) {
        console.warn(`a ${event} listener failed`, error);
      }
    }
  },
  /** Switch to a tab with these params (account and region default to the current scope). */
  navigate(tab, params = {}, { replace = false } = {}) {
    const hash = app.href(tab, params);
    if (location.hash === hash) {
      route();
    } else if (replace) {
      history.replaceState(null, "", hash);
      route();
    } else {
      location.hash = hash;
    }
  },
  /** The network tab on a VPC with these resources (ids or ARNs) highlighted. */
  showOnTopology({ account, region, vpc, ids = [] }) {
    app.navigate("network", { account: account || app.scope.account, region: region || app.scope.region, vpc,
      highlight: [...new Set(ids.filter(Boolean))].join(",") });
  },
  /** The #/… route of a tab with params (for links). The traffic tab's params are its filters only: account and
   * region there filter the log (which spans every scope) rather than name the scope. */
  href(tab, params = {}) {
    if (SCOPELESS.has(tab)) return routeHash(tab, params);
    return routeHash(tab, { account: app.scope.account, region: app.scope.region, ...params });
  },
};
window.runnerlinkApp = app; // for debugging in the console and for the browser tests

function routeHash(tab, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return `#/${tab}${text ? "?" + text : ""}`;
}

function parseHash() {
  const match = /^#\/([a-z]+)(?:\?(.*))?$/.exec(location.hash);
  if (!match || !TABS.includes(match[1])) return null;
  return { tab: match[1], params: Object.fromEntries(new URLSearchParams(match[2] || "")) };
}

// --- views -----------------------------------------------------------------------------------------------------
const views = {};
const makers = { network: networkView, traffic: trafficView, audit: auditView, apprunner: appsView };

function view(tab) {
  if (!views[tab]) {
    const panel = document.getElementById(`panel-${tab}`);
    try {
      views[tab] = makers[tab](app);
      panel.append(views[tab].element);
    } catch (error) {
      console.warn(`the ${tab} view failed to start`, error);
      panel.textContent = `The ${tab} view failed to start: ${error.message}`;
      views[tab] = { element: panel, show() {}, hide() {} };
    }
  }
  return views[tab];
}

function route() {
  const parsed = parseHash();
  if (!parsed) {
    app.navigate("network", {}, { replace: true });
    return;
  }
  const { tab, params } = parsed;
  if (!SCOPELESS.has(tab)) {
    if (params.account || params.region) {
      app.scope = { account: params.account || app.scope.account, region: params.region || app.scope.region };
    }
    params.account = app.scope.account;
    params.region = app.scope.region;
  }
  syncScopeSelect();
  const previous = app.tab;
  app.tab = tab;
  app.params = params;
  for (const name of TABS) {
    const selected = name === tab;
    const button = document.getElementById(`tab-${name}`);
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    document.getElementById(`panel-${name}`).hidden = !selected;
  }
  if (previous && previous !== tab) views[previous]?.hide();
  view(tab).show(params);
}

// --- tabs: roles, arrow keys --------------------------------------------------------------------------------------
function setUpTabs() {
  const buttons = TABS.map((name) => document.getElementById(`tab-${name}`));
  for (const button of buttons) {
    button.addEventListener("click", () => {
      if (app.tab !== button.dataset.tab) app.navigate(button.dataset.tab, tabParams(button.dataset.tab));
    });
    button.addEventListener("keydown", (event) => {
      const index = buttons.indexOf(button);
      const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: buttons.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      const next = buttons[(moves[event.key] + buttons.length) % buttons.length];
      next.focus();
      next.click();
    });
  }
}

// A tab's last params in this scope, so switching back returns where one was.
const lastParams = {};
function tabParams(tab) {
  const kept = lastParams[tab];
  if (kept && (SCOPELESS.has(tab) || (kept.account === app.scope.account && kept.region === app.scope.region))) {
    const { highlight, seq, ...rest } = kept;
    return rest;
  }
  return {};
}
window.addEventListener("hashchange", () => {
  if (app.tab) lastParams[app.tab] = { ...app.params };
});

// --- scope ------------------------------------------------------------------------------------------------------
const scopeSelect = () => document.querySelector("[data-testid=scope]");
let knownScopes = [];

function renderScopes(scopes) {
  const select = scopeSelect();
  const current = `${app.scope.account}/${app.scope.region}`;
  const values = scopes.map((s) => `${s.account}/${s.region}`);
  if (!values.includes(current)) values.push(current);
  if (values.join() === knownScopes.join()) return;
  knownScopes = values;
  select.replaceChildren(...values.map((value) => {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = value.replace("/", " · ");
    return option;
  }));
  select.value = current;
}

function syncScopeSelect() {
  const select = scopeSelect();
  const current = `${app.scope.account}/${app.scope.region}`;
  if (![...select.options].some((o) => o.value === current)) renderScopes([]);
  select.value = current;
}

function setUpScope() {
  scopeSelect().addEventListener("change", (event) => {
    const [account, region] = event.target.value.split("/");
    app.scope = { account, region };
    if (SCOPELESS.has(app.tab)) app.emit("scope", app.scope);
    else app.navigate(app.tab || "network", { account, region });
  });
}

// --- theme ------------------------------------------------------------------------------------------------------
function storedTheme() {
  try {
    return localStorage.getItem(THEME_KEY);
  } catch {
    return null;
  }
}

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  const button = document.querySelector("[data-testid=theme-toggle]");
  button.textContent = theme === "dark" ? "Light theme" : "Dark theme";
  button.setAttribute("aria-pressed", String(theme === "dark"));
  button.title = `Switch to the ${theme === "dark" ? "light" : "dark"} theme`;
}

function setUpTheme() {
  const query = window.matchMedia("(prefers-color-scheme: dark)");
  applyTheme(storedTheme() || (query.matches ? "dark" : "light"));
  query.addEventListener("change", (event) => {
    if (!storedTheme()) applyTheme(event.matches ? "dark" : "light");
  });
  document.querySelector("[data-testid=theme-toggle]").addEventListener("click", () => {
    const theme = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch {
      // private browsing without storage: the theme holds for this page only
    }
    applyTheme(theme);
  });
}

// --- live state: ui/events, else polling --------------------------------------------------------------------------
function setStatus(text, live) {
  app.live = live;
  const status = document.querySelector("[data-testid=live-status]");
  if (status.textContent === text) return; // an unchanged text would be announced again
  status.textContent = text;
  status.dataset.state = live ? "live" : text.startsWith("polling") ? "polling" : "offline";
}

function stateArrived(state) {
  if (state.generation !== undefined && state.generation !== null) state.generation = String(state.generation);
  const changed = state.generation !== app.generation || (state.last !== undefined && state.last !== app.last);
  if (state.generation !== undefined) app.generation = state.generation;
  if (state.last !== undefined && state.last !== null) app.last = state.last;
  if (changed) app.emit("state", { generation: app.generation, last: app.last });
}

function connectEvents() {
  if (!window.EventSource) {
    startPolling();
    return;
  }
  const source = new EventSource("/_runnerlink/ui/events");
  source.addEventListener("open", () => setStatus("live", true));
  source.addEventListener("state", (event) => {
    setStatus("live", true);
    try {
      stateArrived(JSON.parse(event.data));
    } catch (error) {
      console.warn("a state event that is not JSON", error);
    }
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      // No event stream at all (an older server, or a proxy refusing it): read the generation every 2 s instead.
      startPolling();
    } else {
      setStatus("reconnecting…", false);
    }
  });
}

let polling = null;
function startPolling() {
  if (polling) return;
  setStatus("polling every 2 s", false);
  const poll = async () => {
    try {
      const answer = await api("ui/api/scopes");
      setStatus("polling every 2 s", false);
      renderScopes(answer.scopes);
      stateArrived({ generation: answer.generation });
    } catch {
      setStatus("offline: runnerlink is not answering", false);
    }
  };
  polling = setInterval(poll, POLL_MS);
  poll();
}

// Keep the scope list current as resources appear in new accounts and regions.
let scopesGeneration = null;
app.on("state", async ({ generation }) => {
  if (generation === scopesGeneration) return;
  scopesGeneration = generation;
  try {
    if (!polling) renderScopes((await api("ui/api/scopes")).scopes);
  } catch {
    // the status line says when runnerlink is away
  }
});

// --- keyboard: skip link, Escape ----------------------------------------------------------------------------------
function setUpKeyboard() {
  document.querySelector(".skip-link").addEventListener("click", (event) => {
    event.preventDefault(); // "#main" is not a route
    const first = document.querySelector(`#panel-${app.tab} [data-focus-first]`);
    (first || document.getElementById("main")).focus();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented) app.emit("escape", event);
  });
}

// --- start ------------------------------------------------------------------------------------------------------
async function start() {
  setUpTheme();
  setUpTabs();
  setUpScope();
  setUpKeyboard();
  try {
    const answer = await api("ui/api/scopes");
    app.defaultScope = answer.default;
    app.scope = { ...answer.default };
    app.generation = answer.generation;
    renderScopes(answer.scopes);
  } catch (error) {
    const box = document.querySelector("[data-testid=page-error]");
    box.hidden = false;
    box.textContent = `runnerlink did not answer: ${error.message}`;
  }
  route();
  window.addEventListener("hashchange", route);
  connectEvents();
}

start();
