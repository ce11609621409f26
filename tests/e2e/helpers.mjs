// Shared helpers for the end-to-end tests: the extension driver (tools/extension-driver.mjs,
// also used by `make demo` and `make bench`) plus what only tests need: screenshots, one
// browser + mock per test file, many seeded sellers.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import {
  REPO_ROOT, clearExtensionStorage, launchWithExtension, mockSettings, openExtensionPage, saveSettings,
  sendFromPage, startMock,
} from '../../tools/extension-driver.mjs';

export * from '../../tools/extension-driver.mjs';

export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-output', 'e2e');

/** Saves a screenshot under test-output/e2e/ (git-ignored), the whole page unless `fullPage` is false; returns its path. */
export async function saveScreenshot(page, name, { fullPage = true } = {}) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
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
