// Part A of `make bench` (scripts/bench.mjs runs it): the client in Node against the mock TikTok
// server (its own process, rotating single-use refresh tokens, refresh 50 ms, API 5 ms), side by
// side with a naive refresh-on-401 wrapper and two published token-refresh wrappers, each wired
// the way its README says:
//   - `@badgateway/oauth2-client` 3.3.1: `OAuth2Client` + `OAuth2Fetch`, used through `mw()`;
//   - `axios-auth-refresh` 5.0.2 on an axios instance, default options.
// Figures only: nothing here asserts a timing.

import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client';
import axios from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';

import {
  APP_SECRET, SHOPS_PATH, connect, control, initPackage, memoryStore, mockConfig, pkg,
} from '../tools/wasm-package.mjs';

export const BURST = 100;
export const LATENCY = { refreshMs: 50, apiMs: 5 };
/** Measured runs per burst case and variant (interleaved), after one warm-up run each. */
const BURST_RUNS = 5;

export const VARIANTS = [
  { id: 'client', label: 'this client (apiFetch)' },
  { id: 'badgateway', label: '@badgateway OAuth2Fetch' },
  { id: 'axios', label: 'axios-auth-refresh' },
  { id: 'naive', label: 'naive refresh-on-401' },
];

export const SCENARIOS = [
  { id: 'at-once', label: `${BURST} at once, expired token`, gapMs: 0 },
  { id: 'spaced', label: `${BURST} 1 ms apart, expired token`, gapMs: 1 },
  { id: 'refresh-500', label: `${BURST} at once, refresh HTTP 500 once`, gapMs: 0, fault: true },
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Today the client returns the body as a string, after issue 8 as the parsed object: accept both. */
const parsed = (body) => (typeof body === 'string' ? JSON.parse(body) : body);

/** A signed URL for the shops endpoint, signed now with the package's own `signRequest`. */
function signedShopsUrl(config) {
  const query = { app_key: config.appKey, timestamp: String(Math.floor(Date.now() / 1000)) };
  const sign = pkg.signRequest(APP_SECRET, SHOPS_PATH, query, null, 'application/json');
  return `${config.endpoints.apiBase}${SHOPS_PATH}?${new URLSearchParams({ ...query, sign })}`;
}

/** TikTok's token/refresh: a GET with the secret in the query; the answer is an envelope. */
function tiktokRefreshUrl(config, refreshToken) {
  const query = new URLSearchParams({
    app_key: config.appKey, app_secret: APP_SECRET, refresh_token: refreshToken, grant_type: 'refresh_token',
  });
  return `${config.endpoints.tokenRefresh}?${query}`;
}

// ---------------------------------------------------------------------------
// The variants. Each factory gets a fresh grant and returns `call()` → true when TikTok answered
// code 0 (the call was kept), false or a rejection otherwise.

/** The usual wrapper: tokens in a variable, a refresh on every rejected call, no coordination. */
function naiveWrapper({ config, tokens }) {
  const signed = async () => {
    const response = await fetch(signedShopsUrl(config), {
      headers: { 'x-tts-access-token': tokens.access, 'content-type': 'application/json' },
    });
    return { status: response.status, body: await response.json() };
  };
  const refresh = async () => {
    const response = await fetch(tiktokRefreshUrl(config, tokens.refresh));
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
    return result.body.code === 0;
  };
}

/**
 * @badgateway/oauth2-client, as its README wires OAuth2Fetch: an OAuth2Client for the token
 * endpoint, `getStoredToken` for the tokens we already have, `getNewToken` returning null (a new
 * grant needs the seller). Two local adapters, because TikTok is not RFC 6749:
 *  - the client's `fetch` option (documented: "explicitly set the fetch implementation") turns
 *    its refresh — a POST of `grant_type=refresh_token&refresh_token=…&client_id&client_secret`
 *    (client_secret_post) — into TikTok's GET with app_key / app_secret in the query, and TikTok's
 *    envelope into a standard token response (`expires_in` from the absolute expiry; a non-zero
 *    code becomes an HTTP 400 `invalid_grant`; an HTTP 500 passes through as it is);
 *  - requests go through `wrapper.mw()` (the README's middleware form) whose `next` moves the
 *    `Authorization: Bearer …` it sets into TikTok's `x-tts-access-token` header.
 * Its refresh runs on HTTP 401 only (TikTok's 105002 is a 401; 105001 is an HTTP 200).
 */
function badgatewayWrapper({ config, tokens }) {
  const tiktokTokenFetch = async (uri, init) => {
    const form = new URLSearchParams(init.body);
    const response = await fetch(`${uri}?${new URLSearchParams({
      app_key: form.get('client_id'), app_secret: form.get('client_secret'),
      refresh_token: form.get('refresh_token'), grant_type: form.get('grant_type'),
    })}`);
    if (!response.ok) return response;
    const envelope = await response.json().catch(() => null);
    const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (envelope?.code !== 0) return json(400, { error: 'invalid_grant', error_description: `TikTok code ${envelope?.code}` });
    const { access_token, refresh_token, access_token_expire_in } = envelope.data;
    return json(200, {
      access_token, refresh_token, token_type: 'Bearer',
      expires_in: access_token_expire_in - Math.floor(Date.now() / 1000),
    });
  };
  const client = new OAuth2Client({
    clientId: config.appKey,
    clientSecret: APP_SECRET,
    tokenEndpoint: config.endpoints.tokenRefresh,
    authenticationMethod: 'client_secret_post',
    fetch: tiktokTokenFetch,
  });
  const wrapper = new OAuth2Fetch({
    client,
    getNewToken: () => null,
    getStoredToken: () => ({ accessToken: tokens.access, refreshToken: tokens.refresh, expiresAt: tokens.accessExpiresAt * 1000 }),
    onError: () => {},
  });
  const mw = wrapper.mw();
  const next = (request) => {
    const headers = new Headers(request.headers);
    headers.set('x-tts-access-token', headers.get('authorization').replace(/^Bearer /, ''));
    headers.delete('authorization');
    return fetch(request.url, { method: request.method, headers });
  };
  return async () => {
    const request = new Request(signedShopsUrl(config), { headers: { 'content-type': 'application/json' } });
    const response = await mw(request, next);
    return (await response.json()).code === 0;
  };
}

/**
 * axios-auth-refresh as its README wires it: `createAuthRefresh(instance, refreshAuthLogic)` with
 * default options (401 only, deduplicated refresh), a request interceptor that puts the current
 * token on every request, and a refresh logic that calls TikTok's token/refresh (a GET) with plain
 * axios and sets the new token on the failed request before it is retried.
 */
function axiosWrapper({ config, tokens }) {
  const instance = axios.create();
  instance.interceptors.request.use((request) => {
    request.headers['x-tts-access-token'] = tokens.access;
    return request;
  });
  const refreshAuthLogic = (failedRequest) => axios.get(tiktokRefreshUrl(config, tokens.refresh)).then((response) => {
    if (response.data.code !== 0) throw new Error(`refresh failed: ${response.data.code}`);
    tokens.access = response.data.data.access_token;
    tokens.refresh = response.data.data.refresh_token;
    failedRequest.response.config.headers['x-tts-access-token'] = tokens.access;
  });
  createAuthRefresh(instance, refreshAuthLogic);
  return async () => {
    const response = await instance.get(signedShopsUrl(config), { headers: { 'content-type': 'application/json' } });
    return response.data.code === 0;
  };
}

/** This client, over an in-memory store, as the JS tests use it. */
function clientWrapper({ client, openId }) {
  return async () => parsed((await client.apiFetch(openId, { path: SHOPS_PATH })).body).code === 0;
}

const FACTORIES = { client: clientWrapper, badgateway: badgatewayWrapper, axios: axiosWrapper, naive: naiveWrapper };

// ---------------------------------------------------------------------------

/**
 * A fresh grant: mock reset, rotation on, one seller connected through this client, its tokens
 * exported for the other variants, then the bench latency.
 */
async function freshGrant(mock, latency = LATENCY) {
  const api = control(mock);
  await api.reset();
  await api.post('config', { rotateRefreshToken: true });
  const config = mockConfig(mock);
  const client = new pkg.TikTokShopClient(config, memoryStore({}, { events: true }));
  const account = await connect(client, mock);
  const exported = JSON.parse(await client.exportChilkatJson(account.openId));
  await api.post('latency', latency);
  return {
    config,
    client,
    openId: account.openId,
    tokens: {
      access: exported.data.access_token,
      refresh: exported.data.refresh_token,
      accessExpiresAt: exported.data.access_token_expire_in,
    },
  };
}

async function burstOnce(mock, scenario, variantId) {
  const api = control(mock);
  const grant = await freshGrant(mock);
  const call = FACTORIES[variantId](grant);
  await api.post('expire-access', {});
  if (scenario.fault) await api.post('fault', { endpoint: 'refresh', kind: 'http500', times: 1 });
  const before = await api.counters();
  const started = performance.now();
  const results = await Promise.allSettled(Array.from({ length: BURST }, async (_, i) => {
    if (scenario.gapMs) await sleep(scenario.gapMs * i);
    return call();
  }));
  const ms = performance.now() - started;
  const after = await api.counters();
  grant.client.free?.();
  return {
    ms,
    kept: results.filter((r) => r.status === 'fulfilled' && r.value === true).length,
    refreshes: after.refreshSuccess - before.refreshSuccess,
    refreshAttempts: after.tokenRefresh - before.tokenRefresh,
  };
}

/**
 * One burst case, every variant, interleaved: a warm-up run of each, then BURST_RUNS rounds in
 * which each variant runs once (the order rotates each round). Refreshes and calls kept are the
 * worst run's (most refreshes, fewest kept); wall is the median.
 */
async function burstCase(mock, scenario, log) {
  const runs = Object.fromEntries(VARIANTS.map((v) => [v.id, []]));
  for (const v of VARIANTS) await burstOnce(mock, scenario, v.id); // warm-up, not counted
  for (let round = 0; round < BURST_RUNS; round += 1) {
    for (let k = 0; k < VARIANTS.length; k += 1) {
      const v = VARIANTS[(round + k) % VARIANTS.length];
      runs[v.id].push(await burstOnce(mock, scenario, v.id));
    }
  }
  const out = {};
  for (const v of VARIANTS) {
    const r = runs[v.id];
    out[v.id] = {
      runs: r.length,
      wallMs: median(r.map((x) => x.ms)),
      kept: Math.min(...r.map((x) => x.kept)),
      keptMax: Math.max(...r.map((x) => x.kept)),
      refreshes: Math.max(...r.map((x) => x.refreshes)),
      refreshesMin: Math.min(...r.map((x) => x.refreshes)),
      refreshAttempts: Math.max(...r.map((x) => x.refreshAttempts)),
    };
  }
  log(`  ${scenario.label}: ${VARIANTS.map((v) => `${v.id} ${out[v.id].wallMs.toFixed(0)} ms ${out[v.id].kept}/${BURST}`).join(', ')}`);
  return out;
}

/**
 * Per-call cost with a valid token: sequential `apiFetch` calls vs a raw `fetch` of the very
 * request the client sent (its URL, sign included, and its headers, read back from the mock's
 * request log), interleaved in batches; medians of the per-batch means.
 */
async function perCall(mock, apiMs, log) {
  const api = control(mock);
  const grant = await freshGrant(mock, { refreshMs: LATENCY.refreshMs, apiMs });
  const { client, openId } = grant;
  const viaClient = async () => {
    const body = parsed((await client.apiFetch(openId, { path: SHOPS_PATH })).body);
    if (body.code !== 0) throw new Error(`apiFetch: code ${body.code}`);
  };
  await viaClient();
  const [sent] = (await api.get('requests?limit=1')).requests;
  const rawUrl = `${mock.url}${sent.path}?${new URLSearchParams(sent.query)}`;
  const rawHeaders = Object.fromEntries(Object.entries(sent.headers).filter(([name, value]) => value !== null && name !== 'origin'));
  const raw = async () => {
    const body = await (await fetch(rawUrl, { headers: rawHeaders })).json();
    if (body.code !== 0) throw new Error(`raw fetch: code ${body.code}`);
  };
  const [rounds, batch] = apiMs === 0 ? [30, 100] : [12, 20];
  for (let i = 0; i < batch * 2; i += 1) { await viaClient(); await raw(); } // warm-up
  const perCallUs = { client: [], raw: [] };
  const timeBatch = async (fn) => {
    const started = performance.now();
    for (let i = 0; i < batch; i += 1) await fn();
    return ((performance.now() - started) * 1000) / batch;
  };
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 ? [['raw', raw], ['client', viaClient]] : [['client', viaClient], ['raw', raw]];
    for (const [name, fn] of order) perCallUs[name].push(await timeBatch(fn));
  }
  client.free?.();
  const out = {
    apiMs,
    calls: rounds * batch,
    clientUs: median(perCallUs.client),
    rawUs: median(perCallUs.raw),
  };
  out.ratio = out.clientUs / out.rawUs;
  log(`  per call, mock API ${apiMs} ms: client ${out.clientUs.toFixed(0)} µs, raw ${out.rawUs.toFixed(0)} µs (${out.ratio.toFixed(2)}×)`);
  return out;
}

/** Runs part A against `mock` (a spawned mock: `{ url }`). */
export async function runNodeBench(mock, log = console.error) {
  await initPackage();
  const bursts = {};
  for (const scenario of SCENARIOS) bursts[scenario.id] = await burstCase(mock, scenario, log);
  const perCallRows = [await perCall(mock, 0, log), await perCall(mock, LATENCY.apiMs, log)];
  await control(mock).reset();
  return { bursts, perCall: perCallRows };
}
