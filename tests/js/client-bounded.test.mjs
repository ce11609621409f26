// TikTokShopClient in Node against the mock: every request is bounded (issue 9). An API call or
// a token refresh that hangs ends in a typed Timeout at its limit, no lock stays held, and the
// next call works.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import {
  SHOPS_PATH, connect, control, initPackage, memoryStore, mockConfig, pkg, rejection, spawnMockServer,
} from './helpers.mjs';

let mock;
let ctl;

before(async () => {
  await initPackage();
  mock = await spawnMockServer();
  ctl = control(mock);
});
after(() => mock?.close());
beforeEach(() => ctl.reset());

async function connected(extra = {}) {
  const client = new pkg.TikTokShopClient(mockConfig(mock, extra), memoryStore());
  const account = await connect(client, mock);
  return { client, openId: account.openId };
}

test('an API call that hangs ends in Timeout at its limit (per call or the client default), and the next one works', async () => {
  const { client, openId } = await connected({ apiTimeoutMs: 400 });
  await ctl.post('hold', { endpoint: 'shops' });
  let started = performance.now();
  const error = await rejection(client.apiFetch(openId, { path: SHOPS_PATH }));
  let ms = performance.now() - started;
  assert.equal(error.name, 'Timeout');
  assert.match(error.message, /the API call timed out after 400 ms/);
  assert.ok(ms >= 350 && ms < 2000, `${ms} ms`);

  await ctl.post('hold', { endpoint: 'shops' });
  started = performance.now();
  const perCall = await rejection(client.apiFetch(openId, { path: SHOPS_PATH, timeoutMs: 150 }));
  ms = performance.now() - started;
  assert.equal(perCall.name, 'Timeout');
  assert.ok(ms < 1000, `${ms} ms`);

  await ctl.post('release', { all: true });
  const ok = await client.apiFetch(openId, { path: SHOPS_PATH });
  assert.equal(ok.body.code, 0);
});

test('a refresh that hangs ends in Timeout, releases the account, and the next call refreshes', async () => {
  const { client, openId } = await connected({ tokenTimeoutMs: 300 });
  await ctl.post('expire-access', {});
  await ctl.post('hold', { endpoint: 'refresh' });
  const error = await rejection(client.apiFetch(openId, { path: SHOPS_PATH }));
  assert.equal(error.name, 'Timeout');
  assert.match(error.message, /token\/refresh timed out after 300 ms/);
  await ctl.post('release', { all: true });
  // No rotation: the old refresh token still works; nothing waits on the abandoned refresh.
  const ok = await client.apiFetch(openId, { path: SHOPS_PATH });
  assert.equal(ok.body.code, 0);
});

test('time limits are validated with the core\'s message', () => {
  for (const bad of [0, -5, 600_001]) {
    assert.throws(() => new pkg.TikTokShopClient(mockConfig(mock, { apiTimeoutMs: bad }), memoryStore()),
      (error) => error.name === 'InvalidConfig' && /API call time limit/.test(error.message));
  }
});
