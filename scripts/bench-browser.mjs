// Part B of `make bench` (scripts/bench.mjs runs it): the real extension in headless Chromium
// (launched by tools/extension-driver.mjs) against the mock TikTok server, with 1 and with 1,000
// accounts stored: worker cold start → first reply, `apiRequest` vs a direct fetch of the same
// signed endpoint, the popup's first painted seller card, and 100 due refreshes among 1,000.
//
// Written against /work/contract.md (issue 8): messages that do not exist yet (`overview`) are
// reported as n/a, and every figure that today's code can produce is produced.
//
// The extension is loaded from a copy whose manifest also grants host access to
// http://127.0.0.1/* — the mock's origin — as the real manifest does for TikTok's hosts; without
// it every call from the worker or a page would be a CORS request with a preflight, which TikTok
// calls never are. Set BENCH_EXTENSION_DIR to bench another build of the extension folder.

import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
  EXTENSION_DIR, POPUP_VIEWPORT, connectWithAutoApprove, identityRedirectUrl, launchWithExtension,
  mockControl, mockSettings, openExtensionPage, saveSettings, sendFromPage, stopServiceWorker, waitUntil,
} from '../tools/extension-driver.mjs';
import { buildSignedUrl } from '../tools/mock-tiktok/sign.mjs';

export const SELLERS = 1000;
/** Of the SELLERS, how many are made due for the refresh storm (each with a grant of its own). */
export const DUE = 100;
export const LATENCY = { refreshMs: 50, apiMs: 5 };
const SHOPS_PATH = '/authorization/202309/shops';
const ACCOUNT_PREFIX = 'tts:account:';
const INDEX_KEY = 'tts:index';
const COLD_RUNS = 5;
const POPUP_RUNS = 3;
export const STORM_TIMEOUT_MS = 120_000;

const median = (values) => {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const nowSecs = () => Math.floor(Date.now() / 1000);

/** A copy of the extension folder with host access to the mock's origin (see the top comment). */
async function extensionCopy(source) {
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'tts-bench-ext-')), 'extension');
  await cp(source, dir, { recursive: true });
  const manifestPath = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  manifest.host_permissions = [...new Set([...(manifest.host_permissions ?? []), 'http://127.0.0.1/*'])];
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
  return dir;
}

/** Runs part B against `mock` (a spawned mock: `{ url }`). Returns the figures; never throws for a missing feature. */
export async function runBrowserBench(mock, log = console.error) {
  const source = process.env.BENCH_EXTENSION_DIR ?? EXTENSION_DIR;
  const extensionDir = await extensionCopy(source);
  mock.control ??= (route, body) => mockControl(mock, route, body);
  const browser = await launchWithExtension({ extensionDir });
  const { context, extensionId } = browser;
  const out = { extensionDir: source, chromium: context.browser()?.version() ?? null, notes: [] };
  try {
    await mock.control('reset', {});
    await mock.control('config', { redirectUrl: identityRedirectUrl(extensionId), rotateRefreshToken: true });
    const page = await openExtensionPage(context, extensionId, 'capture.html#');
    const send = (message) => sendFromPage(page, message);
    await page.evaluate(() => chrome.storage.local.clear());
    await saveSettings(page, mockSettings(mock));
    const account = await connectWithAutoApprove(page, mock);
    const realKey = `${ACCOUNT_PREFIX}${account.openId}`;
    await mock.control('latency', LATENCY);
    const probe = await send({ type: 'overview' });
    const hasOverview = probe.ok || probe.error?.name !== 'UnknownMessage';
    log(`  extension: ${source}; overview message ${hasOverview ? 'present' : 'absent'}`);

    const bench = { context, extensionId, page, send, mock, account, realKey, hasOverview, log };
    // Each measure on its own: one that fails is reported as such and the others still run.
    const attempt = async (name, fn) => {
      try {
        return await fn();
      } catch (error) {
        log(`  ${name} failed: ${error.message}`);
        return { error: error.message.split('\n')[0] };
      }
    };
    out.one = {
      cold: await attempt('cold start (1 account)', () => coldStarts(bench)),
      api: await attempt('apiRequest (1 account)', () => apiVsDirect(bench, { rounds: 15, batch: 8 })),
      popup: await attempt('popup (1 account)', () => popupFirstCard(bench, 1)),
    };
    log(`  1 account: ${summary(out.one)}`);

    const seeded = await seed(bench);
    out.seeded = { ...seeded, dueKeys: undefined };
    if (seeded.workerSees !== SELLERS) out.notes.push(`after seeding ${SELLERS} accounts the worker reports ${seeded.workerSees}`);
    out.many = {
      cold: await attempt(`cold start (${SELLERS} accounts)`, () => coldStarts(bench)),
      api: await attempt(`apiRequest (${SELLERS} accounts)`, () => apiVsDirect(bench, { rounds: 10, batch: 5 })),
      popup: await attempt(`popup (${SELLERS} accounts)`, () => popupFirstCard(bench, POPUP_RUNS)),
    };
    log(`  ${SELLERS} accounts: ${summary(out.many)}`);
    out.storm = await attempt('refresh storm', () => refreshStorm(bench, seeded.dueKeys));
    log(`  ${DUE} due refreshes: ${out.storm.error ? 'failed' : `${out.storm.refreshed}/${out.storm.due} in ${out.storm.wallMs} ms`}`);
  } finally {
    await browser.close();
    await rm(path.dirname(extensionDir), { recursive: true, force: true });
  }
  return out;
}

function summary(set) {
  const f = (x) => (x == null ? 'n/a' : `${x.toFixed(1)} ms`);
  return `cold flowState ${f(set.cold?.flowState?.ms)}, cold overview ${f(set.cold?.overview?.ms)}, `
    + `apiRequest ${f(set.api?.apiMs)} vs direct ${f(set.api?.directMs)}, popup ${f(set.popup?.ms)}`;
}

// ---------------------------------------------------------------------------
// Worker cold start

/** Stops the extension's worker and waits until Chrome no longer lists it. */
async function stopWorker({ context, extensionId, page }) {
  await stopServiceWorker(context, extensionId);
  const cdp = await context.newCDPSession(page);
  try {
    await waitUntil(async () => {
      const { targetInfos } = await cdp.send('Target.getTargets');
      return !targetInfos.some((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${extensionId}/`));
    }, { timeout: 10_000, interval: 20, message: 'the worker to stop' });
  } finally {
    await cdp.detach();
  }
}

/** Time from sending `type` to a stopped worker to its reply, measured in the extension page. */
function timedMessage(page, message) {
  return page.evaluate(async (msg) => {
    const started = performance.now();
    const reply = await chrome.runtime.sendMessage(msg);
    return { ms: performance.now() - started, ok: reply?.ok === true, error: reply?.error?.name ?? null };
  }, message);
}

/**
 * Cold start → first reply for `flowState` and for `overview` (n/a without the message): the
 * worker is stopped, and the message restarts it. A warm-up restart first (after seeding, it is
 * the one that may have to build what the later ones read). Median of COLD_RUNS, the two
 * messages interleaved; between runs the worker is left 500 ms to finish its start-up chores.
 */
async function coldStarts(bench) {
  const types = bench.hasOverview ? ['flowState', 'overview'] : ['flowState'];
  await stopWorker(bench);
  await timedMessage(bench.page, { type: 'flowState' });
  await sleep(1000);
  const runs = Object.fromEntries(types.map((t) => [t, []]));
  for (let i = 0; i < COLD_RUNS; i += 1) {
    for (const type of i % 2 ? [...types].reverse() : types) {
      await stopWorker(bench);
      const result = await timedMessage(bench.page, { type });
      if (!result.ok) throw new Error(`cold start: ${type} answered ${result.error}`);
      runs[type].push(result.ms);
      await sleep(500);
    }
  }
  return Object.fromEntries(Object.entries(runs).map(([type, ms]) => [type, { ms: median(ms), runs: ms.length }]));
}

// ---------------------------------------------------------------------------
// apiRequest vs a direct fetch

/** The access token stored for the real account (read by the extension page, as any page could). */
const storedAccessToken = ({ page, realKey }) => page.evaluate(
  async (key) => (await chrome.storage.local.get(key))[key].tokens.accessToken, realKey);

/**
 * `apiRequest` messages vs a direct `fetch` of the same signed endpoint (sign precomputed,
 * `x-tts-access-token`, `content-type: application/json`, `cache: 'no-store'` as the client's own
 * fetch) from the same extension page; sequential, interleaved in batches, medians per call.
 */
async function apiVsDirect(bench, { rounds, batch }) {
  const { page, mock, account, send } = bench;
  const warm = await send({ type: 'apiRequest', openId: account.openId, request: { path: SHOPS_PATH } });
  if (!warm.ok) throw new Error(`apiRequest: ${warm.error.name}: ${warm.error.message}`);
  const url = buildSignedUrl({ baseUrl: mock.url, path: SHOPS_PATH, appKey: 'mock_app_key', appSecret: 'mock_app_secret' });
  const token = await storedAccessToken(bench);
  return page.evaluate(async ({ openId, path: apiPath, url: directUrl, token: accessToken, rounds: n, batch: size }) => {
    const bodyOf = (b) => (typeof b === 'string' ? JSON.parse(b) : b);
    const viaWorker = async () => {
      const reply = await chrome.runtime.sendMessage({ type: 'apiRequest', openId, request: { path: apiPath } });
      if (!reply.ok || bodyOf(reply.response.body).code !== 0) throw new Error(`apiRequest: ${JSON.stringify(reply.error ?? reply.response.body)}`);
    };
    const direct = async () => {
      const response = await fetch(directUrl, {
        headers: { 'content-type': 'application/json', 'x-tts-access-token': accessToken }, cache: 'no-store',
      });
      const body = await response.json();
      if (body.code !== 0) throw new Error(`direct fetch: ${body.code} ${body.message}`);
    };
    const time = async (fn) => {
      const started = performance.now();
      for (let i = 0; i < size; i += 1) await fn();
      return (performance.now() - started) / size;
    };
    for (let i = 0; i < 3; i += 1) { await viaWorker(); await direct(); }
    const api = [];
    const dir = [];
    for (let r = 0; r < n; r += 1) {
      if (r % 2) { dir.push(await time(direct)); api.push(await time(viaWorker)); } else { api.push(await time(viaWorker)); dir.push(await time(direct)); }
    }
    const med = (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
    return { apiMs: med(api), directMs: med(dir), calls: n * size };
  }, { openId: account.openId, path: SHOPS_PATH, url, token, rounds, batch });
}

// ---------------------------------------------------------------------------
// The popup

/**
 * Navigation start → first seller card painted: an init script in the popup watches the DOM
 * (MutationObserver) for the first visible `[data-testid="account"]`, then takes
 * performance.now() in a task queued from the next animation frame, i.e. after that frame —
 * the one that paints the card — was produced. Median of `runs` fresh popups, worker warm. The
 * popup's own `tts:sellers-painted` mark, when it sets one, is reported beside it.
 */
async function popupFirstCard({ context, extensionId, send }, runs) {
  const times = [];
  const ownMarks = [];
  let cards = null;
  for (let i = 0; i < runs; i += 1) {
    await send({ type: 'flowState' }); // the worker is up, as when a person clicks the icon
    const popup = await context.newPage();
    await popup.setViewportSize(POPUP_VIEWPORT);
    await popup.addInitScript(() => {
      const visible = (el) => el.isConnected && el.getClientRects().length > 0;
      const observer = new window.MutationObserver(() => {
        const card = [...document.querySelectorAll('[data-testid="account"]')].find(visible);
        if (!card) return;
        observer.disconnect();
        window.requestAnimationFrame(() => setTimeout(() => {
          window.__benchFirstCard = { ms: performance.now(), cards: document.querySelectorAll('[data-testid="account"]').length };
        }, 0));
      });
      observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['hidden', 'class', 'style'] });
    });
    await popup.goto(`chrome-extension://${extensionId}/popup.html`);
    const mark = await popup.waitForFunction(() => window.__benchFirstCard, null, { timeout: 30_000 }).then((h) => h.jsonValue());
    times.push(mark.ms);
    cards = mark.cards;
    // The popup's own marker, where it sets one (the rebuilt popup: performance.mark('tts:sellers-painted')).
    const own = await popup.evaluate(() => performance.getEntriesByName('tts:sellers-painted')[0]?.startTime ?? null);
    if (own !== null) ownMarks.push(own);
    await popup.close();
  }
  return { ms: median(times), runs, cardsInDom: cards, ownMarkMs: median(ownMarks) };
}

// ---------------------------------------------------------------------------
// Seeding 1,000 accounts

/** A grant of its own on the mock for `openId` (the 100 that are made due later must really refresh). */
async function grantFor(mock, openId, sellerName) {
  await mock.control('config', { seller: { openId, sellerName } });
  const { redirectUrl } = await mock.control('issue-code', {});
  const code = new URL(redirectUrl).searchParams.get('code');
  const query = new URLSearchParams({ app_key: 'mock_app_key', app_secret: 'mock_app_secret', auth_code: code, grant_type: 'authorized_code' });
  const body = await (await fetch(`${mock.url}/api/v2/token/get?${query}`)).json();
  if (body.code !== 0) throw new Error(`token/get for ${openId}: ${body.code} ${body.message}`);
  return body.data;
}

/**
 * Copies the real account record under SELLERS − 1 new open ids / seller names, with one
 * chrome.storage.local.set from the extension page while the worker runs, after removing the
 * client's `tts:index` so that it is rebuilt from the records (as tests/e2e's seeding does). The
 * first DUE copies get tokens of a grant of their own, so that refreshing them later works with
 * rotation on. If the worker then does not see SELLERS accounts and an index exists again, it is
 * removed once more with the worker stopped.
 */
async function seed(bench) {
  const { page, mock, realKey, send } = bench;
  const grants = [];
  for (let i = 1; i <= DUE; i += 1) {
    const openId = `bench${String(i).padStart(4, '0')}`;
    grants.push({ openId, data: await grantFor(mock, openId, `Bench Seller ${String(i).padStart(4, '0')}`) });
  }
  const dueKeys = grants.map((g) => `${ACCOUNT_PREFIX}${g.openId}`);
  await page.evaluate(async ({ key, count, grants: granted, prefix, indexKey }) => {
    const real = (await chrome.storage.local.get(key))[key];
    const items = {};
    for (let i = 1; i < count; i += 1) {
      const openId = `bench${String(i).padStart(4, '0')}`;
      const record = structuredClone(real);
      record.tokens.openId = openId;
      record.tokens.sellerName = `Bench Seller ${String(i).padStart(4, '0')}`;
      const grant = granted[i - 1];
      if (grant) {
        record.tokens.accessToken = grant.data.access_token;
        record.tokens.accessTokenExpiresAt = grant.data.access_token_expire_in;
        record.tokens.refreshToken = grant.data.refresh_token;
        record.tokens.refreshTokenExpiresAt = grant.data.refresh_token_expire_in;
      }
      items[`${prefix}${openId}`] = record;
    }
    // The client's index (if any) is dropped first, so that it is rebuilt from the records.
    await chrome.storage.local.remove(indexKey);
    await chrome.storage.local.set(items);
  }, { key: realKey, count: SELLERS, grants, prefix: ACCOUNT_PREFIX, indexKey: INDEX_KEY });

  const workerSees = async () => {
    const paged = await send({ type: 'accounts', limit: 1 });
    if (!paged.ok) throw new Error(`accounts: ${paged.error.name}`);
    return paged.total ?? paged.accounts.length;
  };
  let sees = await waitUntil(async () => {
    const n = await workerSees();
    return n === SELLERS ? n : null;
  }, { timeout: 3000, interval: 200 }).catch(() => null) ?? await workerSees();
  let indexRebuilt = false;
  const hasIndex = await page.evaluate(async (k) => k in await chrome.storage.local.get(k), INDEX_KEY);
  if (sees !== SELLERS && hasIndex) {
    await stopWorker(bench);
    await page.evaluate((k) => chrome.storage.local.remove(k), INDEX_KEY);
    indexRebuilt = true;
    sees = await workerSees();
  }
  const bytes = await page.evaluate(() => chrome.storage.local.getBytesInUse(null));
  return { workerSees: sees, indexRebuilt, bytesInUse: bytes, dueKeys };
}

// ---------------------------------------------------------------------------
// 100 due refreshes among 1,000 accounts

/**
 * The user's side: sequential apiRequests on the real account, 20 ms apart, `calls` of them or
 * (calls null) until `window.__benchStop` is set; returns latencies (ms) and failures.
 */
function userCalls(page, openId, calls) {
  return page.evaluate(async ({ openId: id, path: apiPath, calls: count }) => {
    window.__benchStop = false;
    const lat = [];
    let failed = 0;
    while (count === null ? !window.__benchStop : lat.length < count) {
      const started = performance.now();
      const reply = await chrome.runtime.sendMessage({ type: 'apiRequest', openId: id, request: { path: apiPath } });
      lat.push(performance.now() - started);
      if (reply?.ok !== true) failed += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { lat, failed };
  }, { openId, path: SHOPS_PATH, calls });
}

/**
 * Starts the CPU profiler in the extension's service worker (CDP, through the target's session)
 * and returns `{ stop() }`, which resolves to the worker's busy time in ms: every sample that is
 * not idle, user calls' handling included.
 */
async function startWorkerProfiler({ context, extensionId, page }) {
  const cdp = await context.newCDPSession(page);
  const { targetInfos } = await cdp.send('Target.getTargets');
  const target = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${extensionId}/`));
  if (!target) throw new Error('no service worker to profile');
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
  let nextId = 0;
  const waiting = new Map();
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    if (event.sessionId !== sessionId) return;
    const message = JSON.parse(event.message);
    waiting.get(message.id)?.(message);
    waiting.delete(message.id);
  });
  const call = (method, params = {}) => new Promise((resolve, reject) => {
    nextId += 1;
    waiting.set(nextId, (message) => (message.error ? reject(new Error(message.error.message)) : resolve(message.result)));
    cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: nextId, method, params }) }).catch(reject);
  });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 200 });
  await call('Profiler.start');
  return {
    async stop() {
      const { profile } = await call('Profiler.stop');
      await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => {});
      await cdp.detach();
      const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
      let busyUs = 0;
      profile.samples.forEach((id, i) => { if (!idle.has(id)) busyUs += profile.timeDeltas[i] ?? 0; });
      return busyUs / 1000;
    },
  };
}

/** How many of the due records hold fresh tokens, and how many say "reconnect". */
const dueState = (page, keys) => page.evaluate(async ({ keys: ks, soon }) => {
  const items = await chrome.storage.local.get(ks);
  const records = ks.map((k) => items[k]).filter(Boolean);
  return {
    refreshed: records.filter((r) => r.tokens?.accessTokenExpiresAt > soon).length,
    reconnect: records.filter((r) => r.reconnect).length,
  };
}, { keys, soon: nowSecs() + 3600 });

/**
 * Makes DUE of the accounts due (access token expiring in 2 minutes, inside the refresh margin;
 * issued a token lifetime ago, so half of it has passed), written while the worker runs; then
 * stops the worker, drops a stored index (the records changed behind it) and wakes the worker
 * with the user's first apiRequest: its start-up refreshes what is due (today and per the
 * contract). Storm wall = from that wake-up (or from the write, if the worker already started
 * refreshing on the storage change) until every due record holds fresh tokens (or says
 * reconnect). Progress is watched from Node on the mock's counters, and storage is read only
 * once the mock has answered DUE refreshes, so the watching adds no load to the browser. The
 * user's apiRequests run meanwhile, 20 ms apart, against a baseline taken just before.
 */
async function refreshStorm(bench, dueKeys) {
  const { page, account, mock, send } = bench;
  await send({ type: 'flowState' });
  const baseline = await userCalls(page, account.openId, 25);
  const before = await mock.control('counters');
  const writtenEpoch = Date.now();
  await page.evaluate(async ({ keys, soon }) => {
    const items = await chrome.storage.local.get(keys);
    for (const record of Object.values(items)) {
      const lifetime = record.tokens.accessTokenExpiresAt - (record.tokensReceivedAt ?? record.connectedAt);
      record.tokens.accessTokenExpiresAt = soon;
      if ('tokensReceivedAt' in record) record.tokensReceivedAt = soon - lifetime;
      if (typeof record.generation === 'number') record.generation += 1;
    }
    await chrome.storage.local.set(items);
  }, { keys: dueKeys, soon: nowSecs() + 120 });
  // The worker hears of the writes (storage events) and writes its index a second later; then
  // it stops, as a laptop lid closes, and the user's first call wakes it: its start-up chores
  // refresh what is due.
  await sleep(1500);
  const startedOnWrite = (await mock.control('counters')).tokenRefresh > before.tokenRefresh;
  let profiler = null;
  if (!startedOnWrite) {
    await stopWorker(bench);
    await send({ type: 'flowState' });
    // The worker's own CPU time, from its profiler: attached now, before its start-up chores.
    profiler = await startWorkerProfiler(bench);
  }
  const wokenEpoch = Date.now();
  const user = userCalls(page, account.openId, null);
  let state = { refreshed: 0, reconnect: 0 };
  let doneEpoch = null;
  while (Date.now() - wokenEpoch < STORM_TIMEOUT_MS) {
    const counters = await mock.control('counters');
    if (counters.tokenRefresh - before.tokenRefresh >= dueKeys.length) {
      state = await dueState(page, dueKeys);
      if (state.refreshed + state.reconnect >= dueKeys.length) {
        doneEpoch = Date.now();
        break;
      }
    }
    await sleep(25);
  }
  if (!doneEpoch) state = await dueState(page, dueKeys);
  const workerCpuMs = profiler ? await profiler.stop() : null;
  await page.evaluate(() => { window.__benchStop = true; });
  const during = await user;
  const after = await mock.control('counters');
  const startEpoch = startedOnWrite ? writtenEpoch : wokenEpoch;
  const wallMs = doneEpoch ? doneEpoch - startEpoch : null;
  // Where the time went, from the mock's request log (arrival times): when the first refresh
  // arrived, and how many were out at once (arrivals within one refresh latency of each other).
  const arrivals = (await mock.control('requests?limit=500')).requests
    .filter((r) => r.endpoint === 'refresh' && r.at >= startEpoch).map((r) => r.at).sort((a, b) => a - b);
  const peakInFlight = arrivals.reduce((peak, at, i) => Math.max(peak, i - arrivals.findIndex((b) => b > at - LATENCY.refreshMs) + 1), 0);
  return {
    firstRefreshAfterMs: arrivals.length ? arrivals[0] - startEpoch : null,
    lastRefreshAfterMs: arrivals.length ? arrivals[arrivals.length - 1] - startEpoch : null,
    peakInFlight,
    due: dueKeys.length,
    ...state,
    refreshRequests: after.tokenRefresh - before.tokenRefresh,
    refreshSuccess: after.refreshSuccess - before.refreshSuccess,
    startedOnWrite,
    wallMs,
    timedOut: !doneEpoch,
    perRefreshMs: wallMs === null ? null : wallMs / dueKeys.length,
    workerCpuMs,
    cpuPerRefreshMs: workerCpuMs === null || !doneEpoch ? null : workerCpuMs / dueKeys.length,
    userDuringMs: median(during.lat),
    userDuringMax: during.lat.length ? Math.max(...during.lat) : null,
    userCalls: during.lat.length,
    userFailed: during.failed,
    userBaselineMs: median(baseline.lat),
  };
}
