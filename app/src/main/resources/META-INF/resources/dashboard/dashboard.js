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

  // Answers can arrive out of order: a view applies an answer only if it asked for it after the answer it
  // applied last (null otherwise), so an older answer never overwrites a newer one, and a newer request
  // that fails does not keep an older answer from being applied.
  const asked = {};
  const applied = {};
  async function newest(view, path) {
    const n = (asked[view] = (asked[view] || 0) + 1);
    const body = await json(path);
    if (n < (applied[view] || 0)) return null;
    applied[view] = n;
    return body;
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

  // Events that arrive while a snapshot loads are held and applied after it, so none falls between.
  let holding = null;
  function live(handler) {
    return (e) => { if (holding) holding.push(() => handler(e)); else handler(e); };
  }

  // How long the page waits for the stream's first event before showing a snapshot anyway (a proxy that
  // buffers the stream holds it back); that snapshot is read again once the stream is registered.
  const STREAM_PATIENCE_MS = 5000;
  let reopenAfterMs = 1000;

  // Opens the stream. Resolves once the server has registered it (its first event is hello, or reload), so
  // that a snapshot read after that misses nothing: an event that lands while the snapshot loads is held,
  // one that landed before is in the snapshot. Resolves early when the stream fails or stays silent first,
  // so the page still shows data; that snapshot is then read again on the stream's hello.
  function connect() {
    if (source) source.close();
    const es = new EventSource("/api/stream");
    source = es;
    let heard = false;
    let snapshotTooEarly = false;
    const registered = new Promise((resolve) => {
      const first = () => { heard = true; reopenAfterMs = 1000; resolve(); };
      const early = () => { if (!heard) { snapshotTooEarly = true; resolve(); } };
      es.addEventListener("hello", first, { once: true });
      es.addEventListener("reload", first, { once: true });
      es.addEventListener("error", early, { once: true });
      setTimeout(early, STREAM_PATIENCE_MS);
    });
    es.addEventListener("hello", () => {
      if (snapshotTooEarly) {
        snapshotTooEarly = false;
        loadAll().catch(report);
      }
    });
    es.onopen = () => { $("status").textContent = "live"; $("status").className = "status live"; };
    es.onerror = () => {
      $("status").textContent = "reconnecting…";
      $("status").className = "status down";
      // The browser retries a dropped connection by itself, but not one answered with an HTTP error (a 401
      // once the session has expired, a 502 from a proxy): that stream is closed for good.
      if (es.readyState === EventSource.CLOSED && source === es) reopenLater();
    };
    es.addEventListener("finding", live(() => { soon("findings", loadFindings); soon("inventory", loadInventory); }));
    es.addEventListener("action", live((e) => {
      const a = JSON.parse(e.data);
      state.actions.set(a.actionId, a);
      renderActions();
      soon("savings", loadSavings);
    }));
    es.addEventListener("spend", live((e) => { acceptTick(JSON.parse(e.data)); soon("inventory", loadInventory); }));
    registered.then(() => {
      // A reload after the first snapshot: the server no longer has what this page missed.
      es.addEventListener("reload", () => loadAll().catch(report));
    });
    return registered;
  }

  // A stream the browser gave up on: sign in again if the session is gone, else open a new stream (after
  // a growing pause) and read the snapshot again, since a new stream starts from now.
  function reopenLater() {
    const wait = reopenAfterMs;
    reopenAfterMs = Math.min(reopenAfterMs * 2, 30000);
    setTimeout(async () => {
      let session;
      try {
        session = await (await fetch("/api/session", { credentials: "same-origin" })).json();
      } catch (e) {
        report(e);
        reopenLater();
        return;
      }
      if (session.required && !session.caller) {
        source.close();
        showLogin();
        return;
      }
      holding = holding || [];
      await connect();
      await loadAll().catch(report);
    }, wait);
  }

  // Snapshot loads run one at a time: two at once would share the held events, and the older snapshot
  // could be applied last.
  let loading = Promise.resolve();
  function loadAll() {
    const run = loading.then(loadSnapshot);
    loading = run.catch(() => {});
    return run;
  }

  async function loadSnapshot() {
    holding = holding || [];
    // Every view is loaded even when one fails (a 503 while a task moves), and only then are held events applied.
    const results = await Promise.allSettled([loadFindings(), loadActions(), loadSpend(), loadSavings(), loadInventory()]);
    const held = holding || [];
    holding = null;
    held.forEach((apply) => apply());
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
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
