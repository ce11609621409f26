// Worker module: the authorization flow in its three capture modes (browser sign-in window,
// tab capture, paste), its deadline alarm and the flow a stopped worker left behind.
// The flow's state machine is the client's; this only wires chrome.identity, tabs and
// declarativeNetRequest to it.

import { getClient, getClientIfConfigured, namedError, readSettings } from './sw-client.js';

export const FLOW_DEADLINE_ALARM = 'flow-deadline';
/** Session rule that turns the registered redirect URL into capture.html (tab capture mode). */
const CAPTURE_RULE_ID = 1;
/**
 * Where earlier versions kept the flow's runner beside the core's record (capture mode, tab,
 * start time). The core's `tts:flow` record holds all of it now; the old key is removed at start-up.
 */
const STALE_FLOW_META_KEY = 'ext:flow';

/**
 * This worker instance, recorded with every flow it starts: at start-up the core ends a flow
 * that another instance started and that cannot finish without it (settleOrphanedFlow).
 */
const WORKER_ID = crypto.randomUUID();

/**
 * Starts a flow in the configured capture mode; resolves once the flow is pending (state 1).
 * The core records the mode (an unknown or absent one is the sign-in window) and this worker
 * instance with the flow; what it recorded decides which way the redirect is captured.
 */
export async function startConnect() {
  const client = await getClient();
  const settings = await readSettings();
  if ((await client.flowState()).pending) {
    throw namedError('FlowPending', 'A connection is already in progress: finish it or press Cancel first.');
  }
  const { url } = await client.beginAuthorization({ captureMode: settings.captureMode, workerId: WORKER_ID });
  const flow = await client.flowState();
  if (flow.deadline) await chrome.alarms.create(FLOW_DEADLINE_ALARM, { when: flow.deadline * 1000 });

  if (flow.captureMode === 'identity') {
    // Not awaited: the popup closes when the auth window opens, and its reply
    // would be lost. The outcome is written to storage, which the pages follow.
    runIdentityFlow(client, url);
    return flow;
  }
  try {
    return await openFlowTab(client, flow.captureMode, url, settings.registeredRedirectUrl);
  } catch (error) {
    // Nothing can deliver the redirect now: end the flow rather than leave it pending.
    await client.failAuthorization('pageLoadFailed', error.message, { authorizeUrl: url });
    await finishFlowHousekeeping(client);
    throw error;
  }
}

/**
 * Tab capture and paste: opens the authorize page in a tab of its own and records that tab with
 * the flow (the core's record), so that only this tab can deliver a captured redirect. In tab
 * capture the tab opens blank, the capture rule is limited to it, and only then does it load
 * TikTok's page: a redirect can never arrive before the rule that captures it. Returns the flow.
 */
async function openFlowTab(client, mode, authorizeUrl, registeredRedirectUrl) {
  if (mode !== 'tab') {
    const tab = await chrome.tabs.create({ url: authorizeUrl });
    return client.setFlowTab(tab.id);
  }
  if (!chrome.declarativeNetRequest) {
    throw namedError('PermissionRequired', 'Tab capture needs the "declarativeNetRequestWithHostAccess" permission: choose the capture mode again in the options page and allow it.');
  }
  const tab = await chrome.tabs.create({ url: 'about:blank' });
  try {
    const flow = await client.setFlowTab(tab.id);
    await installCaptureRule(registeredRedirectUrl, tab.id);
    // Sent elsewhere while about:blank still loads, a new tab can stay empty (Chromium 156, about 1 in 4).
    await tabLoaded(tab.id);
    await chrome.tabs.update(tab.id, { url: authorizeUrl });
    return flow;
  } catch (error) {
    chrome.tabs.remove(tab.id).catch(() => {});
    throw error;
  }
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
 * tab this tab-capture flow opened (as the core's flow record says). capture.html anywhere else
 * — framed by a page, opened in another tab — is not.
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
  const client = await getClientIfConfigured();
  if (!client) return false;
  const flow = await client.flowState();
  return flow.captureMode === 'tab' && Number.isInteger(flow.tabId)
    && sender.tab?.id === flow.tabId && sender.frameId === 0;
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

/**
 * Maps launchWebAuthFlow's rejection to the client's failure reasons. Only the flow of that
 * window is failed: after Cancel or a timeout the user may still close the old window, and the
 * core leaves a newer flow (another authorize URL) as it is.
 */
async function failIdentityFlow(client, authorizeUrl, error) {
  const message = String(error?.message ?? error);
  let reason = 'pageLoadFailed';
  let detail;
  if (/did not approve/i.test(message)) {
    reason = 'windowClosed';
  } else if (/only one web auth flow/i.test(message)) {
    // The window of a flow lost with an earlier worker instance outlives it, and Chrome allows one at a time.
    detail = 'Another TikTok sign-in window is still open from an earlier attempt: close it, then press Connect again.';
  } else {
    // Chrome's own message only repeats the reason; say what to check instead.
    const chromeSaid = /could not be loaded/i.test(message) ? '' : `${message} `;
    detail = `${chromeSaid}Check that the authorize page is reachable and that this redirect URL is registered `
      + `for the app in TikTok Partner Center: ${chrome.identity.getRedirectURL()} (extension ID ${chrome.runtime.id}).`;
  }
  await client.failAuthorization(reason, detail, { authorizeUrl });
  await finishFlowHousekeeping(client);
}

/**
 * Once a flow is no longer pending: drop its deadline alarm and the capture rule. (The badge
 * follows the accounts' storage changes on its own.)
 */
async function tidyAfter(flow) {
  if (!flow.pending) {
    await chrome.alarms.clear(FLOW_DEADLINE_ALARM);
    await removeCaptureRule();
  }
}

/**
 * After anything that may have ended the flow. checkFlowDeadline also stores a passed deadline
 * as 5 "timed out", so the pages see storage change; flowState reads the same state without
 * storing it.
 */
export async function finishFlowHousekeeping(client) {
  await tidyAfter(await client.checkFlowDeadline());
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

async function removeCaptureRule() {
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
 * Paste mode and capture.html: the redirect URL the seller landed on. The protocol
 * (sw-protocol.js) lets only the flow's channels send it (isFlowChannel), so it is delivered
 * bound to the flow.
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
 * Start-up check (`client` null: not configured). The core ends a flow that an earlier worker
 * instance started and that can never finish without it (its sign-in window's promise or its
 * token exchange died with that instance) as 5 "interrupted"; tab and paste captures waiting
 * for their redirect survive. Without a pending flow, a capture rule left over is removed.
 */
export async function settleFlowAtStartUp(client) {
  const [flow] = await Promise.all([
    client?.settleOrphanedFlow(WORKER_ID),
    chrome.storage.local.remove(STALE_FLOW_META_KEY),
  ]);
  await tidyAfter(flow ?? { pending: false });
}
