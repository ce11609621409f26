// End-to-end: token refresh through the worker. Exactly one refresh per
// expiry (concurrent requests, two clients over the same storage), a worker
// stopped while a refresh is in flight, refresh-token rotation, revocation.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import {
  connectWithAutoApprove, extensionSuite, saveScreenshot, stopServiceWorker, waitUntil,
} from './helpers.mjs';

const env = extensionSuite();
before(env.start);
after(env.stop);
beforeEach(env.reset);

const SHOPS = { path: '/authorization/202309/shops' };

/** An apiRequest for the shops endpoint; asserts TikTok answered code 0. */
async function requestShopsOk(openId) {
  const reply = await env.send({ type: 'apiRequest', openId, request: SHOPS });
  assert.equal(reply.ok, true, JSON.stringify(reply.error));
  assert.equal(reply.response.status, 200);
  assert.equal(reply.response.body.code, 0, 'the body is TikTok\'s JSON, already parsed');
  return reply;
}

const counters = () => env.mock.control('counters');

/**
 * Starts a refresh in the worker, stops the worker while the mock holds the
 * refresh response, then releases it to nobody. The server did refresh.
 */
async function stopWorkerDuringHeldRefresh(openId) {
  await env.mock.control('expire-access', {});
  await env.mock.control('hold', { endpoint: 'refresh' });
  // The reply never comes: the worker dies with the request in flight.
  const lost = env.send({ type: 'apiRequest', openId, request: SHOPS }).catch((error) => error);
  const { held } = await env.mock.control('held?min=1&timeoutMs=5000');
  assert.equal(held.length, 1);
  assert.ok(await stopServiceWorker(env.context, env.extensionId) >= 1);
  await env.mock.control('release', { all: true });
  await lost;
  assert.equal((await counters()).refreshSuccess, 1, 'the server refreshed, the client never heard');
}

test('expired access token: an API request succeeds with exactly one refresh', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  await env.mock.control('expire-access', {});
  await requestShopsOk(account.openId);
  const after1 = await counters();
  assert.equal(after1.tokenRefresh, 1);
  assert.equal(after1.refreshSuccess, 1);
  assert.equal(after1.apiByCode['105002'], 1);
  await requestShopsOk(account.openId);
  assert.equal((await counters()).tokenRefresh, 1, 'the refreshed token is used from then on');
});

test('20 concurrent API requests from the popup with an expired token: exactly one refresh', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  await env.mock.control('expire-access', {});
  const popup = await env.openPopup();
  const replies = await popup.evaluate(({ openId, request }) => Promise.all(Array.from({ length: 20 },
    () => chrome.runtime.sendMessage({ type: 'apiRequest', openId, request }))), { openId: account.openId, request: SHOPS });
  for (const reply of replies) {
    assert.equal(reply.ok, true, JSON.stringify(reply.error));
    assert.equal(reply.response.body.code, 0);
  }
  const after20 = await counters();
  assert.equal(after20.tokenRefresh, 1);
  assert.equal(after20.apiSuccess, 20);
});

test('the worker and an extension page, each with its own client, refresh the same expired account: one refresh', async () => {
  // Tokens that expire at once, so both clients see the account as expired.
  await env.mock.control('config', { accessLifetimeSec: 1 });
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  await env.mock.control('config', { accessLifetimeSec: 7 * 24 * 3600 });
  await env.mock.control('latency', { refreshMs: 300 });
  await new Promise((resolve) => setTimeout(resolve, 1500));

  const popup = await env.openPopup();
  const results = await popup.evaluate(async (openId) => {
    // The page's own client over the same chrome.storage.local, as the worker builds it.
    const wasm = await import(chrome.runtime.getURL('pkg/tiktok_shop_connect.js'));
    await wasm.default({ module_or_path: chrome.runtime.getURL('pkg/tiktok_shop_connect_bg.wasm') });
    const { configFor } = await import(chrome.runtime.getURL('lib/config.js'));
    const { settings } = await chrome.storage.local.get('settings');
    const client = new wasm.TikTokShopClient(configFor(settings), chrome.storage.local);
    const [inPage, inWorker] = await Promise.all([
      client.refresh(openId).then((summary) => summary.accessTokenExpiresAt),
      chrome.runtime.sendMessage({ type: 'refresh', openId }),
    ]);
    return { inPage, inWorker };
  }, account.openId);
  assert.equal(results.inWorker.ok, true, JSON.stringify(results.inWorker.error));
  assert.equal(results.inPage, results.inWorker.account.accessTokenExpiresAt, 'both see the same new token');
  assert.equal((await counters()).tokenRefresh, 1);
  await requestShopsOk(account.openId);
});

test('worker stopped mid-refresh: the next API request succeeds and no token is lost', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  await env.mock.control('expire-access', {});
  await env.mock.control('fault', { endpoint: 'refresh', kind: 'delay', delayMs: 1500 });
  const lost = env.send({ type: 'apiRequest', openId: account.openId, request: SHOPS }).catch((error) => error);
  await waitUntil(async () => (await counters()).tokenRefresh === 1, { message: 'the refresh to reach the mock' });
  assert.ok(await stopServiceWorker(env.context, env.extensionId) >= 1);
  await lost;

  await requestShopsOk(account.openId);
  const { accounts } = await env.send({ type: 'accounts' });
  assert.equal(accounts.length, 1);
  assert.notEqual(accounts[0].status, 'reconnectRequired');
});

test('rotation off, worker stopped while token/refresh is held: the next request succeeds', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  await stopWorkerDuringHeldRefresh(account.openId);
  await requestShopsOk(account.openId);
  const { accounts } = await env.send({ type: 'accounts' });
  assert.equal(accounts[0].status, 'valid');
});

test('rotation on, worker stopped while token/refresh is held: "refresh interrupted — reconnect", storage intact', async () => {
  await env.mock.control('config', { rotateRefreshToken: true });
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  await stopWorkerDuringHeldRefresh(account.openId);

  // TikTok rotated the refresh token for a worker that is gone: the old one is dead, and the
  // account says why instead of TikTok's generic "can not find related auth record".
  const reply = await env.send({ type: 'apiRequest', openId: account.openId, request: SHOPS });
  assert.equal(reply.ok, false);
  assert.equal(reply.error.name, 'RefreshInterrupted');

  const { accounts } = await env.send({ type: 'accounts' });
  assert.equal(accounts.length, 1, 'the account is kept, marked');
  assert.equal(accounts[0].status, 'reconnectRequired');
  assert.equal(accounts[0].reason, 'refreshInterrupted');
  assert.ok(accounts[0].statusReason, 'a sentence says what happened');
  assert.equal(accounts[0].sellerName, 'Mock Test Shop');
  // What is stored still reads back whole.
  const exported = await env.send({ type: 'exportChilkatJson', openId: account.openId });
  assert.equal(exported.ok, true);
  assert.doesNotThrow(() => JSON.parse(exported.text));

  const popup = await env.openPopup();
  const card = popup.locator('[data-testid="account"][data-status="reconnectRequired"]');
  await card.waitFor();
  assert.equal(await card.locator('[data-testid="status"]').textContent(), 'Reconnect needed');
  assert.equal(await card.locator('[data-testid="status-reason"]').textContent(), 'Refresh interrupted — reconnect');
  const detail = await card.locator('[data-testid="status-detail"]').textContent();
  assert.ok(detail.length > 0 && accounts[0].statusReason.endsWith(detail), `the client's sentence, said once: ${detail}`);
  assert.equal(await card.locator('[data-testid="reconnect"]').isVisible(), true);
  await saveScreenshot(popup, 'popup-refresh-interrupted');
});

test('revoked authorization: "reconnect needed" in the popup and "!" on the toolbar badge', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  // The badge follows storage changes once per burst (250 ms): the cleared store of the reset.
  await waitUntil(async () => (await env.worker.evaluate(() => chrome.action.getBadgeText({}))) === '', { message: 'no badge' });
  await env.mock.control('revoke', {});

  const popup = await env.openPopup();
  await popup.waitForSelector('[data-testid="account"][data-status="valid"]');
  await popup.click('[data-testid="test"]');
  await popup.waitForSelector('[data-testid="account"][data-status="reconnectRequired"]');
  assert.equal(await popup.textContent('[data-testid="status"]'), 'Reconnect needed');
  assert.equal(await popup.textContent('[data-testid="access-expiry"]'), 'not usable until the seller connects again');
  assert.ok((await popup.textContent('[data-testid="status-reason"]')).length > 0);
  await saveScreenshot(popup, 'popup-reconnect-needed');

  await waitUntil(async () => (await env.worker.evaluate(() => chrome.action.getBadgeText({}))) === '!', { message: 'the badge' });
  const title = await env.worker.evaluate(() => chrome.action.getTitle({}));
  assert.match(title, /reconnect needed for Mock Test Shop/);
  // The mock's request log (reset before each test) shows what this client sent: one refresh, no loop.
  const { requests } = await env.mock.control('requests');
  const refreshes = requests.filter((request) => request.path === '/api/v2/token/refresh');
  assert.deepEqual(refreshes.map((request) => request.code), [36004005], 'one refresh attempt, answered "no auth record"');
  assert.equal(account.openId, (await env.send({ type: 'accounts' })).accounts[0].openId);
});

test('proactive refresh: a worker start-up refreshes an account that is due', async () => {
  // 8 s of validity: inside the 300 s margin, and due once half its lifetime has passed.
  await env.mock.control('config', { accessLifetimeSec: 8 });
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  await env.mock.control('config', { accessLifetimeSec: 7 * 24 * 3600 });
  await new Promise((resolve) => setTimeout(resolve, 4100));
  const popup = await env.openPopup();
  await popup.waitForSelector('[data-testid="account"][data-status="expiring"]');
  assert.equal(await popup.textContent('[data-testid="status"]'), 'Expiring');

  await stopServiceWorker(env.context, env.extensionId);
  // Any event starts a new worker instance, whose start-up check refreshes what is due.
  await env.send({ type: 'flowState' });
  await waitUntil(async () => (await counters()).refreshSuccess === 1, { message: 'the start-up refresh' });
  await popup.waitForSelector('[data-testid="account"][data-status="valid"]');
  const { accounts } = await env.send({ type: 'accounts' });
  assert.ok(accounts[0].accessTokenExpiresAt > Date.now() / 1000 + 24 * 3600);
  assert.equal(accounts[0].openId, account.openId);
});

test('short-lived tokens: 10 calls on a 200 s token with a 300 s margin make at most one refresh', async () => {
  await env.mock.control('config', { accessLifetimeSec: 200 });
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  for (let i = 0; i < 10; i += 1) await requestShopsOk(account.openId);
  assert.ok((await counters()).tokenRefresh <= 1, 'the margin never makes a fresh token due');
});
