// A web page that uses the TikTok Shop Connect extension as its auth helper, through the page
// client tiktok-shop-connect.js: on a local page (http://localhost, http://127.0.0.1) by
// `chrome.runtime.sendMessage(EXTENSION_ID, message)` (externally_connectable), on the team's own
// https page through the extension's bridge. Errors are Errors named like the extension's
// (README.md, "Use it from your own web page"). No reply carries a secret or a token.

import { connectExtension, extensionError } from './tiktok-shop-connect.js';

/** The unpacked extension's ID (fixed by the manifest's development `key`). */
const DEFAULT_EXTENSION_ID = 'jojkifallddphlbnanbenjpcgmocddop';
const STORAGE_KEY = 'ttsConnect.extensionId';
const FLOW_POLL_MS = 1000;
const LOG_LIMIT = 100;
/** Sellers per `accounts` page (the extension reads only the records of the page it returns). */
const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 200;
/** The account statuses of the client's AccountSummary, as a label and a colour. */
const STATUS_BADGES = {
  valid: ['OK', 'ok'],
  expiring: ['Expiring', 'warn'],
  accessExpired: ['Access token expired', 'warn'],
  reconnectRequired: ['Reconnect needed', 'problem'],
  damaged: ['Damaged', 'problem'],
};

/** Headlines for the client's status reason codes (its `statusReason` sentence follows). */
const REASON_HEADLINES = {
  refreshInterrupted: 'Refresh interrupted — reconnect',
  tokensNotSaved: 'New tokens not saved yet — kept, saved again on the next call',
};

const $ = (id) => document.getElementById(id);

let extensionId = '';
let flowTimer = null;
/** The list's search text and how many sellers are shown (grows with "Show more"). */
let query = '';
let shownLimit = PAGE_SIZE;

/**
 * The fixed sentence for a denial: the extension's `denialCode` is TikTok's code from an
 * allowlist, or `unknown` — never the redirect's own words.
 */
function denialSentence(denialCode) {
  return denialCode && denialCode !== 'unknown'
    ? `TikTok answered "${denialCode}". Press Connect to try again.`
    : 'TikTok gave no known reason. Press Connect to try again.';
}

/** The page's connection to the extension (tiktok-shop-connect.js); null until found. */
let connection = null;
/** While the person has not answered the extension's consent prompt, the list is asked for again this often. */
const CONSENT_RETRY_MS = 2000;
let consentTimer = null;

function initialExtensionId() {
  const fromQuery = new URLSearchParams(location.search).get('ext');
  if (fromQuery) return fromQuery.trim();
  try {
    return localStorage.getItem(STORAGE_KEY) || DEFAULT_EXTENSION_ID;
  } catch {
    return DEFAULT_EXTENSION_ID;
  }
}

// ---------------------------------------------------------------------------
// The protocol, through the page client

/** Sends one message; resolves with the reply's fields, throws the extension's named error otherwise. */
async function send(message) {
  if (!connection) throw extensionError({ name: 'ExtensionUnavailable', message: 'Not connected to the extension yet.' });
  return connection.send(message);
}

function logExchange(message, reply) {
  const log = $('log');
  const item = document.createElement('li');
  item.dataset.testid = 'log-entry';
  const sent = document.createElement('code');
  sent.textContent = `→ ${JSON.stringify(message)}`;
  const received = document.createElement('pre');
  received.textContent = `← ${JSON.stringify(reply, null, 2)}`;
  item.append(sent, received);
  log.prepend(item);
  while (log.children.length > LOG_LIMIT) log.lastElementChild.remove();
  $('log-count').textContent = String(Number($('log-count').textContent) + 1);
}

// ---------------------------------------------------------------------------
// Showing things

/** `Name: message (code …, HTTP …, request id …)` for a protocol error. */
function describeError(error) {
  const message = String(error.message ?? '');
  // Only what the message does not already say.
  const details = [
    error.code !== undefined && !message.includes(String(error.code)) && `code ${error.code}`,
    error.httpStatus !== undefined && `HTTP ${error.httpStatus}`,
    error.scope && !message.includes(error.scope) && `scope ${error.scope}`,
    error.requestId && !message.includes(error.requestId) && `request id ${error.requestId}`,
  ].filter(Boolean);
  return `${error.name ?? 'Error'}: ${message}${details.length ? ` (${details.join(', ')})` : ''}`;
}

function showError(error) {
  const banner = $('error');
  banner.textContent = describeError(error);
  banner.dataset.name = error.name ?? 'Error';
  banner.hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
  delete $('error').dataset.name;
}

/** "expires in 6d 23h" / "expired 3m ago" for a Unix time in seconds. */
function countdown(targetSecs) {
  const remaining = Math.floor(targetSecs - Date.now() / 1000);
  const secs = Math.abs(remaining);
  const days = Math.floor(secs / 86400);
  const hours = Math.floor((secs % 86400) / 3600);
  const minutes = Math.floor((secs % 3600) / 60);
  let text;
  if (days > 0) text = `${days}d ${hours}h`;
  else if (hours > 0) text = `${hours}h ${String(minutes).padStart(2, '0')}m`;
  else text = `${minutes}m ${String(secs % 60).padStart(2, '0')}s`;
  return remaining >= 0 ? `expires in ${text}` : `expired ${text} ago`;
}

function renderAccounts(accounts) {
  const template = $('account-template');
  $('accounts').replaceChildren(...accounts.map((account) => {
    const item = template.content.firstElementChild.cloneNode(true);
    const field = (testId) => item.querySelector(`[data-testid="${testId}"]`);
    item.dataset.openId = account.openId;
    item.dataset.status = account.status;
    field('seller-name').textContent = account.sellerName || account.openId;
    const [label, kind] = STATUS_BADGES[account.status] ?? [account.status, 'warn'];
    field('status').textContent = label;
    field('status').classList.add(`status-${kind}`);
    const headline = REASON_HEADLINES[account.reason];
    const reason = headline ? `${headline}. ${account.statusReason ?? ''}`.trim() : account.statusReason ?? '';
    field('status-reason').textContent = reason;
    field('status-reason').hidden = !reason;
    field('open-id').textContent = account.openId;
    field('region').textContent = account.sellerBaseRegion ?? '';
    field('scopes').textContent = account.grantedScopes?.length ? account.grantedScopes.join(', ') : '(none listed)';
    const stale = account.status === 'reconnectRequired' || account.status === 'damaged';
    field('access-expiry').textContent = stale ? 'not usable until the seller connects again'
      : account.accessTokenExpiresAt ? countdown(account.accessTokenExpiresAt) : '';
    return item;
  }));
  nameConnectedSeller(accounts);
}

/** "Showing 50 of 1,000 sellers · 3 need reconnecting", the empty states and "Show more". */
function renderListState({ accounts, total, matching = total, counts }) {
  const count = (n) => Number(n).toLocaleString('en-US');
  const needing = (counts?.reconnectRequired ?? 0) + (counts?.damaged ?? 0);
  const of = query ? `${count(matching)} matching “${query}” (${count(total)} in all)` : `${count(total)} seller${total === 1 ? '' : 's'}`;
  $('list-summary').textContent = total
    ? `Showing ${count(accounts.length)} of ${of}${needing ? ` · ${count(needing)} need${needing === 1 ? 's' : ''} reconnecting` : ''}`
    : '';
  $('no-accounts').textContent = query && total ? `No seller matches “${query}”.` : 'No connected sellers yet: press Connect.';
  $('no-accounts').hidden = accounts.length > 0;
  $('show-more').hidden = accounts.length >= matching;
}

/** What the flow's words add after its state's name: the denial sentence, or the failure's label and detail. */
function flowReason(flow) {
  if (flow.denialCode !== undefined) return denialSentence(flow.denialCode);
  return [flow.failureLabel, flow.failureDetail].filter(Boolean).join(' — ');
}

/** The flow in the extension's (the core's) words: its state's name, then why it ended, if it did not succeed. */
function renderFlow(flow) {
  const element = $('flow');
  element.hidden = !flow.state;
  element.dataset.state = String(flow.state);
  element.dataset.openId = flow.openId ?? '';
  element.dataset.needsReconnect = 'false';
  const name = flow.stateName.charAt(0).toUpperCase() + flow.stateName.slice(1);
  const reason = flowReason(flow);
  element.textContent = reason ? `${name}: ${reason}` : name;
}

/** "Connected: <seller>" once the connected account is listed (or that it needs to reconnect). */
function nameConnectedSeller(accounts) {
  const element = $('flow');
  if (element.dataset.state !== '3' || !element.dataset.openId) return;
  const account = accounts.find((candidate) => candidate.openId === element.dataset.openId);
  if (!account) return;
  const name = account.sellerName || account.openId;
  // Never "Connected" for a seller whose card says it must connect again.
  const stale = account.status === 'reconnectRequired' || account.status === 'damaged';
  element.textContent = stale ? `${name} needs to reconnect: its authorization no longer works.` : `Connected: ${name}`;
  element.dataset.needsReconnect = String(stale);
}

function renderShops(item, shops) {
  const message = item.querySelector('[data-testid="account-message"]');
  message.textContent = `${shops.length} authorized shop${shops.length === 1 ? '' : 's'}:`;
  message.hidden = false;
  const list = item.querySelector('[data-testid="shops"]');
  list.replaceChildren(...shops.map((shop) => {
    const li = document.createElement('li');
    li.dataset.testid = 'shop';
    li.textContent = `${shop.name} (${shop.region}) · ${shop.sellerType} · shop ${shop.id}`;
    return li;
  }));
  list.hidden = shops.length === 0;
}

// ---------------------------------------------------------------------------
// Actions

/**
 * Fetches and shows the sellers matching the search, reconnect-needed first (one page of
 * `accounts`, grown by "Show more"); `keepError` leaves an error shown by the caller in place.
 */
async function loadAccounts({ keepError = false } = {}) {
  if (!connection) return useExtensionId($('ext-id').value);
  try {
    const page = await connection.accounts({ query, offset: 0, limit: shownLimit });
    renderAccounts(page.accounts);
    renderListState(page);
    $('ext-status').textContent = connection.via === 'bridge'
      ? `Talking to the extension through its bridge on ${window.location.origin}.`
      : `Talking to extension ${extensionId}.`;
    if (!keepError) clearError();
  } catch (error) {
    clearTimeout(consentTimer);
    // The person answers in the extension's popup; until then, ask again now and then.
    if (error.name === 'ConsentRequired') consentTimer = setTimeout(() => loadAccounts(), CONSENT_RETRY_MS);
    renderAccounts([]);
    $('no-accounts').hidden = true;
    $('show-more').hidden = true;
    $('list-summary').textContent = '';
    $('ext-status').textContent = '';
    showError(error);
  }
}

let searchTimer = null;
function onSearch() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    query = $('search').value.trim();
    shownLimit = PAGE_SIZE;
    loadAccounts();
  }, SEARCH_DELAY_MS);
}

function onShowMore() {
  shownLimit = $('accounts').children.length + PAGE_SIZE;
  loadAccounts();
}

async function pollFlow() {
  flowTimer = null;
  try {
    const flow = await connection.flowState();
    renderFlow(flow);
    if (flow.pending) {
      flowTimer = setTimeout(pollFlow, FLOW_POLL_MS);
    } else {
      $('connect').disabled = false;
      await loadAccounts();
    }
  } catch (error) {
    $('connect').disabled = false;
    showError(error);
  }
}

async function onConnect() {
  clearError();
  $('connect').disabled = true;
  try {
    const flow = await connection.connect();
    renderFlow(flow);
    if (flowTimer) clearTimeout(flowTimer);
    flowTimer = setTimeout(pollFlow, FLOW_POLL_MS);
  } catch (error) {
    $('connect').disabled = false;
    showError(error);
  }
}

async function onAccountClick(event) {
  const button = event.target.closest('button[data-action="shops"]');
  if (!button) return;
  const item = button.closest('[data-open-id]');
  button.disabled = true;
  clearError();
  try {
    const shops = await connection.shops(item.dataset.openId);
    renderShops(item, shops);
  } catch (error) {
    showError(error);
    // The account's status may have changed (e.g. reconnect needed): show it next to the error.
    await loadAccounts({ keepError: true });
  } finally {
    button.disabled = false;
  }
}

async function onRawSend(event) {
  event.preventDefault();
  clearError();
  const output = $('raw-reply');
  let message;
  try {
    message = JSON.parse($('raw-message').value);
  } catch (error) {
    showError(extensionError({ name: 'InvalidJson', message: error.message }));
    return;
  }
  if (!message || typeof message !== 'object' || Array.isArray(message) || typeof message.type !== 'string') {
    showError(extensionError({ name: 'InvalidInput', message: 'A message is a JSON object with a string "type".' }));
    return;
  }
  output.hidden = true;
  try {
    const reply = await send(message);
    output.textContent = JSON.stringify(reply, null, 2);
    output.hidden = false;
  } catch (error) {
    showError(error);
  }
}

/** A GET call to TikTok Shop's API with a seller's token, through the extension: `fetch(openId, { path })`. */
async function onApiCall(event) {
  event.preventDefault();
  clearError();
  const openId = $('api-open-id').value.trim() || $('accounts').firstElementChild?.dataset.openId || '';
  const output = $('api-reply');
  output.hidden = true;
  try {
    const response = await connection.fetch(openId, { path: $('api-path').value.trim() });
    output.textContent = `HTTP ${response.status}\n${JSON.stringify(response.body, null, 2)}`;
    output.hidden = false;
  } catch (error) {
    showError(error);
  }
}

/** Finds the extension (its bridge on an https page, else this extension ID) and lists the sellers. */
async function useExtensionId(id) {
  extensionId = id.trim();
  $('ext-id').value = extensionId;
  try {
    localStorage.setItem(STORAGE_KEY, extensionId);
  } catch {
    // Storage disabled: the ID is used for this visit only.
  }
  try {
    connection = await connectExtension({ extensionId, onExchange: logExchange });
  } catch (error) {
    connection = null;
    $('ext-status').textContent = '';
    showError(error);
    return;
  }
  document.body.dataset.via = connection.via;
  await loadAccounts();
}

$('page-origin').textContent = window.location.origin;
$('ext-form').addEventListener('submit', (event) => {
  event.preventDefault();
  useExtensionId($('ext-id').value);
});
$('reload').addEventListener('click', () => loadAccounts());
$('connect').addEventListener('click', onConnect);
$('accounts').addEventListener('click', onAccountClick);
$('raw-form').addEventListener('submit', onRawSend);
$('search').addEventListener('input', onSearch);
$('search-form').addEventListener('submit', (event) => event.preventDefault());
$('show-more').addEventListener('click', onShowMore);
$('api-form').addEventListener('submit', onApiCall);

useExtensionId(initialExtensionId());
