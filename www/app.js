// A web page that uses the TikTok Shop Connect extension as its auth helper,
// through `chrome.runtime.sendMessage(EXTENSION_ID, message)` (the extension's
// `externally_connectable` accepts http://localhost and http://127.0.0.1).
// Every reply is `{ ok: true, … }` or `{ ok: false, error: { name, message, … } }`
// (extension/README.md, "Message protocol"). No reply carries a secret or a token.

/** The unpacked extension's ID (fixed by the manifest's development `key`). */
const DEFAULT_EXTENSION_ID = 'jojkifallddphlbnanbenjpcgmocddop';
const EXTENSION_ID_PATTERN = /^[a-p]{32}$/;
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

/** An Error carrying the protocol's error fields (`name`, `code`, `requestId`, …). */
const protocolError = (fields) => Object.assign(new Error(fields.message ?? 'Unknown error'), fields);

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
// The protocol

/** Chrome's transport failures, by what its message says, and what to tell the person instead. */
const UNAVAILABLE = [
  [/channel closed|port closed/i,
    'The extension stopped before it answered (its background worker was restarted). Reload the list to see what changed, then try again.'],
  [/receiving end does not exist|could not establish connection/i,
    'No extension with this ID answered: check the ID on the extension\'s options page, and that the extension is installed and enabled.'],
];
const UNAVAILABLE_OTHERWISE = 'The extension is not available right now (disabled, updating or restarting). Try again in a moment.';

/** `{ name: 'ExtensionUnavailable', message }` for a transport failure; Chrome's own text is not passed on. */
function extensionUnavailable(chromeError) {
  const text = String(chromeError?.message ?? chromeError ?? '');
  const message = UNAVAILABLE.find(([pattern]) => pattern.test(text))?.[1] ?? UNAVAILABLE_OTHERWISE;
  return { name: 'ExtensionUnavailable', message };
}

/**
 * Sends one message to the extension; always resolves with `{ ok: true, … }` or
 * `{ ok: false, error: { name, message, … } }`, a transport failure included.
 */
async function request(message) {
  if (!EXTENSION_ID_PATTERN.test(extensionId)) {
    return { ok: false, error: { name: 'InvalidExtensionId', message: 'Enter the extension ID (32 letters a–p, shown on its options page).' } };
  }
  if (typeof globalThis.chrome?.runtime?.sendMessage !== 'function') {
    return {
      ok: false,
      error: {
        name: 'ExtensionUnavailable',
        message: 'chrome.runtime is not available here: the extension is not installed in this browser, or this page\'s origin is not one it accepts.',
      },
    };
  }
  let reply;
  try {
    reply = await globalThis.chrome.runtime.sendMessage(extensionId, message);
  } catch (error) {
    reply = { ok: false, error: extensionUnavailable(error) };
  }
  if (!reply || typeof reply !== 'object') reply = { ok: false, error: extensionUnavailable(null) };
  logExchange(message, reply);
  return reply;
}

/** Sends one message to the extension; resolves with `{ ok: true, … }`, throws the named error otherwise. */
async function send(message) {
  const reply = await request(message);
  if (!reply.ok) throw protocolError(reply.error ?? { name: 'UnknownError', message: 'The extension refused without saying why.' });
  return reply;
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
  if (flow.state === 4) return denialSentence(flow.denialCode);
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
  try {
    const page = await send({ type: 'accounts', query, offset: 0, limit: shownLimit });
    renderAccounts(page.accounts);
    renderListState(page);
    $('ext-status').textContent = `Talking to extension ${extensionId}.`;
    if (!keepError) clearError();
  } catch (error) {
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
    const { flow } = await send({ type: 'flowState' });
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
    const { flow } = await send({ type: 'connect' });
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
    const { shops } = await send({ type: 'shops', openId: item.dataset.openId });
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
    showError(protocolError({ name: 'InvalidJson', message: error.message }));
    return;
  }
  if (!message || typeof message !== 'object' || Array.isArray(message) || typeof message.type !== 'string') {
    showError(protocolError({ name: 'InvalidInput', message: 'A message is a JSON object with a string "type".' }));
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

function useExtensionId(id) {
  extensionId = id.trim();
  $('ext-id').value = extensionId;
  try {
    localStorage.setItem(STORAGE_KEY, extensionId);
  } catch {
    // Storage disabled: the ID is used for this visit only.
  }
  return loadAccounts();
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

useExtensionId(initialExtensionId());
