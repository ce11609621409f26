#!/usr/bin/env node
// `make demo`: the extension against the mock TikTok server, end to end, the
// way a person would use it: fill the options page, Connect in the popup,
// approve on the authorize page, list the shops, let the access token expire
// and watch the extension refresh it. Prints one line per step with timings,
// saves screenshots under demo-output/, exits 0 on success and non-zero with a
// one-line reason otherwise. Tokens are never printed, only whether they changed.

import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

import {
  CHROMIUM_FLAGS, CHROMIUM_PATH, EXTENSION_DIR, POPUP_VIEWPORT, REPO_ROOT,
  extensionIdOf, mockControl, openExtensionPage, pageOpenedBy, sendFromPage,
} from '../tools/extension-driver.mjs';
import { startMockServer } from '../tools/mock-tiktok/server.mjs';

const OUTPUT_DIR = path.join(REPO_ROOT, 'demo-output');
const SHOPS_PATH = '/authorization/202309/shops';
const STEP_TIMEOUT_MS = 15_000;
const HEADED = Boolean(process.env.DISPLAY);

const startedAt = performance.now();

/** One transcript line: `[  1.23s] text`. */
function say(text) {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(2).padStart(6);
  console.log(`[${seconds}s] ${text}`);
}

/** A short fingerprint of a secret value, safe to print. */
const fingerprint = (value) => createHash('sha256').update(String(value)).digest('hex').slice(0, 8);


/** Sends a protocol message from an extension page; throws `Name: message` on `{ ok: false }`. */
async function ask(page, message) {
  const reply = await sendFromPage(page, message);
  if (!reply?.ok) throw new Error(`${message.type} refused: ${reply?.error?.name}: ${reply?.error?.message}`);
  return reply;
}

/** Chromium with the unpacked extension: headed when a display is available, headless otherwise. */
async function launchBrowser() {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'tts-demo-'));
  const flags = HEADED ? CHROMIUM_FLAGS.filter((flag) => flag !== '--headless') : CHROMIUM_FLAGS;
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      headless: !HEADED,
      executablePath: CHROMIUM_PATH,
      args: [...flags, `--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`],
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

const plural = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`;
const describeShops = (shops) => shops.map((shop) => `${shop.name} (${shop.region}, ${shop.sellerType ?? shop.seller_type})`).join('; ');

async function demo(resources) {
  await mkdir(OUTPUT_DIR, { recursive: true });

  const mock = await startMockServer({ port: 0 });
  resources.mock = mock;
  say(`Mock TikTok server listening on ${mock.url}`);

  const browser = await launchBrowser();
  resources.browser = browser;
  const { context } = browser;
  const extensionId = await extensionIdOf(EXTENSION_DIR);
  if (!context.serviceWorkers().some((worker) => worker.url().includes(extensionId))) {
    await context.waitForEvent('serviceworker', { predicate: (worker) => worker.url().includes(extensionId) });
  }
  say(`Chromium ${context.browser()?.version() ?? ''} started (${HEADED ? 'headed' : 'headless'}), extension ${extensionId} loaded`);

  // -- Options page: the redirect URL to register, then the form.
  const options = await openExtensionPage(context, extensionId, 'options.html', { viewport: { width: 820, height: 900 } });
  await options.locator('#redirect-url').filter({ hasText: /^https:\/\// }).waitFor();
  const redirectUrl = (await options.textContent('#redirect-url')).trim();
  await mockControl(mock, 'config', { redirectUrl });
  say(`Options page opened; redirect URL ${redirectUrl} registered with the mock`);

  await options.fill('#app-key', 'mock_app_key');
  await options.fill('#app-secret', 'mock_app_secret');
  await options.fill('#service-id', 'mock_service_id');
  if (await options.getAttribute('#advanced', 'open') === null) await options.click('#advanced summary');
  await options.fill('#endpoint-authorize', `${mock.url}/open/authorize`);
  await options.fill('#endpoint-token-get', `${mock.url}/api/v2/token/get`);
  await options.fill('#endpoint-token-refresh', `${mock.url}/api/v2/token/refresh`);
  await options.fill('#endpoint-api-base', mock.url);
  await options.click('#save');
  await options.waitForSelector('#save-status:not(.error):has-text("Saved.")');
  await options.screenshot({ path: path.join(OUTPUT_DIR, 'options.png'), fullPage: true });
  say('Options form filled (app key, secret, service ID, endpoints → mock) and saved → "Saved."');

  // -- Popup: Connect, approve on the authorize page, the account appears.
  const popup = await openExtensionPage(context, extensionId, 'popup.html', { viewport: POPUP_VIEWPORT });
  await popup.waitForSelector('#connect:not([hidden])');
  const authorizePage = await pageOpenedBy(context, `${mock.url}/open/authorize`, () => popup.click('#connect'));
  await authorizePage.waitForSelector('#authorize');
  await authorizePage.screenshot({ path: path.join(OUTPUT_DIR, 'authorize.png'), fullPage: true });
  say('Connect clicked → authorize page opened');

  await authorizePage.click('#authorize');
  await popup.waitForSelector('[data-testid="account"]');
  await popup.waitForSelector('#flow[data-state="3"]');
  const sellerName = (await popup.textContent('[data-testid="seller-name"]')).trim();
  const status = (await popup.textContent('[data-testid="account"] [data-testid="status"]')).trim();
  const expiry = (await popup.textContent('[data-testid="access-expiry"]')).trim();
  const { accounts } = await ask(popup, { type: 'accounts' });
  if (accounts.length !== 1) throw new Error(`expected 1 connected account, found ${accounts.length}`);
  const { openId } = accounts[0];
  say(`Authorize clicked → popup shows "${sellerName}" (${status}, access token ${expiry})`);

  // -- Test: the signed shops call, through the popup's button and the raw protocol.
  await popup.click('[data-testid="account"] [data-testid="test"]');
  await popup.waitForSelector('[data-testid="shop"]');
  const shownShops = (await popup.locator('[data-testid="shop"]').allTextContents()).map((text) => text.split(' · ')[0]);
  await popup.screenshot({ path: path.join(OUTPUT_DIR, 'popup-connected.png'), fullPage: true });
  say(`Test clicked → popup lists ${plural(shownShops.length, 'shop')}: ${shownShops.join('; ')}`);

  const { response } = await ask(popup, { type: 'apiRequest', openId, request: { method: 'GET', path: SHOPS_PATH } });
  const envelope = response.body; // TikTok's JSON, already parsed by the client
  if (response.status !== 200 || envelope.code !== 0) {
    throw new Error(`apiRequest ${SHOPS_PATH}: HTTP ${response.status}, code ${envelope.code} ${envelope.message}`);
  }
  say(`apiRequest GET ${SHOPS_PATH} → HTTP ${response.status}, code ${envelope.code}, ${plural(envelope.data.shops.length, 'shop')}: ${describeShops(envelope.data.shops)}`);

  // -- Expiry: the mock expires the access token; the next call refreshes once and succeeds.
  const before = (await mockControl(mock, 'tokens')).bySeller[openId];
  const { expired } = await mockControl(mock, 'expire-access', { openId });
  say(`Mock expired ${plural(expired, 'access token')} (next API call answers 105002 / HTTP 401)`);

  const { shops } = await ask(popup, { type: 'shops', openId });
  const counters = await mockControl(mock, 'counters');
  const afterRefresh = (await mockControl(mock, 'tokens')).bySeller[openId];
  const changed = afterRefresh.accessToken !== before.accessToken;
  if (counters.tokenRefresh !== 1 || counters.refreshSuccess !== 1 || !changed) {
    throw new Error(`expected one successful refresh and a new access token; got tokenRefresh ${counters.tokenRefresh}, `
      + `refreshSuccess ${counters.refreshSuccess}, token changed: ${changed ? 'yes' : 'no'}`);
  }
  const expiredCalls = counters.apiByCode?.['105002'] ?? 0;
  say(`shops again → ${plural(shops.length, 'shop')}: ${describeShops(shops)}; `
    + `the extension saw 105002 ${expiredCalls}×, refreshed (tokenRefresh ${counters.tokenRefresh}), `
    + `access token changed: yes (sha256 ${fingerprint(before.accessToken)} → ${fingerprint(afterRefresh.accessToken)})`);

  const { accounts: [refreshed] } = await ask(popup, { type: 'accounts' });
  const { response: again } = await ask(popup, { type: 'apiRequest', openId, request: { path: SHOPS_PATH } });
  say(`Account status ${refreshed.status}, access token valid for another ${Math.round((refreshed.accessTokenExpiresAt - Date.now() / 1000) / 3600)} h; `
    + `apiRequest with the new token → HTTP ${again.status}`);

  say(`Screenshots: ${['options.png', 'authorize.png', 'popup-connected.png'].map((name) => path.relative(REPO_ROOT, path.join(OUTPUT_DIR, name))).join(', ')}`);
}

const resources = {};
let exitCode = 0;
try {
  await demo(resources);
  say('Demo finished: connect, signed API call and automatic refresh all worked');
} catch (error) {
  exitCode = 1;
  console.error(`demo failed: ${String(error?.message ?? error).split('\n')[0]}`);
} finally {
  await resources.browser?.close().catch(() => {});
  await resources.mock?.close().catch(() => {});
}
process.exitCode = exitCode;
