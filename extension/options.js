// Options page: app credentials, capture mode, endpoint overrides, and Chilkat
// tiktok-shops.json export / import. Validation is the core's (validateConfig,
// run by the worker on saveSettings); this page only shows its message.

import { sendToWorker } from './lib/messages.js';
import { countdown } from './lib/format.js';

const $ = (id) => document.getElementById(id);
const form = $('settings-form');
const ENDPOINT_FIELDS = { authorize: 'endpoint-authorize', tokenGet: 'endpoint-token-get', tokenRefresh: 'endpoint-token-refresh', apiBase: 'endpoint-api-base' };

function fillForm({ settings, redirectUrl, extensionId }) {
  $('redirect-url').textContent = redirectUrl;
  $('extension-id').textContent = extensionId;
  $('app-key').value = settings.appKey ?? '';
  $('app-secret').value = '';
  $('app-secret').placeholder = settings.appSecretSet ? 'saved (leave empty to keep)' : 'required';
  $('service-id').value = settings.serviceId ?? '';
  $('region').value = settings.region ?? 'row';
  const mode = settings.captureMode ?? 'identity';
  form.querySelector(`input[name="captureMode"][value="${mode}"]`).checked = true;
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

/** `https://host/*` for a URL, or null when it is not a URL. */
function originPattern(url) {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}/*`;
  } catch {
    return null;
  }
}

/**
 * Tab capture needs declarativeNetRequest with host access to the registered
 * redirect URL. permissions.request must run inside the click, so it comes
 * before any other await.
 */
async function ensureTabCapturePermission(settings) {
  const origin = originPattern(settings.registeredRedirectUrl);
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

async function onGrantHosts() {
  const origins = Object.values(ENDPOINT_FIELDS).map((id) => originPattern($(id).value)).filter(Boolean);
  const status = $('save-status');
  if (!origins.length) {
    showStatus(status, 'No endpoint overrides entered.', true);
    return;
  }
  const granted = await chrome.permissions.request({ origins: [...new Set(origins)] });
  showStatus(status, granted ? 'Host access granted.' : 'Host access was not granted.', !granted);
}

async function onCopy() {
  await navigator.clipboard.writeText($('redirect-url').textContent);
  $('copy-status').textContent = 'Copied.';
}

async function renderExportList() {
  const list = $('export-list');
  let accounts = [];
  try {
    ({ accounts } = await sendToWorker('accounts'));
  } catch {
    // Not configured yet: nothing to export.
  }
  list.replaceChildren(...accounts.map((account) => {
    const item = document.createElement('li');
    item.dataset.openId = account.openId;
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Export';
    button.dataset.testid = 'export';
    button.addEventListener('click', () => exportAccount(account.openId));
    item.append(`${account.sellerName || account.openId} (${account.sellerBaseRegion}) `, button);
    return item;
  }));
  if (!accounts.length) list.replaceChildren(Object.assign(document.createElement('li'), { className: 'muted', textContent: 'No connected accounts.' }));
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

async function onImportFile() {
  const file = $('import-file').files[0];
  if (!file) return;
  const status = $('import-status');
  showStatus(status, `Importing ${file.name}…`);
  try {
    const { account, refreshed } = await sendToWorker('importChilkatJson', { text: await file.text() });
    const how = refreshed ? 'its access token had expired and was refreshed' : 'its access token is still valid';
    showStatus(status, `Imported ${account.sellerName || account.openId}: ${how} (${countdown(account.accessTokenExpiresAt)}).`);
  } catch (error) {
    showStatus(status, `Import failed: ${error.message}`, true);
  } finally {
    $('import-file').value = '';
    await renderExportList();
  }
}

form.addEventListener('submit', onSave);
$('grant-hosts').addEventListener('click', onGrantHosts);
$('copy-redirect-url').addEventListener('click', onCopy);
$('import-file').addEventListener('change', onImportFile);
chrome.storage.onChanged.addListener((changes, areaName) => {
  if (areaName === 'local' && Object.keys(changes).some((key) => key.startsWith('tts:account:'))) renderExportList();
});

sendToWorker('getSettings')
  .then(fillForm)
  .catch((error) => showStatus($('save-status'), error.message, true));
renderExportList();
