// The Omnify expert console: a thin page over the expert API (/api/v1/expert/…),
// authenticated by the session cookie the login form set. No framework, no
// third-party code. Everything the server sends is rendered with textContent,
// never as HTML.
"use strict";

(function () {
  const REFRESH_MS = 4000;
  const LABELS = {
    human_requested: "Asked for a human",
    high_stakes_decision: "High-stakes decision",
    low_confidence: "Low confidence",
    frustration: "Frustration",
    compliance_privacy: "Compliance / privacy",
    integration_failure: "Integration failure",
    billing_account: "Billing / account",
  };

  const state = {
    me: null,
    selected: null,
    detail: null,
    queueSig: "",
    actionsSig: "",
    detailSig: "",
    busy: false,
    // Claim deadlines in this browser's clock, from the queue's seconds-left.
    deadlines: {},
    tenantNames: {},
  };

  const $ = (id) => document.getElementById(id);

  /** Build an element; `text` is set as textContent, never parsed. */
  function el(tag, opts, children) {
    const node = document.createElement(tag);
    const o = opts || {};
    if (o.className) node.className = o.className;
    if (o.text !== undefined && o.text !== null) node.textContent = String(o.text);
    if (o.attrs) {
      for (const [k, v] of Object.entries(o.attrs)) node.setAttribute(k, String(v));
    }
    for (const child of children || []) {
      if (child) node.appendChild(child);
    }
    return node;
  }

  function notice(message, isError) {
    const n = $("notice");
    n.textContent = message;
    n.className = isError ? "notice error" : "notice ok";
    n.setAttribute("role", isError ? "alert" : "status");
    n.hidden = false;
  }

  async function api(method, path, body) {
    const init = { method, credentials: "same-origin", headers: { accept: "application/json" } };
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    if (res.status === 401) {
      // The session ended: the page shows the login form again.
      window.location.assign("/console");
      throw new Error("Your session ended; log in again.");
    }
    if (res.status === 204) return null;
    let data = null;
    try {
      data = await res.json();
    } catch (_) {
      data = null;
    }
    if (!res.ok) {
      const msg = data && data.error && data.error.message ? data.error.message : "HTTP " + res.status;
      throw new Error(msg);
    }
    return data;
  }

  // ---- time -------------------------------------------------------------

  function span(secs) {
    const s = Math.abs(Math.trunc(secs));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const r = s % 60;
    const pad = (x) => String(x).padStart(2, "0");
    return h > 0 ? h + "h " + pad(m) + "m " + pad(r) + "s" : m + "m " + pad(r) + "s";
  }

  function when(micros) {
    return new Date(Math.floor(micros / 1000)).toLocaleString();
  }

  /** A countdown element; `tick` keeps it current from its deadline. */
  function countdown(deadlineMs) {
    const node = el("span", { className: "sla", attrs: { "data-deadline": deadlineMs } });
    paintCountdown(node, Date.now());
    return node;
  }

  function paintCountdown(node, now) {
    const left = (Number(node.getAttribute("data-deadline")) - now) / 1000;
    const overdue = left < 0;
    node.textContent = overdue ? "overdue by " + span(left) : span(left) + " left";
    node.classList.toggle("overdue", overdue);
    node.classList.toggle("soon", !overdue && left < 300);
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll(".sla[data-deadline]").forEach((n) => paintCountdown(n, now));
  }

  // ---- queue ------------------------------------------------------------

  async function loadQueue() {
    const data = await api("GET", "/api/v1/expert/queue");
    state.me = data.expert;
    $("me-name").textContent = "Logged in as " + data.expert.name;
    const select = $("status-select");
    if (document.activeElement !== select) select.value = data.expert.status;
    const now = Date.now();
    const items = data.escalations.map((e) => ({ ...e, deadline: now + e.sla_seconds_left * 1000 }));
    for (const e of items) {
      state.deadlines[e.id] = e.deadline;
      state.tenantNames[e.tenant_id] = e.tenant_name;
    }
    const sig = JSON.stringify(
      items.map((e) => [e.id, e.status, e.expert_id, e.assigned_expert_id, e.urgency, e.reason, state.selected]),
    );
    if (sig === state.queueSig) {
      // Same escalations: only move the deadlines (re-routing can change them).
      for (const e of items) {
        const node = document.querySelector('.queue [data-id="' + CSS.escape(e.id) + '"] .sla');
        if (node && e.status === "waiting") node.setAttribute("data-deadline", e.deadline);
      }
      return;
    }
    state.queueSig = sig;
    renderQueue(items);
  }

  function renderQueue(items) {
    const list = $("queue");
    const focusedId = document.activeElement && document.activeElement.getAttribute("data-open");
    list.replaceChildren();
    $("queue-count").textContent = "(" + items.length + ")";
    $("queue-empty").hidden = items.length > 0;
    for (const e of items) {
      const mine = e.expert_id && state.me && e.expert_id === state.me.id;
      const holder =
        e.status === "claimed" ? (mine ? "claimed by you" : "claimed by a colleague") : e.assigned_to_me ? "routed to you" : "waiting";
      const button = el(
        "button",
        {
          className: "queue-item",
          attrs: { type: "button", "data-open": e.id, "aria-current": state.selected === e.id ? "true" : "false" },
        },
        [
          el("span", { className: "row" }, [
            el("span", { className: "kind", text: LABELS[e.kind] || e.kind }),
            el("span", { className: "badge urgency-" + e.urgency, text: e.urgency }),
          ]),
          el("span", { className: "reason", text: e.reason }),
          el("span", { className: "row small" }, [
            el("span", { text: e.tenant_name || e.tenant_id }),
            el("span", { text: "skill: " + e.skill }),
            el("span", { text: holder }),
          ]),
          el("span", { className: "row small" }, [
            e.status === "waiting" ? countdown(e.deadline) : el("span", { className: "sla-held", text: "claimed" }),
          ]),
        ],
      );
      button.addEventListener("click", () => openEscalation(e.id, true));
      list.appendChild(el("li", { attrs: { "data-id": e.id } }, [button]));
    }
    if (focusedId) {
      const again = list.querySelector('[data-open="' + CSS.escape(focusedId) + '"]');
      if (again) again.focus();
    }
  }

  // ---- escalation detail ------------------------------------------------

  async function openEscalation(id, focus) {
    state.selected = id;
    state.detailSig = "";
    $("reply-text").value = "";
    $("resolve-summary").value = "";
    $("resolve-close").checked = false;
    await loadDetail();
    state.queueSig = "";
    await loadQueue().catch(() => {});
    if (focus) $("detail").focus();
  }

  async function loadDetail() {
    if (!state.selected) return;
    const data = await api("GET", "/api/v1/expert/escalations/" + encodeURIComponent(state.selected));
    state.detail = data;
    const sig = JSON.stringify([
      data.escalation,
      data.messages.map((m) => m.id),
      data.tool_calls.length,
      data.events.length,
    ]);
    if (sig === state.detailSig) return;
    state.detailSig = sig;
    renderDetail(data);
  }

  function fact(list, name, value) {
    list.appendChild(el("dt", { text: name }));
    const dd = el("dd");
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = value === null || value === undefined || value === "" ? "—" : String(value);
    list.appendChild(dd);
  }

  function roleLabel(m) {
    switch (m.role) {
      case "user":
        return "User";
      case "assistant":
        return "Omnify (bot)";
      case "expert":
        return "Expert · " + m.author;
      case "system":
        return "System";
      default:
        return m.role;
    }
  }

  function renderDetail(data) {
    const e = data.escalation;
    const mine = state.me && e.expert_id === state.me.id;
    $("detail-title").textContent = (LABELS[e.kind] || e.kind) + ": " + e.reason;
    $("detail-body").hidden = false;

    const facts = $("detail-facts");
    facts.replaceChildren();
    fact(facts, "Status", e.status);
    fact(facts, "Tenant", state.tenantNames[e.tenant_id] || e.tenant_id);
    fact(facts, "Urgency", e.urgency);
    fact(facts, "Skill", e.skill);
    fact(facts, "Source", e.source);
    fact(facts, "Opened", when(e.created_at));
    if (e.status === "waiting") {
      fact(facts, "Claim deadline", countdown(state.deadlines[e.id] || e.sla_due_at / 1000));
    }
    fact(facts, "Re-routed", e.reroutes + " time(s)");
    if (e.resolution) fact(facts, "Resolution", e.resolution);

    const claim = $("claim");
    claim.hidden = e.status !== "waiting";
    claim.disabled = e.status !== "waiting";
    const held = $("held-note");
    if (e.status === "waiting") held.textContent = "Claim it to reply; the user is told you joined.";
    else if (e.status === "claimed") held.textContent = mine ? "You hold this conversation." : "A colleague holds this conversation.";
    else held.textContent = "This escalation is " + e.status + ".";
    const canWrite = e.status === "claimed" && mine;
    for (const id of ["reply-text", "send", "resolve-summary", "resolve-close", "resolve"]) {
      $(id).disabled = !canWrite;
    }
    // Replying and resolving only make sense while the escalation is open.
    const open = e.status === "waiting" || e.status === "claimed";
    $("reply-form").hidden = !open;
    $("resolve-form").hidden = !open;

    const messages = $("messages");
    messages.replaceChildren();
    for (const m of data.messages) {
      messages.appendChild(
        el("li", { className: "msg role-" + m.role, attrs: { "data-role": m.role } }, [
          el("div", { className: "msg-head" }, [
            el("span", { className: "who", text: roleLabel(m) }),
            el("time", { text: when(m.created_at_us) }),
          ]),
          el("p", { className: "msg-text", text: m.text }),
        ]),
      );
    }
    if (data.messages.length === 0) messages.appendChild(el("li", { className: "muted", text: "No messages." }));

    const tools = $("tool-calls");
    tools.replaceChildren();
    for (const t of data.tool_calls) {
      tools.appendChild(
        el("li", { className: t.ok ? "tool ok" : "tool failed" }, [
          el("div", { className: "row" }, [
            el("code", { text: t.name }),
            el("span", { className: "badge " + (t.ok ? "good" : "bad"), text: t.ok ? "ok" : "failed" }),
            el("span", { className: "muted small", text: t.duration_ms + " ms" }),
          ]),
          el("p", { className: "summary", text: t.result_summary }),
          el("details", {}, [el("summary", { text: "Arguments" }), el("pre", { text: t.arguments })]),
        ]),
      );
    }
    if (data.tool_calls.length === 0) tools.appendChild(el("li", { className: "muted", text: "No tool calls." }));

    const events = $("events");
    events.replaceChildren();
    for (const ev of data.events) {
      events.appendChild(
        el("li", {}, [
          el("time", { className: "muted small", text: when(ev.created_at) }),
          el("span", { className: "badge", text: ev.kind }),
          el("span", { text: ev.detail }),
        ]),
      );
    }
  }

  async function act(button, work, okMessage) {
    if (state.busy) return;
    state.busy = true;
    button.disabled = true;
    try {
      await work();
      if (okMessage) notice(okMessage, false);
    } catch (err) {
      notice(err.message, true);
    } finally {
      state.busy = false;
      button.disabled = false;
      state.detailSig = "";
      await Promise.allSettled([loadDetail(), loadQueue()]);
    }
  }

  function escalationPath(suffix) {
    return "/api/v1/expert/escalations/" + encodeURIComponent(state.selected) + suffix;
  }

  // ---- write actions awaiting approval ----------------------------------

  function change(a) {
    const c = a.change;
    const show = (v) => (typeof v === "string" ? v : JSON.stringify(v));
    const list = el("dl", { className: "facts" });
    fact(list, "Platform", c.platform + " · " + c.account);
    fact(list, "Object", (c.object_name || c.object_id) + " (" + c.kind + ")");
    fact(list, "Before", show(c.before));
    fact(list, "After", show(c.after));
    if (c.change_pct !== null && c.change_pct !== undefined) fact(list, "Change", c.change_pct.toFixed(1) + " %");
    if (c.daily_amount_change !== null && c.daily_amount_change !== undefined) {
      fact(list, "Daily change", c.daily_amount_change.toFixed(2) + " " + c.currency);
    }
    fact(list, "Expected impact", c.expected_impact);
    fact(list, "Confidence", Math.round(c.confidence * 100) + " %");
    const items = (xs) => {
      const ul = el("ul");
      for (const x of xs) ul.appendChild(el("li", { text: x }));
      if (xs.length === 0) ul.appendChild(el("li", { className: "muted", text: "none given" }));
      return ul;
    };
    fact(list, "Risks", items(c.risks));
    fact(list, "Alternatives", items(c.alternatives));
    return list;
  }

  async function loadActions() {
    const data = await api("GET", "/api/v1/expert/actions");
    const sig = JSON.stringify(data.actions.map((a) => [a.id, a.status]));
    if (sig === state.actionsSig) return;
    state.actionsSig = sig;
    const list = $("actions");
    list.replaceChildren();
    $("actions-count").textContent = "(" + data.actions.length + ")";
    $("actions-empty").hidden = data.actions.length > 0;
    for (const a of data.actions) {
      const reasonId = "reject-reason-" + a.id;
      const approve = el("button", { className: "primary", text: "Approve", attrs: { type: "button" } });
      const reason = el("input", { attrs: { id: reasonId, type: "text", required: "", autocomplete: "off" } });
      const reject = el("button", { text: "Reject", attrs: { type: "button" } });
      approve.addEventListener("click", () =>
        actOnAction(approve, "/api/v1/expert/actions/" + encodeURIComponent(a.id) + "/approve", undefined, "Approved."),
      );
      reject.addEventListener("click", () => {
        if (!reason.value.trim()) {
          notice("Say why you reject it.", true);
          reason.focus();
          return;
        }
        actOnAction(reject, "/api/v1/expert/actions/" + encodeURIComponent(a.id) + "/reject", { reason: reason.value.trim() }, "Rejected.");
      });
      list.appendChild(
        el("li", { className: "action", attrs: { "data-action-id": a.id } }, [
          el("h3", { text: a.tool + " — " + (a.change.object_name || a.change.object_id) }),
          el("p", { className: "muted small", text: "Proposed " + when(a.created_at) }),
          change(a),
          el("div", { className: "row" }, [approve]),
          el("div", { className: "stack" }, [el("label", { text: "Reason to reject", attrs: { for: reasonId } }), reason]),
          el("div", { className: "row" }, [reject]),
        ]),
      );
    }
  }

  async function actOnAction(button, path, body, okMessage) {
    button.disabled = true;
    try {
      await api("POST", path, body === undefined ? {} : body);
      notice(okMessage, false);
    } catch (err) {
      notice(err.message, true);
    } finally {
      button.disabled = false;
      state.actionsSig = "";
      await loadActions().catch((err) => notice(err.message, true));
    }
  }

  // ---- wiring -----------------------------------------------------------

  function wire() {
    $("claim").addEventListener("click", () =>
      act($("claim"), () => api("POST", escalationPath("/claim"), {}), "Claimed. The user was told you joined."),
    );
    $("reply-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = $("reply-text").value.trim();
      if (!text) return;
      act(
        $("send"),
        async () => {
          await api("POST", escalationPath("/messages"), { text });
          $("reply-text").value = "";
        },
        "Sent.",
      );
    });
    $("resolve-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const summary = $("resolve-summary").value.trim();
      if (!summary) return;
      const close = $("resolve-close").checked;
      act(
        $("resolve"),
        () => api("POST", escalationPath("/resolve"), { summary, close }),
        close ? "Resolved and closed." : "Resolved: handed back to the bot.",
      );
    });
    $("status-select").addEventListener("change", async (ev) => {
      try {
        await api("PUT", "/api/v1/expert/status", { status: ev.target.value });
        notice("Status: " + ev.target.value + ".", false);
      } catch (err) {
        notice(err.message, true);
      }
    });
  }

  async function refresh() {
    const results = await Promise.allSettled([loadQueue(), loadActions(), state.busy ? null : loadDetail()]);
    const failed = results.find((r) => r.status === "rejected");
    if (failed) notice("Could not refresh: " + failed.reason.message, true);
  }

  document.addEventListener("DOMContentLoaded", () => {
    wire();
    refresh();
    setInterval(refresh, REFRESH_MS);
    setInterval(tick, 1000);
  });
})();
