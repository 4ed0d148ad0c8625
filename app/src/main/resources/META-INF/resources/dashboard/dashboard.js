// Costwarden dashboard: a snapshot from the REST API, then live updates from GET /api/stream (server-sent
// events). The browser's EventSource reconnects by itself with Last-Event-ID; a "reload" event means the
// server no longer has what was missed, and the snapshot is fetched again.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const state = {
    session: { required: false, caller: "", role: "viewer" },
    findings: [],
    actions: new Map(),
    history: [],
    limits: {},
    groupBy: "team",
    groupBys: [],
    savings: null,
    counts: null,
    lastSpend: null,
  };
  let chart = null;
  let source = null;
  const pending = {};

  const money = (v) => (v === null || v === undefined ? "–" : "$" + Number(v).toFixed(2));
  const rate = (v) => (v === null || v === undefined ? "–" : "$" + Number(v).toFixed(2) + "/h");
  const short = (arn) => (arn || "").replace(/^arn:[^:]+:[^:]+:[^:]*:[^:]*:/, "");
  const text = (tag, value, cls) => {
    const el = document.createElement(tag);
    el.textContent = value === undefined || value === null ? "" : String(value);
    if (cls) el.className = cls;
    return el;
  };
  const duration = (ms) => {
    if (ms < 0) return "0s";
    const s = Math.floor(ms / 1000);
    if (s < 60) return s + "s";
    const m = Math.floor(s / 60);
    if (m < 60) return m + "m";
    const h = Math.floor(m / 60);
    return h < 48 ? h + "h " + (m % 60) + "m" : Math.floor(h / 24) + "d";
  };

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
    if (response.status === 401) {
      showLogin();
      throw new Error("401 " + path);
    }
    return response;
  }

  async function json(path) {
    const r = await api(path);
    if (!r.ok) throw new Error(r.status + " " + path);
    return r.json();
  }

  // The answer to a view's newest request, or null when a newer request for the same view was made since:
  // answers can arrive out of order, and an older one must not overwrite a newer one.
  const asked = {};
  async function newest(view, path) {
    const n = (asked[view] = (asked[view] || 0) + 1);
    const body = await json(path);
    return asked[view] === n ? body : null;
  }

  // ---- filters

  function filters() {
    return { group: $("group").value, account: $("account").value, policy: $("policy").value };
  }

  function fillSelect(select, values, keep) {
    const current = keep ? select.value : "";
    const first = select.querySelector("option[value='']");
    select.replaceChildren();
    if (first) select.appendChild(first);
    for (const v of values) {
      const o = text("option", v);
      o.value = v;
      select.appendChild(o);
    }
    if ([...select.options].some((o) => o.value === current)) select.value = current;
  }

  function refreshFilterChoices() {
    const accounts = new Set(), policies = new Set();
    state.findings.forEach((f) => { if (f.account) accounts.add(f.account); policies.add(f.policy); });
    state.actions.forEach((a) => { if (a.account) accounts.add(a.account); if (a.policy) policies.add(a.policy); });
    fillSelect($("account"), [...accounts].sort(), true);
    fillSelect($("policy"), [...policies].sort(), true);
    const groups = state.lastSpend ? state.lastSpend.groups.map((g) => g.group) : Object.keys(state.limits);
    fillSelect($("group"), [...new Set(groups)].sort(), true);
  }

  // A group filter (team=ml, account=123…) matches a group finding by its group and anything else by the
  // resource's tags or account; actions are judged by their finding.
  function matches(item, tags, group) {
    const f = filters();
    if (f.account && item.account !== f.account) return false;
    if (f.policy && item.policy !== f.policy) return false;
    if (f.group) {
      if (group === f.group) return true;
      const [key, value] = f.group.split("=");
      if (key === "account") return item.account === value;
      return (tags || {})[key] === value;
    }
    return true;
  }

  // ---- spend

  function spendDimension(tick) {
    return tick && tick.dimensions ? tick.dimensions.find((d) => d.dimension === state.groupBy) : null;
  }

  function renderSpend() {
    const d = state.lastSpend;
    const g = filters().group;
    let all = null, gpu = null;
    if (d) {
      if (g) {
        const row = d.groups.find((x) => x.group === g);
        all = row ? row.usdPerHour : 0;
        gpu = row ? row.gpuUsdPerHour : 0;
      } else {
        all = d.totalUsdPerHour;
        gpu = d.gpuUsdPerHour;
      }
    }
    $("rate-all").textContent = rate(all);
    $("rate-gpu").textContent = rate(gpu);
    $("rate-other").textContent = all === null ? "–" : rate(Math.max(0, all - gpu));
    const body = $("groups").tBodies[0];
    body.replaceChildren();
    for (const row of d ? d.groups : []) {
      const tr = document.createElement("tr");
      tr.append(text("td", row.group), text("td", rate(row.usdPerHour), "num"), text("td", rate(row.gpuUsdPerHour), "num"),
        text("td", row.running, "num"),
        text("td", (row.limits || []).map((l) => l.policy + " " + rate(l.usdPerHour) + (l.gpuOnly ? " GPU" : "")).join(", ")));
      body.appendChild(tr);
    }
    renderChart();
  }

  function chartData() {
    const g = filters().group;
    const xs = [], gpu = [], other = [], limitSeries = [];
    const limits = g ? state.limits[g] || [] : [];
    limits.forEach(() => limitSeries.push([]));
    for (const p of state.history) {
      xs.push(Date.parse(p.at) / 1000);
      const a = g ? (p.groups[g] || 0) : p.totalUsdPerHour;
      const gp = g ? (p.gpuGroups[g] || 0) : p.gpuUsdPerHour;
      gpu.push(gp);
      other.push(Math.max(0, a - gp));
      limits.forEach((l, i) => limitSeries[i].push(l.usdPerHour));
    }
    return { data: [xs, gpu, other, ...limitSeries], limits };
  }

  function renderChart() {
    const { data, limits } = chartData();
    const el = $("chart");
    const key = limits.map((l) => l.policy).join("|");
    if (!chart || chart._limitsKey !== key) {
      if (chart) chart.destroy();
      const series = [{},
        { label: "GPU $/h", stroke: "#9a3412", width: 2 },
        { label: "Non-GPU $/h", stroke: "#0b5cad", width: 2 },
        ...limits.map((l) => ({ label: l.kind + " " + l.policy, stroke: "#b91c1c", dash: [6, 4], width: 1.5 }))];
      chart = new uPlot({
        width: Math.max(300, el.clientWidth), height: 260, series,
        scales: { x: { time: true } },
        axes: [{}, { label: "USD per hour", values: (u, vals) => vals.map((v) => "$" + v) }],
      }, data, el);
      chart._limitsKey = key;
    } else {
      chart.setData(data);
    }
  }

  new ResizeObserver(() => { if (chart) chart.setSize({ width: Math.max(300, $("chart").clientWidth), height: 260 }); })
    .observe($("chart"));

  function acceptTick(tick) {
    const d = spendDimension(tick);
    if (!d) return;
    state.lastSpend = d;
    const groups = {}, gpuGroups = {};
    d.groups.forEach((g) => {
      groups[g.group] = g.usdPerHour;
      gpuGroups[g.group] = g.gpuUsdPerHour;
      if (g.limits && g.limits.length) state.limits[g.group] = g.limits;
    });
    state.history.push({ at: tick.at, totalUsdPerHour: d.totalUsdPerHour, gpuUsdPerHour: d.gpuUsdPerHour, groups, gpuGroups });
    if (state.history.length > 2000) state.history.shift();
    renderSpend();
  }

  // ---- findings

  function renderFindings() {
    const body = $("findings-table").tBodies[0];
    body.replaceChildren();
    const now = Date.now();
    const rows = state.findings.filter((f) => matches(f, f.tags, f.group));
    $("findings-count").textContent = "(" + rows.length + ")";
    for (const f of rows) {
      const tr = document.createElement("tr");
      tr.dataset.finding = f.id;
      const resource = text("td", f.resourceId ? (f.nativeId || short(f.resourceId)) : f.group, "mono");
      resource.title = (f.violations || []).join("; ") || f.stateReason || "";
      const grace = f.state === "open" && f.actAfter ? duration(Date.parse(f.actAfter) - now)
        : (f.state === "acted" ? f.action + " " + f.mode : "–");
      tr.append(resource, text("td", f.owner || "–"), text("td", f.policy),
        text("td", f.state, "state-" + f.state), text("td", duration(now - Date.parse(f.detectedAt))), text("td", grace),
        text("td", rate(f.hourlyCostUsd), "num"), text("td", rate(f.savingUsdPerHour), "num"));
      body.appendChild(tr);
    }
  }

  async function loadFindings() {
    const page = await newest("findings", "/api/dashboard/findings?state=current&limit=1000");
    if (!page) return;
    state.findings = page.items;
    refreshFilterChoices();
    renderFindings();
  }

  // ---- actions

  const undoneBy = () => {
    const m = new Map();
    state.actions.forEach((a) => { if (a.undoOf && a.outcome === "SUCCEEDED") m.set(a.undoOf, a); });
    return m;
  };

  function badge(a) {
    if (a.undoOf) return a.outcome === "SUCCEEDED" ? ["undone", "UNDONE"] : ["failed", "UNDO " + a.outcome];
    if (a.outcome === "SUCCEEDED") return ["succeeded", a.mode === "enforce" ? "ENFORCED" : "SUCCEEDED"];
    return [a.outcome.toLowerCase(), a.outcome.replace("_", "-")];
  }

  function renderActions() {
    const feed = $("actions-feed");
    // The feed is redrawn on every new action: keep what the reader opened and where the keyboard was.
    const open = new Set([...feed.querySelectorAll("details[open]")].map((d) => d.closest("li").dataset.action));
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.undo : null;
    feed.replaceChildren();
    const undone = undoneBy();
    const byId = new Map(state.findings.map((f) => [f.id, f]));
    const list = [...state.actions.values()].filter((a) => {
      const f = byId.get(a.findingId);
      return matches(a, f && f.tags, f && f.group);
    }).sort((x, y) => Date.parse(y.at) - Date.parse(x.at));
    for (const a of list.slice(0, 200)) {
      const li = document.createElement("li");
      li.dataset.action = a.actionId;
      li.dataset.outcome = a.outcome;
      const [cls, word] = badge(a);
      const line = document.createElement("div");
      line.className = "line";
      line.append(text("span", word, "badge " + cls), text("strong", (a.undoOf ? "undo of " : "") + a.action),
        text("span", a.nativeId || short(a.resourceId), "mono"), text("span", a.policy, "note"),
        text("time", new Date(a.at).toLocaleTimeString()));
      li.appendChild(line);
      if (a.message) li.appendChild(text("p", a.message + (a.errorCode ? " (" + a.errorCode + ")" : ""), "note"));
      if (a.requests && a.requests.length) {
        const details = document.createElement("details");
        details.open = open.has(a.actionId);
        details.appendChild(text("summary", "Exact AWS request" + (a.requests.length > 1 ? "s (" + a.requests.length + ")" : "")));
        for (const r of a.requests) details.appendChild(text("pre", r.operation + "  " + r.url + "\n" + r.body, "mono"));
        li.appendChild(details);
      }
      const undoable = a.outcome === "SUCCEEDED" && !a.undoOf && a.previous && Object.keys(a.previous).length > 0;
      if (undoable) {
        if (undone.has(a.actionId)) {
          li.appendChild(text("p", "undone by " + undone.get(a.actionId).requestedBy, "note"));
        } else {
          const button = text("button", "Undo");
          button.type = "button";
          button.dataset.undo = a.actionId;
          if (state.session.role !== "operator") {
            button.disabled = true;
            button.title = "operators only";
          }
          button.addEventListener("click", () => undo(a.actionId, button));
          li.appendChild(button);
          if (focused === a.actionId) setTimeout(() => button.focus(), 0);
        }
      }
      feed.appendChild(li);
    }
  }

  async function undo(actionId, button) {
    button.disabled = true;
    const r = await api("/api/actions/" + encodeURIComponent(actionId) + "/undo",
      { method: "POST", headers: { "X-Costwarden-Request": "dashboard" } });
    const body = await r.json().catch(() => ({}));
    $("action-message").textContent = r.status === 202 ? "undo requested: " + body.undoActionId
      : "undo refused (" + r.status + "): " + (body.error || "");
    if (r.status !== 202) button.disabled = false;
  }

  async function loadActions() {
    const page = await newest("actions", "/api/actions?limit=500");
    if (!page) return;
    state.actions = new Map(page.items.map((a) => [a.actionId, a]));
    refreshFilterChoices();
    renderActions();
  }

  // ---- savings and inventory

  async function loadSavings() {
    const s = await newest("savings", "/api/savings?groupBy=" + encodeURIComponent(state.groupBy));
    if (!s) return;
    state.savings = s;
    $("saved").textContent = money(s.savedUsd);
    $("projected").textContent = money(s.projectedUsd) + " projected by dry-runs";
    $("savings-method").textContent = s.method;
    const body = $("savings-table").tBodies[0];
    body.replaceChildren();
    for (const g of s.groups) {
      const tr = document.createElement("tr");
      tr.append(text("td", g.group), text("td", money(g.savedUsd), "num"), text("td", rate(g.savingUsdPerHour), "num"),
        text("td", money(g.projectedUsd), "num"), text("td", g.actions + g.projectedActions, "num"));
      body.appendChild(tr);
    }
  }

  async function loadInventory() {
    const account = filters().account;
    const c = await newest("inventory", "/api/resources/counts" + (account ? "?account=" + encodeURIComponent(account) : ""));
    if (!c) return;
    $("inventory-total").textContent = "(" + c.total + ")";
    const body = $("inventory-table").tBodies[0];
    body.replaceChildren();
    for (const [kind, states] of Object.entries(c.byKind)) {
      const tr = document.createElement("tr");
      tr.append(text("td", kind), text("td", Object.entries(states).map(([s, n]) => s + " " + n).join(", ")));
      body.appendChild(tr);
    }
  }

  async function loadSpend() {
    const h = await newest("spend", "/api/spend/history?groupBy=" + encodeURIComponent(state.groupBy) + "&points=720");
    if (!h) return;
    state.history = h.points;
    state.limits = h.limits || {};
    if (!$("groupBy").options.length) {
      fillSelect($("groupBy"), h.dimensions, false);
      $("groupBy").value = h.groupBy;
    }
    state.lastSpend = null;
    renderSpend();
  }

  // Several events in a burst refresh a view once.
  function soon(name, task) {
    if (pending[name]) return;
    pending[name] = setTimeout(() => { pending[name] = null; task().catch(report); }, 300);
  }

  function report(e) {
    console.warn(e);
  }

  // ---- live stream

  // Events that arrive while the snapshot loads are held and applied after it, so none falls between.
  let holding = null;
  function live(handler) {
    return (e) => { if (holding) holding.push(() => handler(e)); else handler(e); };
  }

  // Resolves once the server has registered this stream (its first event is hello, or reload), so that
  // a snapshot read after it misses nothing: an event that lands while the snapshot loads is held, one that
  // landed before is in the snapshot. Also resolves on an error before that, so the page still shows a
  // snapshot while the stream keeps trying; that snapshot is then read again once the stream is registered.
  function connect() {
    if (source) source.close();
    source = new EventSource("/api/stream");
    let heard = false;
    let snapshotTooEarly = false;
    const registered = new Promise((resolve) => {
      const first = () => { heard = true; resolve(); };
      source.addEventListener("hello", first, { once: true });
      source.addEventListener("reload", first, { once: true });
      source.addEventListener("error", () => { if (!heard) { snapshotTooEarly = true; resolve(); } }, { once: true });
    });
    source.addEventListener("hello", () => {
      if (snapshotTooEarly) {
        snapshotTooEarly = false;
        loadAll().catch(report);
      }
    });
    source.onopen = () => { $("status").textContent = "live"; $("status").className = "status live"; };
    source.onerror = () => { $("status").textContent = "reconnecting…"; $("status").className = "status down"; };
    source.addEventListener("finding", live(() => { soon("findings", loadFindings); soon("inventory", loadInventory); }));
    source.addEventListener("action", live((e) => {
      const a = JSON.parse(e.data);
      state.actions.set(a.actionId, a);
      renderActions();
      soon("savings", loadSavings);
    }));
    source.addEventListener("spend", live((e) => { acceptTick(JSON.parse(e.data)); soon("inventory", loadInventory); }));
    registered.then(() => {
      // A reload after the first snapshot: the server no longer has what this page missed.
      source.addEventListener("reload", () => loadAll().catch(report));
    });
    return registered;
  }

  async function loadAll() {
    holding = holding || [];
    try {
      await Promise.all([loadFindings(), loadActions(), loadSpend(), loadSavings(), loadInventory()]);
    } finally {
      const held = holding;
      holding = null;
      held.forEach((apply) => apply());
    }
  }

  // ---- session

  function showLogin() {
    const dialog = $("login");
    if (!dialog.open) dialog.showModal();
  }

  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = await fetch("/api/session", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "token=" + encodeURIComponent($("token").value) });
    if (!r.ok) {
      $("login-error").textContent = "That token is not known.";
      return;
    }
    $("login").close();
    await start();
  });

  async function start() {
    state.session = await (await fetch("/api/session", { credentials: "same-origin" })).json();
    if (state.session.required && !state.session.caller) {
      showLogin();
      return;
    }
    $("who").textContent = state.session.caller ? state.session.caller + " (" + state.session.role + ")" : "";
    holding = [];
    await connect();
    await loadAll();
  }

  $("groupBy").addEventListener("change", () => {
    state.groupBy = $("groupBy").value;
    $("group").value = "";
    Promise.all([loadSpend(), loadSavings()]).catch(report);
  });
  for (const id of ["group", "account", "policy"]) {
    $(id).addEventListener("change", () => { renderFindings(); renderActions(); renderSpend(); loadInventory().catch(report); });
  }
  // Ages and grace periods move on their own.
  setInterval(renderFindings, 1000);

  start().catch(report);
})();
