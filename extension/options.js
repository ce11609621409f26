// Options page: app credentials, capture mode, endpoint overrides, and Chilkat
// tiktok-shops.json export / import. Validation is the core's (validateConfig,
// run by the worker on saveSettings); this page only shows its message.

import { sendToWorker } from './lib/messages.js';
import './options-origins.js';
import { countdown } from './lib/format.js';
import {
  coalesce, debounce, formatCount, sellerList, sellers,
} from './lib/seller-list.js';

const $ = (id) => document.getElementById(id);
const form = $('settings-form');
const ENDPOINT_FIELDS = { authorize: 'endpoint-authorize', tokenGet: 'endpoint-token-get', tokenRefresh: 'endpoint-token-refresh', apiBase: 'endpoint-api-base' };

/**
 * Shows the worker's `getSettings` reply. What the settings leave unset (region, capture mode)
 * keeps the form's first choice; the capture modes offered are the ones the core knows.
 */
function fillForm({
  settings, redirectUrl, extensionId, captureModes,
}) {
  $('redirect-url').textContent = redirectUrl;
  $('extension-id').textContent = extensionId;
  $('app-key').value = settings.appKey ?? '';
  $('app-secret').value = '';
  $('app-secret').placeholder = settings.appSecretSet ? 'saved (leave empty to keep)' : 'required';
  $('service-id').value = settings.serviceId ?? '';
  if (settings.region) $('region').value = settings.region;
  for (const radio of form.querySelectorAll('input[name="captureMode"]')) {
    radio.disabled = !captureModes.includes(radio.value);
    if (radio.value === settings.captureMode) radio.checked = true;
  }
  $('registered-redirect-url').value = settings.registeredRedirectUrl ?? '';
  for (const [name, id] of Object.entries(ENDPOINT_FIELDS)) $(id).value = settings.endpoints?.[name] ?? '';
  $('refresh-margin').value = settings.refreshMarginSecs ?? '';
  $('flow-timeout').value = settings.flowTimeoutSecs ?? '';
  $('allowed-web-origins').value = (settings.allowedWebOrigins ?? []).join('\n');
  if (Object.values(settings.endpoints ?? {}).some(Boolean)) $('advanced').open = true;
}

function readForm() {
  const endpoints = {};
  for (const [name, id] of Object.entries(ENDPOINT_FIELDS)) endpoints[name] = $(id).value.trim();
  return {
    appKey: $('app-key').value.trim(),
    appSecret: $('app-secret').value.trim(),
    serviceId: $('service-id').value.trim(),
    region: $('region').value,
    captureMode: form.querySelector('input[name="captureMode"]:checked').value,
    registeredRedirectUrl: $('registered-redirect-url').value.trim(),
    endpoints,
    refreshMarginSecs: $('refresh-margin').value ? Number($('refresh-margin').value) : undefined,
    flowTimeoutSecs: $('flow-timeout').value ? Number($('flow-timeout').value) : undefined,
    allowedWebOrigins: $('allowed-web-origins').value.split('\n'),
  };
}

function showStatus(element, text, isError = false) {
  element.textContent = text;
  element.classList.toggle('error', isError);
}

/**
 * `https://host/*` for an https URL, else null. The manifest's optional host permissions are
 * https pages only: a loopback endpoint (the mock TikTok) answers with CORS headers and needs no
 * host access.
 */
function httpsOriginPattern(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' ? `https://${parsed.hostname}/*` : null;
  } catch {
    return null;
  }
}

/**
 * Tab capture needs declarativeNetRequest with host access to the registered redirect URL's
 * host, and nothing else. permissions.request must run inside the click, so it comes before any
 * other await.
 */
async function ensureTabCapturePermission(settings) {
  const origin = httpsOriginPattern(settings.registeredRedirectUrl);
  if (!origin) throw new Error('Enter the registered redirect URL (https://…) for tab capture.');
  const granted = await chrome.permissions.request({ permissions: ['declarativeNetRequestWithHostAccess'], origins: [origin] });
  if (!granted) throw new Error('Tab capture needs permission to redirect that URL; it was not granted.');
}

async function onSave(event) {
  event.preventDefault();
  const settings = readForm();
  const status = $('save-status');
  try {
    if (settings.captureMode === 'tab') await ensureTabCapturePermission(settings);
    const saved = await sendToWorker('saveSettings', { settings });
    fillForm(saved);
    showStatus(status, 'Saved.');
  } catch (error) {
    showStatus(status, error.message, true);
  }
}

/** Host access to exactly the https hosts of the endpoint overrides entered. */
async function onGrantHosts() {
  const origins = Object.values(ENDPOINT_FIELDS).map((id) => httpsOriginPattern($(id).value)).filter(Boolean);
  const status = $('save-status');
  if (!origins.length) {
    showStatus(status, 'No https endpoint overrides entered (loopback endpoints need no host access).', true);
    return;
  }
  try {
    const granted = await chrome.permissions.request({ origins: [...new Set(origins)] });
    showStatus(status, granted ? 'Host access granted.' : 'Host access was not granted.', !granted);
  } catch (error) {
    showStatus(status, error.message, true);
  }
}

async function onCopy() {
  await navigator.clipboard.writeText($('redirect-url').textContent);
  $('copy-status').textContent = 'Copied.';
}

const EXPORT_PAGE_SIZE = 20;
/** From this many sellers on, the export list offers a search box. */
const SEARCH_FROM = 6;

/** The sellers to export: one page at a time, searchable, patched on storage changes. */
const exportList = sellerList({
  list: $('export-list'),
  pageSize: EXPORT_PAGE_SIZE,
  render: (account, item) => {
    const row = item ?? document.createElement('li');
    row.dataset.openId = account.openId;
    const button = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Export' });
    button.dataset.testid = 'export';
    button.disabled = account.status === 'damaged';
    const region = account.sellerBaseRegion ? ` (${account.sellerBaseRegion})` : '';
    row.replaceChildren(`${account.sellerName || account.openId}${region} `, button);
    return row;
  },
  onLoaded: (page, query) => {
    const matching = page.matching ?? page.total;
    const shown = page.accounts.length;
    $('export-search').hidden = page.total < SEARCH_FROM && !query;
    const summary = $('export-summary');
    summary.hidden = false;
    if (!page.total) summary.textContent = 'No connected accounts.';
    else if (query && !matching) summary.textContent = `No seller matches “${query}”.`;
    else if (shown < page.total) summary.textContent = `Showing ${formatCount(shown)} of ${query ? `${formatCount(matching)} matching` : sellers(page.total)}.`;
    else summary.hidden = true;
    $('export-more').hidden = shown >= matching;
  },
});

/** Reloads the export list; before the extension is set up there is nothing to export. */
function renderExportList() {
  return exportList.load().catch(() => {
    $('export-summary').textContent = 'No connected accounts.';
    $('export-summary').hidden = false;
  });
}

async function exportAccount(openId) {
  try {
    const { text } = await sendToWorker('exportChilkatJson', { openId });
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const link = Object.assign(document.createElement('a'), { href: url, download: 'tiktok-shops.json' });
    link.click();
    URL.revokeObjectURL(url);
  } catch (error) {
    showStatus($('import-status'), `Export failed: ${error.message}`, true);
  }
}

/** The file waiting for "Replace anyway" (kept in this page only, never stored). */
let pendingImport = null;

/** Sends a file to the worker's import; `replaceNewer` only after the person said so. */
async function importText(name, text, replaceNewer) {
  const status = $('import-status');
  $('import-confirm').hidden = true;
  status.removeAttribute('title');
  showStatus(status, `Importing ${name}…`);
  try {
    const { account, refreshed } = await sendToWorker('importChilkatJson', { text, replaceNewer });
    const how = refreshed ? 'its access token had expired and was refreshed' : 'its access token is still valid';
    showStatus(status, `Imported ${account.sellerName || account.openId}: ${how} (${countdown(account.accessTokenExpiresAt)}).`);
  } catch (error) {
    if (error.name === 'NewerTokensStored' && !replaceNewer) {
      askToReplace(name, text, error);
    } else {
      showStatus(status, `Import failed: ${error.message}`, true);
    }
  }
}

/**
 * The stored tokens are newer than the file's (or the stored record cannot be read): nothing was
 * changed; replace only if the person confirms. The client's own sentence stays available as
 * the status line's tooltip.
 */
function askToReplace(name, text, error) {
  const unreadable = /cannot be read/i.test(error.message);
  const status = $('import-status');
  showStatus(status, unreadable
    ? 'Not imported yet: the record stored for this seller cannot be read.'
    : 'Not imported yet: the tokens stored for this seller are newer than the file\'s.', true);
  status.title = error.message;
  $('import-confirm-text').textContent = unreadable
    ? `Replace the unreadable stored record with the tokens in ${name}?`
    : `${name} holds older tokens than the ones stored for this seller. Replacing them with older tokens can force `
      + 'the seller to connect again (TikTok may have retired the older refresh token). Replace the stored tokens with the file\'s anyway?';
  $('import-confirm').hidden = false;
  pendingImport = { name, text };
}

async function onImportFile() {
  const file = $('import-file').files[0];
  if (!file) return;
  pendingImport = null;
  try {
    await importText(file.name, await file.text(), false);
  } finally {
    $('import-file').value = '';
  }
}

async function onReplaceAnyway() {
  const pending = pendingImport;
  pendingImport = null;
  if (pending) await importText(pending.name, pending.text, true);
}

function onKeepStored() {
  pendingImport = null;
  $('import-confirm').hidden = true;
  showStatus($('import-status'), 'Kept the stored tokens; nothing was imported.');
}

form.addEventListener('submit', onSave);
$('grant-hosts').addEventListener('click', onGrantHosts);
$('copy-redirect-url').addEventListener('click', onCopy);
$('import-file').addEventListener('change', onImportFile);
$('import-replace').addEventListener('click', onReplaceAnyway);
$('import-keep').addEventListener('click', onKeepStored);
$('export-search').addEventListener('input', debounce(() => exportList.search($('export-search').value).catch(() => {}), 150));
$('export-list').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-testid="export"]');
  if (button) exportAccount(button.closest('[data-open-id]').dataset.openId);
});
$('export-more').addEventListener('click', () => exportList.showMore().catch(() => {}));
// Accounts change in bursts (a refresh storm writes many): reload what is shown once per burst.
const reloadExportList = coalesce(renderExportList, 250);
chrome.storage.onChanged.addListener((changes, areaName) => {
  if (areaName === 'local' && Object.keys(changes).some((key) => key.startsWith('tts:'))) reloadExportList();
});

sendToWorker('getSettings')
  .then(fillForm)
  .catch((error) => showStatus($('save-status'), error.message, true));
renderExportList();
