/*
 * The shop's chat widget: Rasa's socket.io channel (addons/webchat.py) in a small accessible panel.
 *
 * - Session persistence: the session_id and the rendered history live in localStorage, so a
 *   reload or another page of the shop shows the conversation and continues it in Rasa.
 * - Every message carries the page as metadata (customData): page type, path, the product on a
 *   product page, and the UTM tags and landing page of the visit (kept from the landing page on).
 * - Greeting: a fresh conversation starts with /greet when the panel opens. A returning visitor
 *   gets the page's own greeting (pricing, or that product) the first time the panel opens on the
 *   pricing page or on a product page in this conversation; the home page never greets twice.
 * - Renders text (links made clickable), buttons and quick replies as <button>s, product cards,
 *   images and attachments; a typing indicator from `bot_typing`; a human agent's name and an
 *   "agent joined" banner, "waiting for an agent" after a handoff.
 * Configuration comes from <script type="application/json" id="shop-chat-config">.
 */
(function () {
  "use strict";

  var configNode = document.getElementById("shop-chat-config");
  if (!configNode) return;
  var config = JSON.parse(configNode.textContent || "{}");
  var PREFIX = "shopChat:";
  var MAX_HISTORY = 200;
  var MAX_TEXT = 1000;
  var UTM_KEYS = ["utm_source", "utm_medium", "utm_campaign"];
  var URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/g;
  var LEFT_CHAT = /has left the chat/i;
  var TYPING_TIMEOUT_MS = 30000;

  // ------------------------------------------------------------------ storage

  var store = {
    get: function (name, fallback) {
      try {
        var raw = window.localStorage.getItem(PREFIX + name);
        return raw === null ? fallback : JSON.parse(raw);
      } catch (e) {
        return fallback; // storage blocked or corrupt: the chat still works for this page
      }
    },
    set: function (name, value) {
      try { window.localStorage.setItem(PREFIX + name, JSON.stringify(value)); } catch (e) { /* full or blocked */ }
    },
  };

  var tabId = Math.random().toString(36).slice(2);
  // Several tabs share one conversation; the one the customer last used writes the history,
  // the others redraw from it (the storage event), so no message is stored twice.
  function claimTab() { store.set("tab", tabId); }
  function ownsHistory() { var owner = store.get("tab", null); return !owner || owner === tabId; }

  function clip(value, length) { return typeof value === "string" ? value.slice(0, length || 200) : undefined; }

  // ------------------------------------------------------------------ the visit (metadata)

  function rememberVisit() {
    var params = new URLSearchParams(window.location.search);
    var tags = {};
    UTM_KEYS.forEach(function (key) { if (params.get(key)) tags[key] = clip(params.get(key)); });
    var visit = store.get("visit", null);
    if (Object.keys(tags).length) {
      // A new campaign link starts a new visit's attribution; pages without tags keep it.
      visit = Object.assign({ landing: clip(window.location.pathname + window.location.search) }, tags);
    } else if (!visit) {
      visit = { landing: clip(window.location.pathname) };
    }
    store.set("visit", visit);
    return visit;
  }
  var visit = rememberVisit();

  function metadata() {
    var data = { page: config.page || "other", path: clip(window.location.pathname) };
    if (config.product) data.product = clip(config.product);
    ["landing"].concat(UTM_KEYS).forEach(function (key) { if (visit[key]) data[key] = visit[key]; });
    return data;
  }

  function pageKey() { return config.page === "product" ? "product:" + (config.productSlug || "") : config.page; }

  // ------------------------------------------------------------------ DOM

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function hidden(text) { return el("span", { className: "sc-visually-hidden", text: text }); }

  var launcher = el("button", {
    type: "button", className: "sc-launcher", "aria-haspopup": "dialog", "aria-expanded": "false",
    "aria-controls": "sc-dialog",
  });
  var launcherLabel = el("span", { text: "Chat with us" });
  var badge = el("span", { className: "sc-badge", hidden: true });
  launcher.appendChild(launcherLabel);
  launcher.appendChild(badge);

  var title = el("h2", { id: "sc-title", className: "sc-title", text: "Shop assistant" });
  var status = el("p", { className: "sc-status", id: "sc-status", text: "" });
  var closeButton = el("button", { type: "button", className: "sc-close", "aria-label": "Close chat" });
  closeButton.appendChild(el("span", { "aria-hidden": "true", text: "×" }));
  var banner = el("p", { className: "sc-banner", role: "status", hidden: true });
  var log = el("ol", {
    className: "sc-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "Conversation", tabindex: "0",
  });
  var typing = el("p", { className: "sc-typing", hidden: true }, [
    el("span", { className: "sc-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
    el("span", { text: "The assistant is typing…" }),
  ]);
  var input = el("input", {
    id: "sc-input", className: "sc-input", type: "text", autocomplete: "off", maxlength: String(MAX_TEXT),
    placeholder: "Type a message…", enterkeyhint: "send",
  });
  var form = el("form", { className: "sc-form" }, [
    el("label", { "for": "sc-input", className: "sc-visually-hidden", text: "Your message" }),
    input,
    el("button", { type: "submit", className: "sc-send", text: "Send" }),
  ]);
  var dialog = el("section", {
    id: "sc-dialog", className: "sc-dialog", role: "dialog", "aria-labelledby": "sc-title",
    "aria-describedby": "sc-status", hidden: true,
  }, [
    el("header", { className: "sc-header" }, [el("div", {}, [title, status]), closeButton]),
    banner, log, typing, form,
  ]);
  var root = el("div", { className: "sc-root", id: "shop-chat" }, [dialog, launcher]);
  document.body.appendChild(root);

  // ------------------------------------------------------------------ rendering

  var history = store.get("history", []);
  if (!Array.isArray(history)) history = [];
  var agentState = { status: "none" }; // none | waiting | joined
  var unread = 0;

  function appendText(parent, text) {
    var last = 0;
    text.replace(URL_PATTERN, function (match, offset) {
      var url = match.replace(/[.,;:!?)\]]+$/, "");
      if (offset > last) parent.appendChild(document.createTextNode(text.slice(last, offset)));
      parent.appendChild(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url }));
      last = offset + url.length;
      return match;
    });
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // The log stays at its newest message unless the customer scrolled up to read; it follows
  // size changes too (typing indicator, banner, a panel shown after the history was drawn).
  var pinned = true;
  function scrollToEnd(force) {
    if (force) pinned = true;
    if (pinned) log.scrollTop = log.scrollHeight;
  }
  log.addEventListener("scroll", function () {
    pinned = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  });
  if (window.ResizeObserver) {
    new window.ResizeObserver(function () { scrollToEnd(false); }).observe(log);
  }

  function slugOf(name) { return String(name).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""); }

  function productCard(card) {
    var inStock = !!card.in_stock;
    var name = String(card.name || "");
    var children = [
      el("p", { className: "sc-card-name" }, [el("a", { href: "/products/" + slugOf(name), text: name })]),
      el("p", { className: "sc-card-price", text: String(card.price || "") }),
      el("p", { className: "sc-card-stock " + (inStock ? "sc-in" : "sc-out"), text: inStock ? "In stock" : "Out of stock" }),
    ];
    if (Array.isArray(card.sizes) && card.sizes.length) {
      children.push(el("p", { className: "sc-card-options", text: "Sizes: " + card.sizes.join(", ") }));
    }
    if (Array.isArray(card.colors) && card.colors.length) {
      children.push(el("p", { className: "sc-card-options", text: "Colors: " + card.colors.join(", ") }));
    }
    return el("div", { className: "sc-card", role: "group", "aria-label": "Product: " + name }, children);
  }

  function choices(list, kind) {
    var valid = (Array.isArray(list) ? list : []).filter(function (b) { return b && (b.title || b.payload); });
    if (!valid.length) return null;
    var group = el("div", { className: "sc-choices sc-" + kind, role: "group", "aria-label": "Suggested replies" });
    valid.forEach(function (choice) {
      var label = String(choice.title || choice.payload);
      var button = el("button", { type: "button", className: "sc-choice", text: label });
      button.addEventListener("click", function () { send(String(choice.payload || label), label); });
      group.appendChild(button);
    });
    return group;
  }

  function setBanner(text) {
    banner.textContent = text || "";
    banner.hidden = !text;
    root.classList.toggle("sc-with-agent", agentState.status === "joined");
  }

  // The agent state follows the messages, so replaying the history restores it.
  function followAgent(entry) {
    var custom = entry.custom && typeof entry.custom === "object" ? entry.custom : null;
    if (entry.agent && entry.agent.name) {
      if (agentState.status !== "joined" || agentState.name !== entry.agent.name) {
        agentState = { status: "joined", name: String(entry.agent.name), team: entry.agent.team || agentState.team };
      }
      setBanner(agentState.name + (agentState.team ? " from " + agentState.team : "") + " joined the chat");
    } else if (custom && custom.handoff && custom.handoff.status === "waiting") {
      agentState = { status: "waiting", team: custom.handoff.team };
      setBanner("Waiting for " + (agentState.team ? "someone from " + agentState.team : "an agent") + " to join…");
    } else if (agentState.status !== "none" && entry.text && LEFT_CHAT.test(entry.text)) {
      agentState = { status: "none" };
      setBanner("");
    }
  }

  function render(entry) {
    var fromUser = entry.from === "user";
    var agent = !fromUser && entry.agent && entry.agent.name ? entry.agent : null;
    var item = el("li", { className: "sc-msg " + (fromUser ? "sc-user" : agent ? "sc-agent" : "sc-bot") });
    if (agent) {
      item.appendChild(el("p", { className: "sc-sender", text: agent.name + (agent.team ? " · " + agent.team : "") }));
    } else {
      item.appendChild(hidden(fromUser ? "You: " : "Assistant: "));
    }
    if (entry.text) {
      var bubble = el("p", { className: "sc-text" });
      appendText(bubble, String(entry.text));
      item.appendChild(bubble);
    }
    var custom = entry.custom && typeof entry.custom === "object" ? entry.custom : null;
    if (custom && custom.type === "product") item.appendChild(productCard(custom));
    if (typeof entry.image === "string" && /^https?:|^\//.test(entry.image)) {
      item.appendChild(el("img", { className: "sc-image", src: entry.image, alt: "Image from the assistant" }));
    }
    var attachment = entry.attachment && (entry.attachment.payload || entry.attachment);
    var link = attachment && (attachment.src || attachment.url);
    if (typeof link === "string" && /^https?:|^\//.test(link)) {
      item.appendChild(el("p", {}, [el("a", { href: link, target: "_blank", rel: "noopener noreferrer", text: attachment.title || link })]));
    }
    [choices(entry.buttons, "buttons"), choices(entry.quick_replies, "quick-replies")].forEach(function (group) {
      if (group) item.appendChild(group);
    });
    if (!fromUser) followAgent(entry);
    log.appendChild(item);
    scrollToEnd(fromUser);
  }

  function redraw() {
    log.textContent = "";
    agentState = { status: "none" };
    setBanner("");
    history.forEach(render);
  }

  function append(entry) {
    if (ownsHistory()) {
      var stored = store.get("history", []);
      history = (Array.isArray(stored) ? stored : history).concat([entry]).slice(-MAX_HISTORY);
      store.set("history", history);
    } else {
      history = history.concat([entry]).slice(-MAX_HISTORY);
    }
    render(entry);
  }

  window.addEventListener("storage", function (event) {
    if (event.key === PREFIX + "history") {
      var stored = store.get("history", []);
      history = Array.isArray(stored) ? stored : [];
      redraw();
    } else if (event.key === PREFIX + "session") {
      sessionId = store.get("session", null);
    }
  });

  // ------------------------------------------------------------------ the connection

  var socket = null;
  var sessionId = store.get("session", null);
  var confirmed = false;
  var outbox = [];
  var typingTimer = null;

  function setStatus(text) { status.textContent = text; }

  function setTyping(on) {
    typing.hidden = !on;
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(function () { typing.hidden = true; }, TYPING_TIMEOUT_MS);
    scrollToEnd(false);
  }

  function connect() {
    if (socket || typeof window.io !== "function") {
      if (!socket) setStatus("Chat is unavailable right now.");
      return;
    }
    setStatus("Connecting…");
    // WebSocket first: no cross-origin XHR and no sticky sessions needed; long-polling if it fails.
    socket = window.io(config.socketUrl, {
      path: config.socketPath || "/socket.io/", transports: ["websocket", "polling"], tryAllTransports: true,
    });
    socket.on("connect", function () {
      confirmed = false;
      // Continue the stored conversation (Rasa: session_persistence), or let Rasa start one.
      socket.emit("session_request", { session_id: sessionId });
    });
    // The server did not take the message as this conversation's: confirm the session again.
    socket.on("session_expired", function () {
      confirmed = false;
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("session_confirm", function (data) {
      var id = typeof data === "string" ? data : data && data.session_id;
      if (!id) return;
      if (sessionId && id !== sessionId) {
        history = [];
        store.set("history", history);
        redraw();
      }
      sessionId = id;
      store.set("session", id);
      confirmed = true;
      setStatus("Online");
      if (markOnConfirm) {
        markOnConfirm = false;
        markGreeted();
      }
      flush();
      greetIfNew();
    });
    socket.on("bot_uttered", receive);
    socket.on("bot_typing", function (data) { setTyping(!!(data && data.typing)); });
    socket.on("disconnect", function () {
      confirmed = false;
      setTyping(false);
      setStatus("Reconnecting…");
    });
    socket.on("connect_error", function () { setStatus("Can't reach the assistant; retrying…"); });
  }

  function flush() {
    if (!confirmed) { connect(); return; }
    while (outbox.length) {
      var message = outbox.shift();
      socket.emit("user_uttered", { message: message.text, session_id: sessionId, customData: message.metadata });
    }
  }

  function receive(data) {
    if (!data || typeof data !== "object") return;
    var entry = { from: "bot", at: Date.now() };
    ["text", "buttons", "quick_replies", "custom", "image", "attachment", "agent"].forEach(function (key) {
      if (data[key]) entry[key] = data[key];
    });
    append(entry);
    if (dialog.hidden) {
      unread += 1;
      updateLauncher();
    }
  }

  // `shown` is what the customer sees as their message (a button's title); null sends silently.
  function send(text, shown) {
    text = String(text).slice(0, MAX_TEXT);
    if (!text.trim()) return;
    claimTab();
    if (shown !== null) append({ from: "user", text: String(shown).slice(0, MAX_TEXT), at: Date.now() });
    outbox.push({ text: text, metadata: metadata() });
    flush();
  }

  // ------------------------------------------------------------------ greeting

  function greetedPages() {
    var record = store.get("greeted", null);
    return record && record.session === sessionId && Array.isArray(record.pages) ? record.pages : [];
  }

  function markGreeted() {
    var pages = greetedPages();
    if (pages.indexOf(pageKey()) < 0) pages.push(pageKey());
    store.set("greeted", { session: sessionId, pages: pages });
  }

  // This page load has settled its greeting: sent it, found it sent before, or a call to action
  // on the page spoke first (then the page counts as greeted once the session is known).
  var pageSettled = false;
  var markOnConfirm = false;

  function greetIfNew() {
    if (pageSettled || dialog.hidden || !confirmed) return;
    pageSettled = true;
    if (greetedPages().indexOf(pageKey()) >= 0) return;
    var pageOfItsOwn = config.page === "pricing" || config.page === "product";
    var fresh = history.length === 0;
    markGreeted();
    if (fresh || pageOfItsOwn) send("/greet", null);
  }

  // ------------------------------------------------------------------ opening and closing

  function updateLauncher() {
    var open = !dialog.hidden;
    launcher.setAttribute("aria-expanded", String(open));
    launcherLabel.textContent = open ? "Hide chat" : "Chat with us";
    badge.hidden = open || !unread;
    badge.textContent = unread ? String(unread) : "";
    launcher.setAttribute("aria-label", open ? "Hide chat" : unread ? "Chat with us, " + unread + " new" : "Chat with us");
  }

  // The funnel's engagement rate counts the tabs where the customer opened the chat: each tab
  // reports itself once (a panel kept open from the last page is not a new opening).
  function reportOpened() {
    var key = PREFIX + "opened";
    try {
      if (window.sessionStorage.getItem(key)) return;
      var id = Array.from(window.crypto.getRandomValues(new Uint8Array(12)), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
      window.sessionStorage.setItem(key, id);
      var body = { session_id: id, page: config.page || "other" };
      if (visit.utm_campaign) body.campaign = visit.utm_campaign;
      window.fetch(config.openedUrl || "/analytics/widget-opened", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        keepalive: true,
      }).catch(function () { /* the chat works without it */ });
    } catch (e) { /* storage or fetch blocked: not counted */ }
  }

  function openChat(options) {
    options = options || {};
    var wasClosed = dialog.hidden;
    if (wasClosed && !options.restored) reportOpened();
    dialog.hidden = false;
    root.classList.add("sc-open");
    document.documentElement.classList.add("sc-chat-open");
    unread = 0;
    updateLauncher();
    store.set("open", true);
    claimTab();
    scrollToEnd(true);
    if (options.focus !== false) input.focus();
    if (wasClosed) {
      connect();
      greetIfNew();
    }
  }

  function closeChat() {
    dialog.hidden = true;
    root.classList.remove("sc-open");
    document.documentElement.classList.remove("sc-chat-open");
    updateLauncher();
    store.set("open", false);
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (dialog.hidden) openChat(); else closeChat(); });
  closeButton.addEventListener("click", closeChat);
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !dialog.hidden) {
      event.preventDefault();
      closeChat();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, text);
  });
  window.addEventListener("focus", claimTab);

  // Calls to action on the page: data-chat-open opens the chat; data-chat-payload also sends it
  // (its data-chat-title is shown as the customer's message) instead of the greeting.
  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-chat-open], [data-chat-payload]");
    if (!target || root.contains(target)) return;
    event.preventDefault();
    var payload = target.getAttribute("data-chat-payload");
    if (payload) {
      pageSettled = true;
      if (confirmed) markGreeted(); else markOnConfirm = true;
      openChat();
      send(payload, target.getAttribute("data-chat-title") || target.textContent.trim());
    } else {
      openChat();
    }
  });

  // ------------------------------------------------------------------ start

  claimTab();
  redraw();
  updateLauncher();
  if (store.get("open", false)) {
    openChat({ focus: false, restored: true }); // open on the last page: kept open, without taking focus
  } else if (sessionId) {
    connect(); // an ongoing conversation: agents' replies arrive (and are counted) while it is closed
  }

  window.ShopChat = { open: openChat, close: closeChat, send: function (text) { send(text, text); } };
})();
