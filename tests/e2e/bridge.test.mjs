// End-to-end: the team's own https pages. An origin allowed in the options page gets the
// content-script bridge (and only it: an origin never allowed has none, a removed one loses
// it); the first request asks the person in the popup (allow / deny); the page client
// (www/tiktok-shop-connect.js) finds the bridge and makes a GET call through it; and a page of
// another origin — an iframe inside the allowed page, an opener — cannot read its replies.
// Pages are served through Playwright's routing (no network, no certificate).

import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';

import {
  REPO_ROOT, connectWithAutoApprove, extensionCopyWith, extensionSuite, saveScreenshot, stopServiceWorker, waitUntil,
} from './helpers.mjs';

const TEAM = 'https://ops.example-team.com';
const OTHER = 'https://other.example-team.net';
const SHOPS_PATH = '/authorization/202309/shops';
const SCREENSHOTS = '/tmp/bridge-helper';

// Host access granted up front (headless Chromium cannot answer chrome.permissions.request's
// prompt; permissions.request then resolves true at once), to the other origin too: what keeps
// the bridge off it is that nobody allowed it, not a missing permission.
const extensionDir = await extensionCopyWith({ hostPermissions: [`${TEAM}/*`, `${OTHER}/*`] });
const env = extensionSuite({}, { extensionDir });
before(async () => {
  await env.start();
  for (const origin of [TEAM, OTHER]) await env.context.route(`${origin}/**`, (route) => serve(origin, route));
});
after(async () => {
  await env.stop();
  await rm(path.dirname(extensionDir), { recursive: true, force: true });
});
beforeEach(env.reset);

const CONTENT_TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
/** What an iframe of another origin (or an opener) does: tries the bridge's channel, records every message it gets. */
const PROBE_PAGE = `<!doctype html><title>probe</title><script>
  window.received = [];
  addEventListener('message', (event) => window.received.push(event.data));
  window.tryBridge = (target) => {
    for (const data of [
      { channel: 'tiktok-shop-connect', kind: 'hello', id: 'evil-hello' },
      { channel: 'tiktok-shop-connect', kind: 'request', id: 'evil-request', message: { type: 'accounts' } },
    ]) target.postMessage(data, '*');
  };
</script>`;

/** Serves www/ on both origins, plus `/with-frame.html` (www/ with an iframe of the other origin) and `/probe.html`. */
async function serve(origin, route) {
  const { pathname } = new URL(route.request().url());
  if (pathname === '/probe.html') return route.fulfill({ status: 200, contentType: 'text/html', body: PROBE_PAGE });
  if (pathname === '/with-frame.html') {
    const html = await readFile(path.join(REPO_ROOT, 'www', 'index.html'), 'utf8');
    const other = origin === TEAM ? OTHER : TEAM;
    const body = html.replace('</main>', `<iframe id="probe" src="${other}/probe.html"></iframe></main>`);
    return route.fulfill({ status: 200, contentType: 'text/html', body });
  }
  const file = pathname === '/' ? 'index.html' : pathname.slice(1);
  if (!/^[\w.-]+$/.test(file)) return route.fulfill({ status: 404, body: 'not found' });
  try {
    const body = await readFile(path.join(REPO_ROOT, 'www', file));
    return route.fulfill({ status: 200, contentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', body });
  } catch {
    return route.fulfill({ status: 404, body: 'not found' });
  }
}

/** Saves a screenshot under test-output/e2e/ and copies it to /tmp/bridge-helper/. */
async function screenshot(page, name) {
  const file = await saveScreenshot(page, name);
  await mkdir(SCREENSHOTS, { recursive: true });
  await copyFile(file, path.join(SCREENSHOTS, `${name}.png`));
}

// Asked from an extension page (the control page), which outlives any worker instance.
const registered = () => env.controlPage.evaluate(async () => (await chrome.scripting.getRegisteredContentScripts())
  .map(({ id, matches, js, allFrames, persistAcrossSessions }) => ({ id, matches, js, allFrames, persistAcrossSessions })));
const badgeText = () => env.controlPage.evaluate(() => chrome.action.getBadgeText({}));
/** Records every message of the bridge's channel the page's window sees (before its scripts run). */
function recordChannel() {
  window.channelLog = [];
  window.addEventListener('message', (event) => {
    if (event.data?.channel === 'tiktok-shop-connect') window.channelLog.push({ ...event.data, fromSelf: event.source === window });
  });
}

/** Opens `url` with the channel recorder in place. */
async function openPage(url) {
  const page = await env.context.newPage();
  await page.setViewportSize({ width: 900, height: 900 });
  await page.addInitScript(recordChannel);
  await page.goto(url);
  return page;
}

/** Allows `typed` in the options page, as a person does; returns the options page. */
async function allowInOptions(typed) {
  const options = await env.openOptions();
  await options.fill('[data-testid="page-origin"]', typed);
  await options.click('[data-testid="page-origin-allow"]');
  await options.waitForSelector('[data-testid="page-origin-status"]:has-text("Allowed")');
  return options;
}

/** The page client, from the page itself: finds the extension (the bridge) and calls `client[method](...args)`. */
function clientCall(page, method, ...args) {
  return page.evaluate(async ([method, args]) => {
    const { connectExtension } = await import('/tiktok-shop-connect.js');
    try {
      const client = await connectExtension({ handshakeMs: 1000 });
      return { ok: true, via: client.via, value: await client[method](...args) };
    } catch (error) {
      return { ok: false, name: error.name, message: error.message };
    }
  }, [method, args]);
}

test('an allowed https origin: options → consent in the popup → a GET call through the bridge', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  const options = await allowInOptions('  HTTPS://Ops.Example-Team.com:443/ ');
  const row = options.locator(`[data-testid="page-origin-row"][data-origin="${TEAM}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-consent'), 'undecided');
  assert.deepEqual(await registered(), [{
    id: `bridge:${TEAM}`, matches: [`${TEAM}/*`], js: ['bridge.js'], allFrames: false, persistAcrossSessions: true,
  }]);
  await screenshot(options, 'options-team-page-allowed');
  // A wrong origin gets the core's words and changes nothing.
  await options.fill('[data-testid="page-origin"]', 'http://ops.example-team.com/tools');
  await options.click('[data-testid="page-origin-allow"]');
  await options.waitForSelector('[data-testid="page-origin-status"].error:has-text("is not a page origin")');
  assert.equal((await registered()).length, 1);

  // First use: refused with ConsentRequired, shown as pending, the badge says so.
  const page = await openPage(`${TEAM}/`);
  await page.waitForSelector('[data-testid="error"][data-name="ConsentRequired"]');
  assert.equal(await page.getAttribute('body', 'data-via'), 'bridge');
  await waitUntil(async () => (await badgeText()) === '?', { message: 'the badge shows the pending request' });
  await row.locator('[data-testid="page-origin-consent"]:has-text("waiting for your answer")').waitFor();

  const popup = await env.openPopup();
  const prompt = popup.locator(`[data-testid="consent-request"][data-origin="${TEAM}"]`);
  await prompt.waitFor();
  assert.equal(await prompt.locator('[data-testid="consent-origin"]').textContent(), TEAM);
  await screenshot(popup, 'popup-consent-prompt');
  await prompt.locator('[data-testid="consent-allow"]').click();
  await popup.waitForSelector('[data-testid="consent"]', { state: 'hidden' });
  await waitUntil(async () => (await badgeText()) === '', { message: 'the badge cleared' });

  // The page asks again by itself and lists the seller; then a GET call through the bridge.
  const card = page.locator(`[data-testid="account"][data-open-id="${account.openId}"]`);
  await card.waitFor({ timeout: 10_000 });
  assert.match(await page.textContent('[data-testid="ext-status"]'), /through its bridge on https:\/\/ops\.example-team\.com/);
  const before = (await env.mock.control('counters')).shops;
  await page.click('[data-testid="api-send"]');
  await page.waitForSelector('[data-testid="api-reply"]:not([hidden])');
  assert.match(await page.textContent('[data-testid="api-reply"]'), /^HTTP 200\n[\s\S]*"shops"/);
  const fetched = await clientCall(page, 'fetch', account.openId, { path: SHOPS_PATH });
  assert.equal(fetched.ok, true, JSON.stringify(fetched));
  assert.equal(fetched.via, 'bridge');
  assert.equal(fetched.value.status, 200);
  assert.equal(fetched.value.body.code, 0);
  assert.equal(fetched.value.body.data.shops[0].name, 'Mock Test Shop');
  assert.equal((await env.mock.control('counters')).shops, before + 2, 'both GET calls reached the mock, signed');
  // The same access as a listed local page: reads yes, writes no.
  const refused = await clientCall(page, 'send', { type: 'refresh', openId: account.openId });
  assert.deepEqual([refused.ok, refused.name], [false, 'Forbidden']);
  const post = await clientCall(page, 'send',
    { type: 'apiRequest', openId: account.openId, request: { method: 'POST', path: SHOPS_PATH } });
  assert.deepEqual([post.ok, post.name], [false, 'Forbidden']);
  // No token reaches the page.
  const { grants } = await env.mock.control('tokens');
  const html = await page.evaluate(() => document.documentElement.outerHTML + JSON.stringify(window.channelLog));
  for (const grant of grants) {
    assert.ok(!html.includes(grant.accessToken) && !html.includes(grant.refreshToken), 'no token in the page');
  }
  assert.ok(!html.includes('mock_app_secret'));
  await screenshot(page, 'www-through-bridge');
});

test('the consent prompt\'s Deny: the origin gets Forbidden, remembered', async () => {
  await allowInOptions(TEAM);
  const page = await openPage(`${TEAM}/`);
  await page.waitForSelector('[data-testid="error"][data-name="ConsentRequired"]');
  const popup = await env.openPopup();
  await popup.locator(`[data-testid="consent-request"][data-origin="${TEAM}"] [data-testid="consent-deny"]`).click();
  await popup.waitForSelector('[data-testid="consent"]', { state: 'hidden' });
  const denied = await clientCall(page, 'accounts');
  assert.deepEqual([denied.ok, denied.name], [false, 'Forbidden'], JSON.stringify(denied));
  assert.match(denied.message, /was denied/);
  // Still denied after a worker restart; the popup asks nothing.
  await stopServiceWorker(env.context, env.extensionId);
  const again = await clientCall(page, 'flowState');
  assert.deepEqual([again.ok, again.name], [false, 'Forbidden']);
  const { origins } = await env.send({ type: 'pageOrigins' });
  assert.deepEqual(origins.map(({ origin, consent }) => [origin, consent]), [[TEAM, 'denied']]);
  await waitUntil(async () => (await badgeText()) === '', { message: 'no pending request on the badge' });
});

test('an origin never allowed gets nothing: no bridge script there', async () => {
  await allowInOptions(TEAM);
  await env.send({ type: 'decideConsent', origin: TEAM, allow: true });
  const page = await openPage(`${OTHER}/`);
  await page.waitForSelector('[data-testid="error"][data-name="ExtensionUnavailable"]');
  const probe = await clientCall(page, 'accounts');
  assert.deepEqual([probe.ok, probe.name], [false, 'ExtensionUnavailable']);
  // Nobody answered the page's own handshake and request.
  await page.evaluate(() => window.postMessage({ channel: 'tiktok-shop-connect', kind: 'request', id: 'x', message: { type: 'accounts' } }, location.origin));
  await page.waitForTimeout(300);
  const log = await page.evaluate(() => window.channelLog);
  assert.deepEqual(log.filter((entry) => entry.kind !== 'hello' && entry.kind !== 'request'), [], 'no reply of any kind');
  assert.deepEqual((await registered()).map((script) => script.matches), [[`${TEAM}/*`]]);
});

test('a removed origin: its script is gone and its calls fail', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  const options = await allowInOptions(TEAM);
  await env.send({ type: 'decideConsent', origin: TEAM, allow: true });
  const page = await openPage(`${TEAM}/`);
  await page.locator(`[data-testid="account"][data-open-id="${account.openId}"]`).waitFor();

  await options.locator(`[data-testid="page-origin-row"][data-origin="${TEAM}"] [data-testid="page-origin-remove"]`).click();
  await options.waitForSelector('[data-testid="page-origin-status"]:has-text("Removed https://ops.example-team.com")');
  assert.equal(await options.locator('[data-testid="page-origin-row"]').count(), 0);
  assert.deepEqual(await registered(), [], 'the bridge is unregistered');
  assert.deepEqual((await env.send({ type: 'pageOrigins' })).origins, []);
  // The page still open keeps its (now orphaned) bridge, and the worker refuses it.
  const refused = await clientCall(page, 'shops', account.openId);
  assert.deepEqual([refused.ok, refused.name], [false, 'Forbidden'], JSON.stringify(refused));
  // Reloaded, it has no bridge at all.
  await page.reload();
  await page.waitForSelector('[data-testid="error"][data-name="ExtensionUnavailable"]');
  assert.equal(await page.locator('[data-testid="account"]').count(), 0);
  // Allowed again: asked again.
  await allowInOptions(TEAM);
  assert.equal((await env.send({ type: 'pageOrigins' })).origins[0].consent, 'undecided');
});

test('another origin — an iframe in the allowed page, an opener — cannot use or read the bridge', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  await allowInOptions(TEAM);
  await env.send({ type: 'decideConsent', origin: TEAM, allow: true });
  const page = await openPage(`${TEAM}/with-frame.html`);
  await page.locator(`[data-testid="account"][data-open-id="${account.openId}"]`).waitFor();
  const frame = page.frames().find((candidate) => candidate.url() === `${OTHER}/probe.html`);
  assert.ok(frame, 'the iframe of the other origin');

  // The iframe writes to the bridge's window: ignored (not from the window itself).
  await frame.evaluate(() => window.tryBridge(window.parent));
  // The page makes calls meanwhile: their replies go to its own window only.
  const ok = await clientCall(page, 'shops', account.openId);
  assert.equal(ok.ok, true, JSON.stringify(ok));
  await page.waitForTimeout(300);
  assert.deepEqual(await frame.evaluate(() => window.received), [], 'the iframe received nothing');
  const log = await page.evaluate(() => window.channelLog);
  assert.ok(log.some((entry) => entry.kind === 'reply' && entry.fromSelf), 'the page got its replies');
  assert.ok(!log.some((entry) => String(entry.id).startsWith('evil') && entry.kind !== 'hello' && entry.kind !== 'request'),
    `the bridge answered no message of the iframe: ${JSON.stringify(log.filter((entry) => String(entry.id).startsWith('evil')))}`);

  // An opener on the other origin: its messages to the allowed page are ignored, nothing comes back.
  const opener = await openPage(`${OTHER}/probe.html`);
  const [opened] = await Promise.all([
    env.context.waitForEvent('page'),
    opener.evaluate((url) => { window.child = window.open(url); }, `${TEAM}/`),
  ]);
  await opened.locator('[data-testid="account"]').first().waitFor();
  await opener.evaluate(() => window.tryBridge(window.child));
  await opened.waitForTimeout(300);
  assert.deepEqual(await opener.evaluate(() => window.received), [], 'the opener received nothing');
});

test('start-up reconciles the registered scripts with the allowed origins', async () => {
  await allowInOptions(TEAM);
  // A stray bridge nobody allowed, and the allowed one missing.
  await env.controlPage.evaluate(async (team) => {
    await chrome.scripting.unregisterContentScripts({ ids: [`bridge:${team}`] });
    await chrome.scripting.registerContentScripts([{ id: 'bridge:https://stray.example', matches: ['https://stray.example/*'], js: ['bridge.js'] }]);
  }, TEAM);
  await stopServiceWorker(env.context, env.extensionId);
  await env.send({ type: 'flowState' }); // wakes a new worker instance
  await waitUntil(async () => JSON.stringify((await registered()).map((script) => script.id)) === JSON.stringify([`bridge:${TEAM}`]),
    { message: 'only the allowed origin\'s bridge' });
});
