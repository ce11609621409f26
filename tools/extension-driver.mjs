// Drives the real extension in Chromium (playwright-core), for the end-to-end tests,
// `make demo` and `make bench`: launch Chromium with the unpacked extension, open its
// pages, talk to its worker, stop the worker over CDP, and steer the mock TikTok server.

import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { startMockServer } from './mock-tiktok/server.mjs';
import { REPO_ROOT, mockEndpoints } from './mock-tiktok/spawn.mjs';

export { REPO_ROOT };
export const EXTENSION_DIR = path.join(REPO_ROOT, 'extension');
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
    endpoints: mockEndpoints(mock.url),
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
