// End-to-end: 1,000 sellers stored. The popup paints its first page quickly and in the core's
// order (reconnect-needed and damaged first), searches by name, open ID and region, pages with
// "Show more"; a card that needs reconnecting has its own Reconnect button, which starts a flow;
// the toolbar badge names a seller that needs reconnecting.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import {
  SEEDED_REGIONS, connectWithAutoApprove, extensionSuite, openPopupTimed, pageOpenedBy, saveScreenshot,
  seedSellers, seededName, seededOpenId, stopServiceWorker, waitUntil,
} from './helpers.mjs';

const env = extensionSuite();
before(env.start);
after(env.stop);
beforeEach(env.reset);

const TOTAL = 1000;
const PAGE_SIZE = 25;
/** Seeded sellers that must connect again: late in the alphabet, so only the core's order puts them first. */
const RECONNECT = [{ n: 997, kind: null }, { n: 998, kind: 'refreshInterrupted' }, { n: 999, kind: null }];
const DAMAGED = [996];
/** The first screen's budget in this test: generous for a loaded 2-core machine; `make bench` holds the 150 ms target. */
const FIRST_PAINT_BUDGET_MS = 1000;

/** Connects the mock's seller and stores 999 copies of its record: 1,000 sellers. */
async function connectAndSeed() {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  const seeded = await seedSellers(env.controlPage, account.openId, TOTAL - 1, { reconnect: RECONNECT, damaged: DAMAGED });
  assert.equal(seeded, TOTAL - 1);
  await waitUntil(async () => (await env.send({ type: 'overview' })).total === TOTAL, { message: 'the client to list 1,000 sellers' });
  return account;
}

const cards = (popup) => popup.locator('[data-testid="account"]');
const cardOf = (popup, openId) => popup.locator(`[data-testid="account"][data-open-id="${openId}"]`);

/** Types into the popup's search box and waits for the list to show `count` sellers. */
async function search(popup, text, count) {
  await popup.fill('#search', text);
  await waitUntil(async () => (await popup.textContent('#list-summary')).includes(`“${text}”`)
    && (await cards(popup).count()) === count, { message: `search "${text}" to show ${count}` });
}

test('1,000 sellers: the first page paints quickly, reconnect-needed and damaged first, search narrows, Show more pages', async () => {
  const account = await connectAndSeed();

  const overview = await env.send({ type: 'overview' });
  assert.equal(overview.ok, true, JSON.stringify(overview.error));
  assert.equal(overview.counts.reconnectRequired, RECONNECT.length);
  assert.equal(overview.counts.damaged, DAMAGED.length);

  // Cold: the popup's first message starts a new worker, whose client rebuilds nothing it has stored.
  await stopServiceWorker(env.context, env.extensionId);
  const cold = await openPopupTimed(env.context, env.extensionId);
  await cold.popup.close();
  const { popup, paintedMs } = await openPopupTimed(env.context, env.extensionId);
  console.log(`popup with ${TOTAL} sellers: first screen painted ${cold.paintedMs.toFixed(0)} ms (worker stopped), `
    + `${paintedMs.toFixed(0)} ms (worker running) after navigation start`);
  assert.ok(paintedMs <= FIRST_PAINT_BUDGET_MS, `first screen at ${paintedMs} ms`);

  // One page, not 1,000 cards.
  assert.equal(await cards(popup).count(), PAGE_SIZE);
  const summary = await popup.textContent('#list-summary');
  assert.match(summary, /^Showing 25 of 1,000 sellers · 4 need reconnecting$/);
  assert.equal(await popup.isVisible('#search'), true);

  // The core's order: the sellers that need reconnecting (and the damaged record) first.
  const statuses = await cards(popup).evaluateAll((items) => items.map((item) => item.dataset.status));
  assert.deepEqual(statuses.slice(0, 4).sort(), ['damaged', 'reconnectRequired', 'reconnectRequired', 'reconnectRequired']);
  assert.ok(statuses.slice(4).every((status) => status === 'valid'), statuses.join());
  for (const { n } of RECONNECT) {
    const card = cardOf(popup, seededOpenId(n));
    assert.equal(await card.locator('[data-testid="seller-name"]').textContent(), seededName(n));
    assert.equal(await card.locator('[data-testid="status"]').textContent(), 'Reconnect needed');
    assert.equal(await card.locator('[data-testid="reconnect"]').isVisible(), true, 'its own Reconnect button');
    assert.equal(await card.locator('[data-testid="test"]').isVisible(), false);
  }
  const interrupted = cardOf(popup, seededOpenId(998));
  assert.equal(await interrupted.locator('[data-testid="status-reason"]').textContent(), 'Refresh interrupted — reconnect');
  const damaged = cardOf(popup, seededOpenId(DAMAGED[0]));
  assert.equal(await damaged.locator('[data-testid="status"]').textContent(), 'Damaged');
  assert.ok((await damaged.locator('[data-testid="status-reason"]').textContent()).length > 0, 'the damaged record says why');
  assert.equal(await damaged.locator('[data-testid="reconnect"]').isVisible(), true);
  // A valid seller has no Reconnect button.
  assert.equal(await cards(popup).nth(4).locator('[data-testid="reconnect"]').isVisible(), false);
  await saveScreenshot(popup, 'popup-1000-sellers', { fullPage: false });

  // Search by seller name, open ID, region.
  await search(popup, seededName(421), 1);
  assert.equal(await cards(popup).first().getAttribute('data-open-id'), seededOpenId(421));
  assert.match(await popup.textContent('#list-summary'), /^Showing 1 of 1 matching “Mock Store 0421” \(1,000 sellers in all\) · 4 need reconnecting$/);
  await saveScreenshot(popup, 'popup-1000-sellers-search');
  await search(popup, account.openId, 1);
  assert.equal(await cards(popup).first().locator('[data-testid="seller-name"]').textContent(), 'Mock Test Shop');
  const inFrance = Array.from({ length: TOTAL - 1 }, (_, i) => i + 1)
    .filter((n) => !DAMAGED.includes(n) && SEEDED_REGIONS[n % SEEDED_REGIONS.length] === 'FR').length;
  await search(popup, 'fr', PAGE_SIZE);
  assert.match(await popup.textContent('#list-summary'), new RegExp(`^Showing 25 of ${inFrance} matching “fr”`));
  await search(popup, 'no such seller', 0);
  assert.equal(await popup.textContent('#no-match'), 'No seller matches “no such seller”.');

  // Back to everyone; "Show more" adds a page.
  await popup.fill('#search', '');
  await waitUntil(async () => /^Showing 25 of 1,000 sellers/.test(await popup.textContent('#list-summary')), { message: 'the full list again' });
  await popup.click('#show-more');
  await waitUntil(async () => (await cards(popup).count()) === 2 * PAGE_SIZE, { message: 'a second page' });
  assert.match(await popup.textContent('#list-summary'), /^Showing 50 of 1,000 sellers/);
});

test('1,000 sellers: a storage change redraws only the seller that changed', async () => {
  await connectAndSeed();
  const popup = await env.openPopup();
  await waitUntil(async () => (await cards(popup).count()) === PAGE_SIZE, { message: 'the first page' });
  // Tag every card; a full rebuild would replace them all.
  await cards(popup).evaluateAll((items) => items.forEach((item) => { item.dataset.tag = 'before'; }));
  const target = seededOpenId(5);
  const fifth = cardOf(popup, target);
  assert.equal(await fifth.count(), 1, 'Mock Store 0005 is on the first page');

  // Another context renames a seller (as a reconnect would): only its card changes.
  await env.controlPage.evaluate(async (openId) => {
    const key = `tts:account:${openId}`;
    const { [key]: record } = await chrome.storage.local.get(key);
    record.tokens.sellerName = 'Mock Store 0005 (renamed)';
    record.generation = (record.generation ?? 0) + 1;
    await chrome.storage.local.set({ [key]: record });
  }, target);
  await waitUntil(async () => (await fifth.locator('[data-testid="seller-name"]').textContent()) === 'Mock Store 0005 (renamed)',
    { message: 'the renamed seller' });
  const tags = await cards(popup).evaluateAll((items) => items.map((item) => item.dataset.tag));
  assert.equal(tags.length, PAGE_SIZE);
  assert.ok(tags.every((tag) => tag === 'before'), 'every card element was kept (patched, not rebuilt)');
});

test('a seller that needs reconnecting: its Reconnect button starts a flow that reconnects it; the badge names it until then', async () => {
  await connectAndSeed();
  const target = RECONNECT[0].n;

  // The badge: "!" and the names of sellers that need reconnecting.
  await waitUntil(async () => (await env.worker.evaluate(() => chrome.action.getBadgeText({}))) === '!', { message: 'the badge' });
  const title = await env.worker.evaluate(() => chrome.action.getTitle({}));
  assert.match(title, /^TikTok Shop Connect: reconnect needed for /);
  assert.match(title, new RegExp(seededName(target)));
  assert.match(title, /and \d+ more$/, `the title lists a few names, then how many more: ${title}`);

  // TikTok's next authorization is by that seller.
  await env.mock.control('config', { seller: { openId: seededOpenId(target), sellerName: seededName(target), sellerBaseRegion: 'DE' } });
  const popup = await env.openPopup();
  const card = cardOf(popup, seededOpenId(target));
  await card.waitFor();
  const authorizePage = await pageOpenedBy(env.context, `${env.mock.url}/open/authorize`,
    () => card.locator('[data-testid="reconnect"]').click());
  await popup.waitForSelector('#flow[data-state="1"]:not([hidden])');
  assert.match(await popup.textContent('#flow'), /Waiting for you to authorize on TikTok/);
  await saveScreenshot(popup, 'popup-reconnect-waiting');

  await authorizePage.click('#authorize');
  await popup.waitForSelector(`#flow[data-state="3"]:has-text("Connected: ${seededName(target)}.")`);
  const { accounts: [reconnected] } = await env.send({ type: 'accounts', query: seededOpenId(target), limit: 1 });
  assert.equal(reconnected.status, 'valid');
  // Valid again, it moves from the top of the list to its place by name.
  await waitUntil(async () => (await card.count()) === 0, { message: 'the card to leave the reconnect-needed group' });
  assert.match(await popup.textContent('#list-summary'), /· 3 need reconnecting$/);
  const overview = await env.send({ type: 'overview' });
  assert.equal(overview.counts.reconnectRequired, RECONNECT.length - 1);
  await waitUntil(async () => !(await env.worker.evaluate(() => chrome.action.getTitle({}))).includes(seededName(target)),
    { message: 'the badge to stop naming the reconnected seller' });
  await saveScreenshot(popup, 'popup-reconnected');
});

test('the flow banner never says "Connected" above a seller that needs reconnecting', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  const popup = await env.openPopup();
  await popup.waitForSelector('#flow[data-state="3"]');
  assert.match(await popup.textContent('#flow-state'), /^Connected: Mock Test Shop\.$/);

  // TikTok revokes the grant; the next call finds out.
  await env.mock.control('revoke', {});
  await env.send({ type: 'shops', openId: account.openId });
  await popup.waitForSelector(`[data-testid="account"][data-status="reconnectRequired"]`);
  await popup.waitForSelector('#flow[data-needs-reconnect="true"]');
  const banner = await popup.textContent('#flow-state');
  assert.doesNotMatch(banner, /Connected/);
  assert.match(banner, /^Mock Test Shop needs to reconnect/);
  assert.equal(await popup.isVisible('[data-testid="reconnect"]'), true);
  await saveScreenshot(popup, 'popup-banner-reconnect');
});
