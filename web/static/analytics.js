// The analytics dashboard: the funnel's figures (GET /analytics/api/funnel) for a range of days,
// a channel, a page and a campaign, as headline figures, charts (Chart.js, vendored in
// /static/vendor) and tables. Agents log in with their inbox account; the figures need the
// analytics role. Plain JavaScript, no build step. Data from the server only ever reaches the
// page as text (textContent / text nodes), never as HTML.
"use strict";

(function () {
  const API = "/analytics/api";
  const LOGIN_API = "/inbox/api";
  const DEFAULT_DAYS = 30;
  const CHANNELS = { socketio: "Web chat", rest: "REST", facebook: "Messenger", unknown: "Unknown" };
  const FLOWS = [
    ["purchase", "Purchase"],
    ["refund", "Refund"],
    ["order_status", "Order status"],
    ["qualification", "Lead qualification"],
    ["booking", "Meeting booking"],
  ];
  const DAILY = [
    ["conversations", "Conversations"],
    ["flows_started", "Flows started"],
    ["flows_finished", "Flows finished"],
    ["orders", "Orders"],
    ["handoffs", "Handoffs"],
    ["misunderstood", "Messages not understood"],
    ["opt_outs", "Opt-outs"],
  ];
  const REASONS = {
    customer_asked: "The customer asked for a person",
    talk_to_sales: "Talk to sales",
    misunderstood: "Not understood twice",
    refund_refused: "Refund refused by the policy",
    hot_lead: "Hot lead",
  };
  const NONE = "—"; // a rate without data
  const COLORS = { accent: "#1f5fbf", soft: "#9db4dc", ink: "#1d2430", muted: "#586174", line: "#d5dae3" };

  const state = { agent: null, charts: [], request: 0 };

  // ------------------------------------------------------------------ small helpers

  function $(id) {
    return document.getElementById(id);
  }

  // el("td", {className: "num", "data-x": "1"}, "text", childNode, ...): strings become text
  // nodes; attributes with a dash are set as attributes, the rest as properties.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([key, value]) => {
      if (value === undefined || value === null || value === false) return;
      if (key.includes("-")) node.setAttribute(key, String(value));
      else node[key] = value;
    });
    children.flat().forEach((child) => {
      if (child === undefined || child === null || child === false) return;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  function showView(name) {
    ["loading", "login", "refused", "dashboard"].forEach((view) => show($(`${view}-view`), view === name));
  }

  const percentFormat = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });
  const moneyFormat = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
  const countFormat = new Intl.NumberFormat("en");

  function percent(rate) {
    return rate === null || rate === undefined ? NONE : percentFormat.format(rate);
  }

  function count(n) {
    return countFormat.format(n || 0);
  }

  function money(cents) {
    return moneyFormat.format((cents || 0) / 100);
  }

  function ratio(value) {
    return value === null || value === undefined ? NONE : value.toFixed(2);
  }

  function seconds(value) {
    if (value === null || value === undefined) return NONE;
    if (value < 10) return `${value.toFixed(2)} s`;
    if (value < 120) return `${Math.round(value)} s`;
    if (value < 7200) return `${+(value / 60).toFixed(1)} min`;
    return `${+(value / 3600).toFixed(1)} h`;
  }

  // The median, large, then the 95th percentile beside it.
  function spreadValue(spread) {
    return [seconds(spread.median), " ", el("span", { className: "p95" }, `p95 ${seconds(spread.p95)}`)];
  }

  function plural(n, one, many) {
    return `${count(n)} ${n === 1 ? one : many}`;
  }

  function channelName(channel) {
    return CHANNELS[channel] || channel;
  }

  function isoDay(date) {
    return date.toISOString().slice(0, 10); // the funnel's days are UTC
  }

  function dayText(iso) {
    const [year, month, day] = iso.split("-").map(Number);
    return new Date(Date.UTC(year, month - 1, day))
      .toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }

  function shortDay(iso) {
    const [year, month, day] = iso.split("-").map(Number);
    return new Date(Date.UTC(year, month - 1, day))
      .toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
  }

  // ------------------------------------------------------------------ the API

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, url, body) {
    // The custom header is the server's CSRF guard for cookie-authenticated writes.
    const options = { method, credentials: "same-origin", headers: { "X-Requested-With": "analytics" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, options);
    } catch (problem) {
      throw new ApiError(0, "The server cannot be reached. Check your connection and try again.");
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      throw new ApiError(response.status, (data && data.error) || `The server answered ${response.status}.`);
    }
    return data;
  }

  // ------------------------------------------------------------------ who is there

  function showLogin(message) {
    state.agent = null;
    destroyCharts();
    showView("login");
    $("login-error").textContent = message || "";
    $("login-password").value = "";
    $("login-email").focus();
  }

  function showRefused(agent) {
    state.agent = agent;
    destroyCharts();
    $("refused-name").textContent = `${agent.name} (${agent.email})`;
    showView("refused");
  }

  async function enter() {
    let data;
    try {
      data = await api("GET", `${API}/me`);
    } catch (problem) {
      if (problem.status === 401) showLogin("");
      else showLogin(problem.message);
      return;
    }
    if (!data.agent.analytics) {
      showRefused(data.agent);
      return;
    }
    state.agent = data.agent;
    $("agent-name").textContent = data.agent.name;
    showView("dashboard");
    await load();
  }

  async function onLogin(event) {
    event.preventDefault();
    const email = $("login-email").value.trim();
    const password = $("login-password").value;
    const error = $("login-error");
    if (!email || !password) {
      error.textContent = "Give an email and a password.";
      (email ? $("login-password") : $("login-email")).focus();
      return;
    }
    $("login-submit").disabled = true;
    error.textContent = "";
    try {
      await api("POST", `${LOGIN_API}/login`, { email, password });
    } catch (problem) {
      error.textContent = problem.message;
      $("login-password").select();
      return;
    } finally {
      $("login-submit").disabled = false;
    }
    await enter();
  }

  async function onLogout() {
    try {
      await api("POST", `${LOGIN_API}/logout`);
    } catch (problem) {
      // Logged out either way: the page forgets the session.
    }
    showLogin("You have logged out.");
  }

  // ------------------------------------------------------------------ filters

  function defaultRange() {
    const to = new Date();
    const from = new Date(to.getTime() - (DEFAULT_DAYS - 1) * 86400000);
    return { from: isoDay(from), to: isoDay(to) };
  }

  function readFiltersFromAddress() {
    const query = new URLSearchParams(window.location.search);
    const range = defaultRange();
    $("filter-from").value = query.get("from") || range.from;
    $("filter-to").value = query.get("to") || range.to;
    $("filter-channel").value = query.get("channel") || "";
    if ($("filter-channel").selectedIndex < 0) $("filter-channel").value = "";
    $("filter-page").value = query.get("page") || "";
    $("filter-campaign").value = query.get("campaign") || "";
  }

  function filters() {
    const chosen = {
      from: $("filter-from").value,
      to: $("filter-to").value,
      channel: $("filter-channel").value,
      page: $("filter-page").value.trim(),
      campaign: $("filter-campaign").value.trim(),
    };
    return Object.fromEntries(Object.entries(chosen).filter(([, value]) => value));
  }

  function resetFilters() {
    const range = defaultRange();
    $("filter-from").value = range.from;
    $("filter-to").value = range.to;
    $("filter-channel").value = "";
    $("filter-page").value = "";
    $("filter-campaign").value = "";
    load();
  }

  // ------------------------------------------------------------------ loading

  async function load() {
    const chosen = filters();
    const query = new URLSearchParams(chosen).toString();
    window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
    const request = ++state.request; // only the latest request's answer is shown
    const main = document.querySelector(".dashboard");
    main.setAttribute("aria-busy", "true");
    main.dataset.state = "loading";
    $("summary").textContent = "Loading the figures…";
    try {
      const figures = await api("GET", `${API}/funnel?${query}`);
      if (request !== state.request) return;
      show($("load-error"), false);
      render(figures);
      main.dataset.state = "ready";
    } catch (problem) {
      if (request !== state.request) return;
      if (problem.status === 401) {
        showLogin("Your session has ended: log in again.");
      } else if (problem.status === 403) {
        showRefused(state.agent || { name: "this agent", email: "" });
      } else {
        $("summary").textContent = "";
        $("load-error").textContent = `The figures could not be read: ${problem.message}`;
        show($("load-error"), true);
        main.dataset.state = "error";
      }
    } finally {
      if (request === state.request) main.removeAttribute("aria-busy");
    }
  }

  // ------------------------------------------------------------------ rendering

  function render(f) {
    destroyCharts();
    $("summary").textContent = summaryText(f);
    renderHeadline(f);
    renderFunnel(f.flows);
    renderDaily(f.daily, f.conversations);
    renderShares($("grades"), f.leads.by_grade, "Grade", "Leads", (grade) => grade,
      "No lead was qualified in this range.", "grades");
    renderShares($("reasons"), f.handoffs.reasons, "Reason", "Handoffs", (reason) => REASONS[reason] || reason,
      "No conversation was handed to a person in this range.", "reasons");
    renderCsat(f.csat);
    renderOptOuts(f.opt_outs);
    renderUnrecognized(f.misunderstanding);
  }

  function summaryText(f) {
    const parts = [`${plural(f.conversations, "conversation", "conversations")} begun from ${dayText(f.from)} to ${dayText(f.to)}`];
    const chosen = f.filters || {};
    parts.push(chosen.channel ? `on ${channelName(chosen.channel)}` : "on all channels");
    if (chosen.page) parts.push(`page ${chosen.page}`);
    if (chosen.campaign) parts.push(`campaign ${chosen.campaign}`);
    return parts.join(", ") + ".";
  }

  function overallOptOut(optOuts) {
    const groups = Object.values(optOuts);
    const total = groups.reduce((sum, g) => sum + g.conversations, 0);
    const opted = groups.reduce((sum, g) => sum + g.opt_outs, 0);
    return total ? opted / total : null;
  }

  function renderHeadline(f) {
    const warned = Object.entries(f.opt_outs).filter(([, g]) => g.warning);
    const optOutNote = warned.length
      ? `Above 3% on ${warned.map(([channel, g]) => `${channelName(channel)} (${percent(g.rate)})`).join(", ")}`
      : "No channel above 3%";
    const agentFirst = f.handoffs.agent_first_response_seconds;
    const cards = [
      ["conversations", "Conversations", count(f.conversations),
        `${plural(f.misunderstanding.messages, "customer message", "customer messages")}`],
      ["engagement", "Chat engagement", percent(f.engagement_rate),
        f.widget_sessions === null
          ? "no chat widget on this channel (it is on the web only)"
          : `${count(f.web_conversations)} web conversations of ${plural(f.widget_sessions, "chat opened", "chats opened")}`],
      ["orders", "Orders from chat", count(f.orders.count), "placed in these conversations"],
      ["revenue", "Revenue from chat", money(f.orders.revenue_cents),
        `${plural(f.refunds.requested, "refund", "refunds")} requested (${money(f.refunds.requested_cents)}), ${count(f.refunds.granted)} granted`],
      ["handoff-rate", "Handed to a person", percent(f.handoffs.rate), plural(f.handoffs.count, "handoff", "handoffs")],
      ["opt-out-rate", "Opt-out rate", percent(overallOptOut(f.opt_outs)), optOutNote, warned.length > 0],
      ["misunderstanding", "Not understood per conversation", ratio(f.misunderstanding.per_conversation),
        `${count(f.misunderstanding.misunderstood_messages)} of ${plural(f.misunderstanding.messages, "message", "messages")}`],
      ["pipeline", "Conversation to pipeline", percent(f.conversation_to_pipeline),
        `${plural(f.leads.qualified, "lead", "leads")} qualified (${percent(f.leads.qualification_rate)}), ${plural(f.bookings.count, "meeting", "meetings")} booked`],
      ["bot-response", "Bot response time", spreadValue(f.bot_response_seconds),
        `median and 95th percentile of ${plural(f.bot_response_seconds.count, "answer", "answers")}`],
      ["agent-response", "Agent first reply", spreadValue(agentFirst),
        resolvedNote(agentFirst, f.handoffs.resolution_seconds)],
    ];
    $("headline").replaceChildren(...cards.map(([key, label, value, note, warning]) =>
      el("div", { className: warning ? "figure figure-warning" : "figure", "data-figure": key },
        el("dt", {}, label),
        el("dd", { className: "value" }, value),
        el("dd", { className: "note" }, warning ? el("strong", { className: "warning-text" }, `⚠ ${note}`) : note))));
  }

  function resolvedNote(firstReplies, resolutions) {
    const answered = `${plural(firstReplies.count, "handoff", "handoffs")} answered`;
    if (!resolutions.count) return answered;
    return `${answered}; resolved in ${seconds(resolutions.median)} (p95 ${seconds(resolutions.p95)})`;
  }

  function stoppedText(abandoned) {
    const entries = Object.entries(abandoned || {});
    if (!entries.length) return NONE;
    return entries
      .map(([step, n]) => `${step === "start" ? "before the first question" : `at ${step}`} (${count(n)})`)
      .join(" · ");
  }

  function renderFunnel(flows) {
    const rows = FLOWS.map(([key, label]) => ({ key, label, ...flows[key] }));
    const body = $("flows-table").tBodies[0];
    body.replaceChildren(...rows.map((row) => el("tr", { "data-flow": row.key },
      el("th", { scope: "row" }, row.label),
      el("td", { className: "num", "data-cell": "started", "data-label": "Started" }, count(row.started)),
      el("td", { className: "num", "data-cell": "finished", "data-label": "Finished" }, count(row.finished)),
      el("td", { className: "num", "data-cell": "completion", "data-label": "Completion" },
        percent(row.completion_rate)),
      el("td", { className: "wide", "data-cell": "stopped", "data-label": "Where the others stopped" },
        stoppedText(row.abandoned_at)))));
    const any = rows.some((row) => row.started > 0);
    show($("funnel-empty"), !any);
    show($("funnel-chart").parentElement, any);
    if (!any) return;
    const canvas = $("funnel-chart");
    canvas.setAttribute("aria-label", rows.map((row) =>
      `${row.label}: ${row.started} started, ${row.finished} finished`).join("; "));
    chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map((row) => [row.label,
          row.started ? `${percent(row.completion_rate)} finished` : "none started"]),
        datasets: [
          { label: "Started", data: rows.map((row) => row.started), backgroundColor: COLORS.soft },
          { label: "Finished", data: rows.map((row) => row.finished), backgroundColor: COLORS.accent },
        ],
      },
      options: {
        indexAxis: "y", // a flow a row: its name reads on a phone too
        maintainAspectRatio: false,
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  function renderDaily(days, conversations) {
    const box = $("daily");
    if (!conversations) {
      box.replaceChildren(el("p", { className: "muted empty" }, "No conversations in this range."));
      return;
    }
    const labels = days.map((d) => shortDay(d.date));
    const panels = DAILY.map(([key, label]) => {
      const total = days.reduce((sum, d) => sum + (d[key] || 0), 0);
      const canvas = el("canvas", { role: "img", "aria-label": `${label} per day, ${total} in all` });
      const panel = el("figure", { className: "daily", "data-metric": key },
        el("figcaption", {}, el("span", {}, label), " ", el("span", { className: "total" }, count(total))),
        el("div", { className: "chart chart-daily" }, canvas));
      return { panel, canvas, key };
    });
    box.replaceChildren(...panels.map((p) => p.panel));
    panels.forEach(({ canvas, key }) => chart(canvas, {
      type: "line",
      data: {
        labels,
        datasets: [{
          data: days.map((d) => d[key] || 0),
          borderColor: COLORS.accent,
          backgroundColor: "rgba(31, 95, 191, 0.12)",
          fill: true,
          pointRadius: days.length > 45 ? 0 : 2,
          tension: 0.2,
        }],
      },
      options: {
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0, maxTicksLimit: 4 } },
          x: { ticks: { maxTicksLimit: 4, maxRotation: 0 } },
        },
      },
    }));
  }

  // A table; `stack` ones become a card per row on a phone, each cell under its heading
  // (the cells' data-label).
  function dataTable(name, headings, rows, stack) {
    return el("div", { className: "table-wrap" },
      el("table", { className: stack ? "data stack" : "data", "data-table": name },
        el("thead", {}, el("tr", {}, headings.map(([text, numeric]) =>
          el("th", { scope: "col", className: numeric ? "num" : undefined }, text)))),
        el("tbody", {}, rows)));
  }

  function shareBar(share) {
    const bar = el("span", { className: "bar" });
    bar.style.width = `${Math.round(share * 100)}%`; // CSSOM: allowed by the page's style-src
    return el("span", { className: "bar-track", "aria-hidden": "true" }, bar);
  }

  function renderShares(box, counts, what, unit, label, emptyText, name) {
    const entries = Object.entries(counts || {});
    if (!entries.length) {
      box.replaceChildren(el("p", { className: "muted empty" }, emptyText));
      return;
    }
    const total = entries.reduce((sum, [, n]) => sum + n, 0);
    box.replaceChildren(dataTable(name, [[what], [unit, true], ["Share", true]], entries.map(([key, n]) =>
      el("tr", { "data-key": key },
        el("th", { scope: "row" }, label(key)),
        el("td", { className: "num" }, count(n)),
        el("td", { className: "num share" }, percent(n / total), shareBar(n / total))))));
  }

  function renderCsat(csat) {
    const box = $("csat");
    if (!csat || !csat.asked) {
      box.replaceChildren(el("p", { className: "muted empty" }, "No satisfaction question was asked in this range."));
      return;
    }
    const average = csat.average === null ? "—" : `${csat.average.toFixed(1)} of 5`;
    const parts = [
      el("p", { "data-figure": "csat" },
        `${csat.answered} of ${plural(csat.asked, "customer", "customers")} asked rated the chat (${percent(csat.response_rate)}); average ${average}.`),
    ];
    box.replaceChildren(...parts);
    renderShares(box.appendChild(el("div")), Object.fromEntries(["5", "4", "3", "2", "1"]
      .map((n) => [n, csat.distribution[n] || 0]).filter(([, n]) => n > 0)), "Rating", "Answers", (n) => n,
      "No rating yet.", "csat-ratings");
    const comments = csat.recent_comments || [];
    if (comments.length) {
      box.appendChild(dataTable("csat-comments", [["Rating", true], ["After"], ["Comment"]],
        comments.map((c) => el("tr", {},
          el("td", { className: "num" }, c.rating),
          el("td", {}, c.outcome.replace("_", " ")),
          el("td", { className: "message" }, c.comment))))); // text, never HTML
    }
  }

  function renderOptOuts(optOuts) {
    const entries = Object.entries(optOuts || {});
    const box = $("optouts");
    if (!entries.length) {
      box.replaceChildren(el("p", { className: "muted empty" }, "No conversations in this range."));
      return;
    }
    box.replaceChildren(
      dataTable("opt-outs", [["Channel"], ["Conversations", true], ["Opt-outs", true], ["Rate", true]],
        entries.map(([channel, g]) => el("tr", { "data-channel": channel, className: g.warning ? "warned" : undefined },
          el("th", { scope: "row" }, channelName(channel)),
          el("td", { className: "num", "data-label": "Conversations" }, count(g.conversations)),
          el("td", { className: "num", "data-label": "Opt-outs" }, count(g.opt_outs)),
          el("td", { className: "num", "data-label": "Rate" }, percent(g.rate),
            g.warning ? el("span", { className: "badge badge-warn" }, "above 3%") : null))), true),
      el("p", { className: "muted small" }, "A channel whose opt-outs exceed 3% of its conversations is flagged."));
  }

  function renderUnrecognized(misunderstanding) {
    const box = $("unrecognized");
    const items = misunderstanding.top_unrecognized || [];
    if (!items.length) {
      box.replaceChildren(el("p", { className: "muted empty" }, misunderstanding.messages
        ? "Every message in this range was understood." : "No messages in this range."));
      return;
    }
    box.replaceChildren(dataTable("unrecognized", [["#", true], ["Message"], ["Times", true]],
      items.map((item, i) => el("tr", {},
        el("td", { className: "num" }, i + 1),
        el("td", { className: "message" }, item.text), // text, never HTML
        el("td", { className: "num" }, count(item.count))))));
  }

  // ------------------------------------------------------------------ charts

  function chart(canvas, config) {
    if (typeof window.Chart !== "function") return null; // the figures are in the tables too
    state.charts.push(new window.Chart(canvas, config));
    return state.charts[state.charts.length - 1];
  }

  function destroyCharts() {
    state.charts.forEach((c) => c.destroy());
    state.charts = [];
  }

  function configureCharts() {
    if (typeof window.Chart !== "function") return;
    const defaults = window.Chart.defaults;
    defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    defaults.color = COLORS.muted;
    defaults.borderColor = COLORS.line;
    if (window.matchMedia("(prefers-reduced-motion: reduce)").matches) defaults.animation = false;
  }

  // ------------------------------------------------------------------ start

  function start() {
    configureCharts();
    readFiltersFromAddress();
    $("login-form").addEventListener("submit", onLogin);
    $("logout").addEventListener("click", onLogout);
    $("refused-logout").addEventListener("click", onLogout);
    $("filters").addEventListener("submit", (event) => {
      event.preventDefault();
      load();
    });
    // A choice applies at once; typed text when it is committed (Enter or leaving the field).
    ["filter-from", "filter-to", "filter-channel", "filter-page", "filter-campaign"].forEach((id) =>
      $(id).addEventListener("change", () => load()));
    $("filter-reset").addEventListener("click", resetFilters);
    enter();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
