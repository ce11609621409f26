// End-to-end: options form, the Connect flow in the popup (approve, deny,
// cancel, timeout), and flows that survive a closed popup or a stopped worker.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import {
  extensionSuite, pageOpenedBy, saveScreenshot, saveSettings, mockSettings, stopServiceWorker, waitUntil,
} from './helpers.mjs';

const env = extensionSuite();
before(env.start);
after(env.stop);
beforeEach(env.reset);

/** Clicks Connect in the popup and returns the mock's authorize page that opens. */
const clickConnect = (popup) => pageOpenedBy(env.context, `${env.mock.url}/open/authorize`, () => popup.click('#connect'));

/** Waits until the popup's flow section shows `state`, and returns its text. */
async function flowShown(popup, state) {
  await popup.waitForSelector(`#flow[data-state="${state}"]:not([hidden])`);
  // The number a person sees is Chilkat's AuthFlowState.
  assert.equal(await popup.textContent('#flow-code'), String(state));
  return popup.textContent('#flow');
}

test('options: the form saves settings, keeps the secret hidden, and shows validation errors inline', async () => {
  await env.controlPage.evaluate(() => chrome.storage.local.clear());
  const options = await env.openOptions();
  const mock = env.mock;
  assert.equal(await options.textContent('#redirect-url'), `https://${env.extensionId}.chromiumapp.org/`);
  await options.fill('#app-key', 'mock_app_key');
  await options.fill('#app-secret', 'mock_app_secret');
  await options.fill('#service-id', 'mock_service_id');
  await options.click('#advanced summary');
  await options.fill('#endpoint-authorize', `${mock.url}/open/authorize`);
  await options.fill('#endpoint-token-get', `${mock.url}/api/v2/token/get`);
  await options.fill('#endpoint-token-refresh', `${mock.url}/api/v2/token/refresh`);
  await options.fill('#endpoint-api-base', mock.url);
  await options.fill('#flow-timeout', '120');
  await options.click('#save');
  await options.waitForSelector('#save-status:has-text("Saved.")');
  assert.match(await options.getAttribute('#app-secret', 'placeholder'), /saved/);
  assert.equal(await options.inputValue('#app-secret'), '');

  const reply = await env.send({ type: 'getSettings' });
  assert.equal(reply.ok, true);
  assert.equal(reply.settings.appSecretSet, true);
  assert.equal(reply.settings.flowTimeoutSecs, 120);
  assert.ok(!JSON.stringify(reply).includes('mock_app_secret'), 'getSettings never returns the secret');

  // A changed endpoint must not silently receive the stored secret.
  await options.fill('#endpoint-token-get', 'http://localhost:9/api/v2/token/get');
  await options.click('#save');
  await options.waitForSelector('#save-status.error');
  assert.match(await options.textContent('#save-status'), /app secret again/);

  // The core's validateConfig message is shown as is.
  await options.fill('#app-secret', 'mock_app_secret');
  await options.fill('#endpoint-token-get', 'http://example.com/api/v2/token/get');
  await options.click('#save');
  await options.waitForSelector('#save-status.error');
  const validationError = await options.textContent('#save-status');
  assert.match(validationError, /https/i);
  await saveScreenshot(options, 'options-validation-error');

  await options.fill('#endpoint-token-get', `${mock.url}/api/v2/token/get`);
  await options.click('#save');
  await options.waitForSelector('#save-status:has-text("Saved.")');
  await saveScreenshot(options, 'options-saved');
});

test('popup without settings says so and links to the options page', async () => {
  await env.controlPage.evaluate(() => chrome.storage.local.clear());
  const popup = await env.openPopup();
  await popup.waitForSelector('#setup-missing:not([hidden])');
  assert.match(await popup.textContent('#setup-missing'), /Settings are missing/);
  assert.equal(await popup.isVisible('#connect'), false);
  await saveScreenshot(popup, 'popup-settings-missing');
});

test('Connect in the popup, approve on TikTok: the account appears with its seller name and expiry', async () => {
  const popup = await env.openPopup();
  await popup.waitForSelector('#connect:not([hidden])');
  assert.equal((await popup.textContent('#connect')).trim(), 'Connect TikTok Shop');
  await saveScreenshot(popup, 'popup-no-account');

  const authorizePage = await clickConnect(popup);
  assert.match(await flowShown(popup, 1), /Waiting for you to authorize on TikTok/);
  assert.equal(await popup.isVisible('#cancel'), true);
  await saveScreenshot(popup, 'popup-waiting');

  await authorizePage.click('#authorize');
  await popup.waitForSelector('[data-testid="account"]');
  assert.match(await flowShown(popup, 3), /Connected: Mock Test Shop/);
  const account = popup.locator('[data-testid="account"]');
  assert.equal(await account.locator('[data-testid="seller-name"]').textContent(), 'Mock Test Shop');
  assert.equal(await account.locator('[data-testid="region"]').textContent(), 'GB');
  assert.equal(await account.locator('[data-testid="user-type"]').textContent(), 'seller');
  assert.equal(await account.locator('[data-testid="status"]').textContent(), 'OK');
  assert.match(await account.locator('[data-testid="scopes"]').textContent(), /seller\.shop\.info/);
  assert.match(await account.locator('[data-testid="access-expiry"]').textContent(), /expires in 6d 23h/);

  const { bySeller } = await env.mock.control('tokens');
  const { accounts } = await env.send({ type: 'accounts' });
  assert.equal(accounts.length, 1);
  assert.equal(accounts[0].accessTokenExpiresAt, bySeller[accounts[0].openId].accessTokenExpireIn);
  assert.ok(!JSON.stringify(accounts).includes(bySeller[accounts[0].openId].accessToken), 'no token in messages');

  await account.locator('[data-testid="test"]').click();
  await popup.waitForSelector('[data-testid="shop"]');
  const shopText = await popup.textContent('[data-testid="shop"]');
  assert.match(shopText, /Mock Test Shop \(GB\) · cipher ROW_/);
  await saveScreenshot(popup, 'popup-connected');
});

test('Deny on TikTok: state 4 and the denial is shown, no account', async () => {
  const popup = await env.openPopup();
  const authorizePage = await clickConnect(popup);
  await authorizePage.click('#deny');
  const text = await flowShown(popup, 4);
  assert.match(text, /Access denied/);
  assert.match(text, /auth_denied/);
  assert.equal(await popup.locator('[data-testid="account"]').count(), 0);
  assert.equal(await popup.isVisible('#connect'), true);
  await saveScreenshot(popup, 'popup-denied');
});

test('Cancel: state 5 "cancelled", and a late redirect is rejected', async () => {
  const popup = await env.openPopup();
  const authorizePage = await clickConnect(popup);
  await popup.click('#cancel');
  assert.match(await flowShown(popup, 5), /Failed: cancelled/);

  // The window Chrome cannot close: the seller approves anyway.
  await authorizePage.click('#authorize');
  await waitUntil(async () => (await env.mock.control('counters')).authorizeApproved === 1, { message: 'the late approval' });
  const { flow } = await env.send({ type: 'flowState' });
  assert.equal(flow.state, 5);
  assert.equal(flow.failureReason, 'cancelled');
  assert.equal((await env.send({ type: 'accounts' })).accounts.length, 0);
  assert.equal((await env.mock.control('counters')).tokenGet, 0, 'the late code is never exchanged');
});

test('timeout: the flow reads 5 "timed out" after flowTimeoutSecs, and a late redirect is rejected', async () => {
  await saveSettings(env.controlPage, mockSettings(env.mock, { flowTimeoutSecs: 2 }));
  const popup = await env.openPopup();
  const authorizePage = await clickConnect(popup);
  const text = await flowShown(popup, 5);
  assert.match(text, /timed out/);
  await saveScreenshot(popup, 'popup-timed-out');

  await authorizePage.click('#authorize');
  await waitUntil(async () => (await env.mock.control('counters')).authorizeApproved === 1, { message: 'the late approval' });
  const { flow } = await env.send({ type: 'flowState' });
  assert.equal(flow.state, 5);
  assert.equal(flow.failureReason, 'timedOut');
  assert.equal((await env.send({ type: 'accounts' })).accounts.length, 0);
  assert.equal((await env.mock.control('counters')).tokenGet, 0);
});

test('popup closed mid-flow and reopened: the flow completes and the new popup shows the account', async () => {
  const popup = await env.openPopup();
  const authorizePage = await clickConnect(popup);
  await popup.close();
  await authorizePage.click('#authorize');
  const reopened = await env.openPopup();
  await reopened.waitForSelector('[data-testid="account"]');
  assert.match(await flowShown(reopened, 3), /Connected: Mock Test Shop/);
});

test('worker stopped mid-flow: the popup shows 5 "interrupted" and Connect works again', async () => {
  const popup = await env.openPopup();
  const staleAuthorizePage = await clickConnect(popup);
  // What versions before the core's one flow record kept beside it: the next worker removes it.
  const staleFlowKey = () => env.controlPage.evaluate(async () => (await chrome.storage.local.get('ext:flow'))['ext:flow']);
  await env.controlPage.evaluate(() => chrome.storage.local.set({ 'ext:flow': { mode: 'identity', startedAtMs: 0 } }));
  assert.ok(await stopServiceWorker(env.context, env.extensionId) >= 1, 'a worker was stopped');
  await popup.close();

  const reopened = await env.openPopup();
  const text = await flowShown(reopened, 5);
  assert.match(text, /interrupted/);
  assert.equal(await staleFlowKey(), undefined, 'the stale ext:flow key is removed at start-up');
  await saveScreenshot(reopened, 'popup-interrupted');

  // The old window outlives the worker, and Chrome allows one auth window at a time: the popup says to close it.
  await reopened.click('#connect');
  await reopened.waitForSelector('#flow[data-state="5"] #flow-detail:has-text("still open from an earlier attempt: close it")');
  await staleAuthorizePage.close();

  await reopened.waitForSelector('#connect:not([hidden])');
  const authorizePage = await clickConnect(reopened);
  await authorizePage.click('#authorize');
  await reopened.waitForSelector('[data-testid="account"]');
  assert.match(await flowShown(reopened, 3), /Connected/);
});

test('the seller closes the TikTok window: state 5 "window closed", not a denial', async () => {
  const popup = await env.openPopup();
  const authorizePage = await clickConnect(popup);
  await authorizePage.close();
  const text = await flowShown(popup, 5);
  assert.match(text, /window was closed/);
  const { flow } = await env.send({ type: 'flowState' });
  assert.equal(flow.failureReason, 'windowClosed');
});

test('authorization page cannot be loaded: state 5 names the redirect URL to register and the extension ID', async () => {
  // Port 9 on loopback: nothing listens, the page cannot load.
  await saveSettings(env.controlPage, mockSettings(env.mock, {
    endpoints: { ...mockSettings(env.mock).endpoints, authorize: 'http://127.0.0.1:9/open/authorize' },
  }));
  const popup = await env.openPopup();
  await popup.click('#connect');
  const text = await flowShown(popup, 5);
  assert.match(text, /could not be loaded/);
  assert.ok(text.includes(`https://${env.extensionId}.chromiumapp.org/`), text);
  assert.ok(text.includes(`extension ID ${env.extensionId}`), text);
  await saveScreenshot(popup, 'popup-page-load-failed');
});

test('paste mode: the address the seller lands on, pasted into the popup, completes the flow', async () => {
  const teamCallback = `${env.mock.url}/__mock/callback`;
  await env.mock.control('config', { redirectUrl: teamCallback });
  await saveSettings(env.controlPage, mockSettings(env.mock, { captureMode: 'paste', registeredRedirectUrl: teamCallback }));
  const popup = await env.openPopup();
  const authorizePage = await clickConnect(popup);
  await authorizePage.click('#authorize');
  await authorizePage.waitForSelector('#params');
  const landedOn = authorizePage.url();
  assert.ok(landedOn.startsWith(`${teamCallback}?code=`), landedOn);

  await flowShown(popup, 1);
  assert.equal(await popup.isVisible('#paste-url'), true, 'the paste box is open in paste mode');
  await saveScreenshot(popup, 'popup-paste');
  await popup.fill('#paste-url', landedOn);
  await popup.click('#paste-submit');
  await popup.waitForSelector('[data-testid="account"]');
  assert.match(await flowShown(popup, 3), /Connected: Mock Test Shop/);
});
