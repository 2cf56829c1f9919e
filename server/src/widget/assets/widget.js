/* Omnify chat widget. Install: <script src="https://HOST/widget.js" data-tenant="TENANT" async></script>
   Optional: data-title="Chat with Acme". No framework, no innerHTML of data. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__omnifyWidget) return;
  window.__omnifyWidget = true;
  var tenant = script.getAttribute("data-tenant") || "";
  var title = script.getAttribute("data-title") || "Chat with us";
  // A site's signed statement of who its logged-in visitor is (docs/webchat.md).
  var identity = script.getAttribute("data-identity") || "";
  var base = new URL(script.src, location.href).origin;
  var prefix = "omnify-widget:" + base + ":" + tenant + ":";

  function load(k) { try { return localStorage.getItem(prefix + k); } catch (e) { return null; } }
  function save(k, v) { try { if (v == null) localStorage.removeItem(prefix + k); else localStorage.setItem(prefix + k, v); } catch (e) { /* private mode */ } }

  var CSS =
    ":host{all:initial}" +
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}" +
    ".launcher{position:fixed;right:16px;bottom:16px;z-index:2147483000;border:0;border-radius:999px;padding:12px 18px;background:#1d4ed8;color:#fff;font-size:15px;font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}" +
    ".launcher:hover{background:#1e40af}" +
    "button:focus-visible,textarea:focus-visible,a:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}" +
    ".launcher:focus-visible{outline-color:#111827}" +
    ".panel{position:fixed;right:16px;bottom:76px;z-index:2147483001;width:min(380px,calc(100vw - 16px));height:min(560px,calc(100vh - 96px));display:flex;flex-direction:column;background:#fff;color:#111827;border:1px solid #d1d5db;border-radius:12px;box-shadow:0 10px 30px rgba(0,0,0,.25);overflow:hidden}" +
    ".panel[hidden]{display:none}" +
    "header{display:flex;align-items:center;justify-content:space-between;padding:10px 12px;background:#1d4ed8;color:#fff}" +
    "h2{margin:0;font-size:16px;font-weight:600}" +
    ".close{border:0;background:transparent;color:#fff;font-size:22px;line-height:1;cursor:pointer;padding:4px 8px;border-radius:6px}" +
    ".close:focus-visible{outline-color:#fff}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;font-size:14px;line-height:1.45}" +
    ".msg{max-width:88%;padding:8px 10px;border-radius:10px;overflow-wrap:anywhere}" +
    ".msg p{margin:0 0 6px}.msg p:last-child{margin-bottom:0}.msg ul,.msg ol{margin:4px 0;padding-left:20px}" +
    ".msg code{font-family:ui-monospace,Menlo,monospace;background:rgba(0,0,0,.07);padding:0 3px;border-radius:3px}" +
    ".msg a{color:#1d4ed8}" +
    ".user{align-self:flex-end;background:#1d4ed8;color:#fff}.user a{color:#fff}" +
    ".assistant{align-self:flex-start;background:#f3f4f6}" +
    ".expert{align-self:flex-start;background:#ecfdf5;border:1px solid #047857}" +
    ".who{display:block;font-size:12px;font-weight:600;color:#065f46;margin-bottom:2px}" +
    ".note{align-self:center;font-size:13px;color:#374151;text-align:center;padding:2px 8px}" +
    ".error{color:#b91c1c}" +
    ".wide{max-width:100%;width:100%}.chart{margin:8px 0 0}.chart img{display:block;width:100%;height:auto;border:1px solid #e5e7eb;border-radius:6px;background:#fff}" +
    ".status{min-height:20px;padding:0 12px;font-size:13px;color:#374151}" +
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #e5e7eb}" +
    "textarea{flex:1;resize:none;height:42px;padding:10px;border:1px solid #6b7280;border-radius:8px;font-size:14px;color:#111827;background:#fff}" +
    ".send{border:0;border-radius:8px;padding:0 14px;background:#1d4ed8;color:#fff;font-weight:600;font-size:14px;cursor:pointer}" +
    ".send:disabled{background:#6b7280;cursor:default}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    "@media (max-width:480px){.panel{right:8px;left:8px;width:auto;bottom:72px;height:calc(100vh - 88px)}}";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // ---- Markdown, a safe subset: paragraphs, lists, **bold**, *italic*, `code`, http(s) links.
  var INLINE = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\*[^*\s][^*\n]*\*|(?<![\w])_[^_\s][^_\n]*_(?![\w]))|(\[[^\]\n]+\]\([^)\s]+\))/g;
  function inline(parent, text) {
    var last = 0, m;
    INLINE.lastIndex = 0;
    while ((m = INLINE.exec(text))) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var t = m[0];
      if (m[1]) parent.appendChild(el("code", null, t.slice(1, -1)));
      else if (m[2]) parent.appendChild(el("strong", null, t.slice(2, -2)));
      else if (m[3]) parent.appendChild(el("em", null, t.slice(1, -1)));
      else {
        var close = t.indexOf("](");
        var label = t.slice(1, close), href = t.slice(close + 2, -1), url = null;
        try { url = new URL(href); } catch (e) { url = null; }
        if (url && (url.protocol === "http:" || url.protocol === "https:")) {
          var a = el("a", null, label);
          a.href = url.href;
          a.target = "_blank";
          a.rel = "noopener noreferrer nofollow";
          parent.appendChild(a);
        } else {
          parent.appendChild(document.createTextNode(label));
        }
      }
      last = m.index + t.length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }
  function markdown(container, text) {
    while (container.firstChild) container.removeChild(container.firstChild);
    var lines = String(text).replace(/\r/g, "").split("\n");
    var para = null, list = null, listType = null;
    lines.forEach(function (line) {
      var item = /^\s*(?:([-*•])|(\d+)[.)])\s+(.*)$/.exec(line);
      if (!line.trim()) { para = null; list = null; return; }
      if (item) {
        var type = item[1] ? "ul" : "ol";
        if (!list || listType !== type) { list = el(type); listType = type; container.appendChild(list); }
        var li = el("li");
        inline(li, item[3]);
        list.appendChild(li);
        para = null;
        return;
      }
      list = null;
      var heading = /^#{1,6}\s+(.*)$/.exec(line);
      if (heading) { var p = el("p"); var s = el("strong"); inline(s, heading[1]); p.appendChild(s); container.appendChild(p); para = null; return; }
      if (para) para.appendChild(el("br"));
      else { para = el("p"); container.appendChild(para); }
      inline(para, line);
    });
  }

  // ---- The DOM, in a shadow root so the site's styles and ours stay apart.
  var host = el("div");
  host.setAttribute("data-omnify-widget", "");
  var root = host.attachShadow({ mode: "open" });
  var style = el("style", null, CSS);
  root.appendChild(style);
  var launcher = el("button", "launcher", title);
  launcher.type = "button";
  launcher.setAttribute("aria-haspopup", "dialog");
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "omnify-panel");
  var panel = el("div", "panel");
  panel.id = "omnify-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "true");
  panel.setAttribute("aria-labelledby", "omnify-title");
  var header = el("header");
  var h2 = el("h2", null, title);
  h2.id = "omnify-title";
  var closeBtn = el("button", "close", "×");
  closeBtn.type = "button";
  closeBtn.setAttribute("aria-label", "Close chat");
  header.appendChild(h2);
  header.appendChild(closeBtn);
  var log = el("div", "log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "Conversation");
  log.tabIndex = 0;
  log.appendChild(el("p", "note", "Hi! Ask us anything. We reply right here."));
  var status = el("div", "status");
  status.setAttribute("role", "status");
  var form = el("form");
  var label = el("label", "sr", "Message");
  label.htmlFor = "omnify-input";
  var input = el("textarea");
  input.id = "omnify-input";
  input.placeholder = "Ask a question…";
  input.maxLength = 4000;
  var send = el("button", "send", "Send");
  send.type = "submit";
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(status);
  panel.appendChild(form);
  root.appendChild(launcher);
  root.appendChild(panel);

  // ---- State.
  var token = null, conversationId = load("conversation"), socket = null, connected = false;
  var backoff = 1000, reconnectTimer = null, started = false, refused = 0;
  var outbox = []; // frames to send once connected
  var pending = null; // the message being answered: {frame}
  var streaming = null; // {node, text} for the answer being streamed
  var historyLoaded = false;

  function scroll() { log.scrollTop = log.scrollHeight; }
  function add(kind, text, author) {
    var m = el("div", "msg " + kind);
    if (author) m.appendChild(el("span", "who", author));
    var body = el("div");
    markdown(body, text);
    m.appendChild(body);
    log.appendChild(m);
    scroll();
    return body;
  }
  // A chart a tool drew, under its answer. Only this server's chart paths are loaded;
  // an <img> cannot send headers, so the visitor token goes in the query.
  function chart(body, c) {
    var path = c && typeof c.svg_url === "string" ? c.svg_url : "";
    if (!/^\/api\/v1\/charts\/[A-Za-z0-9-]+\.svg$/.test(path)) return;
    var fig = el("figure", "chart");
    var img = el("img");
    img.alt = String(c.title || "Chart");
    img.addEventListener("load", scroll);
    img.src = base + path + "?visitor_token=" + encodeURIComponent(token || "");
    fig.appendChild(img);
    body.parentNode.classList.add("wide");
    body.parentNode.appendChild(fig);
    scroll();
  }
  function note(text, isError) {
    var n = el("div", "note" + (isError ? " error" : ""), text);
    log.appendChild(n);
    scroll();
  }
  function working(text) { status.textContent = text || ""; }

  function setConversation(id) {
    if (id && id !== conversationId) { conversationId = id; save("conversation", id); }
  }

  function request(method, path, body) {
    var headers = { "content-type": "application/json" };
    if (token) headers.authorization = "Bearer " + token;
    return fetch(base + path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, credentials: "omit" });
  }

  // The `sub` of the identity JWT, to tell logins apart; "" when anonymous.
  function subject() {
    try {
      var part = identity.split(".")[1];
      return part ? String(JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))).sub || "") : "";
    } catch (e) { return ""; }
  }

  function ensureToken() {
    var saved = load("token"), exp = Number(load("expires") || 0), who = subject();
    // A stored token is reused only for the same person: another login gets its own.
    if (saved && exp * 1000 > Date.now() + 60000 && (load("who") || "") === who) { token = saved; return Promise.resolve(token); }
    token = null;
    var body = { tenant: tenant };
    if (identity) body.identity = identity;
    return request("POST", "/api/v1/widget/session", body).then(function (r) {
      if (!r.ok) throw new Error("session " + r.status);
      return r.json();
    }).then(function (s) {
      token = s.token;
      save("token", s.token);
      save("expires", String(s.expires_at));
      save("who", who);
      // A new anonymous visitor has no conversations; an identified one continues
      // their latest, from whichever device they used.
      conversationId = s.latest_conversation || null;
      historyLoaded = false;
      save("conversation", conversationId);
      return token;
    });
  }

  function loadHistory() {
    if (historyLoaded || !conversationId) { historyLoaded = true; return Promise.resolve(); }
    return request("GET", "/api/v1/widget/conversations/" + encodeURIComponent(conversationId)).then(function (r) {
      if (r.status === 404) { conversationId = null; save("conversation", null); return null; }
      if (!r.ok) throw new Error("history " + r.status);
      return r.json();
    }).then(function (c) {
      historyLoaded = true;
      if (!c) return;
      c.messages.forEach(function (m) {
        if (m.role === "user") add("user", m.text);
        else if (m.role === "assistant") { var b = add("assistant", m.text); (m.charts || []).forEach(function (c) { chart(b, c); }); }
        else if (m.role === "expert") add("expert", m.text, m.author || "Expert");
        else note(m.text);
      });
    });
  }

  function sendFrame(frame) {
    if (socket && connected) socket.send(JSON.stringify(frame));
    else outbox.push(frame);
  }

  function connect() {
    clearTimeout(reconnectTimer);
    ensureToken().then(loadHistory).then(function () {
      var ws = new WebSocket(base.replace(/^http/, "ws") + "/api/v1/ws?visitor_token=" + encodeURIComponent(token));
      socket = ws;
      ws.onopen = function () {
        connected = true;
        refused = 0;
        backoff = 1000;
        if (status.textContent === "Reconnecting…") working(pending ? "Working on it…" : "");
        if (conversationId) ws.send(JSON.stringify({ type: "subscribe", conversation_id: conversationId }));
        // A message cut off by the drop is sent again with its id: the server answers it once.
        if (pending && outbox.indexOf(pending) < 0) outbox.unshift(pending);
        var queued = outbox;
        outbox = [];
        queued.forEach(function (f) { ws.send(JSON.stringify(f)); });
      };
      ws.onmessage = function (ev) {
        var f;
        try { f = JSON.parse(ev.data); } catch (e) { return; }
        onFrame(f);
      };
      ws.onclose = function () {
        if (socket !== ws) return;
        // Refused twice before opening: the token is likely no longer valid (the
        // server's key changed). Start over as a new visitor.
        if (!connected && ++refused >= 2) { refused = 0; save("token", null); save("expires", null); }
        connected = false;
        socket = null;
        retry();
      };
    }).catch(function (e) {
      retry();
    });
  }

  function retry() {
    working("Reconnecting…");
    var wait = backoff + Math.floor(Math.random() * 500);
    backoff = Math.min(backoff * 2, 30000);
    reconnectTimer = setTimeout(connect, wait);
  }

  function finishTurn() {
    pending = null;
    streaming = null;
    working("");
    send.disabled = false;
  }

  function onFrame(f) {
    if (f.conversation_id && f.type !== "error") setConversation(f.conversation_id);
    switch (f.type) {
      case "tool_call":
        working("Working on it…");
        break;
      case "tool_result":
        working("Working on it…");
        break;
      case "delta":
        if (!pending) break; // a replay we are not waiting for
        if (!streaming) streaming = { node: add("assistant", ""), text: "" };
        streaming.text += f.text || "";
        markdown(streaming.node, streaming.text);
        working("Typing…");
        scroll();
        break;
      case "chart":
        if (!pending) break;
        if (!streaming) streaming = { node: add("assistant", ""), text: "" };
        chart(streaming.node, f);
        break;
      case "done":
        if (!pending) break;
        if (!streaming) streaming = { node: add("assistant", ""), text: "" };
        markdown(streaming.node, f.reply || streaming.text);
        finishTurn();
        scroll();
        break;
      case "relayed":
        note(f.message || "An expert has your message.");
        finishTurn();
        break;
      case "handoff":
        note(f.message || "");
        if (f.status === "waiting") working("An expert is on the way…");
        else if (f.status === "joined") working("");
        break;
      case "expert_message":
        add("expert", f.text || "", f.author || "Expert");
        working("");
        break;
      case "error":
        if (f.code === "not_found" && f.conversation_id === conversationId) { conversationId = null; save("conversation", null); }
        if (f.code === "conflict") break; // still being answered: the answer will come
        if (pending || f.code !== "not_found") note(f.message || "Something went wrong.", true);
        finishTurn();
        break;
    }
  }

  var counter = 0;
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || pending) return;
    input.value = "";
    add("user", text);
    var frame = { type: "message", message: text, conversation_id: conversationId || null, client_id: "w-" + Date.now().toString(36) + "-" + (counter++) };
    pending = frame;
    send.disabled = true;
    working("Working on it…");
    sendFrame(frame);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : send.click(); }
  });

  // ---- Open, close, focus trap.
  function focusables() {
    return Array.prototype.filter.call(panel.querySelectorAll("button,textarea,a[href],[tabindex='0']"), function (n) { return !n.disabled; });
  }
  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    save("open", "1");
    if (!started) { started = true; connect(); }
    input.focus();
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    save("open", null);
    launcher.focus();
  }
  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { e.preventDefault(); close(); return; }
    if (e.key !== "Tab") return;
    var items = focusables();
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1], active = root.activeElement;
    if (e.shiftKey && (active === first || !panel.contains(active))) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && (active === last || !panel.contains(active))) { e.preventDefault(); first.focus(); }
  });

  function mount() {
    document.body.appendChild(host);
    // A returning visitor with a conversation in progress: reopen where they were.
    if (load("open") === "1" && conversationId) open();
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
