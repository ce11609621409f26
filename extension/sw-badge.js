// Worker module: the toolbar badge. "!" and the sellers' names in the title while any seller
// needs to connect again (or has a damaged record), from the client's overview() alone — its
// in-memory index, no account read — and re-set only when what it shows would change.

const DEBOUNCE_MS = 250;
/** How many names the title lists before "and N more". */
const TITLE_NAMES = 3;
const BASE_TITLE = 'TikTok Shop Connect';

/** What the badge shows now, as far as this worker instance set it (null: not set yet). */
let shown = null;
let timer = null;
/** Serialises updates so that an older overview never lands after a newer one. */
let queue = Promise.resolve();

/** The badge's text, title and colour for an overview (`null`: not configured). */
export function badgeFor(overview) {
  const needing = (overview?.counts?.reconnectRequired ?? 0) + (overview?.counts?.damaged ?? 0);
  if (!needing) return { text: '', title: BASE_TITLE };
  const names = (overview.attention ?? []).slice(0, TITLE_NAMES).map((seller) => seller.sellerName || seller.openId);
  const more = needing - names.length;
  const list = more > 0 ? `${names.join(', ')} and ${more} more` : names.join(', ');
  return { text: '!', title: `${BASE_TITLE}: reconnect needed for ${list}`, color: '#d93025' };
}

/** Sets the badge from `client.overview()` (`client` null: not configured) if it would change. */
export function updateBadge(client) {
  queue = queue.then(async () => {
    const next = badgeFor(client ? await client.overview() : null);
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
