// Service worker: wires chrome.* APIs to the wasm TikTokShopClient.
//
// Chrome may stop this worker at any moment, so everything it must remember
// lives in chrome.storage.local (the client's `tts:*` keys, our `settings` and
// `ext:flow` keys). The only module-level values are caches that are rebuilt
// from storage on demand, and facts about this worker instance itself.
// Every listener is registered synchronously at top level so that the event
// which woke the worker is delivered to it.
//
// The message protocol is documented in README.md ("Message protocol").

import init, { TikTokShopClient, validateConfig } from './pkg/tiktok_shop_connect.js';
import {
  CAPTURE_MODES, DEFAULT_FLOW_TIMEOUT_SECS, DEFAULT_REFRESH_MARGIN_SECS, configFor,
} from './lib/config.js';

const wasmReady = init({ module_or_path: chrome.runtime.getURL('pkg/tiktok_shop_connect_bg.wasm') });

/** `chrome-extension://<id>/`: prefix of every page of this extension. */
const EXTENSION_ORIGIN = chrome.runtime.getURL('');
const SETTINGS_KEY = 'settings';
/** Extension-side facts about the pending flow (capture mode, start time, authorize URL). */
const FLOW_META_KEY = 'ext:flow';
const FLOW_DEADLINE_ALARM = 'flow-deadline';
const REFRESH_ALARM = 'refresh-due';
const REFRESH_ALARM_PERIOD_MINUTES = 1;
/** Session rule that turns the registered redirect URL into capture.html (tab capture mode). */
const CAPTURE_RULE_ID = 1;

/** Messages that read or change secrets or accounts: only this extension's own pages may send them. */
const PRIVILEGED_TYPES = new Set([
  'getSettings', 'saveSettings', 'importChilkatJson', 'exportChilkatJson', 'disconnect', 'completeWithUrl',
]);

const nowSecs = () => Math.floor(Date.now() / 1000);

/** When this worker instance started (ms): a flow begun earlier cannot have its launchWebAuthFlow promise here. */
const WORKER_STARTED_AT_MS = Date.now();

// ---------------------------------------------------------------------------
// Errors

/** An Error with a `name` that the pages can switch on, like the client's errors. */
function namedError(name, message, extra = {}) {
  return Object.assign(new Error(message), { name }, extra);
}

/** Fields of a client error that are safe to send to a page (the client never puts secrets in them). */
const ERROR_FIELDS = ['code', 'tiktokMessage', 'requestId', 'httpStatus', 'scope'];

function serializeError(error) {
  const out = { name: error?.name || 'Error', message: String(error?.message ?? error) };
  for (const field of ERROR_FIELDS) {
    if (error?.[field] !== undefined) out[field] = error[field];
  }
  return out;
}

// ---------------------------------------------------------------------------
// Settings and the client

/** The stored settings, with defaults filled in; `null` when the options page was never saved. */
async function readSettings() {
  const { [SETTINGS_KEY]: stored } = await chrome.storage.local.get(SETTINGS_KEY);
  return stored ?? null;
}

// One client per settings value. It is only a cache: losing it with the worker
// costs a rebuild, nothing else. Sharing it between messages lets the client's
// in-process single-flight refresh cover concurrent requests.
let cachedClient = null;
let cachedClientSettingsJson = null;

/** The client for the stored settings; throws `NotConfigured` when there are none. */
async function getClient() {
  await wasmReady;
  const settings = await readSettings();
  if (!settings) {
    throw namedError('NotConfigured', 'TikTok Shop Connect is not set up yet: open the options page and enter the app key, app secret and service ID.');
  }
  const settingsJson = JSON.stringify(settings);
  if (!cachedClient || cachedClientSettingsJson !== settingsJson) {
    cachedClient = new TikTokShopClient(configFor(settings), chrome.storage.local);
    cachedClientSettingsJson = settingsJson;
  }
  return cachedClient;
}

/** The client, or `null` when the extension is not configured (for background chores). */
async function getClientIfConfigured() {
  try {
    return await getClient();
  } catch (error) {
    if (error.name === 'NotConfigured' || error.name === 'InvalidConfig') return null;
    throw error;
  }
}

// ---------------------------------------------------------------------------
// Authorization flow

const isPending = (flow) => flow.state === 1 || flow.state === 2;

/** Starts a flow in the configured capture mode; resolves once the flow is pending (state 1). */
async function startConnect() {
  const client = await getClient();
  const settings = await readSettings();
  const mode = CAPTURE_MODES.includes(settings.captureMode) ? settings.captureMode : 'identity';
  const current = await client.flowState();
  if (isPending(current)) {
    throw namedError('FlowPending', 'A connection is already in progress: finish it or press Cancel first.');
  }
  // Written before the flow exists so that a pending flow always has its mode on record.
  const flowMeta = { mode, startedAtMs: Date.now() };
  await chrome.storage.local.set({ [FLOW_META_KEY]: flowMeta });
  const { url } = await client.beginAuthorization();
  await chrome.storage.local.set({ [FLOW_META_KEY]: { ...flowMeta, authorizeUrl: url } });
  const flow = await client.flowState();
  if (flow.deadline) await chrome.alarms.create(FLOW_DEADLINE_ALARM, { when: flow.deadline * 1000 });

  if (mode === 'identity') {
    // Not awaited: the popup closes when the auth window opens, and its reply
    // would be lost. The outcome is written to storage, which the pages follow.
    runIdentityFlow(client, url);
  } else {
    try {
      if (mode === 'tab') await installCaptureRule(settings.registeredRedirectUrl);
      await chrome.tabs.create({ url });
    } catch (error) {
      // Nothing can deliver the redirect now: end the flow rather than leave it pending.
      await client.failAuthorization('pageLoadFailed', error.message);
      await finishFlowHousekeeping(client);
      throw error;
    }
  }
  return flow;
}

/** launchWebAuthFlow, then the token exchange; every outcome ends up in the stored flow state. */
async function runIdentityFlow(client, authorizeUrl) {
  let resultUrl;
  try {
    resultUrl = await chrome.identity.launchWebAuthFlow({ url: authorizeUrl, interactive: true });
  } catch (error) {
    await failIdentityFlow(client, authorizeUrl, error);
    return;
  }
  try {
    await client.completeAuthorization(resultUrl);
  } catch (error) {
    // Denials and token-exchange failures are already recorded by the client
    // (state 4 / 5). A late redirect after cancel or timeout is rejected here
    // with FlowNotPending / FlowExpired and must not disturb the stored state.
    console.info('Authorization did not complete:', error.name);
  } finally {
    await finishFlowHousekeeping(client);
  }
}

/** Maps launchWebAuthFlow's rejection to the client's failure reasons, if this flow is still the pending one. */
async function failIdentityFlow(client, authorizeUrl, error) {
  const flow = await client.flowState();
  const { [FLOW_META_KEY]: meta } = await chrome.storage.local.get(FLOW_META_KEY);
  // After Cancel or a timeout the user may still close the old window: that flow is over, and a
  // newer flow (another authorize URL) must not be failed by it.
  if (isPending(flow) && meta?.authorizeUrl === authorizeUrl) {
    const message = String(error?.message ?? error);
    if (/did not approve/i.test(message)) {
      await client.failAuthorization('windowClosed');
    } else if (/only one web auth flow/i.test(message)) {
      // The window of a flow lost with an earlier worker instance outlives it, and Chrome allows one at a time.
      await client.failAuthorization('pageLoadFailed', 'Another TikTok sign-in window is still open from an earlier attempt: close it, then press Connect again.');
    } else {
      // Chrome's own message only repeats the reason; say what to check instead.
      const chromeSaid = /could not be loaded/i.test(message) ? '' : `${message} `;
      const detail = `${chromeSaid}Check that the authorize page is reachable and that this redirect URL is registered `
        + `for the app in TikTok Partner Center: ${chrome.identity.getRedirectURL()} (extension ID ${chrome.runtime.id}).`;
      await client.failAuthorization('pageLoadFailed', detail);
    }
  }
  await finishFlowHousekeeping(client);
}

/** Once a flow is no longer pending: drop its deadline alarm and the capture rule, update the badge. */
async function finishFlowHousekeeping(client) {
  // checkFlowDeadline (beyond docs/js-api.md) also stores a passed deadline as 5 "timed out", so
  // the pages see storage change; flowState reads the same state without storing it.
  const flow = typeof client.checkFlowDeadline === 'function'
    ? await client.checkFlowDeadline()
    : await client.flowState();
  if (!isPending(flow)) {
    await chrome.alarms.clear(FLOW_DEADLINE_ALARM);
    await removeCaptureRule();
  }
  await updateBadge(client);
}

/** Escapes a literal for use inside an RE2 regular expression. */
const escapeRegex = (text) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/** Redirects the registered redirect URL to capture.html#<original URL> while the flow is pending. */
async function installCaptureRule(registeredRedirectUrl) {
  if (!chrome.declarativeNetRequest) {
    throw namedError('PermissionRequired', 'Tab capture needs the "declarativeNetRequestWithHostAccess" permission: choose the capture mode again in the options page and allow it.');
  }
  const base = registeredRedirectUrl.replace(/[?#].*$/, '');
  await chrome.declarativeNetRequest.updateSessionRules({
    removeRuleIds: [CAPTURE_RULE_ID],
    addRules: [{
      id: CAPTURE_RULE_ID,
      priority: 1,
      condition: { regexFilter: `^${escapeRegex(base)}([?#].*)?$`, resourceTypes: ['main_frame'] },
      action: { type: 'redirect', redirect: { regexSubstitution: `${EXTENSION_ORIGIN}capture.html#\\0` } },
    }],
  });
}

async function removeCaptureRule() {
  if (chrome.declarativeNetRequest) {
    await chrome.declarativeNetRequest.updateSessionRules({ removeRuleIds: [CAPTURE_RULE_ID] });
  }
}

async function cancelFlow() {
  const client = await getClient();
  const flow = await client.cancelAuthorization();
  await finishFlowHousekeeping(client);
  return flow;
}

/** Paste mode and capture.html: the redirect URL the seller landed on. */
async function completeWithUrl(url) {
  if (typeof url !== 'string' || !url) throw namedError('InvalidInput', 'Paste the full address of the page TikTok sent you to.');
  const client = await getClient();
  try {
    return await client.completeAuthorization(url.trim());
  } finally {
    await finishFlowHousekeeping(client);
  }
}

/**
 * Start-up check: a flow left in state 1/2 by an earlier worker instance can
 * never finish when its launchWebAuthFlow promise or token exchange died with
 * that instance. Tab and paste captures in state 1 survive: their redirect
 * arrives through a page, not through a promise held here.
 */
async function failInterruptedFlow(client) {
  const flow = await client.flowState();
  if (!isPending(flow)) return;
  const { [FLOW_META_KEY]: meta } = await chrome.storage.local.get(FLOW_META_KEY);
  const mode = meta?.mode ?? 'identity';
  const startedBeforeThisWorker = (meta?.startedAtMs ?? 0) < WORKER_STARTED_AT_MS;
  if (startedBeforeThisWorker && (flow.state === 2 || mode === 'identity')) {
    await client.failAuthorization('interrupted');
    await finishFlowHousekeeping(client);
  }
}

// ---------------------------------------------------------------------------
// Accounts, refresh, toolbar badge

/**
 * Refreshes every account whose access token is inside the refresh margin. The client's status
 * says which (the core's refresh policy, with the margin from the settings).
 */
async function refreshDueAccounts(client) {
  const due = (await client.accounts())
    .filter((account) => account.status === 'expiring' || account.status === 'accessExpired');
  for (const account of due) {
    try {
      await client.refresh(account.openId);
    } catch (error) {
      // The client marks the account (reconnect needed) when that is the cause; the badge shows it.
      console.warn('Scheduled refresh failed:', error.name);
    }
  }
  await updateBadge(client);
}

/** "!" on the toolbar icon while any account needs the seller to connect again. */
async function updateBadge(client) {
  const accounts = client ? await client.accounts() : [];
  const broken = accounts.filter((account) => account.status === 'reconnectRequired');
  if (broken.length) {
    await chrome.action.setBadgeBackgroundColor({ color: '#d93025' });
    await chrome.action.setBadgeText({ text: '!' });
    const names = broken.map((account) => account.sellerName || account.openId).join(', ');
    await chrome.action.setTitle({ title: `TikTok Shop Connect: reconnect needed for ${names}` });
  } else {
    await chrome.action.setBadgeText({ text: '' });
    await chrome.action.setTitle({ title: 'TikTok Shop Connect' });
  }
}

// ---------------------------------------------------------------------------
// Settings messages

const ENDPOINT_NAMES = ['authorize', 'tokenGet', 'tokenRefresh', 'apiBase'];

/** What the options page may see: everything except the secret, plus whether one is set. */
async function publicSettings() {
  const settings = await readSettings();
  const { appSecret, ...rest } = settings ?? {};
  let configError = null;
  if (settings) {
    await wasmReady;
    try {
      validateConfig(configFor(settings));
    } catch (error) {
      configError = error.message;
    }
  }
  return {
    configured: Boolean(settings) && !configError,
    configError: settings ? configError : 'Not set up yet: enter the app key, app secret and service ID.',
    settings: { ...rest, appSecretSet: Boolean(appSecret) },
    redirectUrl: chrome.identity.getRedirectURL(),
    extensionId: chrome.runtime.id,
  };
}

/** Validates and stores new settings. An empty secret keeps the stored one, unless an endpoint changed. */
async function saveSettings(input) {
  if (!input || typeof input !== 'object') throw namedError('InvalidInput', 'saveSettings needs a `settings` object.');
  const previous = (await readSettings()) ?? {};
  const endpoints = {};
  for (const name of ENDPOINT_NAMES) endpoints[name] = String(input.endpoints?.[name] ?? '').trim();
  const endpointsChanged = ENDPOINT_NAMES.some((name) => endpoints[name] !== (previous.endpoints?.[name] ?? ''));
  const newSecret = String(input.appSecret ?? '').trim();
  if (!newSecret && previous.appSecret && endpointsChanged) {
    // Otherwise whoever changes an endpoint would get the stored secret sent to a host of their choosing.
    throw namedError('SecretRequired', 'An endpoint changed: enter the app secret again to send it to the new endpoint.');
  }
  const settings = {
    appKey: String(input.appKey ?? '').trim(),
    appSecret: newSecret || previous.appSecret || '',
    serviceId: String(input.serviceId ?? '').trim(),
    region: input.region === 'us' ? 'us' : 'row',
    captureMode: CAPTURE_MODES.includes(input.captureMode) ? input.captureMode : 'identity',
    registeredRedirectUrl: String(input.registeredRedirectUrl ?? '').trim(),
    endpoints,
    refreshMarginSecs: positiveInteger(input.refreshMarginSecs, DEFAULT_REFRESH_MARGIN_SECS),
    flowTimeoutSecs: positiveInteger(input.flowTimeoutSecs, DEFAULT_FLOW_TIMEOUT_SECS),
    allowedWebOrigins: webOrigins(input.allowedWebOrigins),
  };
  if (settings.captureMode !== 'identity' && !/^https?:\/\//.test(settings.registeredRedirectUrl)) {
    throw namedError('InvalidConfig', 'Tab capture and paste modes need the redirect URL registered in Partner Center (https://…).');
  }
  await wasmReady;
  validateConfig(configFor(settings)); // throws InvalidConfig with the core's message
  await chrome.storage.local.set({ [SETTINGS_KEY]: settings });
  return publicSettings();
}

/** The pages externally_connectable lets in at all; the user picks which of them may talk to us. */
const WEB_ORIGIN_PATTERN = /^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?$/;

/** Normalises the allowed web page origins (an array, or one per line); rejects anything else. */
function webOrigins(value) {
  const list = Array.isArray(value) ? value : String(value ?? '').split(/[\s,]+/);
  const origins = [...new Set(list.map((origin) => String(origin).trim().replace(/\/+$/, '')).filter(Boolean))];
  const wrong = origins.find((origin) => !WEB_ORIGIN_PATTERN.test(origin));
  if (wrong) {
    throw namedError('InvalidConfig', `"${wrong}" is not a local web page origin such as http://localhost:8080 or http://127.0.0.1:5173.`);
  }
  return origins;
}

function positiveInteger(value, fallback) {
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : fallback;
}

// ---------------------------------------------------------------------------
// Message dispatch

/** Whether a message comes from one of this extension's own pages (popup, options, capture). */
function isOwnPage(sender, external) {
  return !external && sender.id === chrome.runtime.id && typeof sender.url === 'string'
    && sender.url.startsWith(EXTENSION_ORIGIN);
}

/**
 * Any page on localhost / 127.0.0.1 can message the extension (externally_connectable); only the
 * origins the user listed in the options page may use it, since it acts with a seller's token.
 */
async function requireAllowedWebPage(sender) {
  const origin = sender.origin ?? (sender.url ? new URL(sender.url).origin : 'an unknown page');
  const allowed = (await readSettings())?.allowedWebOrigins ?? [];
  if (!allowed.includes(origin)) {
    throw namedError('Forbidden', `The page ${origin} may not use TikTok Shop Connect: add it under "Web pages allowed to use this extension" in the extension's options.`);
  }
}

const requireOpenId = (message) => {
  if (typeof message.openId !== 'string' || !message.openId) throw namedError('InvalidInput', 'This message needs an `openId`.');
  return message.openId;
};

const handlers = {
  connect: async () => ({ flow: await startConnect() }),
  cancel: async () => ({ flow: await cancelFlow() }),
  flowState: async () => ({ flow: await (await getClient()).flowState() }),
  accounts: async () => ({ accounts: await (await getClient()).accounts() }),
  refresh: async (message) => {
    const client = await getClient();
    try {
      return { account: await client.refresh(requireOpenId(message)) };
    } finally {
      await updateBadge(client);
    }
  },
  apiRequest: async (message) => {
    const client = await getClient();
    const request = message.request ?? {};
    if (typeof request.path !== 'string' || !request.path.startsWith('/')) {
      throw namedError('InvalidInput', 'apiRequest needs `request.path`, e.g. "/authorization/202309/shops".');
    }
    try {
      return { response: await client.apiFetch(requireOpenId(message), request) };
    } finally {
      await updateBadge(client);
    }
  },
  shops: async (message) => ({ shops: await (await getClient()).shops(requireOpenId(message)) }),
  disconnect: async (message) => {
    const client = await getClient();
    await client.disconnect(requireOpenId(message));
    await updateBadge(client);
    return {};
  },
  importChilkatJson: async (message) => {
    const client = await getClient();
    if (typeof message.text !== 'string') throw namedError('InvalidInput', 'importChilkatJson needs the file content as `text`.');
    const importedAt = nowSecs();
    try {
      // The client checks the import at once: an access token that already expired is refreshed
      // now (and a failed refresh keeps the account, marked), not at first use.
      const account = await client.importChilkatJson(message.text);
      return { account, refreshed: (account.lastRefreshAt ?? 0) >= importedAt };
    } finally {
      await updateBadge(client);
    }
  },
  exportChilkatJson: async (message) => ({ text: await (await getClient()).exportChilkatJson(requireOpenId(message)) }),
  getSettings: async () => publicSettings(),
  saveSettings: async (message) => saveSettings(message.settings),
  completeWithUrl: async (message) => ({ account: await completeWithUrl(message.url) }),
};

async function handleMessage(message, sender, external) {
  try {
    const type = message?.type;
    const handler = Object.hasOwn(handlers, type) ? handlers[type] : null;
    if (!handler) throw namedError('UnknownMessage', `Unknown message type: ${String(type)}.`);
    if (external) await requireAllowedWebPage(sender);
    if (PRIVILEGED_TYPES.has(type) && !isOwnPage(sender, external)) {
      throw namedError('Forbidden', `"${type}" is only accepted from the extension's own pages.`);
    }
    // Any local page can message the extension, so pages may read through it but not change a
    // seller's shop: writes (POST, PUT, PATCH, DELETE) go through the extension's own pages.
    const method = String(message?.request?.method ?? 'GET').toUpperCase();
    if (type === 'apiRequest' && method !== 'GET' && !isOwnPage(sender, external)) {
      throw namedError('Forbidden', `Web pages may only send GET API requests through the extension, not ${method}.`);
    }
    await startup;
    return { ok: true, ...(await handler(message)) };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}

// ---------------------------------------------------------------------------
// Start-up and listeners (top level, synchronous)

/** Settles once this worker instance's start-up check is done; every event handler waits for it. */
const startup = startUp().catch((error) => console.warn('Start-up check failed:', error.name, error.message));

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  handleMessage(message, sender, false).then(sendResponse);
  return true; // the response is sent asynchronously
});

chrome.runtime.onMessageExternal.addListener((message, sender, sendResponse) => {
  handleMessage(message, sender, true).then(sendResponse);
  return true;
});

chrome.alarms.onAlarm.addListener((alarm) => {
  const chore = async () => {
    await startup;
    const client = await getClientIfConfigured();
    if (!client) return;
    if (alarm.name === FLOW_DEADLINE_ALARM) {
      // Past its deadline the flow reads as 5 "timed out"; the capture rule must go with it.
      await finishFlowHousekeeping(client);
    } else if (alarm.name === REFRESH_ALARM) {
      await refreshDueAccounts(client);
    }
  };
  chore().catch((error) => console.warn(`Alarm ${alarm.name} failed:`, error.name));
});

chrome.storage.onChanged.addListener((changes, areaName) => {
  // Accounts also change from extension pages (their own client); keep the badge true.
  if (areaName !== 'local' || !Object.keys(changes).some((key) => key.startsWith('tts:account:'))) return;
  getClientIfConfigured()
    .then(updateBadge)
    .catch((error) => console.warn('Badge update failed:', error.name));
});

/** Runs once per worker instance, before any message is handled. */
async function startUp() {
  await wasmReady;
  if (!(await chrome.alarms.get(REFRESH_ALARM))) {
    await chrome.alarms.create(REFRESH_ALARM, { periodInMinutes: REFRESH_ALARM_PERIOD_MINUTES });
  }
  const client = await getClientIfConfigured();
  if (!client) {
    await removeCaptureRule();
    return;
  }
  await failInterruptedFlow(client);
  const flow = await client.flowState();
  if (!isPending(flow)) await removeCaptureRule();
  // Not awaited: messages need not wait for the network; refreshes are single-flight in the client.
  refreshDueAccounts(client).catch((error) => console.warn('Start-up refresh failed:', error.name));
}
