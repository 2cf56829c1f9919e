// The widget on a brand's site, in a real headless Chromium against the real `omnify`
// binary: a cited source opens the document at the cited section, and a logged-in
// visitor (the site signs who they are, `data-identity`) finds their conversation
// again on another device.
//
// Run with tests/browser/run.sh (builds the binary, installs what is missing).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { join } from "node:path";
import { artifacts, eventually, launchChromium, request, screenshot, seedDocuments, startServer } from "./helpers.mjs";
import { mkdirSync } from "node:fs";

const IDENTITY_SECRET = "the brand's backend and Omnify share this secret";

let server;
let browser;
let tenant;
/** The brand's own site, on its own origin: `${site.origin}/account?identity=…`. */
let site;

before(async () => {
  // The identity secret is per tenant, and the demo tenant's id exists only once the
  // server has made it: start once to make it, then again with the secret.
  const first = await startServer();
  const demo = await fetch(first.base + "/").then((r) => r.text());
  tenant = demo.match(/data-tenant="([^"]+)"/)[1];
  await first.stop({ keepData: true });
  site = await startSite();
  server = await startServer({
    dataDir: first.dataDir,
    apiKey: first.apiKey,
    env: {
      OMNIFY_KNOWLEDGE__SEED_DIR: seedDocuments,
      [`OMNIFY_WIDGET__TENANTS__${tenant}__IDENTITY_SECRET`]: IDENTITY_SECRET,
      [`OMNIFY_WIDGET__TENANTS__${tenant}__ALLOWED_ORIGINS`]: `["${site.origin}"]`,
    },
  });
  site.omnify = server.base;
  browser = await launchChromium();
  // The seed documents are synced in the background at start.
  await eventually(
    "the seed documents are in the knowledge base",
    () => request(server.base, "GET", "/api/v1/knowledge/documents", undefined, server.apiKey),
    (r) => r.status === 200 && r.body.some((d) => d.document_id.includes("creative-fatigue")),
    30_000,
  );
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (site) site.close();
});

/**
 * The brand's site: one page with the widget installed from the Omnify server, and
 * with `?identity=` the statement of who is logged in, as the site's backend puts it
 * into the page. A real server on its own port, so the widget runs cross-origin as on
 * a customer's site (and Chromium's local-network checks see a local page).
 */
function startSite() {
  const state = { omnify: "" };
  const http = createServer((req, res) => {
    const identity = new URL(req.url, "http://site").searchParams.get("identity");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Brand</title></head>
<body><h1>Your account</h1>
<script src="${state.omnify}/widget.js" data-tenant="${tenant}" data-title="Chat with Brand"${identity ? ` data-identity="${identity}"` : ""} async></script>
</body></html>`);
  });
  return new Promise((resolve) =>
    http.listen(0, "127.0.0.1", () => {
      state.origin = "http://127.0.0.1:" + http.address().port;
      state.close = () => http.close();
      resolve(state);
    }),
  );
}

/** A compact HS256 JWT, as any JWT library on the site's backend would sign it. */
function identityToken(claims) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const unsigned = part({ alg: "HS256", typ: "JWT" }) + "." + part(claims);
  return unsigned + "." + createHmac("sha256", IDENTITY_SECRET).update(unsigned).digest("base64url");
}

/** The brand's account page, for a logged-in user when `identity` is given. */
async function openSite(context, identity) {
  const page = await context.newPage();
  await page.goto(site.origin + "/account" + (identity ? "?identity=" + encodeURIComponent(identity) : ""));
  return page;
}

async function ask(page, question) {
  await page.getByLabel("Message").fill(question);
  await page.getByLabel("Message").press("Enter");
  await page.locator(".msg.user", { hasText: question }).waitFor();
  await page.getByRole("button", { name: "Send" }).and(page.locator(":enabled")).waitFor({ timeout: 20_000 });
}

test("a cited source opens the document at the cited section", async (t) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(() => context.close());
  const page = await context.newPage();
  let passed = false;
  try {
    await page.goto(server.base + "/");
    await page.getByRole("button", { name: /^Chat with/ }).click();
    await ask(page, "how often should we refresh TikTok creatives?");
    const answer = page.locator(".msg.assistant").last();
    assert.match(await answer.innerText(), /Sources:/);

    // Every source is a link to a document page on this server, opening in a new tab.
    const links = answer.locator('a[href*="/kb/"]');
    assert.ok((await links.count()) >= 1, "linked sources: " + (await answer.innerHTML()));
    const link = links.first();
    const href = await link.getAttribute("href");
    assert.ok(href.startsWith(server.base + "/kb/" + tenant + "?doc="), href);
    assert.equal(await link.getAttribute("target"), "_blank");
    const anchor = new URL(href).hash.slice(1);
    assert.ok(anchor.length > 0, "the link points at a section: " + href);
    const label = await link.innerText();

    const [doc] = await Promise.all([context.waitForEvent("page"), link.click()]);
    await doc.waitForLoadState();
    // The cited section is the one the browser targets, highlighted and on screen.
    const section = doc.locator("section:target");
    await section.waitFor();
    assert.equal(await section.getAttribute("id"), anchor);
    assert.ok(label.includes(await section.locator("h2, h3, h4").first().innerText()), label);
    assert.notEqual(
      await section.evaluate((n) => getComputedStyle(n).backgroundColor),
      "rgba(0, 0, 0, 0)",
      "the cited section is highlighted",
    );
    assert.ok(await section.isVisible());
    assert.equal(await doc.locator("script").count(), 0);
    mkdirSync(artifacts, { recursive: true });
    await doc.screenshot({ path: join(artifacts, "cited-document.png") });

    // The same link with its signature changed opens nothing.
    const forged = href.replace(/sig=[0-9a-f]+/, "sig=" + "0".repeat(32));
    const refused = await context.request.get(forged);
    assert.equal(refused.status(), 404);
    passed = true;
  } finally {
    if (!passed) await screenshot(page, "widget-links-failure.png", server.log());
  }
});

test("a logged-in visitor finds their conversation on another device, and only they do", async (t) => {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const dana = identityToken({ sub: "brand-user-42", name: "Dana", exp });
  const question = "how did Meta do last week?";

  // Device one: Dana asks.
  const laptop = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(() => laptop.close());
  const first = await openSite(laptop, dana);
  let passed = false;
  let current = first;
  try {
    await first.getByRole("button", { name: "Chat with Brand" }).click();
    await ask(first, question);
    const answer = await first.locator(".msg.assistant").last().innerText();
    assert.match(answer, /\$[\d,]+/, answer);

    // Device two (nothing in its storage), the same login: the conversation is there.
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    t.after(() => phone.close());
    const second = await openSite(phone, dana);
    current = second;
    await second.getByRole("button", { name: "Chat with Brand" }).click();
    await second.locator(".msg.user", { hasText: question }).waitFor({ timeout: 15_000 });
    assert.equal((await second.locator(".msg.assistant").last().innerText()).trim(), answer.trim());

    // Someone else logged in on that device, and an anonymous visitor: neither sees it.
    const sam = identityToken({ sub: "brand-user-7", name: "Sam", exp });
    for (const identity of [sam, null]) {
      const other = await browser.newContext();
      t.after(() => other.close());
      const page = await openSite(other, identity);
      current = page;
      await page.getByRole("button", { name: "Chat with Brand" }).click();
      await page.getByLabel("Message").waitFor();
      // Give a restored history the time it would take to show.
      await page.waitForTimeout(1000);
      assert.equal(await page.locator(".msg.user", { hasText: question }).count(), 0);
    }

    // A token the site did not sign is refused with a reason, not silently anonymous.
    const forged = identityToken({ sub: "brand-user-42", exp }).replace(/\.[^.]+$/, ".AAAA");
    const refused = await request(server.base, "POST", "/api/v1/widget/session", { tenant, identity: forged });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.match(JSON.stringify(refused.body), /signature/);
    passed = true;
  } finally {
    if (!passed) await screenshot(current, "widget-identity-failure.png", server.log());
  }
});
