// TikTokShopClient in Node against the mock TikTok server: the authorization flow,
// account summaries, export / import. One mock per file, reset before every test.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';

import {
  APP_SECRET, SHOPS_PATH, connect, control, errorText, initPackage, memoryStore, mockConfig, pkg,
  rejection, startMockServer,
} from './helpers.mjs';

let mock;
let ctl;

before(async () => {
  await initPackage();
  mock = await startMockServer({ port: 0 });
  ctl = control(mock);
});
after(() => mock?.close());
beforeEach(() => ctl.reset());

const newClient = (store = memoryStore(), extra = {}) => ({ store, client: new pkg.TikTokShopClient(mockConfig(mock, extra), store) });

describe('authorization flow', () => {
  test('autoApprove: authorize URL redirects (302) and completeAuthorization connects; flow 0 → 1 → 3', async () => {
    await ctl.post('config', { autoApprove: true });
    const { client, store } = newClient();
    assert.equal((await client.flowState()).state, 0);

    const { url, state } = await client.beginAuthorization();
    const authorize = new URL(url);
    assert.equal(authorize.origin, mock.url);
    assert.equal(authorize.pathname, '/open/authorize');
    assert.equal(authorize.searchParams.get('service_id'), 'mock_service_id');
    assert.equal(authorize.searchParams.get('state'), state);
    assert.ok('tts:flow' in store.items, 'pending flow persisted');

    const pending = await client.flowState();
    assert.equal(pending.state, 1);
    assert.ok(pending.deadline > Date.now() / 1000, 'deadline in the future');

    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 302);
    const location = res.headers.get('location');
    assert.ok(location.startsWith(`${mock.url}/__mock/callback?`));

    const account = await client.completeAuthorization(location);
    assert.equal(account.openId, '7494845009386375941');
    assert.equal(account.sellerName, 'Mock Test Shop');
    assert.equal(account.sellerBaseRegion, 'GB');
    assert.equal(account.status, 'valid');
    assert.equal(account.appKey, 'mock_app_key');
    assert.deepEqual(account.grantedScopes, ['seller.authorization.info', 'seller.shop.info', 'seller.order.info']);
    assert.ok(account.refreshTokenExpiresAt > 2 ** 32, 'absolute refresh expiry ~ year 2125');

    const done = await client.flowState();
    assert.equal(done.state, 3);
    assert.equal(done.openId, account.openId);

    const counters = await ctl.counters();
    assert.equal(counters.tokenGetSuccess, 1);
    assert.ok(`tts:account:${account.openId}` in store.items);
  });

  test('state 2 while the token exchange is in flight', async () => {
    const { client } = newClient();
    const { url, state } = await client.beginAuthorization();
    await (await fetch(url)).text();
    const { redirectUrl } = await ctl.post('approve', { state });
    await ctl.post('hold', { endpoint: 'token' });
    const completing = client.completeAuthorization(redirectUrl);
    const held = await ctl.get('held?min=1&timeoutMs=5000');
    assert.equal(held.timedOut, false);
    assert.equal((await client.flowState()).state, 2);
    await ctl.post('release', { all: true });
    const account = await completing;
    assert.equal((await client.flowState()).state, 3);
    assert.equal(account.status, 'valid');
  });

  test('manual approve through /__mock/approve', async () => {
    const { client } = newClient();
    const account = await connect(client, mock);
    assert.equal(account.openId, '7494845009386375941');
    assert.equal((await client.flowState()).state, 3);
    assert.equal((await ctl.counters()).authorizeApproved, 1);
  });

  for (const form of ['auth_denied', 'access_denied']) {
    test(`denial (${form}) → AccessDenied, flow 4 with errorResponse`, async () => {
      const { client, store } = newClient();
      const { url, state } = await client.beginAuthorization();
      await (await fetch(url)).text();
      const { redirectUrl } = await ctl.post('deny', { state, form });
      const error = await rejection(client.completeAuthorization(redirectUrl));
      assert.ok(error instanceof Error);
      assert.equal(error.name, 'AccessDenied');
      const flow = await client.flowState();
      assert.equal(flow.state, 4);
      assert.match(flow.errorResponse, new RegExp(`error=${form}`));
      assert.deepEqual(await client.accounts(), []);
      assert.equal((await ctl.counters()).tokenGet, 0, 'no token exchange after a denial');
      assert.ok(!Object.keys(store.items).some((key) => key.startsWith('tts:account:')));
    });
  }

  test('cancel → 5 "cancelled"; a late redirect is rejected with StateReused', async () => {
    const { client } = newClient();
    const { url, state } = await client.beginAuthorization();
    await (await fetch(url)).text();
    const cancelled = await client.cancelAuthorization();
    assert.equal(cancelled.state, 5);
    assert.equal(cancelled.failureReason, 'cancelled');

    const { redirectUrl } = await ctl.post('approve', { state });
    const error = await rejection(client.completeAuthorization(redirectUrl));
    assert.equal(error.name, 'StateReused');
    const flow = await client.flowState();
    assert.equal(flow.state, 5);
    assert.equal(flow.failureReason, 'cancelled');
    assert.equal((await ctl.counters()).tokenGet, 0, 'the late code was not exchanged');
    assert.deepEqual(await client.accounts(), []);
  });

  test('a redirect used twice is rejected the second time (StateReused)', async () => {
    const { client } = newClient();
    const { url, state } = await client.beginAuthorization();
    await (await fetch(url)).text();
    const { redirectUrl } = await ctl.post('approve', { state });
    await client.completeAuthorization(redirectUrl);
    const error = await rejection(client.completeAuthorization(redirectUrl));
    assert.equal(error.name, 'StateReused');
    assert.equal((await ctl.counters()).tokenGet, 1);
  });

  test('a redirect carrying another state → StateMismatch, flow stays pending', async () => {
    const { client } = newClient();
    await client.beginAuthorization();
    const { redirectUrl } = await ctl.post('issue-code', { state: 'not-our-state' });
    const error = await rejection(client.completeAuthorization(redirectUrl));
    assert.equal(error.name, 'StateMismatch');
    assert.equal((await client.flowState()).state, 1);
    assert.equal((await ctl.counters()).tokenGet, 0);
  });

  test('failAuthorization(windowClosed) → 5 with the reason', async () => {
    const { client } = newClient();
    await client.beginAuthorization();
    const flow = await client.failAuthorization('windowClosed', 'the seller closed the window');
    assert.equal(flow.state, 5);
    assert.equal(flow.failureReason, 'windowClosed');
  });
});

describe('accounts and shops', () => {
  test('accounts() carries no token or secret anywhere', async () => {
    const { client } = newClient();
    const account = await connect(client, mock);
    await client.refresh(account.openId);
    const grant = (await ctl.tokens()).bySeller[account.openId];
    const secrets = [APP_SECRET, grant.accessToken, grant.refreshToken, ...grant.rotatedAccessTokens];

    const listed = await client.accounts();
    assert.equal(listed.length, 1);
    assert.equal(listed[0].openId, account.openId);
    assert.equal(listed[0].status, 'valid');
    const text = JSON.stringify([listed, account, await client.flowState()]);
    for (const secret of secrets) assert.ok(!text.includes(secret), `leaked ${secret.slice(0, 6)}…`);
    assert.doesNotMatch(text, /accessToken"|refreshToken"|appSecret/);
  });

  test('shops() lists the seller’s shop (camelCase)', async () => {
    const { client } = newClient();
    const account = await connect(client, mock);
    const shops = await client.shops(account.openId);
    assert.equal(shops.length, 1);
    assert.equal(shops[0].name, 'Mock Test Shop');
    assert.equal(shops[0].region, 'GB');
    assert.equal(shops[0].sellerType, 'LOCAL');
    assert.match(shops[0].cipher, /^ROW_/);
  });

  test('apiFetch on an unknown account → UnknownAccount', async () => {
    const { client } = newClient();
    const error = await rejection(client.apiFetch('nobody', { path: SHOPS_PATH }));
    assert.equal(error.name, 'UnknownAccount');
  });

  test('disconnect removes the account and leaves other keys alone', async () => {
    const { client, store } = newClient(memoryStore({ settings: { theme: 'dark' } }));
    const account = await connect(client, mock);
    await client.disconnect(account.openId);
    assert.deepEqual(await client.accounts(), []);
    assert.ok(!(`tts:account:${account.openId}` in store.items));
    assert.deepEqual(store.items.settings, { theme: 'dark' });
  });
});

describe('Chilkat JSON export / import', () => {
  test('export → import into a fresh store → export is equal', async () => {
    const { client } = newClient();
    const account = await connect(client, mock);
    const exported = await client.exportChilkatJson(account.openId);
    const parsed = JSON.parse(exported);
    assert.equal(parsed.code, 0);
    assert.equal(parsed.data.open_id, account.openId);
    assert.equal(parsed.data.access_token_expire_in, account.accessTokenExpiresAt);
    assert.equal(parsed.data.refresh_token_expire_in, account.refreshTokenExpiresAt);

    const other = newClient();
    const { account: imported, refreshed } = await other.client.importChilkatJson(exported);
    assert.equal(refreshed, false);
    assert.equal(imported.openId, account.openId);
    assert.equal(imported.sellerName, account.sellerName);
    assert.equal(imported.accessTokenExpiresAt, account.accessTokenExpiresAt);
    assert.equal(imported.refreshTokenExpiresAt, account.refreshTokenExpiresAt);
    assert.deepEqual(imported.grantedScopes, account.grantedScopes);
    assert.equal(await other.client.exportChilkatJson(account.openId), exported);
    assert.equal((await ctl.counters()).tokenRefresh, 0, 'a valid import does not refresh');

    // The imported tokens work.
    const res = await other.client.apiFetch(account.openId, { path: SHOPS_PATH });
    assert.equal(res.status, 200);
    assert.equal(res.body.code, 0, 'the body is TikTok\'s JSON, already parsed');
  });

  test('importing garbage is rejected without echoing it', async () => {
    const { client } = newClient();
    const error = await rejection(client.importChilkatJson('{"access_token":"SENTINEL_TOKEN_IN_GARBAGE'));
    assert.ok(error instanceof Error);
    assert.ok(!errorText(error).includes('SENTINEL_TOKEN_IN_GARBAGE'));
    assert.deepEqual(await client.accounts(), []);
  });
});
