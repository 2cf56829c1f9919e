// The web-chat widget in a real headless Chromium, against the real `omnify` binary:
// a visitor opens the demo page, asks about Meta and sees the answer stream in,
// reloads and finds the history, asks for a human, and sees the expert (working
// through the expert API) join and answer live. Keyboard, 360 px width, and
// reconnecting after a dropped socket too.
//
// Run with tests/browser/run.sh (builds the binary, installs what is missing).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { artifacts, launchChromium, request, screenshot, startServer } from "./helpers.mjs";

const EXPERT = { name: "Ana", email: "ana@agency.test" };
const REPLY = "Hi, Ana here. Let's look at your Meta budget **together**.";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

const call = (method, path, body, token = server.apiKey) => request(server.base, method, path, body, token);

/** The conversation id the widget keeps in localStorage. */
const storedConversation = (page) =>
  page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k.endsWith(":conversation")) return localStorage.getItem(k);
    }
    return null;
  });

test("a visitor chats on the demo page, comes back, and talks to an expert", async (t) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  const received = [];
  page.on("websocket", (ws) => ws.on("framereceived", (f) => received.push(String(f.payload))));

  let passed = false;
  try {
    await page.goto(server.base + "/");
    await page.getByRole("heading", { name: "Demo Brand" }).waitFor();
    const launcher = page.getByRole("button", { name: "Chat with Demo Brand" });
    await launcher.click();
    const dialog = page.getByRole("dialog", { name: "Chat with Demo Brand" });
    await dialog.waitFor();
    assert.equal(await launcher.getAttribute("aria-expanded"), "true");
    const input = page.getByLabel("Message");
    // Focus moves into the panel on open.
    assert.equal(await input.evaluate((n) => n.getRootNode().activeElement === n), true);

    await input.fill("how did Meta do last week?");
    await input.press("Enter");
    await page.locator(".msg.user", { hasText: "how did Meta do last week?" }).waitFor();
    const answer = page.locator(".msg.assistant").first();
    await answer.waitFor();
    await page.getByRole("button", { name: "Send" }).and(page.locator(":enabled")).waitFor({ timeout: 15_000 });
    const text = await answer.innerText();
    assert.match(text, /\$[\d,]+/, "the answer has numbers: " + text);
    const frames = received.map((p) => JSON.parse(p));
    assert.ok(frames.filter((f) => f.type === "delta").length >= 2, "the answer streamed in pieces");
    assert.ok(frames.some((f) => f.type === "tool_call" && f.name === "get_marketing_performance"));
    // Markdown was rendered as elements, not markup strings; the only image is the chart.
    assert.equal(await answer.locator("script, iframe").count(), 0);
    assert.equal(await answer.locator("img").count(), await answer.locator("figure.chart img").count());

    // The tool's daily spend chart shows under the answer: a real, loaded SVG image.
    const chartFrame = frames.find((f) => f.type === "chart");
    assert.ok(chartFrame, "a chart frame: " + JSON.stringify(frames.map((f) => f.type)));
    const chart = answer.locator("figure.chart img");
    await chart.waitFor();
    assert.match(await chart.getAttribute("alt"), /Daily spend and revenue/);
    const loaded = (img) => img.evaluate((n) => (n.complete ? n.naturalWidth : 0));
    await page.waitForFunction((n) => n.complete && n.naturalWidth > 0, await chart.elementHandle(), { timeout: 10_000 });
    assert.ok((await loaded(chart)) >= 400, "the chart image decoded");
    const chartBox = await chart.boundingBox();
    const answerBox = await answer.locator("div").first().boundingBox();
    assert.ok(chartBox.y >= answerBox.y + answerBox.height - 1, "the chart is under the answer's text");
    mkdirSync(artifacts, { recursive: true });
    await chart.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, "widget-chart.png") });

    // A reload restores the conversation (the panel reopens on it).
    await page.reload();
    await page.getByRole("dialog", { name: "Chat with Demo Brand" }).waitFor();
    await page.locator(".msg.user", { hasText: "how did Meta do last week?" }).waitFor();
    const restored = await page.locator(".msg.assistant").first().innerText();
    assert.equal(restored.trim(), text.trim(), "the same answer, from history");
    const restoredChart = page.locator(".msg.assistant").first().locator("figure.chart img");
    await restoredChart.waitFor();
    await page.waitForFunction((n) => n.complete && n.naturalWidth > 0, await restoredChart.elementHandle(), { timeout: 10_000 });
    assert.match(await restoredChart.getAttribute("alt"), /Daily spend and revenue/, "the chart, from history");

    // Ask for a person.
    await page.getByLabel("Message").fill("Can I talk to a human about our Meta budget?");
    await page.getByLabel("Message").press("Enter");
    await page.locator(".msg.assistant", { hasText: "asked a human expert" }).waitFor();

    // An expert takes it through the expert API; the widget shows it live.
    const conversationId = await storedConversation(page);
    assert.match(conversationId || "", /^v-[0-9a-f]{32}-/, "a visitor-scoped conversation id");
    const created = await call("POST", "/api/v1/experts", { name: EXPERT.name, email: EXPERT.email, skills: ["paid_social"] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const expertToken = created.body.token;
    const queue = await call("GET", "/api/v1/expert/queue", undefined, expertToken);
    assert.equal(queue.status, 200, JSON.stringify(queue.body));
    const item = queue.body.escalations.find((e) => e.conversation_id === conversationId);
    assert.ok(item, "the escalation is queued: " + JSON.stringify(queue.body));
    const id = item.id;
    const claimed = await call("POST", `/api/v1/expert/escalations/${id}/claim`, {}, expertToken);
    assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
    await page.locator(".note", { hasText: "Ana joined" }).waitFor();
    const replied = await call("POST", `/api/v1/expert/escalations/${id}/messages`, { text: REPLY }, expertToken);
    assert.ok([200, 201].includes(replied.status), JSON.stringify(replied.body));
    const expertMessage = page.locator(".msg.expert", { hasText: "Let's look at your Meta budget" });
    await expertMessage.waitFor();
    assert.equal(await expertMessage.locator("strong", { hasText: "together" }).count(), 1);
    assert.match(await expertMessage.innerText(), /^Ana/);

    // Markup in messages stays text; only http(s) links become links.
    const hostile = '<img src=x onerror="window.__pwned=1"> [click](javascript:window.__pwned=1) [site](https://example.com/docs)';
    const sent = await call("POST", `/api/v1/expert/escalations/${id}/messages`, { text: hostile }, expertToken);
    assert.ok([200, 201].includes(sent.status), JSON.stringify(sent.body));
    const hostileMessage = page.locator(".msg.expert", { hasText: "<img src=x" });
    await hostileMessage.waitFor();
    assert.equal(await hostileMessage.locator("img").count(), 0);
    const links = hostileMessage.locator("a");
    assert.equal(await links.count(), 1);
    assert.equal(await links.first().getAttribute("href"), "https://example.com/docs");
    assert.equal(await links.first().getAttribute("rel"), "noopener noreferrer nofollow");
    assert.equal(await page.evaluate(() => window.__pwned), undefined);

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "widget.png") });

    // Escape closes the panel and gives focus back to the launcher.
    await page.getByLabel("Message").focus();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "hidden" });
    assert.equal(await launcher.getAttribute("aria-expanded"), "false");
    assert.equal(await launcher.evaluate((n) => n.getRootNode().activeElement === n), true);
    assert.deepEqual(pageErrors, [], "no script errors on the page");
    passed = true;
  } finally {
    if (!passed) await screenshot(page, "widget-failure.png", server.log());
  }
});

test("the widget is keyboard-usable and fits a 360 px screen", async (t) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  t.after(() => context.close());
  const page = await context.newPage();
  let passed = false;
  try {
    await page.goto(server.base + "/");
    // Reach the launcher from the keyboard.
    const launcher = page.getByRole("button", { name: "Chat with Demo Brand" });
    await launcher.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Chat with Demo Brand" });
    await dialog.waitFor();
    const box = await dialog.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 360, "the panel fits: " + JSON.stringify(box));
    // Tab cycles inside the panel (focus trap).
    const inPanel = () =>
      page.evaluate(() => {
        const host = document.querySelector("[data-omnify-widget]");
        const active = host.shadowRoot.activeElement;
        return !!active && !!active.closest(".panel");
      });
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press("Tab");
      assert.equal(await inPanel(), true, "focus stays in the panel after " + (i + 1) + " tabs");
    }
    await page.keyboard.press("Shift+Tab");
    assert.equal(await inPanel(), true);
    // Focus is visible.
    const outline = await page.evaluate(() => {
      const host = document.querySelector("[data-omnify-widget]");
      return getComputedStyle(host.shadowRoot.activeElement).outlineStyle;
    });
    assert.notEqual(outline, "none");
    await page.screenshot({ path: join(artifacts, "widget-360.png") });
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    passed = true;
  } finally {
    if (!passed) await screenshot(page, "widget-360-failure.png", server.log());
  }
});

test("after a dropped socket the widget reconnects and re-subscribes", async (t) => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  t.after(() => context.close());
  const page = await context.newPage();
  // Proxy the socket so the test can cut it; record what the page sends on each connection.
  const connections = [];
  await page.routeWebSocket(/\/api\/v1\/ws/, (ws) => {
    const sent = [];
    connections.push({ ws, sent });
    const upstream = ws.connectToServer();
    ws.onMessage((m) => {
      sent.push(JSON.parse(m));
      upstream.send(m);
    });
    upstream.onMessage((m) => ws.send(m));
  });
  let passed = false;
  try {
    await page.goto(server.base + "/");
    await page.getByRole("button", { name: "Chat with Demo Brand" }).click();
    await page.getByLabel("Message").fill("Can I talk to a human please?");
    await page.getByLabel("Message").press("Enter");
    await page.locator(".msg.assistant", { hasText: "asked a human expert" }).waitFor();
    assert.equal(connections.length, 1);
    const conversationId = await storedConversation(page);
    assert.ok(conversationId);

    // Drop the connection: the widget says so, reconnects and subscribes again.
    await connections[0].ws.close({ code: 1006 });
    await page.getByText("Reconnecting…").waitFor();
    const deadline = Date.now() + 10_000;
    while (!(connections.length > 1 && connections[1].sent.some((f) => f.type === "subscribe")) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(connections.length > 1, "a second connection");
    assert.deepEqual(connections[1].sent[0], { type: "subscribe", conversation_id: conversationId });
    await page.getByText("Reconnecting…").waitFor({ state: "hidden" });

    // Events after the reconnect still arrive live.
    const created = await call("POST", "/api/v1/experts", { name: "Bo", email: "bo@agency.test", skills: [] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const queue = await call("GET", "/api/v1/expert/queue", undefined, created.body.token);
    const item = queue.body.escalations.find((e) => e.conversation_id === conversationId);
    assert.ok(item, JSON.stringify(queue.body));
    const claimed = await call("POST", `/api/v1/expert/escalations/${item.id}/claim`, {}, created.body.token);
    assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
    await page.locator(".note", { hasText: "Bo joined" }).waitFor();
    passed = true;
  } finally {
    if (!passed) await screenshot(page, "widget-reconnect-failure.png", server.log());
  }
});
