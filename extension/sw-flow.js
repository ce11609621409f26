// Worker module: the authorization flow in its three capture modes (browser sign-in window,
// tab capture, paste), its deadline alarm and the flow a stopped worker left behind.
// The flow's state machine is the client's; this only wires chrome.identity, tabs and
// declarativeNetRequest to it.

import { CAPTURE_MODES } from './lib/config.js';
import { getClient, namedError, readSettings } from './sw-client.js';

/** `chrome-extension://<id>/`: prefix of every page of this extension. */
export const EXTENSION_ORIGIN = chrome.runtime.getURL('');
/** Extension-side facts about the pending flow (capture mode, start time, authorize URL, the tab it opened). */
const FLOW_META_KEY = 'ext:flow';
export const FLOW_DEADLINE_ALARM = 'flow-deadline';
/** Session rule that turns the registered redirect URL into capture.html (tab capture mode). */
const CAPTURE_RULE_ID = 1;

/** When this worker instance started (ms): a flow begun earlier cannot have its launchWebAuthFlow promise here. */
const WORKER_STARTED_AT_MS = Date.now();

const isPending = (flow) => flow.state === 1 || flow.state === 2;

/** Starts a flow in the configured capture mode; resolves once the flow is pending (state 1). */
export async function startConnect() {
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
      await openFlowTab(mode, url, settings.registeredRedirectUrl, flowMeta);
    } catch (error) {
      // Nothing can deliver the redirect now: end the flow rather than leave it pending.
      await client.failAuthorization('pageLoadFailed', error.message);
      await finishFlowHousekeeping(client);
      throw error;
    }
  }
  return flow;
}

/**
 * Tab capture and paste: opens the authorize page in a tab of its own and records that tab with
 * the flow, so that only this tab can deliver a captured redirect. In tab capture the tab opens
 * blank, the capture rule is limited to it, and only then does it load TikTok's page: a redirect
 * can never arrive before the rule that captures it. Returns the tab's ID.
 */
async function openFlowTab(mode, authorizeUrl, registeredRedirectUrl, flowMeta) {
  if (mode !== 'tab') {
    const tab = await chrome.tabs.create({ url: authorizeUrl });
    await chrome.storage.local.set({ [FLOW_META_KEY]: { ...flowMeta, authorizeUrl, tabId: tab.id } });
    return tab.id;
  }
  if (!chrome.declarativeNetRequest) {
    throw namedError('PermissionRequired', 'Tab capture needs the "declarativeNetRequestWithHostAccess" permission: choose the capture mode again in the options page and allow it.');
  }
  const tab = await chrome.tabs.create({ url: 'about:blank' });
  try {
    await chrome.storage.local.set({ [FLOW_META_KEY]: { ...flowMeta, authorizeUrl, tabId: tab.id } });
    await installCaptureRule(registeredRedirectUrl, tab.id);
    // Sent elsewhere while about:blank still loads, a new tab can stay empty (Chromium 156, about 1 in 4).
    await tabLoaded(tab.id);
    await chrome.tabs.update(tab.id, { url: authorizeUrl });
  } catch (error) {
    chrome.tabs.remove(tab.id).catch(() => {});
    throw error;
  }
  return tab.id;
}

/** Resolves once the tab has finished loading (or after 2 s, or when it is gone). */
function tabLoaded(tabId) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      chrome.tabs.onUpdated.removeListener(onUpdated);
      resolve();
    };
    const onUpdated = (id, change) => {
      if (id === tabId && change.status === 'complete') done();
    };
    const timer = setTimeout(done, 2000);
    chrome.tabs.onUpdated.addListener(onUpdated);
    chrome.tabs.get(tabId).then((tab) => tab.status === 'complete' && done(), done);
  });
}

/**
 * Whether `sender` is a channel bound to the pending flow, which may deliver its redirect: the
 * popup (the person pastes the address they landed on), or capture.html in the top frame of the
 * tab this tab-capture flow opened. capture.html anywhere else — framed by a page, opened in
 * another tab — is not.
 */
export async function isFlowChannel(sender) {
  let path;
  try {
    path = new URL(sender.url).pathname;
  } catch {
    return false;
  }
  if (path === '/popup.html') return true;
  if (path !== '/capture.html') return false;
  const { [FLOW_META_KEY]: meta } = await chrome.storage.local.get(FLOW_META_KEY);
  return meta?.mode === 'tab' && Number.isInteger(meta.tabId)
    && sender.tab?.id === meta.tabId && sender.frameId === 0;
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
    // The window's own result: a channel bound to this flow (a denial without `state` may end it).
    await client.completeAuthorization(resultUrl, { bound: true });
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

/**
 * Once a flow is no longer pending: drop its deadline alarm and the capture rule. (The badge
 * follows the accounts' storage changes on its own.)
 */
export async function finishFlowHousekeeping(client) {
  // checkFlowDeadline also stores a passed deadline as 5 "timed out", so the pages see storage
  // change; flowState reads the same state without storing it.
  const flow = await client.checkFlowDeadline();
  if (!isPending(flow)) {
    await chrome.alarms.clear(FLOW_DEADLINE_ALARM);
    await removeCaptureRule();
  }
}

/** Escapes a literal for use inside an RE2 regular expression. */
const escapeRegex = (text) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/**
 * While the flow is pending, redirects the registered redirect URL to capture.html#<original URL>
 * in the flow's own tab only (`tabIds`): a page that sends another tab to that URL reaches the
 * team's page, never capture.html, and cannot end the flow or remove the rule.
 */
async function installCaptureRule(registeredRedirectUrl, tabId) {
  const base = registeredRedirectUrl.replace(/[?#].*$/, '');
  await chrome.declarativeNetRequest.updateSessionRules({
    removeRuleIds: [CAPTURE_RULE_ID],
    addRules: [{
      id: CAPTURE_RULE_ID,
      priority: 1,
      condition: { regexFilter: `^${escapeRegex(base)}([?#].*)?$`, resourceTypes: ['main_frame'], tabIds: [tabId] },
      // getURL gives capture.html's dynamic URL (manifest: use_dynamic_url), which changes every session.
      action: { type: 'redirect', redirect: { regexSubstitution: `${chrome.runtime.getURL('capture.html')}#\\0` } },
    }],
  });
}

export async function removeCaptureRule() {
  if (chrome.declarativeNetRequest) {
    await chrome.declarativeNetRequest.updateSessionRules({ removeRuleIds: [CAPTURE_RULE_ID] });
  }
}

export async function cancelFlow() {
  const client = await getClient();
  const flow = await client.cancelAuthorization();
  await finishFlowHousekeeping(client);
  return flow;
}

/**
 * Paste mode and capture.html: the redirect URL the seller landed on. background.js lets only
 * the flow's channels send it (isFlowChannel), so it is delivered bound to the flow.
 */
export async function completeWithUrl(url) {
  if (typeof url !== 'string' || !url) throw namedError('InvalidInput', 'Paste the full address of the page TikTok sent you to.');
  const client = await getClient();
  try {
    return await client.completeAuthorization(url.trim(), { bound: true });
  } finally {
    await finishFlowHousekeeping(client);
  }
}

/**
 * Start-up check: a flow left in state 1/2 by an earlier worker instance can never finish
 * when its launchWebAuthFlow promise or token exchange died with that instance. Tab and paste
 * captures in state 1 survive: their redirect arrives through a page, not through a promise
 * held here. Without a pending flow, a capture rule left over is removed.
 */
export async function settleFlowAtStartUp(client) {
  const flow = await client.flowState();
  if (!isPending(flow)) {
    await removeCaptureRule();
    return;
  }
  const { [FLOW_META_KEY]: meta } = await chrome.storage.local.get(FLOW_META_KEY);
  const mode = meta?.mode ?? 'identity';
  const startedBeforeThisWorker = (meta?.startedAtMs ?? 0) < WORKER_STARTED_AT_MS;
  if (startedBeforeThisWorker && (flow.state === 2 || mode === 'identity')) {
    await client.failAuthorization('interrupted');
    await finishFlowHousekeeping(client);
  }
}
