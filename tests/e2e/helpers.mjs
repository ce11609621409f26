// Shared helpers for the end-to-end tests (and `make demo`): launch headless
// Chromium with the unpacked extension, open its pages, talk to its worker,
// stop the worker over CDP, and steer the mock TikTok server.

import { createHash } from 'node:crypto';
import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { startMockServer } from '../../tools/mock-tiktok/server.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXTENSION_DIR = path.join(REPO_ROOT, 'extension');
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-output', 'e2e');
/** Debian's /usr/bin/chromium is a wrapper that adds an empty --load-extension=; use the real binary. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';

/** Flags that work as root in a container with no network beyond localhost. */
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Popup size used by the tests: within Chrome's 800x600 popup limit. */
export const POPUP_VIEWPORT = { width: 400, height: 600 };

/** The unpacked extension's ID, derived from the manifest `key` the way Chrome does it. */
export async function extensionIdOf(extensionDir = EXTENSION_DIR) {
  const manifest = JSON.parse(await readFile(path.join(extensionDir, 'manifest.json'), 'utf8'));
  const digest = createHash('sha256').update(Buffer.from(manifest.key, 'base64')).digest('hex');
  return [...digest.slice(0, 32)].map((hex) => String.fromCharCode(97 + parseInt(hex, 16))).join('');
}

/** `https://<id>.chromiumapp.org/`: what chrome.identity.getRedirectURL() returns. */
export const identityRedirectUrl = (extensionId) => `https://${extensionId}.chromiumapp.org/`;

/**
 * A copy of the extension with a changed manifest: `permissions` / `hostPermissions` already
 * granted (headless Chromium cannot answer chrome.permissions.request's prompt), and
 * `webAccessibleMatches` added to capture.html's web_accessible_resources entry (loopback for
 * the mock's authorize page: the shipped manifest lists TikTok's authorize origins only). Same
 * `key`, so the same ID. Returns the copy's folder.
 */
export async function extensionCopyWith({ permissions = [], hostPermissions = [], webAccessibleMatches = [] } = {}) {
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'tts-ext-')), 'extension');
  await cp(EXTENSION_DIR, dir, { recursive: true });
  const manifestPath = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  manifest.permissions.push(...permissions);
  manifest.host_permissions.push(...hostPermissions);
  const capture = manifest.web_accessible_resources.find((entry) => entry.resources.includes('capture.html'));
  capture.matches.push(...webAccessibleMatches);
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
  return dir;
}

/**
 * Launches Chromium with the extension loaded and waits for its service worker.
 * Returns { context, extensionId, worker, close }.
 */
export async function launchWithExtension({ extensionDir = EXTENSION_DIR, headless = true } = {}) {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'tts-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    headless,
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS, `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`],
  });
  const extensionId = await extensionIdOf(extensionDir);
  const worker = context.serviceWorkers().find((candidate) => candidate.url().includes(extensionId))
    ?? await context.waitForEvent('serviceworker', { predicate: (candidate) => candidate.url().includes(extensionId) });
  return {
    context,
    extensionId,
    worker,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Opens an extension page (e.g. "popup.html") as a tab. */
export async function openExtensionPage(context, extensionId, page, { viewport = POPUP_VIEWPORT } = {}) {
  const tab = await context.newPage();
  await tab.setViewportSize(viewport);
  await tab.goto(`chrome-extension://${extensionId}/${page}`);
  return tab;
}

/** Sends one protocol message from an extension page, as the popup would, and returns the reply. */
export function sendFromPage(page, message) {
  return page.evaluate((msg) => chrome.runtime.sendMessage(msg), message);
}

/**
 * Stops the extension's service worker, as Chrome does when it is idle or
 * killed. The next event (a message, an alarm) starts a new instance.
 */
export async function stopServiceWorker(context, extensionId) {
  const page = context.pages()[0] ?? await context.newPage();
  const cdp = await context.newCDPSession(page);
  try {
    const { targetInfos } = await cdp.send('Target.getTargets');
    const workers = targetInfos.filter((target) => target.type === 'service_worker'
      && target.url.startsWith(`chrome-extension://${extensionId}/`));
    for (const target of workers) await cdp.send('Target.closeTarget', { targetId: target.targetId });
    return workers.length;
  } finally {
    await cdp.detach();
  }
}

/** Waits for the page whose URL starts with `prefix` (e.g. the mock's authorize page) to open. */
export async function waitForPageStartingWith(context, prefix, timeout = 10_000) {
  const existing = context.pages().find((page) => page.url().startsWith(prefix));
  if (existing) return existing;
  return context.waitForEvent('page', { predicate: (page) => page.url().startsWith(prefix), timeout });
}

/** Saves a screenshot under test-output/e2e/ (git-ignored), the whole page unless `fullPage` is false; returns its path. */
export async function saveScreenshot(page, name, { fullPage = true } = {}) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** Polls `probe` until it returns a truthy value; returns that value. */
export async function waitUntil(probe, { timeout = 10_000, interval = 100, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  throw new Error(`Timed out waiting for ${message} (last value: ${JSON.stringify(last)})`);
}

// ---------------------------------------------------------------------------
// Mock TikTok server

/** Calls the mock's control API (`/__mock/<route>`): GET without a body, POST with one. */
export async function mockControl(mock, route, body) {
  const response = await fetch(`${mock.url}/__mock/${route}`, body === undefined
    ? {}
    : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(`mock ${route}: ${json.error}`);
  return json;
}

/**
 * Starts the mock on an ephemeral port with the extension's redirect URL
 * registered. `mock.control(route, body)` calls its /__mock/ API.
 */
export async function startMock(extensionId, options = {}) {
  const startupOptions = { redirectUrl: identityRedirectUrl(extensionId), ...options };
  const mock = await startMockServer({ port: 0, ...startupOptions });
  mock.control = (route, body) => mockControl(mock, route, body);
  return mock;
}

/** Extension settings pointing every endpoint at the mock. */
export function mockSettings(mock, overrides = {}) {
  return {
    appKey: 'mock_app_key',
    appSecret: 'mock_app_secret',
    serviceId: 'mock_service_id',
    region: 'row',
    captureMode: 'identity',
    registeredRedirectUrl: '',
    endpoints: {
      authorize: `${mock.url}/open/authorize`,
      tokenGet: `${mock.url}/api/v2/token/get`,
      tokenRefresh: `${mock.url}/api/v2/token/refresh`,
      apiBase: mock.url,
    },
    ...overrides,
  };
}

/** Saves settings through the protocol (from an extension page); throws on refusal. */
export async function saveSettings(page, settings) {
  const reply = await sendFromPage(page, { type: 'saveSettings', settings });
  if (!reply.ok) throw new Error(`saveSettings: ${reply.error.name}: ${reply.error.message}`);
  return reply;
}

/**
 * Connects the mock's seller through the real flow, with the mock set to
 * approve at once (no page to click). Returns the account summary.
 */
export async function connectWithAutoApprove(page, mock) {
  await mock.control('config', { autoApprove: true });
  const reply = await sendFromPage(page, { type: 'connect' });
  if (!reply.ok) throw new Error(`connect: ${reply.error.message}`);
  const flow = await waitUntil(async () => {
    const { flow: current } = await sendFromPage(page, { type: 'flowState' });
    return current.state >= 3 ? current : null;
  }, { message: 'the flow to finish' });
  await mock.control('config', { autoApprove: false });
  if (flow.state !== 3) throw new Error(`flow ended in state ${flow.state}: ${flow.failureInfo}`);
  const { accounts } = await sendFromPage(page, { type: 'accounts' });
  return accounts.find((account) => account.openId === flow.openId);
}

/** Clears the extension's storage (accounts, flow, settings) between tests. */
export async function clearExtensionStorage(page) {
  await page.evaluate(() => chrome.storage.local.clear());
}

/**
 * Runs `action` and returns the page it opened whose URL starts with `prefix`. A page may open
 * blank and be sent there afterwards (tab capture opens its tab blank, then loads TikTok's page).
 */
export async function pageOpenedBy(context, prefix, action, timeout = 10_000) {
  const before = new Set(context.pages());
  await action();
  const page = await waitUntil(() => context.pages().find((candidate) => !before.has(candidate) && candidate.url().startsWith(prefix)),
    { timeout, interval: 50, message: `a new page at ${prefix}` });
  await page.waitForLoadState('domcontentloaded');
  return page;
}

/**
 * One browser + mock per test file; every test starts from empty extension
 * storage, a reset mock and settings pointing at it.
 * Use: `const env = extensionSuite(); before(env.start); after(env.stop); beforeEach(env.reset);`
 */
export function extensionSuite(mockOptions = {}, launchOptions = {}) {
  const env = {
    async start() {
      const browser = await launchWithExtension(launchOptions);
      Object.assign(env, browser, { browser });
      env.mock = await startMock(browser.extensionId, mockOptions);
      // A blank extension page to send protocol messages and clear storage from.
      env.controlPage = await openExtensionPage(browser.context, browser.extensionId, 'capture.html#');
    },
    async stop() {
      await env.browser?.close();
      await env.mock?.close();
    },
    async reset() {
      await env.mock.control('reset', {});
      await clearExtensionStorage(env.controlPage);
      for (const page of env.context.pages()) {
        if (page !== env.controlPage) await page.close();
      }
      await saveSettings(env.controlPage, mockSettings(env.mock, env.settingsOverrides));
    },
    /** Settings every reset saves on top of `mockSettings` (e.g. `allowedWebOrigins`). */
    settingsOverrides: {},
    /** Sends a protocol message from the control page (an extension page). */
    send: (message) => sendFromPage(env.controlPage, message),
    openPopup: () => openExtensionPage(env.context, env.extensionId, 'popup.html'),
    openOptions: () => openExtensionPage(env.context, env.extensionId, 'options.html', { viewport: { width: 800, height: 600 } }),
  };
  return env;
}

// ---------------------------------------------------------------------------
// Many sellers

/** Open IDs and names of seeded sellers: `7100000000000000001`, `Mock Store 0001`, … */
export const seededOpenId = (n) => `71${String(n).padStart(17, '0')}`;
export const seededName = (n) => `Mock Store ${String(n).padStart(4, '0')}`;
/** Regions the seeded sellers cycle through (no seller name contains one of these as letters). */
export const SEEDED_REGIONS = ['GB', 'DE', 'FR', 'IT', 'PL'];

/**
 * Copies the stored record of a connected seller (`templateOpenId`) under `count` new open IDs
 * and seller names, in one chrome.storage.local.set from an extension page, as if that many
 * sellers had connected. `reconnect`: seeded numbers whose record says the seller must connect
 * again, each `{ n, kind }` (`kind` null or "refreshInterrupted"); `damaged`: seeded numbers
 * whose record is unreadable. The client's index is dropped so that it is rebuilt from the
 * records. Returns the number of records written.
 */
export async function seedSellers(page, templateOpenId, count, { reconnect = [], damaged = [] } = {}) {
  return page.evaluate(async ({ templateOpenId, count, reconnect, damaged, regions }) => {
    const key = `tts:account:${templateOpenId}`;
    const { [key]: template } = await chrome.storage.local.get(key);
    if (!template) throw new Error(`no stored record for ${templateOpenId}`);
    const nowSecs = Math.floor(Date.now() / 1000);
    const items = {};
    for (let n = 1; n <= count; n += 1) {
      const openId = `71${String(n).padStart(17, '0')}`;
      if (damaged.includes(n)) {
        items[`tts:account:${openId}`] = { schemaVersion: 2, tokens: 'not a token set', generation: 1 };
        continue;
      }
      const record = structuredClone(template);
      record.tokens.openId = openId;
      record.tokens.sellerName = `Mock Store ${String(n).padStart(4, '0')}`;
      record.tokens.sellerBaseRegion = regions[n % regions.length];
      const broken = reconnect.find((entry) => entry.n === n);
      if (broken) {
        record.reconnect = { code: 36004005, message: 'can not find related auth record', at: nowSecs, kind: broken.kind ?? null };
      }
      items[`tts:account:${openId}`] = record;
    }
    await chrome.storage.local.remove('tts:index');
    await chrome.storage.local.set(items);
    return Object.keys(items).length;
  }, { templateOpenId, count, reconnect, damaged, regions: SEEDED_REGIONS });
}

/**
 * Opens the popup and returns it with `paintedMs`: when its first screen of sellers was painted,
 * from navigation start (the popup's `tts:sellers-painted` performance mark).
 */
export async function openPopupTimed(context, extensionId) {
  const popup = await openExtensionPage(context, extensionId, 'popup.html');
  const paintedMs = await popup.evaluate(() => new Promise((resolve) => {
    const find = () => performance.getEntriesByName('tts:sellers-painted')[0]?.startTime;
    if (find() !== undefined) {
      resolve(find());
      return;
    }
    new PerformanceObserver((list, observer) => {
      observer.disconnect();
      resolve(list.getEntries()[0].startTime);
    }).observe({ entryTypes: ['mark'] });
  }));
  return { popup, paintedMs };
}
