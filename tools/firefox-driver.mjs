// Drives the real extension in Firefox (Debian's firefox-esr) over WebDriver BiDi with
// puppeteer-core, for tests/firefox/: the Firefox variant of the extension (scripts/package.mjs,
// as `make package` ships it) installed as a temporary add-on (BiDi `webExtension.install`),
// its pages opened as tabs, protocol messages sent from them.
//
// Two things Firefox needs that Chromium does not:
// - WebDriver may not navigate a tab to a moz-extension:// page unless Firefox was started with
//   `--remote-allow-system-access` (Firefox's remote agent refuses "unsafe" URLs otherwise).
// - puppeteer's page.goto waits for BiDi navigation events that Firefox does not send for
//   extension pages (its navigate command itself completes): `openExtensionPage` sends the
//   navigate command and waits for it, as goto would.

import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

import { stageExtension } from '../scripts/package.mjs';
import { waitUntil } from './extension-driver.mjs';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Popup size used by the tests (Firefox's popups are at most 800x600 too). */
export const POPUP_VIEWPORT = { width: 400, height: 600 };

/**
 * `https://<sha1 hex of the add-on ID>.extensions.allizom.org/`: what
 * `browser.identity.getRedirectURL()` returns in Firefox (its ext-identity.js: SHA-1 of the
 * extension ID, lower-case hex, under `extensions.webextensions.identity.redirectDomain`).
 */
export const firefoxRedirectUrl = (geckoId) => `https://${createHash('sha1').update(geckoId).digest('hex')}.extensions.allizom.org/`;

/**
 * Stages the Firefox variant of the extension, launches headless Firefox with it installed as a
 * temporary add-on, and returns `{ browser, geckoId, uuid, baseUrl, redirectUrl, close }`.
 * The add-on's moz-extension:// UUID is fixed for the run (pref `extensions.webextensions.uuids`),
 * so its pages have known URLs.
 */
export async function launchFirefoxWithExtension({ headless = true } = {}) {
  const work = await mkdtemp(path.join(tmpdir(), 'tts-firefox-'));
  const extensionDir = path.join(work, 'extension');
  await stageExtension('firefox', extensionDir);
  const manifest = JSON.parse(await readFile(path.join(extensionDir, 'manifest.json'), 'utf8'));
  const geckoId = manifest.browser_specific_settings.gecko.id;
  const uuid = randomUUID();
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: uuid }),
      // No network beyond loopback here: nothing Firefox would fetch on its own.
      'app.update.enabled': false,
      'browser.shell.checkDefaultBrowser': false,
    },
  });
  try {
    const installed = await browser.installExtension(extensionDir);
    if (installed !== geckoId) throw new Error(`installed ${installed}, expected ${geckoId}`);
  } catch (error) {
    await browser.close();
    throw error;
  }
  return {
    browser,
    geckoId,
    uuid,
    baseUrl: `moz-extension://${uuid}/`,
    redirectUrl: firefoxRedirectUrl(geckoId),
    async close() {
      await browser.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** Opens an extension page (e.g. "popup.html") in a new tab and waits until it has loaded. */
export async function openExtensionPage(firefox, page, { viewport = POPUP_VIEWPORT } = {}) {
  const tab = await firefox.browser.newPage();
  await tab.setViewport(viewport);
  // See the top of this file: page.goto would wait for events Firefox does not send here.
  await tab.mainFrame().browsingContext.navigate(`${firefox.baseUrl}${page}`, 'complete');
  await waitUntil(() => tab.evaluate(() => document.readyState === 'complete' && location.protocol === 'moz-extension:'),
    { message: `${page} to load` });
  return tab;
}

/** Sends one protocol message from an extension page, as the popup would, and returns the reply. */
export function sendFromPage(page, message) {
  return page.evaluate((msg) => chrome.runtime.sendMessage(msg), message);
}

/** Waits for a tab (in any window, e.g. launchWebAuthFlow's) whose URL starts with `prefix`. */
export async function waitForPageStartingWith(browser, prefix, timeout = 10_000) {
  const target = await browser.waitForTarget((candidate) => candidate.url().startsWith(prefix), { timeout });
  return target.page();
}
