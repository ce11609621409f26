// End-to-end: the pages always get a typed error. A call in flight when the worker stops
// (Chrome: "A listener indicated an asynchronous response … message channel closed …") reaches
// the popup and the www page as `ExtensionUnavailable` with a sentence of ours, never Chrome's
// own text.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { startStaticServer } from '../../www/serve.mjs';
import {
  connectWithAutoApprove, extensionSuite, saveScreenshot, stopServiceWorker,
} from './helpers.mjs';

const env = extensionSuite();
let www;

before(async () => {
  await env.start();
  www = await startStaticServer({ port: 0 });
  env.settingsOverrides = { allowedWebOrigins: [new URL(www.url).origin] };
});
after(async () => {
  await env.stop();
  await www?.close();
});
beforeEach(env.reset);

/** Chrome's transport errors, which no page may show as they are. */
const CHROME_WORDS = /message channel|port closed|Could not establish connection|Receiving end|context invalidated/i;

/** Holds TikTok's answers to `calls` shops calls, runs `start`, and stops the worker once they are all held. */
async function stopWorkerDuringShopsCalls(calls, start) {
  await env.mock.control('hold', { endpoint: 'shops', count: calls });
  await start();
  const { held } = await env.mock.control(`held?min=${calls}&timeoutMs=5000`);
  assert.equal(held.length, calls, 'the shops calls are in flight');
  assert.ok(await stopServiceWorker(env.context, env.extensionId) >= 1, 'a worker was stopped');
}

test('popup: the worker stops while Test waits for TikTok: ExtensionUnavailable, in our words', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  const popup = await env.openPopup();
  const card = popup.locator(`[data-testid="account"][data-open-id="${account.openId}"]`);
  await card.waitFor();
  let reply;
  await stopWorkerDuringShopsCalls(2, async () => {
    // What the page's messaging answers, next to what the person sees.
    reply = popup.evaluate((openId) => import('./lib/messages.js').then(({ request }) => request('shops', { openId })), account.openId);
    await card.locator('[data-testid="test"]').click();
  });

  const typed = await reply;
  assert.equal(typed.ok, false);
  assert.equal(typed.error.name, 'ExtensionUnavailable');
  assert.doesNotMatch(typed.error.message, CHROME_WORDS);
  const note = card.locator('[data-testid="account-message"]');
  await note.waitFor();
  const shown = await note.textContent();
  assert.match(shown, /stopped before it answered/);
  assert.doesNotMatch(shown, CHROME_WORDS);
  await saveScreenshot(popup, 'popup-extension-unavailable');
  await env.mock.control('release', { all: true });

  // The next message starts a new worker, and the call works again.
  assert.equal((await env.send({ type: 'shops', openId: account.openId })).ok, true);
});

test('www: the worker stops while the page waits for its shops: ExtensionUnavailable, in our words', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  const page = await env.context.newPage();
  await page.setViewportSize({ width: 900, height: 800 });
  await page.goto(`${www.url}?ext=${env.extensionId}`);
  const item = page.locator(`[data-testid="account"][data-open-id="${account.openId}"]`);
  await item.waitFor();
  await stopWorkerDuringShopsCalls(1, () => item.locator('[data-testid="list-shops"]').click());

  await page.waitForSelector('[data-testid="error"][data-name="ExtensionUnavailable"]');
  const shown = await page.textContent('[data-testid="error"]');
  assert.match(shown, /^ExtensionUnavailable: The extension stopped before it answered/);
  assert.doesNotMatch(shown, CHROME_WORDS);
  // The page's own log of replies holds the typed error too, not Chrome's text.
  assert.doesNotMatch(await page.textContent('[data-testid="log"]'), CHROME_WORDS);
  await saveScreenshot(page, 'www-extension-unavailable');
  await env.mock.control('release', { all: true });
});
