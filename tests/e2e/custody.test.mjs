// End-to-end: token custody in the real worker. TikTok's new tokens survive a storage that
// refuses to write them (quota), an import can't hide or overwrite a working account, and
// with Web Locks missing the worker still refreshes a rotating token once.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { connectWithAutoApprove, extensionSuite, stopServiceWorker } from './helpers.mjs';

const env = extensionSuite();
before(env.start);
after(env.stop);
beforeEach(env.reset);

const SHOPS = { path: '/authorization/202309/shops' };
const counters = () => env.mock.control('counters');
const shops = (openId) => env.send({ type: 'apiRequest', openId, request: SHOPS });

/** The mock's current grant of the seller. */
async function grantOf(openId) {
  const { bySeller } = await env.mock.control('tokens');
  return bySeller[openId];
}

/** The stored record, read from an extension page. */
const storedRecord = (openId) => env.controlPage.evaluate(
  async (key) => (await chrome.storage.local.get(key))[key],
  `tts:account:${openId}`,
);

test('storage refuses the rotated tokens: kept in memory, reported, saved on the next call, no reconnect', async () => {
  await env.mock.control('config', { rotateRefreshToken: true });
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  await env.mock.control('expire-access', {});
  const before = await storedRecord(account.openId);

  // Quota exhausted: every write of chrome.storage.local fails in the worker.
  await env.worker.evaluate(() => {
    globalThis.realSet = chrome.storage.local.set.bind(chrome.storage.local);
    chrome.storage.local.set = () => Promise.reject(new Error('QUOTA_BYTES quota exceeded'));
  });
  const reply = await shops(account.openId);
  assert.equal(reply.ok, false);
  assert.equal(reply.error.name, 'TokensNotSaved', JSON.stringify(reply.error));
  assert.equal((await counters()).refreshSuccess, 1, 'TikTok rotated the token');
  assert.deepEqual(await storedRecord(account.openId), before, 'the stored record is untouched');
  const grant = await grantOf(account.openId);
  assert.ok(!JSON.stringify(reply).includes(grant.refreshToken), 'no token in the reply');

  const { accounts } = await env.send({ type: 'accounts' });
  assert.equal(accounts[0].reason, 'tokensNotSaved');

  // Space again: the next call writes the tokens TikTok issued, and works.
  await env.worker.evaluate(() => { chrome.storage.local.set = globalThis.realSet; });
  const ok = await shops(account.openId);
  assert.equal(ok.ok, true, JSON.stringify(ok.error));
  assert.equal((await counters()).tokenRefresh, 1, 'no second refresh');
  const stored = await storedRecord(account.openId);
  assert.equal(stored.tokens.refreshToken, grant.refreshToken, 'the rotated refresh token is stored');

  // A new worker instance reads them from storage.
  await stopServiceWorker(env.context, env.extensionId);
  const again = await shops(account.openId);
  assert.equal(again.ok, true, JSON.stringify(again.error));
});

test('an import with an expiry beyond JavaScript numbers is refused and the working account stays listed', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  const before = await storedRecord(account.openId);
  const { text } = await env.send({ type: 'exportChilkatJson', openId: account.openId });
  const huge = text.replace(/"access_token_expire_in": \d+/, '"access_token_expire_in": 9223372036854775000');
  assert.notEqual(huge, text);
  const reply = await env.send({ type: 'importChilkatJson', text: huge });
  assert.equal(reply.ok, false);
  assert.equal(reply.error.name, 'InvalidInput');
  assert.deepEqual(await storedRecord(account.openId), before, 'byte-identical');
  const { accounts } = await env.send({ type: 'accounts' });
  assert.deepEqual(accounts.map((a) => [a.openId, a.status]), [[account.openId, 'valid']]);
});

test('without navigator.locks, the worker still refreshes a rotating token once for 20 calls', async () => {
  await env.mock.control('config', { rotateRefreshToken: true });
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  await stopServiceWorker(env.context, env.extensionId);
  await env.send({ type: 'flowState' });
  // A worker without Web Locks: the client falls back to the lock kept in chrome.storage.local.
  await env.worker.evaluate(() => {
    Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true });
    // Record which keys the worker writes, to see the lease being taken.
    globalThis.writtenKeys = [];
    const realSet = chrome.storage.local.set.bind(chrome.storage.local);
    chrome.storage.local.set = (items) => {
      globalThis.writtenKeys.push(...Object.keys(items));
      return realSet(items);
    };
  });
  await env.mock.control('expire-access', {});
  await env.mock.control('latency', { refreshMs: 100 });
  const replies = await Promise.all(Array.from({ length: 20 }, () => shops(account.openId)));
  assert.deepEqual(replies.filter((r) => !r.ok).map((r) => r.error), []);
  const seen = await counters();
  assert.equal(seen.tokenRefresh, 1);
  const written = await env.worker.evaluate(() => globalThis.writtenKeys);
  assert.ok(written.includes(`tts:lock:tts:refresh:${account.openId}`), `the lease was taken: ${written}`);
  assert.equal(await env.worker.evaluate(() => typeof navigator.locks), 'undefined');
  const stored = await storedRecord(account.openId);
  assert.equal(stored.tokens.refreshToken, (await grantOf(account.openId)).refreshToken);
  await new Promise((resolve) => { setTimeout(resolve, 200); });
  const leftovers = await env.controlPage.evaluate(async () => Object.keys(await chrome.storage.local.get(null))
    .filter((key) => key.startsWith('tts:lock:')));
  assert.deepEqual(leftovers, [], 'the lease is released');
});

test('a refresh held past a reconnect: the new grant is stored, and the late answer is not written over it', async () => {
  await env.mock.control('config', { rotateRefreshToken: true });
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  await env.mock.control('expire-access', {});
  await env.mock.control('hold', { endpoint: 'refresh' });
  const late = shops(account.openId);
  const { held } = await env.mock.control('held?min=1&timeoutMs=5000');
  assert.equal(held.length, 1, 'TikTok has the refresh and holds its answer');

  // The seller connects again while that refresh is out; the flow finishes without waiting for it.
  const started = Date.now();
  const again = await connectWithAutoApprove(env.controlPage, env.mock);
  assert.equal(again.openId, account.openId);
  assert.ok(Date.now() - started < 8000, 'the reconnect did not wait for the held refresh');
  const newGrant = await grantOf(account.openId);

  // Only now does the old grant's refresh answer arrive.
  await env.mock.control('release', { all: true });
  await late;
  const stored = await storedRecord(account.openId);
  assert.equal(stored.tokens.refreshToken, newGrant.refreshToken, 'the new grant survived the late refresh');
  const ok = await shops(account.openId);
  assert.equal(ok.ok, true, JSON.stringify(ok.error));
});
