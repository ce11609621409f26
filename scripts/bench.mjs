// `make bench`: the client against the failure modes of common token-refresh wrappers, side by
// side in one run, on Node against the mock TikTok server (in its own process, rotation of
// single-use refresh tokens on, refresh 200 ms, API call 20 ms). Prints figures; asserts nothing
// timing-related — the tests assert behaviour.
//
// "naive" is the usual wrapper: on a 401 / 105002 it refreshes and retries, with no
// coordination between concurrent calls.

import {
  APP_SECRET,
  SHOPS_PATH,
  connect,
  control,
  initPackage,
  memoryStore,
  mockConfig,
  pkg,
  spawnMockServer,
} from '../tests/js/helpers.mjs';

const CALLS = 100;

await initPackage();
const mock = await spawnMockServer();
const api = control(mock);

/** A naive wrapper: keeps tokens in a variable, refreshes on every rejected call. */
function naiveWrapper(tokens, config) {
  const signed = async () => {
    const query = { app_key: config.appKey, timestamp: String(Math.floor(Date.now() / 1000)) };
    const sign = pkg.signRequest(APP_SECRET, SHOPS_PATH, query, null, 'application/json');
    const url = `${config.endpoints.apiBase}${SHOPS_PATH}?${new URLSearchParams({ ...query, sign })}`;
    const response = await fetch(url, {
      headers: { 'x-tts-access-token': tokens.access, 'content-type': 'application/json' },
    });
    return { status: response.status, body: await response.json() };
  };
  const refresh = async () => {
    const query = new URLSearchParams({
      app_key: config.appKey,
      app_secret: APP_SECRET,
      refresh_token: tokens.refresh,
      grant_type: 'refresh_token',
    });
    const response = await fetch(`${config.endpoints.tokenRefresh}?${query}`);
    const body = await response.json().catch(() => ({ code: -1 }));
    if (body.code !== 0) throw new Error(`refresh failed: ${body.code}`);
    tokens.access = body.data.access_token;
    tokens.refresh = body.data.refresh_token;
  };
  return async () => {
    let result = await signed();
    if (result.status === 401 || result.body.code === 105002 || result.body.code === 105001) {
      await refresh();
      result = await signed();
    }
    if (result.body.code !== 0) throw new Error(`call failed: ${result.body.code}`);
    return result;
  };
}

async function freshClient() {
  await api.reset();
  await api.post('config', { rotateRefreshToken: true });
  const store = memoryStore();
  const config = mockConfig(mock);
  const client = new pkg.TikTokShopClient(config, store);
  const account = await connect(client, mock);
  const exported = JSON.parse(await client.exportChilkatJson(account.openId));
  await api.post('latency', { refreshMs: 200, apiMs: 20 });
  return {
    config,
    client,
    openId: account.openId,
    tokens: { access: exported.data.access_token, refresh: exported.data.refresh_token },
  };
}

async function measure(run) {
  const before = await api.counters();
  const started = performance.now();
  const results = await Promise.allSettled(Array.from({ length: CALLS }, (_, i) => run(i)));
  const ms = performance.now() - started;
  const after = await api.counters();
  return {
    failed: results.filter((r) => r.status === 'rejected').length,
    refreshes: after.tokenRefresh - before.tokenRefresh,
    ms,
  };
}

const scenarios = [
  ['expired token, calls at once', async () => {}, 0],
  ['expired token, calls 1 ms apart', async () => {}, 1],
  ['refresh answers HTTP 500 once', async () => api.post('fault', { endpoint: 'refresh', kind: 'http500', times: 1 }), 0],
];

const rows = [];
for (const [name, inject, gapMs] of scenarios) {
  const row = { name };
  for (const kind of ['naive', 'client']) {
    const { client, openId, tokens, config } = await freshClient();
    const call = kind === 'naive'
      ? naiveWrapper(tokens, config)
      : () => client.apiFetch(openId, { path: SHOPS_PATH });
    await api.post('expire-access', {});
    await inject();
    row[kind] = await measure(async (i) => {
      if (gapMs) await new Promise((resolve) => setTimeout(resolve, gapMs * i));
      return call();
    });
  }
  rows.push(row);
}
await mock.close();

const cell = (r) => `${String(r.refreshes).padStart(3)} refresh, ${String(r.failed).padStart(3)} failed, ${r.ms.toFixed(0).padStart(5)} ms`;
console.log(`${CALLS} concurrent API calls, rotating single-use refresh tokens (mock: refresh 200 ms, call 20 ms)`);
console.log(`${'scenario'.padEnd(34)} | ${'naive refresh-on-401 wrapper'.padEnd(34)} | TikTokShopClient.apiFetch`);
for (const row of rows) {
  console.log(`${row.name.padEnd(34)} | ${cell(row.naive).padEnd(34)} | ${cell(row.client)}`);
}
