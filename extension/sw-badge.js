// Worker module: the toolbar badge. "!" and the sellers' names in the title while any seller
// needs to connect again (or has a damaged record), from the client's overview() alone — its
// in-memory index, no account read — and re-set only when what it shows would change. "?"
// while a team page waits for the person's consent (sw-bridge.js) and no seller needs them.

import { pendingOrigins } from './sw-bridge.js';

const DEBOUNCE_MS = 250;
/** How many names the title lists before "and N more". */
const TITLE_NAMES = 3;
const BASE_TITLE = 'TikTok Shop Connect';

/** What the badge shows now, as far as this worker instance set it (null: not set yet). */
let shown = null;
let timer = null;
/** Serialises updates so that an older overview never lands after a newer one. */
let queue = Promise.resolve();

/** "a, b and 3 more" for `total` items of which `names` are the first. */
function listed(names, total) {
  const more = total - names.length;
  return more > 0 ? `${names.join(', ')} and ${more} more` : names.join(', ');
}

/**
 * The badge's text, title and colour for an overview (`null`: not configured) and the page
 * origins waiting for consent.
 */
export function badgeFor(overview, pending = []) {
  const needing = (overview?.counts?.reconnectRequired ?? 0) + (overview?.counts?.damaged ?? 0);
  const asking = pending.length ? `${listed(pending.slice(0, TITLE_NAMES), pending.length)} ${pending.length === 1 ? 'asks' : 'ask'} to use it (open to allow or deny)` : '';
  if (!needing) return pending.length ? { text: '?', title: `${BASE_TITLE}: ${asking}`, color: '#1a73e8' } : { text: '', title: BASE_TITLE };
  const names = (overview.attention ?? []).slice(0, TITLE_NAMES).map((seller) => seller.sellerName || seller.openId);
  const title = `${BASE_TITLE}: reconnect needed for ${listed(names, needing)}${asking ? `; ${asking}` : ''}`;
  return { text: '!', title, color: '#d93025' };
}

/** Sets the badge from `client.overview()` (`client` null: not configured) if it would change. */
export function updateBadge(client) {
  queue = queue.then(async () => {
    const [overview, pending] = await Promise.all([client ? client.overview() : null, pendingOrigins()]);
    const next = badgeFor(overview, pending);
    if (shown && shown.text === next.text && shown.title === next.title) return;
    if (next.color) await chrome.action.setBadgeBackgroundColor({ color: next.color });
    await chrome.action.setBadgeText({ text: next.text });
    await chrome.action.setTitle({ title: next.title });
    shown = next;
  }).catch((error) => console.warn('Badge update failed:', error.name, error.message));
  return queue;
}

/**
 * Updates the badge once for a burst of calls (storage changes): `DEBOUNCE_MS` after the first
 * one, so that a long burst (a refresh storm) still shows its progress.
 */
export function scheduleBadgeUpdate(getClient) {
  if (timer) return;
  timer = setTimeout(() => {
    timer = null;
    getClient().then(updateBadge, (error) => console.warn('Badge update failed:', error.name, error.message));
  }, DEBOUNCE_MS);
}
