// Popup: a view of the stored flow and of the sellers, page by page. Opening the TikTok window
// closes the popup, so nothing here may depend on the popup staying open: all state comes from
// the worker, which reads it from chrome.storage.local.
//
// At any number of sellers the first screen costs one `accounts` message (the first page, in
// the core's order: reconnect-needed and damaged first) sent together with `getSettings` and
// `flowState`; a storage change re-fetches what is shown, coalesced, and redraws only the
// sellers whose summary changed.

import { sendToWorker } from './lib/messages.js';
import './popup-consent.js';
import {
  countdown, describeFlow, describeReason, formatDate, needsReconnect, statusBadge,
} from './lib/format.js';
import {
  coalesce, debounce, formatCount, sellerList, sellers,
} from './lib/seller-list.js';

const PAGE_SIZE = 25;
/** From this many sellers on, the popup offers the search box and says how many are shown. */
const SEARCH_FROM = 6;
const RELOAD_AFTER_CHANGE_MS = 200;
const SEARCH_DELAY_MS = 150;

const $ = (id) => document.getElementById(id);

/** Per-account messages (Test results, errors) survive reloads while the popup stays open. */
const accountNotes = new Map();
let settingsReply = null;
let flow = { state: 0 };
let lastPage = null;

const list = sellerList({
  list: $('accounts'),
  pageSize: PAGE_SIZE,
  render: renderAccount,
  onLoaded: showListState,
});

// ---------------------------------------------------------------------------
// Loading

/** First screen: settings, flow and the first page of sellers, asked for at once. */
async function start() {
  const [settings, flowReply, page] = await Promise.allSettled([
    sendToWorker('getSettings'), sendToWorker('flowState'), list.load(),
  ]);
  if (settings.status === 'rejected') {
    showLoadError(settings.reason);
    return;
  }
  settingsReply = settings.value;
  if (!showSettingsState()) return;
  const failed = [flowReply, page].find((result) => result.status === 'rejected');
  if (failed) showLoadError(failed.reason);
  // The banner may still ask who the flow's seller is (when not on this page): the sellers are drawn already.
  const banner = flowReply.status === 'fulfilled' ? showFlow(flowReply.value.flow) : null;
  markSellersPainted();
  await banner?.catch(showLoadError);
}

/** After a storage change: the flow and what is shown, again (settings only if they changed). */
async function reload({ settingsChanged = false } = {}) {
  try {
    if (settingsChanged || !settingsReply) settingsReply = await sendToWorker('getSettings');
    if (!showSettingsState()) return;
    const [flowReply] = await Promise.all([sendToWorker('flowState'), list.load()]);
    await showFlow(flowReply.flow);
    $('load-error').hidden = true;
  } catch (error) {
    showLoadError(error);
  }
}

/** Shows or hides the "settings missing" notice; returns whether the extension is configured. */
function showSettingsState() {
  $('setup-missing').hidden = settingsReply.configured;
  if (settingsReply.configured) return true;
  $('setup-missing-text').textContent = `Settings are missing: ${settingsReply.configError}`;
  $('flow').hidden = true;
  $('connect').hidden = true;
  $('sellers').hidden = true;
  return false;
}

/** For `make bench` and the tests: when the first screen of sellers was painted (a performance mark). */
function markSellersPainted() {
  requestAnimationFrame(() => performance.mark('tts:sellers-painted'));
}

function showLoadError(error) {
  $('load-error').textContent = error.message;
  $('load-error').hidden = false;
}

// ---------------------------------------------------------------------------
// Flow banner

/** The summary of the flow's seller: on the shown page, or asked for by open ID. */
async function flowAccount(openId) {
  const shown = lastPage?.accounts.find((account) => account.openId === openId);
  if (shown) return shown;
  const { accounts } = await sendToWorker('accounts', { query: openId, offset: 0, limit: 5 });
  return accounts.find((account) => account.openId === openId) ?? null;
}

async function showFlow(next) {
  flow = next;
  const section = $('flow');
  section.hidden = !flow.state;
  section.dataset.state = String(flow.state);
  const pending = Boolean(flow.pending);
  $('connect').hidden = pending;
  // In paste mode the paste box is the way to finish; elsewhere it is a fallback.
  if (flow.captureMode === 'paste') $('paste').open = true;
  if (!flow.state) return;
  // openId is there once the flow succeeded (the core says so; no state number here).
  const account = flow.openId ? await flowAccount(flow.openId) : null;
  let { headline, detail } = describeFlow(flow, account?.sellerName || account?.openId);
  // The flow connected this seller once, but its card below says that is over: never "Connected" above it.
  const stale = Boolean(account && needsReconnect(account));
  if (stale) {
    headline = `${account.sellerName || account.openId} needs to reconnect: it was connected, but its authorization no longer works.`;
    detail = 'Press Reconnect on its card and sign in to TikTok as that seller.';
  }
  section.dataset.needsReconnect = String(stale);
  $('flow-state').textContent = headline;
  $('flow-code').textContent = String(flow.state);
  section.className = `flow flow-${stale ? 'reconnect' : flow.state}`;
  $('flow-detail').textContent = detail ?? '';
  $('flow-detail').hidden = !detail;
  $('flow-pending-actions').hidden = !pending;
  const countdownEl = $('flow-countdown');
  if (pending && flow.deadline) {
    countdownEl.dataset.deadline = String(flow.deadline);
  } else {
    delete countdownEl.dataset.deadline;
    countdownEl.textContent = '';
  }
}

// ---------------------------------------------------------------------------
// Sellers

function showListState(page, query) {
  lastPage = page;
  const { total, counts } = page;
  const matching = page.matching ?? total;
  const shown = page.accounts.length;
  $('sellers').hidden = total === 0;
  $('connect').textContent = total ? 'Connect another shop' : 'Connect TikTok Shop';
  const many = total >= SEARCH_FROM || Boolean(query);
  $('search').hidden = !many;
  const summary = $('list-summary');
  summary.hidden = !many;
  if (many) {
    const needing = (counts?.reconnectRequired ?? 0) + (counts?.damaged ?? 0);
    const of = query ? `${formatCount(matching)} matching “${query}” (${sellers(total)} in all)` : sellers(total);
    summary.textContent = `Showing ${formatCount(shown)} of ${of}`
      + (needing ? ` · ${formatCount(needing)} need${needing === 1 ? 's' : ''} reconnecting` : '');
  }
  $('no-match').hidden = !(query && matching === 0);
  $('no-match').textContent = `No seller matches “${query}”.`;
  $('show-more').hidden = shown >= matching;
  $('show-more').textContent = `Show ${formatCount(Math.min(PAGE_SIZE, matching - shown))} more`;
  tick();
}

/** Draws one seller into `item` (a new card when null); returns the card. */
function renderAccount(account, item) {
  const card = item ?? $('account-template').content.firstElementChild.cloneNode(true);
  const field = (testId) => card.querySelector(`[data-testid="${testId}"]`);
  const damaged = account.status === 'damaged';
  const reconnect = needsReconnect(account);
  card.dataset.openId = account.openId;
  card.dataset.status = account.status;
  card.classList.toggle('account-damaged', damaged);
  card.classList.toggle('account-reconnect', reconnect);
  field('seller-name').textContent = account.sellerName || account.openId;
  const badge = statusBadge(account.status);
  field('status').textContent = badge.label;
  field('status').className = `status status-${badge.kind}`;
  const { headline, detail } = describeReason(account);
  field('status-reason').textContent = headline;
  field('status-reason').hidden = !headline;
  field('status-detail').textContent = detail;
  field('status-detail').hidden = !detail;
  field('open-id').textContent = account.openId;
  if (!damaged) {
    field('region').textContent = account.sellerBaseRegion ?? '';
    field('user-type').textContent = account.userTypeLabel ?? '';
    field('scopes').textContent = account.grantedScopes?.length ? account.grantedScopes.join(', ') : '(none listed)';
    field('scopes').parentElement.title = field('scopes').textContent;
    if (reconnect) {
      // Its expiry means nothing once the authorization is gone: say what matters instead.
      delete field('access-expiry').dataset.expiresAt;
      field('access-expiry').textContent = 'not usable until the seller connects again';
    } else {
      field('access-expiry').dataset.expiresAt = String(account.accessTokenExpiresAt);
      field('access-expiry').textContent = countdown(account.accessTokenExpiresAt);
    }
    field('refresh-expiry').textContent = `until ${formatDate(account.refreshTokenExpiresAt)}`;
  }
  field('reconnect').hidden = !reconnect;
  field('refresh').hidden = reconnect;
  field('test').hidden = reconnect;
  if (!item) {
    const note = accountNotes.get(account.openId);
    if (note) showAccountNote(card, note);
  }
  return card;
}

/** Shows a Test result or an error under an account (`note` null: clears it). */
function showAccountNote(item, note) {
  const message = item.querySelector('[data-testid="account-message"]');
  message.textContent = note?.message ?? '';
  message.hidden = !note?.message;
  message.classList.toggle('error', Boolean(note?.error));
  const shops = item.querySelector('[data-testid="shops"]');
  shops.replaceChildren(...(note?.shops ?? []).map((shop) => {
    const li = document.createElement('li');
    li.dataset.testid = 'shop';
    li.textContent = `${shop.name} (${shop.region}) · cipher ${shop.cipher}`;
    return li;
  }));
  shops.hidden = !note?.shops?.length;
}

function setNote(openId, note) {
  if (note) accountNotes.set(openId, note);
  else accountNotes.delete(openId);
  const item = list.element(openId);
  if (item) showAccountNote(item, note);
}

/** Once a second: live countdowns, and a reload when the flow deadline passes. */
function tick() {
  const now = Date.now() / 1000;
  for (const el of document.querySelectorAll('[data-expires-at]')) {
    el.textContent = countdown(Number(el.dataset.expiresAt), now);
  }
  const flowCountdown = $('flow-countdown');
  if (flowCountdown.dataset.deadline) {
    const deadline = Number(flowCountdown.dataset.deadline);
    flowCountdown.textContent = deadline > now ? `(${Math.ceil(deadline - now)} s left)` : '';
    if (deadline <= now) {
      // Past the deadline the flow reads as 5 "timed out"; ask once.
      delete flowCountdown.dataset.deadline;
      reloadSoon();
    }
  }
}

// ---------------------------------------------------------------------------
// Actions

async function onAccountAction(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const item = button.closest('[data-open-id]');
  const openId = item.dataset.openId;
  const action = button.dataset.action;
  if (action === 'reconnect') {
    await onConnect(button);
    return;
  }
  button.disabled = true;
  try {
    if (action === 'refresh') {
      const { account } = await sendToWorker('refresh', { openId });
      setNote(openId, { message: `Refreshed: access token ${countdown(account.accessTokenExpiresAt)}.` });
    } else if (action === 'test') {
      const { shops } = await sendToWorker('shops', { openId });
      setNote(openId, { message: `${shops.length} authorized shop${shops.length === 1 ? '' : 's'}:`, shops });
    } else if (action === 'disconnect') {
      await sendToWorker('disconnect', { openId });
      setNote(openId, null);
    }
  } catch (error) {
    if (error.name === 'ReconnectRequired' || error.name === 'RefreshInterrupted') {
      // The account's status line says why once the list reloads.
      setNote(openId, null);
    } else {
      const scope = error.scope ? ` (missing permission: ${error.scope})` : '';
      setNote(openId, { message: `${error.message}${scope}`, error: true });
    }
  } finally {
    button.disabled = false;
  }
  reloadSoon();
}

/** Connect (or a card's Reconnect): the worker replies once the flow is pending; the TikTok window then usually closes this popup. */
async function onConnect(button = $('connect')) {
  button.disabled = true;
  try {
    await sendToWorker('connect');
  } catch (error) {
    showLoadError(error);
  } finally {
    button.disabled = false;
  }
  await reload();
}

async function onCancel() {
  try {
    await sendToWorker('cancel');
  } catch (error) {
    showLoadError(error);
  }
  await reload();
}

async function onPaste(event) {
  event.preventDefault();
  try {
    await sendToWorker('completeWithUrl', { url: $('paste-url').value });
    $('paste-url').value = '';
  } catch (error) {
    showLoadError(error);
  }
  await reload();
}

const search = debounce(() => list.search($('search').value).catch(showLoadError), SEARCH_DELAY_MS);

// Storage writes come in bursts (flow + account, or a refresh storm): one reload per burst.
let settingsChanged = false;
const reloadSoon = coalesce(() => {
  const changed = settingsChanged;
  settingsChanged = false;
  reload({ settingsChanged: changed });
}, RELOAD_AFTER_CHANGE_MS);

$('connect').addEventListener('click', () => onConnect());
$('cancel').addEventListener('click', onCancel);
$('paste-form').addEventListener('submit', onPaste);
$('accounts').addEventListener('click', onAccountAction);
$('search').addEventListener('input', search);
$('show-more').addEventListener('click', () => list.showMore().catch(showLoadError));
$('setup-open-options').addEventListener('click', () => chrome.runtime.openOptionsPage());
$('open-options').addEventListener('click', (event) => {
  event.preventDefault();
  chrome.runtime.openOptionsPage();
});
chrome.storage.onChanged.addListener((changes, areaName) => {
  if (areaName !== 'local') return;
  if (Object.hasOwn(changes, 'settings')) settingsChanged = true;
  reloadSoon();
});
setInterval(tick, 1000);
start();
