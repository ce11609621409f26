// TikTokShopClient in Node against the mock: transparent refresh, single flight under
// concurrency, late 401s, transient refresh failures, revocation, redaction, and two
// clients sharing one store. One mock per file, reset before every test.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';

import {
  APP_SECRET, SHOPS_PATH, connect, control, errorText, initPackage, memoryStore, mockConfig, pkg,
  rejection, sleep, spawnMockServer,
} from './helpers.mjs';

let mock;
let ctl;

before(async () => {
  await initPackage();
  // Its own process, like TikTok: the client's event loop only does the client's work.
  mock = await spawnMockServer();
  ctl = control(mock);
});
after(() => mock?.close());
beforeEach(() => ctl.reset());

/** A connected client over a fresh in-memory store. */
async function connected() {
  const store = memoryStore();
  const client = new pkg.TikTokShopClient(mockConfig(mock), store);
  const account = await connect(client, mock);
  return { store, client, openId: account.openId, account };
}

const shopsCall = { path: SHOPS_PATH };

function assertShopsOk(res) {
  assert.equal(res.status, 200);
  const { body } = res; // TikTok's JSON, already parsed
  assert.equal(typeof body, 'object');
  assert.equal(body.code, 0, JSON.stringify(body));
  assert.equal(body.data.shops.length, 1);
}

const burst = (client, openId, n = 50) => Promise.all(Array.from({ length: n }, () => client.apiFetch(openId, shopsCall)));

describe('transparent refresh', () => {
  test('apiFetch → expire → apiFetch refreshes once and succeeds', async () => {
    const { client, openId, store } = await connected();
    assertShopsOk(await client.apiFetch(openId, shopsCall));
    const oldAccess = store.items[`tts:account:${openId}`].tokens.accessToken;

    assert.equal((await ctl.post('expire-access')).expired, 1);
    assertShopsOk(await client.apiFetch(openId, shopsCall));

    const counters = await ctl.counters();
    assert.equal(counters.tokenRefresh, 1);
    assert.equal(counters.refreshSuccess, 1);
    assert.equal(counters.apiByCode['105002'], 1);
    const stored = store.items[`tts:account:${openId}`].tokens;
    assert.notEqual(stored.accessToken, oldAccess);
    assert.equal(stored.accessToken, (await ctl.tokens()).bySeller[openId].accessToken);
    const [summary] = await client.accounts();
    assert.equal(summary.status, 'valid');
    assert.ok(summary.lastRefreshAt > 0);
  });

  test('50 concurrent apiFetch with an expired token → one refresh, all succeed, fast', async () => {
    const { client, openId } = await connected();
    // Warm-up burst with a valid token: opens the HTTP connections, so the measured
    // burst times the refresh coordination rather than 50 TCP handshakes.
    (await burst(client, openId)).forEach(assertShopsOk);
    await ctl.post('latency', { refreshMs: 200, apiMs: 20 });

    // call (20) + refresh (200) + call (20) = 240 ms; the bound is twice that. The
    // machine is shared (2 cores, a compiler may be running), so up to 3 bursts are
    // measured; every one must refresh exactly once and succeed 50 times, and the
    // fastest must be under the bound.
    const BOUND_MS = 480;
    const walls = [];
    for (let attempt = 1; attempt <= 3 && !walls.some((ms) => ms < BOUND_MS); attempt += 1) {
      await ctl.post('expire-access');
      const base = await ctl.counters();

      const started = performance.now();
      const results = await burst(client, openId);
      const wallMs = performance.now() - started;
      walls.push(wallMs);

      results.forEach(assertShopsOk);
      const counters = await ctl.counters();
      const refreshes = counters.tokenRefresh - base.tokenRefresh;
      console.log(`50 concurrent apiFetch with an expired token (burst ${attempt}): ${wallMs.toFixed(1)} ms wall, `
        + `${refreshes} token/refresh, ${counters.api - base.api} API requests`);
      assert.equal(refreshes, 1, 'exactly one token/refresh');
      assert.equal(counters.refreshSuccess - base.refreshSuccess, 1);
      assert.equal(counters.apiSuccess - base.apiSuccess, 50);
    }
    const fastest = Math.min(...walls);
    assert.ok(fastest < BOUND_MS, `wall time ${walls.map((ms) => ms.toFixed(1)).join(', ')} ms: none under ${BOUND_MS} ms`);
  });

  test('50 calls started 1 ms apart across the refresh → one refresh', async () => {
    const { client, openId } = await connected();
    await ctl.post('latency', { refreshMs: 40, apiMs: 10 });
    await ctl.post('expire-access');
    const calls = [];
    for (let i = 0; i < 50; i += 1) {
      calls.push(client.apiFetch(openId, shopsCall));
      await sleep(1);
    }
    (await Promise.all(calls)).forEach(assertShopsOk);
    const counters = await ctl.counters();
    assert.equal(counters.tokenRefresh, 1);
    assert.equal(counters.apiSuccess, 50);
  });

  test('a late 401 for a token already refreshed does not refresh again', async () => {
    const { client, openId } = await connected();
    await ctl.post('expire-access');
    await ctl.post('hold', { endpoint: 'shops', count: 1 });

    // A's request is evaluated now (expired → 105002/401) and its answer parked.
    const late = client.apiFetch(openId, shopsCall);
    const held = await ctl.get('held?min=1&timeoutMs=5000');
    assert.equal(held.timedOut, false);
    assert.equal(held.held[0].code, 105002);

    // B gets the 401 too, refreshes, retries and succeeds.
    assertShopsOk(await client.apiFetch(openId, shopsCall));
    assert.equal((await ctl.counters()).tokenRefresh, 1);

    await ctl.post('release', { all: true });
    assertShopsOk(await late);
    const counters = await ctl.counters();
    assert.equal(counters.tokenRefresh, 1, 'the late 401 reused the refreshed token');
    assert.equal(counters.apiSuccess, 2);
  });

  test('token/refresh answers HTTP 500 once during a burst of 50 → all succeed', async () => {
    const { client, openId } = await connected();
    await ctl.post('expire-access');
    await ctl.post('fault', { endpoint: 'refresh', kind: 'http500', times: 1 });
    (await burst(client, openId)).forEach(assertShopsOk);
    const counters = await ctl.counters();
    assert.equal(counters.faultsApplied, 1);
    assert.equal(counters.refreshSuccess, 1);
    assert.equal(counters.tokenRefresh, 2, 'one failed attempt, one retry');
    assert.equal(counters.apiSuccess, 50);
  });
});

describe('refresh failures', () => {
  test('revoked grant → ReconnectRequired; tokens kept; status reconnectRequired', async () => {
    const { client, openId, store } = await connected();
    const before = structuredClone(store.items[`tts:account:${openId}`].tokens);
    await ctl.post('revoke');

    const error = await rejection(client.apiFetch(openId, shopsCall));
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ReconnectRequired');
    assert.equal(error.code, 36004005);
    assert.ok(error.requestId);
    assert.equal((await ctl.counters()).tokenRefresh, 1);

    const record = store.items[`tts:account:${openId}`];
    assert.ok(record, 'account kept');
    assert.deepEqual(record.tokens, before, 'tokens still stored, unchanged');
    const [summary] = await client.accounts();
    assert.equal(summary.openId, openId);
    assert.equal(summary.status, 'reconnectRequired');
    assert.match(summary.statusReason, /36004005/);

    // Another refresh attempt still says reconnect.
    const again = await rejection(client.refresh(openId));
    assert.equal(again.name, 'ReconnectRequired');
  });

  test('expired refresh token → ReconnectRequired (36004001)', async () => {
    const { client, openId } = await connected();
    await ctl.post('expire-refresh');
    const error = await rejection(client.refresh(openId));
    assert.equal(error.name, 'ReconnectRequired');
    assert.equal(error.code, 36004001);
    assert.equal((await client.accounts())[0].status, 'reconnectRequired');
  });

  for (const kind of ['html', 'malformed']) {
    test(`${kind} answers on refresh leave the stored tokens unchanged and leak nothing`, async () => {
      const { client, openId, store } = await connected();
      await ctl.post('expire-access');
      const before = structuredClone(store.items);
      const grant = (await ctl.tokens()).bySeller[openId];
      await ctl.post('fault', { endpoint: 'refresh', kind, times: 10 });

      for (const attempt of [client.refresh(openId), client.apiFetch(openId, shopsCall)]) {
        const error = await rejection(attempt);
        assert.ok(error instanceof Error);
        assert.equal(error.name, 'MalformedResponse');
        const text = errorText(error);
        for (const secret of [APP_SECRET, grant.accessToken, grant.refreshToken]) {
          assert.ok(!text.includes(secret), `error shows ${secret.slice(0, 8)}…`);
        }
      }
      // The refresh journal was written and cleared around each attempt; the tokens were not touched.
      const key = `tts:account:${openId}`;
      assert.deepEqual(store.items[key].tokens, before[key].tokens, 'stored tokens unchanged');
      assert.equal(store.items[key].refreshInFlight, null, 'no refresh left marked in flight');
      assert.equal(store.items[key].reconnect, null);
      assert.ok((await ctl.counters()).faultsApplied >= 2);
      if (kind === 'html') {
        // The fault page really echoes the request URL with app_secret: the client redacted it.
        const query = new URLSearchParams({ app_key: 'mock_app_key', app_secret: APP_SECRET, refresh_token: grant.refreshToken, grant_type: 'refresh_token' });
        const page = await (await fetch(`${mock.url}/api/v2/token/refresh?${query}`)).text();
        assert.ok(page.includes(APP_SECRET));
      }

      await ctl.del('faults');
      assertShopsOk(await client.apiFetch(openId, shopsCall));
    });
  }
});

describe('two clients over one store', () => {
  test('refresh() on both at once → one token/refresh', async () => {
    const { client: first, openId, store } = await connected();
    const second = new pkg.TikTokShopClient(mockConfig(mock), store);
    await ctl.post('latency', { refreshMs: 200 });
    const [a, b] = await Promise.all([first.refresh(openId), second.refresh(openId)]);
    assert.equal(a.accessTokenExpiresAt, b.accessTokenExpiresAt);
    const counters = await ctl.counters();
    assert.equal(counters.tokenRefresh, 1);
    assert.equal(store.items[`tts:account:${openId}`].tokens.accessToken, (await ctl.tokens()).bySeller[openId].accessToken);
  });

  test('expired token, 25 calls on each client → one refresh, all succeed', async () => {
    const { client: first, openId, store } = await connected();
    const second = new pkg.TikTokShopClient(mockConfig(mock), store);
    await ctl.post('latency', { refreshMs: 100, apiMs: 10 });
    await ctl.post('expire-access');
    const results = await Promise.all([burst(first, openId, 25), burst(second, openId, 25)]);
    results.flat().forEach(assertShopsOk);
    const counters = await ctl.counters();
    assert.equal(counters.tokenRefresh, 1);
    assert.equal(counters.apiSuccess, 50);
  });
});
