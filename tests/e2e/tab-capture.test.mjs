// End-to-end: tab capture mode. The app's registered redirect URL is the
// team's own page; a declarativeNetRequest rule, present only while the flow
// is pending and only in the tab the flow opened, sends it to capture.html
// instead, so that page never sees the code. capture.html is web-accessible with
// use_dynamic_url: these tests load the shipped setting (plus loopback in matches).

import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';

import {
  extensionCopyWith, extensionSuite, mockSettings, pageOpenedBy, saveScreenshot, saveSettings, sendFromPage, waitUntil,
} from './helpers.mjs';

/** The attacker: a page on an https origin, served through Playwright's routing. */
const EVIL_ORIGIN = 'https://evil.example';

// The optional permissions tab capture asks for, granted up front (no prompt in headless).
// capture.html is web-accessible to the mock's authorize page (loopback), as it is to TikTok's
// authorize origins in the shipped manifest; and, in this copy only, to the attacker too, so
// that what stops it here is the worker (the rule's tab, the sender's tab and frame), not
// web_accessible_resources.
const extensionDir = await extensionCopyWith({
  permissions: ['declarativeNetRequestWithHostAccess'],
  hostPermissions: ['http://127.0.0.1/*'],
  webAccessibleMatches: ['http://127.0.0.1/*', `${EVIL_ORIGIN}/*`],
});
const env = extensionSuite({}, { extensionDir });
before(env.start);
after(async () => {
  await env.stop();
  await rm(path.dirname(extensionDir), { recursive: true, force: true });
});
beforeEach(env.reset);

const captureRules = () => env.worker.evaluate(() => chrome.declarativeNetRequest.getSessionRules());
const flowState = async () => (await env.send({ type: 'flowState' })).flow;
/** What chrome.storage.local holds under `key` (the client's records are plain objects). */
const stored = (key) => env.controlPage.evaluate(async (name) => (await chrome.storage.local.get(name))[name], key);
/** A crafted redirect that ends a flow if the worker believes it: a denial without `state`, with the attacker's words. */
const craftedDenial = (base) => `${base}?error=access_denied&code=null&error_description=EVIL%20WORDS%20FROM%20evil.example`;

/** Serves `html` at https://evil.example/ (Playwright routing: no network, no certificate). */
async function openEvilPage(html) {
  await env.context.unroute(`${EVIL_ORIGIN}/**`);
  await env.context.route(`${EVIL_ORIGIN}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
  const page = await env.context.newPage();
  await page.goto(`${EVIL_ORIGIN}/`);
  return page;
}

/** Tab capture set up, Connect pressed: returns the team's callback URL and the flow's (authorize) tab. */
async function startTabCapture() {
  const teamCallback = `${env.mock.url}/__mock/callback`;
  await env.mock.control('config', { redirectUrl: teamCallback });
  await saveSettings(env.controlPage, mockSettings(env.mock, { captureMode: 'tab', registeredRedirectUrl: teamCallback }));
  const authorizePage = await pageOpenedBy(env.context, `${env.mock.url}/open/authorize`,
    () => sendFromPage(env.controlPage, { type: 'connect' }));
  assert.equal((await flowState()).state, 1);
  return { teamCallback, authorizePage };
}

/** The seller approves in the flow's own tab: capture.html there completes the flow. */
async function approveInFlowTab(authorizePage) {
  await authorizePage.click('#authorize');
  await authorizePage.waitForSelector('#capture-status:has-text("Connected Mock Test Shop")');
  const flow = await flowState();
  assert.equal(flow.state, 3, JSON.stringify(flow));
  assert.deepEqual(await captureRules(), [], 'the rule is gone once the flow is over');
}

test('tab capture: the redirect to the team page is captured by capture.html and the account connects', async () => {
  const teamCallback = `${env.mock.url}/__mock/callback`;
  await env.mock.control('config', { redirectUrl: teamCallback });
  await saveSettings(env.controlPage, mockSettings(env.mock, { captureMode: 'tab', registeredRedirectUrl: teamCallback }));
  assert.deepEqual(await captureRules(), [], 'no rule before the flow');

  const authorizePage = await pageOpenedBy(env.context, `${env.mock.url}/open/authorize`,
    () => sendFromPage(env.controlPage, { type: 'connect' }));
  const rules = await captureRules();
  assert.equal(rules.length, 1, 'the rule exists while the flow is pending');
  // One flow record, the core's: its mode and its tab, and nothing kept beside it.
  const record = await stored('tts:flow');
  assert.equal(record.captureMode, 'tab', JSON.stringify(record));
  const authorizeTabs = await env.worker.evaluate(async (prefix) => (await chrome.tabs.query({}))
    .filter((tab) => tab.url?.startsWith(prefix)).map((tab) => tab.id), `${env.mock.url}/open/authorize`);
  assert.deepEqual(authorizeTabs, [record.tabId], 'the tab the flow opened');
  assert.equal(await stored('ext:flow'), undefined, 'no ext:flow record');
  const { flow: pending } = await env.send({ type: 'flowState' });
  assert.equal(pending.pending, true);
  assert.equal(pending.captureMode, 'tab');
  assert.equal(pending.tabId, record.tabId);
  assert.deepEqual(rules[0].condition.tabIds, [record.tabId], 'only in the tab the flow opened');
  // With use_dynamic_url the rule sends the tab to capture.html's per-session URL.
  const dynamicCapture = await env.worker.evaluate(() => chrome.runtime.getURL('capture.html'));
  assert.ok(!dynamicCapture.includes(env.extensionId), `a dynamic URL, not the fixed ID: ${dynamicCapture}`);
  assert.ok(rules[0].action.redirect.regexSubstitution.startsWith(dynamicCapture));

  await authorizePage.click('#authorize');
  await authorizePage.waitForSelector('#capture-status:has-text("Connected Mock Test Shop")');
  assert.equal(authorizePage.url(), `chrome-extension://${env.extensionId}/capture.html`, 'the code is not left in the address bar');

  const { flow } = await env.send({ type: 'flowState' });
  assert.equal(flow.state, 3);
  assert.deepEqual(await captureRules(), [], 'the rule is gone once the flow is over');
  const paths = (await env.mock.control('requests')).requests.map((request) => request.path);
  assert.ok(!paths.includes('/__mock/callback'), 'the team page never received the code');
});

test('tab capture: Cancel removes the rule, so a late redirect reaches the team page and connects nothing', async () => {
  const teamCallback = `${env.mock.url}/__mock/callback`;
  await env.mock.control('config', { redirectUrl: teamCallback });
  await saveSettings(env.controlPage, mockSettings(env.mock, { captureMode: 'tab', registeredRedirectUrl: teamCallback }));
  const authorizePage = await pageOpenedBy(env.context, `${env.mock.url}/open/authorize`,
    () => sendFromPage(env.controlPage, { type: 'connect' }));
  assert.equal((await env.send({ type: 'cancel' })).flow.failureReason, 'cancelled');
  assert.deepEqual(await captureRules(), []);

  await authorizePage.click('#authorize');
  await authorizePage.waitForSelector('#params');
  assert.equal((await env.send({ type: 'accounts' })).accounts.length, 0);
  assert.equal((await env.mock.control('counters')).tokenGet, 0);
});

test('tab capture: a page that sends another tab to the redirect URL with error=access_denied reaches the team page, not the flow', async () => {
  const { teamCallback, authorizePage } = await startTabCapture();
  const crafted = craftedDenial(teamCallback);
  const evil = await openEvilPage(`<!doctype html><title>evil</title><p>Nothing to see</p>
    <script>window.attack = (url) => { window.open(url, '_blank'); };</script>`);

  // Another tab, opened by the attacker, goes to the registered redirect URL with a denial.
  const other = await pageOpenedBy(env.context, teamCallback, () => evil.evaluate((url) => window.attack(url), crafted));
  await other.waitForSelector('#params');
  assert.ok(other.url().startsWith(`${teamCallback}?error=access_denied`), `the team page got it, capture.html did not: ${other.url()}`);
  // The attacker's own tab too.
  await evil.goto(crafted);
  await evil.waitForSelector('#params');
  assert.ok(evil.url().startsWith(teamCallback), evil.url());

  const flow = await flowState();
  assert.equal(flow.state, 1, `the flow is still waiting: ${JSON.stringify(flow)}`);
  assert.equal((await captureRules()).length, 1, 'the rule is still there for the real redirect');
  assert.equal((await env.mock.control('counters')).tokenGet, 0);

  // TikTok's real redirect, in the flow's own tab, still completes it.
  await approveInFlowTab(authorizePage);
  assert.equal((await env.send({ type: 'accounts' })).accounts.length, 1);
});

test('tab capture: capture.html framed or opened by another page (even one it is web-accessible to) cannot end the flow', async () => {
  const { teamCallback, authorizePage } = await startTabCapture();
  // The attacker is even given the per-session URL: what stops it now is the worker.
  const captureUrl = await env.worker.evaluate(() => chrome.runtime.getURL('capture.html'));
  const crafted = `${captureUrl}#${craftedDenial(teamCallback)}`;
  const evil = await openEvilPage(`<!doctype html><title>evil</title>
    <script>
      window.frameIt = (url) => new Promise((resolve) => {
        const frame = Object.assign(document.createElement('iframe'), { src: url });
        frame.onload = () => resolve('loaded');
        document.body.append(frame);
      });
    </script>`);

  // Framed by a page in another tab: not the flow's tab, not a top frame.
  assert.equal(await evil.evaluate((url) => window.frameIt(url), crafted), 'loaded');
  const framed = await waitUntil(() => evil.frames().find((frame) => frame.url().includes('capture.html')), { message: 'the framed capture.html' });
  await framed.waitForSelector('#capture-status.error');
  assert.match(await framed.textContent('#capture-status'), /only accepted from the popup, or from the tab this connection opened/);

  // Opened in another tab: a top frame, but not the flow's tab.
  const opened = await pageOpenedBy(env.context, `chrome-extension://`, () => evil.evaluate((url) => { window.open(url, '_blank'); }, crafted));
  await opened.waitForSelector('#capture-status.error');
  assert.match(await opened.textContent('#capture-status'), /Forbidden|only accepted from the popup/);

  // Framed inside the flow's own tab: the right tab, but not its top frame.
  await authorizePage.evaluate((url) => {
    document.body.append(Object.assign(document.createElement('iframe'), { src: url }));
  }, crafted);
  const inFlowTab = await waitUntil(() => authorizePage.frames().find((frame) => frame.url().includes('capture.html')), { message: 'capture.html framed in the flow tab' });
  await inFlowTab.waitForSelector('#capture-status.error');

  const flow = await flowState();
  assert.equal(flow.state, 1, `the flow is still waiting: ${JSON.stringify(flow)}`);
  const popup = await env.openPopup();
  await popup.waitForSelector('#flow[data-state="1"]:not([hidden])');
  assert.ok(!(await popup.textContent('body')).includes('EVIL'), 'no attacker text in the popup');
  await saveScreenshot(popup, 'popup-tab-capture-after-attack');

  await approveInFlowTab(authorizePage);
});

test('tab capture: use_dynamic_url keeps the fixed ID from revealing the extension, even to a page capture.html is web-accessible to', async () => {
  const page = await env.context.newPage();
  await page.goto(`${env.mock.url}/__mock/health`);
  const dynamicUrl = await env.worker.evaluate(() => chrome.runtime.getURL('capture.html'));
  const probe = (url) => page.evaluate((u) => fetch(u).then((r) => `status ${r.status}`, (e) => `failed: ${e.name}`), url);
  assert.match(await probe(`chrome-extension://${env.extensionId}/capture.html`), /^failed/);
  assert.equal(await probe(dynamicUrl), 'status 200', 'only through the per-session URL');
});
