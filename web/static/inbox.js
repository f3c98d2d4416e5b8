// The agent inbox: log in, see your teams' queues, open a handed-over conversation with its
// context packet and live transcript, take it, reply, and close it with a note.
// Plain JavaScript, no build step. Data from the server only ever reaches the page as text
// (textContent / text nodes), never as HTML.
"use strict";

(function () {
  const API = "/inbox/api";
  const POLL_MS = 3000;
  const MAX_REPLY_CHARS = 2000;
  const CLOSE_NOTE_MISSING = "Add a closing note: what was done, and what is left.";
  const LEAD_LABELS = {
    need: "Need", company_size: "Company size", timeline: "Timeline", budget: "Budget",
    role: "Role", team: "Sales team",
  };

  const state = {
    agent: null,
    selectedId: null,
    detailKeys: { context: "", transcript: "" },
    pollTimer: null,
    polling: false,
    pollFailed: false,
    unsent: null, // {conversationId, text, replyId} of the last reply not known to be sent
  };

  // ------------------------------------------------------------------ small helpers

  function $(id) {
    return document.getElementById(id);
  }

  // el("li", {className: "x", "aria-current": "true"}, "text", childNode, ...): strings become
  // text nodes; attributes with a dash are set as attributes, the rest as properties.
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

  function contactName(contact) {
    return (contact && contact.name) || "Visitor";
  }

  function agentName(conv) {
    return conv.agent ? conv.agent.name : "someone";
  }

  function minutesSince(iso) {
    const then = Date.parse(iso);
    return Number.isNaN(then) ? null : Math.max(0, Math.floor((Date.now() - then) / 60000));
  }

  function durationText(minutes) {
    if (minutes === null) return "";
    if (minutes < 1) return "under a minute";
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    return `${hours} h ${minutes % 60} min`;
  }

  function clockText(iso) {
    const moment = new Date(iso);
    if (!iso || Number.isNaN(moment.getTime())) return "";
    return moment.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function waitingText(conv) {
    const since = durationText(minutesSince(conv.created_at));
    return conv.status === "active" ? `Handed over ${since} ago` : `Waiting ${since}`;
  }

  function statusText(conv) {
    switch (conv.status) {
      case "queued": return "waiting";
      case "assigned": return `assigned to ${agentName(conv)}`;
      case "active": return `with ${agentName(conv)}`;
      default: return conv.status;
    }
  }

  // ------------------------------------------------------------------ the API

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    // The custom header is the server's CSRF guard for cookie-authenticated writes.
    const options = { method, credentials: "same-origin", headers: { "X-Requested-With": "inbox" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(API + path, options);
    } catch (problem) {
      throw new ApiError(0, "The inbox server cannot be reached. Check your connection; retrying.");
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const message = (data && data.error) || `The inbox server answered ${response.status}.`;
      throw new ApiError(response.status, message);
    }
    return data;
  }

  // Any call answered 401 means the session is over (logged out elsewhere, new password...).
  function handleError(problem, showIt) {
    if (problem instanceof ApiError && problem.status === 401) {
      showLogin("Your session has ended: log in again.");
      return;
    }
    showIt(problem.message || String(problem));
  }

  // ------------------------------------------------------------------ notices

  function showNotice(message) {
    const notice = $("notice");
    const dismiss = el("button", { type: "button", className: "quiet small" }, "Dismiss");
    dismiss.addEventListener("click", clearNotice);
    notice.replaceChildren(el("span", {}, message), " ", dismiss);
    show(notice, true);
  }

  function clearNotice() {
    $("notice").replaceChildren();
    show($("notice"), false);
  }

  function announce(message) {
    $("status").textContent = message;
  }

  // ------------------------------------------------------------------ login and logout

  function showLogin(message) {
    stopPolling();
    state.agent = null;
    state.selectedId = null;
    show($("inbox-view"), false);
    show($("login-view"), true);
    $("login-error").textContent = message || "";
    $("login-password").value = "";
    $("login-email").focus();
  }

  function enterInbox(agent) {
    state.agent = agent;
    $("agent-name").textContent = agent.name;
    renderPresence(agent.online);
    show($("login-view"), false);
    show($("inbox-view"), true);
    resetDetail();
    clearNotice();
    $("conversation-list").replaceChildren(el("p", { className: "muted" }, "Loading conversations…"));
    startPolling();
    checkOptOuts();
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
      const data = await api("POST", "/login", { email, password });
      enterInbox(data.agent);
      $("conversation-list").focus();
    } catch (problem) {
      error.textContent = problem.message;
      $("login-password").select();
    } finally {
      $("login-submit").disabled = false;
    }
  }

  async function onLogout() {
    stopPolling(); // a round still under way must not report the ended session
    try {
      await api("POST", "/logout");
    } catch (problem) {
      // Logged out either way: the page forgets the session.
    }
    showLogin("You have logged out.");
  }

  // ------------------------------------------------------------------ presence

  function renderPresence(online) {
    $("presence-online").setAttribute("aria-pressed", String(Boolean(online)));
    $("presence-away").setAttribute("aria-pressed", String(!online));
  }

  async function setPresence(online) {
    try {
      const data = await api("POST", "/presence", { online });
      state.agent = data.agent;
      renderPresence(data.agent.online);
      announce(online ? "You are online: conversations can be assigned to you." : "You are away.");
      refreshList();
    } catch (problem) {
      handleError(problem, showNotice);
    }
  }

  // ------------------------------------------------------------------ polling

  function startPolling() {
    stopPolling();
    state.polling = true;
    poll();
  }

  function stopPolling() {
    state.polling = false;
    clearTimeout(state.pollTimer);
  }

  // One round at a time: the next is scheduled when this one is done. Every call also keeps
  // the agent's presence alive on the server.
  async function poll() {
    if (!state.polling) return;
    await refreshList();
    if (state.polling && state.selectedId !== null) await refreshDetail();
    if (state.polling) state.pollTimer = setTimeout(poll, POLL_MS);
  }

  function pollFailed(problem) {
    if (!state.polling) return; // logged out meanwhile
    handleError(problem, (message) => {
      state.pollFailed = true;
      showNotice(message);
    });
  }

  function pollSucceeded() {
    if (state.pollFailed) {
      state.pollFailed = false;
      clearNotice();
    }
  }

  // ------------------------------------------------------------------ the list

  async function refreshList() {
    try {
      const data = await api("GET", "/conversations");
      pollSucceeded();
      state.agent = data.agent;
      renderPresence(data.agent.online);
      renderList(data);
    } catch (problem) {
      pollFailed(problem);
    }
  }

  function renderList(data) {
    const nav = $("conversation-list");
    const focusedId = document.activeElement && nav.contains(document.activeElement)
      ? document.activeElement.dataset.id : undefined;
    const sections = [listSection("mine", "Mine", data.mine, "Nothing assigned to you.")];
    Object.entries(data.queues).forEach(([team, items]) => {
      sections.push(listSection(`team-${team}`, data.team_names[team] || team, items, "Nobody waiting."));
    });
    nav.replaceChildren(...sections);
    if (focusedId !== undefined) {
      const again = nav.querySelector(`button[data-id="${CSS.escape(focusedId)}"]`);
      if (again) again.focus();
    }
  }

  function listSection(key, title, items, emptyText) {
    const headingId = `list-${key}`;
    const heading = el("h2", { id: headingId }, title, " ",
      el("span", { className: "count" }, `(${items.length})`));
    const body = items.length
      ? el("ul", { className: "conversations" }, items.map(conversationItem))
      : el("p", { className: "muted small" }, emptyText);
    return el("section", { className: "queue", "aria-labelledby": headingId, "data-queue": key }, heading, body);
  }

  function conversationItem(conv) {
    const selected = conv.id === state.selectedId;
    const button = el("button", {
      type: "button", className: "conversation", "aria-current": selected ? "true" : undefined,
    },
    el("span", { className: "row" },
      el("strong", { className: "reference" }, conv.reference),
      el("span", { className: `badge badge-${conv.status}` }, statusText(conv))),
    el("span", { className: "contact" }, contactName(conv.contact)),
    el("span", { className: "reason" }, conv.reason_text || conv.reason),
    el("span", { className: "waiting" }, waitingText(conv)));
    button.dataset.id = String(conv.id);
    button.addEventListener("click", () => openConversation(conv.id));
    return el("li", {}, button);
  }

  function markSelected() {
    $("conversation-list").querySelectorAll("button.conversation").forEach((button) => {
      if (Number(button.dataset.id) === state.selectedId) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    });
  }

  // ------------------------------------------------------------------ the conversation

  function resetDetail() {
    state.selectedId = null;
    state.detailKeys = { context: "", transcript: "" };
    $("detail-title").textContent = "No conversation selected";
    show($("detail-empty"), true);
    show($("detail-body"), false);
    $("reply-text").value = "";
    $("reply-error").textContent = "";
    markSelected();
  }

  async function openConversation(id) {
    if (state.selectedId !== id) {
      state.selectedId = id;
      state.detailKeys = { context: "", transcript: "" };
      $("reply-text").value = "";
      $("reply-error").textContent = "";
    }
    markSelected();
    await refreshDetail();
    if (state.selectedId === id) $("detail-title").focus();
  }

  async function refreshDetail() {
    const id = state.selectedId;
    try {
      const data = await api("GET", `/conversations/${id}`);
      if (id !== state.selectedId) return; // another conversation was chosen meanwhile
      renderDetail(data);
    } catch (problem) {
      if (id === state.selectedId) pollFailed(problem);
    }
  }

  function renderDetail(data) {
    const conv = data.conversation;
    $("detail-title").textContent = `${conv.reference}: ${contactName(conv.contact)}`;
    $("detail-meta").textContent = [conv.team_name, `via ${conv.channel}`, statusText(conv),
      `handed over at ${clockText(conv.created_at)}`].join(" · ");
    show($("detail-empty"), false);
    show($("detail-body"), true);
    renderActions(conv);
    const contextKey = JSON.stringify([data.context, conv.contact, data.consent, data.outbound, data.deliveries]);
    if (contextKey !== state.detailKeys.context) {
      state.detailKeys.context = contextKey;
      renderContext(data.context || {}, conv);
      renderReach(data.consent || [], data.outbound || []);
      renderDeliveries($("ctx-deliveries"), data.deliveries || []);
    }
    const transcriptKey = JSON.stringify([data.transcript, data.transcript_error]);
    if (transcriptKey !== state.detailKeys.transcript) {
      state.detailKeys.transcript = transcriptKey;
      renderTranscript(data.transcript || [], data.transcript_error);
    }
  }

  function renderActions(conv) {
    const mine = conv.agent && state.agent && conv.agent.id === state.agent.id;
    const open = conv.status !== "closed";
    const heldByOther = conv.status === "active" && !mine;
    show($("take"), open && !(conv.status === "active"));
    show($("close-open"), open && conv.status === "active" && mine);
    // A customer who left the chat is answered by email (the server writes it to the outbox).
    const leftChat = conv.status === "closed" && conv.closed_by === "customer";
    show($("reply-form"), (open && !heldByOther) || leftChat);
    $("reply-label").textContent = leftChat ? "The customer left the chat: your reply goes to them by email"
      : "Reply to the customer";
    const held = $("held-by");
    if (!open) {
      held.textContent = `Closed${conv.closing_note ? `: ${conv.closing_note}` : "."}`;
    } else if (heldByOther) {
      held.textContent = `${agentName(conv)} is answering this conversation.`;
    } else {
      held.textContent = "";
    }
    show(held, Boolean(held.textContent));
  }

  function renderContext(context, conv) {
    $("ctx-reason").textContent = context.reason_text || conv.reason_text || conv.reason || "Not recorded.";
    const contact = context.contact || conv.contact || {};
    const visit = context.visit || {};
    const campaign = [visit.utm_source, visit.utm_medium, visit.utm_campaign].filter(Boolean).join(" / ");
    fillPairs($("ctx-contact"), [
      ["Name", contactName(contact)], ["Email", contact.email], ["Channel", context.channel || conv.channel],
      ["Chat id", contact.sender_id], ["Page", visit.product || visit.path || visit.page],
      ["Landed on", visit.landing], ["Campaign", campaign],
    ], "No contact details.");
    fillChips($("ctx-intents"), context.intents || []);
    fillPairs($("ctx-slots"), Object.entries(context.slots || {}), "Nothing known yet.");
    renderLead(context.lead);
  }

  // The contact's latest consent on each channel, and what the shop wrote them (shop/outbound/).
  function renderReach(consent, outbound) {
    const latest = {};
    consent.forEach((change) => { latest[change.channel] = change; });
    fillPairs($("ctx-consent"), Object.values(latest).map((c) => [c.channel,
      `${c.status === "opted_in" ? "opted in" : "opted out"} (${c.source}, ${clockText(c.at)})`]),
    "No opt-in or opt-out recorded.");
    fillPairs($("ctx-outbound"), outbound.map((m) => [m.message_type.replace(/_/g, " "),
      [m.status, `on ${m.channel}`, m.tag, m.sent_at ? clockText(m.sent_at) : null, m.note]
        .filter(Boolean).join(" · ")]), "Nothing sent.");
  }

  // What went to webhooks, the CRM and email (shop/integrations/), one line each.
  function deliveryText(d) {
    return [d.status, d.attempts ? `${d.attempts} attempt${d.attempts === 1 ? "" : "s"}` : null,
      d.recipient ? `to ${d.recipient}` : d.target, d.sent_at ? clockText(d.sent_at) : null, d.last_error]
      .filter(Boolean).join(" · ");
  }

  function renderDeliveries(list, items) {
    fillPairs(list, items.map((d) => [d.event, deliveryText(d)]), "Nothing sent.");
  }

  async function refreshDeliveries() {
    const status = $("deliveries-status").value;
    const error = $("deliveries-error");
    try {
      const data = await api("GET", `/deliveries${status ? `?status=${encodeURIComponent(status)}` : ""}`);
      error.textContent = "";
      $("deliveries-counts").textContent = Object.entries(data.counts).map(([k, n]) => `${n} ${k}`).join(" · ");
      $("deliveries-list").replaceChildren(...(data.deliveries.length ? data.deliveries.map(deliveryItem)
        : [el("li", { className: "muted" }, "No deliveries.")]));
    } catch (problem) {
      handleError(problem, (message) => { error.textContent = message; });
    }
  }

  function deliveryItem(d) {
    const item = el("li", {}, el("strong", {}, `${d.event} `), `${d.subject || ""} · ${deliveryText(d)}`);
    if (d.status === "parked") {
      const again = el("button", { type: "button", className: "quiet" }, "Send again");
      again.addEventListener("click", () => runAction(again, async () => {
        try {
          await api("POST", `/deliveries/${d.id}/retry`);
          announce(`Delivery ${d.id} will be sent again.`);
        } catch (problem) {
          handleError(problem, (message) => { $("deliveries-error").textContent = message; });
        }
        await refreshDeliveries();
      }));
      item.append(" ", again);
    }
    return item;
  }

  function openDeliveries() {
    $("deliveries-dialog").showModal();
    refreshDeliveries();
  }

  async function checkOptOuts() {
    try {
      const data = await api("GET", "/outbound/opt-outs");
      const high = data.rates.filter((r) => r.warning);
      const box = $("opt-out-warning");
      box.textContent = high.map((r) => `${(100 * r.rate).toFixed(1)}% of the ${r.message_type.replace(/_/g, " ")} ` +
        `messages sent on ${r.channel} in the last ${data.days} days were followed by an opt-out ` +
        `(above ${(100 * data.threshold).toFixed(0)}%).`).join(" ");
      show(box, high.length > 0);
    } catch (problem) {
      // The banner is advice: the inbox works without it.
    }
  }

  function renderLead(lead) {
    const score = $("ctx-lead-score");
    const hasScore = lead && (lead.score !== undefined || lead.grade !== undefined);
    score.textContent = hasScore
      ? [lead.score !== undefined ? `Score ${lead.score}` : null, lead.grade ? `grade ${lead.grade}` : null]
        .filter(Boolean).join(" · ")
      : "";
    show(score, Boolean(hasScore));
    const pairs = Object.entries(LEAD_LABELS)
      .filter(([key]) => lead && lead[key] !== undefined && lead[key] !== null)
      .map(([key, label]) => [label, lead[key]]);
    fillPairs($("ctx-lead"), pairs, hasScore ? "" : "No lead answers.");
  }

  function fillPairs(list, pairs, emptyText) {
    const present = pairs.filter(([, value]) => value !== undefined && value !== null && value !== "");
    const nodes = present.flatMap(([label, value]) => [el("dt", {}, label), el("dd", {}, displayValue(value))]);
    if (!nodes.length && emptyText) nodes.push(el("dt", { className: "muted" }, emptyText));
    list.replaceChildren(...nodes);
  }

  function displayValue(value) {
    if (Array.isArray(value)) return value.join(", ");
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function fillChips(list, names) {
    const items = names.map((name) => el("li", { className: "chip" }, name));
    list.replaceChildren(...(items.length ? items : [el("li", { className: "muted" }, "None recorded.")]));
  }

  function renderTranscript(lines, error) {
    $("transcript-error").textContent = error || "";
    show($("transcript-error"), Boolean(error));
    const list = $("transcript");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(...(lines.length ? lines.map(transcriptLine)
      : [el("li", { className: "muted" }, "Nothing said yet.")]));
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function transcriptLine(line) {
    const who = line.who === "customer" ? "Customer" : line.who === "agent" ? (line.agent || "Agent") : "Assistant";
    return el("li", { className: `bubble bubble-${line.who}` },
      el("span", { className: "speaker" }, who),
      el("p", { className: "text" }, line.text),
      line.buttons && line.buttons.length
        ? el("p", { className: "buttons small" }, `Buttons: ${line.buttons.join(" · ")}`) : null,
      line.at ? el("time", { dateTime: line.at, className: "small" }, clockText(line.at)) : null);
  }

  // ------------------------------------------------------------------ take, reply, close

  async function runAction(button, work) {
    button.disabled = true;
    try {
      await work();
      await refreshList();
      if (state.selectedId !== null) await refreshDetail();
    } finally {
      button.disabled = false;
    }
  }

  function onTake() {
    const id = state.selectedId;
    return runAction($("take"), async () => {
      try {
        const data = await api("POST", `/conversations/${id}/take`);
        clearNotice();
        announce(`You have joined ${data.conversation.reference}.`);
        $("reply-text").focus();
      } catch (problem) {
        handleError(problem, showNotice);
      }
    });
  }

  // A failed send keeps its id: sending the same words again is a retry, which the server
  // does not deliver twice if the first attempt reached the customer after all.
  function replyIdFor(conversationId, text) {
    const unsent = state.unsent;
    if (unsent && unsent.conversationId === conversationId && unsent.text === text) return unsent.replyId;
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    const replyId = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    state.unsent = { conversationId, text, replyId };
    return replyId;
  }

  function onReply(event) {
    event.preventDefault();
    const box = $("reply-text");
    const error = $("reply-error");
    const text = box.value;
    if (!text.trim()) {
      error.textContent = "Write a message first.";
      box.focus();
      return undefined;
    }
    if (text.length > MAX_REPLY_CHARS) {
      error.textContent = `Keep a message under ${MAX_REPLY_CHARS} characters.`;
      return undefined;
    }
    const id = state.selectedId;
    const replyId = replyIdFor(id, text);
    return runAction($("reply-send"), async () => {
      try {
        const data = await api("POST", `/conversations/${id}/messages`, { text, reply_id: replyId });
        state.unsent = null;
        error.textContent = "";
        if (box.value === text) box.value = "";
        announce(data.emailed_to ? `The customer had left the chat: your reply is emailed to ${data.emailed_to}.`
          : "Message sent.");
      } catch (problem) {
        handleError(problem, (message) => { error.textContent = message; }); // the text stays for a retry
      }
    });
  }

  function onReplyKey(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("reply-form").requestSubmit();
    }
  }

  function openCloseDialog() {
    $("close-note").value = "";
    $("close-error").textContent = "";
    $("close-note").removeAttribute("aria-invalid");
    $("close-dialog").showModal();
    $("close-note").focus();
  }

  async function onCloseSubmit(event) {
    event.preventDefault();
    const note = $("close-note");
    const error = $("close-error");
    if (!note.value.trim()) {
      error.textContent = CLOSE_NOTE_MISSING;
      note.setAttribute("aria-invalid", "true");
      note.focus();
      return;
    }
    note.removeAttribute("aria-invalid");
    const id = state.selectedId;
    $("close-confirm").disabled = true;
    try {
      const data = await api("POST", `/conversations/${id}/close`, { note: note.value });
      $("close-dialog").close();
      resetDetail();
      announce(`${data.conversation.reference} is closed: the assistant has the chat again.`);
      await refreshList();
      $("conversation-list").focus();
    } catch (problem) {
      handleError(problem, (message) => { error.textContent = message; });
    } finally {
      $("close-confirm").disabled = false;
    }
  }

  // ------------------------------------------------------------------ start

  async function start() {
    $("login-form").addEventListener("submit", onLogin);
    $("logout").addEventListener("click", onLogout);
    $("presence-online").addEventListener("click", () => setPresence(true));
    $("presence-away").addEventListener("click", () => setPresence(false));
    $("take").addEventListener("click", onTake);
    $("reply-form").addEventListener("submit", onReply);
    $("reply-text").addEventListener("keydown", onReplyKey);
    $("close-open").addEventListener("click", openCloseDialog);
    $("close-form").addEventListener("submit", onCloseSubmit);
    $("close-cancel").addEventListener("click", () => $("close-dialog").close());
    $("deliveries-open").addEventListener("click", openDeliveries);
    $("deliveries-status").addEventListener("change", refreshDeliveries);
    $("deliveries-close").addEventListener("click", () => $("deliveries-dialog").close());
    $("conversation-list").tabIndex = -1;
    try {
      const data = await api("GET", "/me");
      enterInbox(data.agent);
    } catch (problem) {
      showLogin(problem.status === 401 ? "" : problem.message);
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
