// The expert console in a real headless Chromium, against the real `omnify` binary:
// an admin gives an expert a password, a user asks for a human, and the expert logs
// in, finds the escalation in the queue with its countdown, claims it, replies and
// hands the conversation back to the bot. The API then confirms what the page did.
//
// Run with tests/browser/run.sh (builds the binary, installs what is missing).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { artifacts, eventually, launchChromium, request, screenshot, startServer } from "./helpers.mjs";

const EXPERT = { name: "Ana", email: "ana@agency.test", password: "correct horse battery staple" };
const ASK = "Can I talk to a human about our Meta budget?";
const REPLY = "Let's keep the Meta budget flat until December.";
const SUMMARY = "Keep the Meta budget flat until December; revisit after Black Friday.";

let server;
let base;
let apiKey;
let browser;

function call(method, path, body, token = apiKey) {
  return request(base, method, path, body, token);
}

async function failureShot(page, name) {
  await screenshot(page, name, server ? server.log() : "");
}

async function logIn(context) {
  const page = await context.newPage();
  await page.goto(base + "/console");
  await page.getByLabel("E-mail").fill(EXPERT.email);
  await page.getByLabel("Password").fill(EXPERT.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByText("Logged in as " + EXPERT.name).waitFor();
  return page;
}

before(async () => {
  server = await startServer();
  base = server.base;
  apiKey = server.apiKey;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test("an expert logs in, claims, replies and hands back to the bot in the console", async (t) => {
  // An admin adds the expert with a console password.
  const created = await call("POST", "/api/v1/experts", {
    name: EXPERT.name,
    email: EXPERT.email,
    skills: ["paid_social"],
    password: EXPERT.password,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  // A user asks for a person.
  const chat = await call("POST", "/api/v1/chat", { message: ASK });
  assert.equal(chat.status, 200, JSON.stringify(chat.body));
  assert.match(chat.body.reply, /asked a human expert/);
  const conversationId = chat.body.conversation_id;

  const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  t.after(() => context.close());

  let passed = false;
  try {
    // Without a session the console is the login form; a wrong password says so.
    await page.goto(base + "/console");
    await page.getByLabel("E-mail").fill(EXPERT.email);
    await page.getByLabel("Password").fill("not the password at all");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByText("Wrong e-mail or password").waitFor();

    await page.getByLabel("Password").fill(EXPERT.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByText("Logged in as Ana").waitFor();
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "omnify_expert");
    assert.ok(session, "the session cookie is set");
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, "Strict");
    assert.match(session.value, /^oxs_/, "a session id, not the expert's API token");

    // The escalation is in the queue, with a claim deadline counting down.
    const item = page.locator(".queue-item", { hasText: "Asked for a human" });
    await item.waitFor();
    const text = await item.innerText();
    assert.match(text, /Demo Brand/, "the tenant by name");
    assert.match(text, /skill: paid_social/);
    const sla = item.locator(".sla");
    const first = await sla.innerText();
    assert.match(first, /^\d+m \d\ds left$/, first);
    await eventually(
      "the countdown ticks",
      () => sla.innerText(),
      (now) => now !== first,
      5_000,
    );

    // Open it from the keyboard.
    await item.focus();
    await page.keyboard.press("Enter");
    await page.locator("#detail-title", { hasText: "Asked for a human" }).waitFor();
    await page.locator(".msg.role-user", { hasText: ASK }).waitFor();
    await page.locator(".msg.role-assistant", { hasText: "asked a human expert" }).waitFor();
    await page.locator("#events li", { hasText: "routed to Ana" }).waitFor();

    await page.getByRole("button", { name: "Claim" }).click();
    await page.getByText("You hold this conversation.").waitFor();
    await page.locator(".msg.role-system", { hasText: "Ana joined the conversation." }).waitFor();

    await page.getByLabel("Reply to the user").fill(REPLY);
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator(".msg.role-expert", { hasText: REPLY }).waitFor();
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "console.png"), fullPage: true });

    await page.getByLabel(/Resolution summary/).fill(SUMMARY);
    await page.getByRole("button", { name: "Resolve" }).click();
    await page.getByText("Resolved: handed back to the bot.").waitFor();
    await page.getByText("This escalation is resolved.").waitFor();
    await page.locator(".msg.role-system", { hasText: "handed the conversation back" }).waitFor();
    await eventually(
      "the queue empties",
      () => page.locator(".queue-item").count(),
      (n) => n === 0,
    );
    assert.deepEqual(pageErrors, [], "no script errors on the page");
    passed = true;
  } finally {
    if (!passed) await failureShot(page, "console-failure.png");
  }

  // What the page did, seen through the API.
  const conversation = await call("GET", "/api/v1/conversations/" + conversationId);
  assert.equal(conversation.status, 200, JSON.stringify(conversation.body));
  assert.equal(conversation.body.mode, "bot");
  const expertMessages = conversation.body.messages.filter((m) => m.role === "expert");
  assert.deepEqual(
    expertMessages.map((m) => [m.author, m.text]),
    [["Ana", REPLY]],
  );

  // Logging out ends the session: the console shows the login form again.
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("button", { name: "Log in" }).waitFor();
});

test("write actions above the limits are approved or rejected in the console", async (t) => {
  // Two budget changes big enough to need an expert, each confirmed by the user.
  const proposals = [];
  for (const campaign of ["ASC - Evergreen", "Prospecting - Broad"]) {
    const asked = await call("POST", "/api/v1/chat", {
      message: `raise the daily budget of the Meta campaign "${campaign}" by 50%`,
    });
    assert.equal(asked.status, 200, JSON.stringify(asked.body));
    assert.match(asked.body.reply, /Proposed, not done yet/);
    const confirmed = await call("POST", "/api/v1/chat", {
      conversation_id: asked.body.conversation_id,
      message: "yes, do it",
    });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    proposals.push({ campaign, conversation: asked.body.conversation_id });
  }

  const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
  t.after(() => context.close());
  const page = await logIn(context);
  let passed = false;
  try {
    const evergreen = page.locator(".action", { hasText: "ASC - Evergreen" });
    const broad = page.locator(".action", { hasText: "Prospecting - Broad" });
    await evergreen.waitFor();
    await broad.waitFor();
    const shown = await evergreen.innerText();
    for (const part of ["Before", "After", "Expected impact", "Risks", "Alternatives", "Confidence"]) {
      assert.ok(shown.includes(part), part + " is shown: " + shown);
    }
    assert.match(shown, /daily_budget/);

    await evergreen.getByRole("button", { name: "Approve" }).click();
    await page.getByText("Approved.").waitFor();
    await evergreen.waitFor({ state: "detached" });

    // Rejecting needs a reason.
    await broad.getByRole("button", { name: "Reject" }).click();
    await page.getByText("Say why you reject it.").waitFor();
    await broad.getByLabel("Reason to reject").fill("Prospecting is already saturated this week.");
    await broad.getByRole("button", { name: "Reject" }).click();
    await page.getByText("Rejected.").waitFor();
    await broad.waitFor({ state: "detached" });
    await page.getByText("No write actions are waiting for you.").waitFor();
    passed = true;
  } finally {
    if (!passed) await failureShot(page, "actions-failure.png");
  }

  const audit = await call("GET", "/api/v1/audit");
  const events = audit.body.entries.map((e) => e.event);
  assert.ok(events.includes("approved") && events.includes("rejected"), JSON.stringify(events));
  const [approved, rejected] = await Promise.all(
    proposals.map((p) => call("GET", "/api/v1/conversations/" + p.conversation)),
  );
  const last = (c) => c.body.messages[c.body.messages.length - 1].text;
  assert.match(last(approved), /^Done:/);
  assert.match(last(rejected), /saturated|reject/i);
});
