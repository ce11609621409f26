// End-to-end in Firefox ESR (WebDriver BiDi, puppeteer-core): the Firefox package of the
// extension (scripts/package.mjs) as a temporary add-on, against the mock TikTok. The options
// page shows Firefox's redirect URL and saves the settings; Connect in the popup goes through
// browser.identity.launchWebAuthFlow (the mock's authorize page, clicked in the window Firefox
// opens); a signed API call; the access token expires (mock control API) and the next call
// refreshes exactly once. Storage, alarms and the event page are checked on the way. Prints the
// time to connect and to refresh; screenshots go to test-output/firefox/.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';

import {
  REPO_ROOT, mockSettings, startMock, waitUntil,
} from '../../tools/extension-driver.mjs';
import {
  launchFirefoxWithExtension, openExtensionPage, sendFromPage, waitForPageStartingWith,
} from '../../tools/firefox-driver.mjs';

const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-output', 'firefox');
const SHOPS = { path: '/authorization/202309/shops' };

let firefox;
let mock;
let controlPage;

async function screenshot(page, name) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const send = (message) => sendFromPage(controlPage, message);
const counters = () => mock.control('counters');

before(async () => {
  firefox = await launchFirefoxWithExtension();
  // The mock's "registered" redirect URL is Firefox's for this add-on ID.
  mock = await startMock('unused', { redirectUrl: firefox.redirectUrl });
  controlPage = await openExtensionPage(firefox, 'capture.html#');
});

after(async () => {
  await firefox?.close();
  await mock?.close();
});

beforeEach(async () => {
  await mock.control('reset', {});
  await controlPage.evaluate(() => chrome.storage.local.clear());
  for (const page of await firefox.browser.pages()) {
    if (page !== controlPage) await page.close();
  }
});

test('Firefox: the event page runs the wasm client; getRedirectURL is https://<sha1 of the add-on ID>.extensions.allizom.org/', async () => {
  const facts = await controlPage.evaluate(async () => ({
    id: chrome.runtime.id,
    redirect: chrome.identity.getRedirectURL(),
    background: chrome.runtime.getManifest().background,
    // An event page: a document of its own (Firefox has no extension service workers).
    backgroundPage: (await chrome.runtime.getBackgroundPage())?.location.href,
  }));
  assert.equal(facts.id, firefox.geckoId);
  assert.equal(facts.redirect, firefox.redirectUrl);
  assert.match(facts.redirect, /^https:\/\/[0-9a-f]{40}\.extensions\.allizom\.org\/$/);
  assert.deepEqual(facts.background.scripts, [`${firefox.baseUrl}background.js`]);
  assert.equal(facts.background.type, 'module');
  assert.ok(!facts.background.service_worker, 'no service worker');
  assert.match(facts.backgroundPage, /^moz-extension:\/\/[^/]+\/_generated_background_page\.html$/);
  // The worker answers from its wasm client: the core's capture modes.
  const reply = await send({ type: 'getSettings' });
  assert.equal(reply.ok, true, JSON.stringify(reply.error));
  assert.equal(reply.redirectUrl, firefox.redirectUrl);
  assert.equal(reply.extensionId, firefox.geckoId);
  assert.ok(reply.captureModes.includes('identity'));
});

test('Firefox: the options page shows the redirect URL to register and saves the settings through the form', async () => {
  const options = await openExtensionPage(firefox, 'options.html', { viewport: { width: 800, height: 600 } });
  await options.waitForFunction(() => document.getElementById('redirect-url').textContent !== '');
  assert.equal(await options.$eval('#redirect-url', (el) => el.textContent), firefox.redirectUrl);
  assert.equal(await options.$eval('#extension-id', (el) => el.textContent), firefox.geckoId);
  await options.type('#app-key', 'mock_app_key');
  await options.type('#app-secret', 'mock_app_secret');
  await options.type('#service-id', 'mock_service_id');
  await options.click('#advanced summary');
  await options.type('#endpoint-authorize', `${mock.url}/open/authorize`);
  await options.type('#endpoint-token-get', `${mock.url}/api/v2/token/get`);
  await options.type('#endpoint-token-refresh', `${mock.url}/api/v2/token/refresh`);
  await options.type('#endpoint-api-base', mock.url);
  await options.click('#save');
  await options.waitForFunction(() => document.getElementById('save-status').textContent.includes('Saved.'));
  await screenshot(options, 'options-firefox');

  const reply = await send({ type: 'getSettings' });
  assert.equal(reply.configured, true, reply.configError);
  assert.equal(reply.settings.appSecretSet, true);
  assert.equal(reply.settings.endpoints.authorize, `${mock.url}/open/authorize`);
  const { settings } = await controlPage.evaluate(() => chrome.storage.local.get('settings'));
  assert.equal(settings.appKey, 'mock_app_key', 'kept in storage.local');
});

test('Firefox: Connect through launchWebAuthFlow, a signed call, expiry, exactly one refresh', async () => {
  const saved = await send({ type: 'saveSettings', settings: mockSettings(mock) });
  assert.equal(saved.ok, true, JSON.stringify(saved.error));

  // Connect in the popup; Firefox opens its sign-in window on the mock's authorize page.
  const popup = await openExtensionPage(firefox, 'popup.html');
  await popup.waitForSelector('#connect:not([hidden])');
  const connectStart = performance.now();
  await popup.click('#connect');
  const authorizePage = await waitForPageStartingWith(firefox.browser, `${mock.url}/open/authorize`);
  await authorizePage.waitForSelector('#authorize');
  const authorizeShown = performance.now();
  await popup.waitForSelector('#flow[data-state="1"]:not([hidden])');
  assert.match(await popup.$eval('#flow', (el) => el.textContent), /Waiting for you to authorize on TikTok/);

  const approveStart = performance.now();
  await authorizePage.click('#authorize');
  await popup.waitForSelector('[data-testid="account"]');
  const connected = performance.now();
  await popup.waitForSelector('#flow[data-state="3"]:not([hidden])');
  assert.match(await popup.$eval('#flow', (el) => el.textContent), /Connected: Mock Test Shop/);
  assert.equal(await popup.$eval('[data-testid="account"] [data-testid="status"]', (el) => el.textContent), 'OK');
  assert.equal((await counters()).authorizeApproved, 1);
  // Firefox closed its sign-in window once the redirect URL was requested.
  await waitUntil(async () => !(await firefox.browser.pages()).some((page) => page.url().startsWith(mock.url)),
    { message: 'the sign-in window to close' });

  // Storage and alarms: the account record and the index in storage.local, the refresh alarm.
  const { accounts } = await send({ type: 'accounts' });
  assert.equal(accounts.length, 1);
  const { openId } = accounts[0];
  const stored = await controlPage.evaluate(async (key) => Object.keys(await chrome.storage.local.get([key, 'tts:index'])), `tts:account:${openId}`);
  assert.deepEqual(stored.sort(), [`tts:account:${openId}`, 'tts:index']);
  const alarms = await controlPage.evaluate(async () => (await chrome.alarms.getAll()).map((alarm) => alarm.name));
  assert.ok(alarms.includes('refresh-due'), `alarms: ${alarms}`);

  // The popup's "Test" button: a signed call (shops) through the worker.
  await popup.click('[data-testid="account"] [data-testid="test"]');
  await popup.waitForSelector('[data-testid="shop"]');
  assert.match(await popup.$eval('[data-testid="shop"]', (el) => el.textContent), /Mock Test Shop \(GB\) · cipher ROW_/);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await screenshot(popup, 'popup-firefox');

  const callStart = performance.now();
  const first = await send({ type: 'apiRequest', openId, request: SHOPS });
  const callMs = performance.now() - callStart;
  assert.equal(first.ok, true, JSON.stringify(first.error));
  assert.equal(first.response.body.code, 0);
  assert.equal((await counters()).tokenRefresh, 0);

  // The access token expires on TikTok's side: the next call refreshes once and retries.
  await mock.control('expire-access', {});
  const refreshStart = performance.now();
  const second = await send({ type: 'apiRequest', openId, request: SHOPS });
  const refreshMs = performance.now() - refreshStart;
  assert.equal(second.ok, true, JSON.stringify(second.error));
  assert.equal(second.response.body.code, 0);
  const afterRefresh = await counters();
  assert.equal(afterRefresh.tokenRefresh, 1);
  assert.equal(afterRefresh.refreshSuccess, 1);
  assert.equal(afterRefresh.apiByCode['105002'], 1);
  const third = await send({ type: 'apiRequest', openId, request: SHOPS });
  assert.equal(third.ok, true, JSON.stringify(third.error));
  assert.equal((await counters()).tokenRefresh, 1, 'the refreshed token is used from then on');

  const ms = (value) => `${Math.round(value)} ms`;
  console.log(`firefox ${(await firefox.browser.version())}: connect: Connect click → authorize page ${ms(authorizeShown - connectStart)}, `
    + `Authorize click → connected ${ms(connected - approveStart)} (total ${ms(connected - connectStart)}); `
    + `signed call ${ms(callMs)}; call with expired token (one refresh + retry) ${ms(refreshMs)}`);
});
