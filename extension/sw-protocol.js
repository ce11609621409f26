// Worker module: the message protocol, as one table. For every message type: its handler
// (`message` → the reply's fields) and who may send it. background.js dispatches through it,
// tests/e2e/access.test.mjs walks it type by type, and extension/README.md's protocol table
// states its "who" column word for word (describeAccess). The models the handlers return are
// declared in types/tiktok-shop-connect.d.ts, generated from the core.
//
// Two kinds of sender exist, and nobody else is answered (`Forbidden`, whatever they ask):
//   own  the extension's own pages (popup, options, capture.html): onMessage, this extension's
//        ID, a chrome-extension://<this id>/ URL;
//   web  web pages whose origin the user listed in the options page: local pages through
//        onMessageExternal (the manifest's externally_connectable lets only localhost /
//        127.0.0.1 pages try), and the team's own https pages through the content-script bridge
//        (sw-bridge.js: this extension's content script on an allowed origin, once the person
//        allowed that origin in the popup's consent prompt).
// Listed web pages may read, and start a Connect that the seller then finishes on TikTok;
// nothing they send changes a seller, a flow or the settings.
//
// Each `senders` cell is `true`, `false`, or the name of a further condition (CONDITIONS):
//   getOnly     an `apiRequest` whose method is GET (writes to a shop are the own pages' only)
//   flowChannel the popup (the person's paste), or capture.html in the top frame of the tab the
//               pending flow opened in tab-capture mode: the channels bound to the flow
//
// Nothing here touches chrome.* or the wasm at import time: the table can be read in Node.

import { accountHandlers } from './sw-accounts.js';
import { getClient, namedError } from './sw-client.js';
import {
  cancelFlow, completeWithUrl, isFlowChannel, startConnect,
} from './sw-flow.js';
import {
  allowPageOrigin, bridgeSenderOrigin, decideConsent, listPageOrigins, removePageOrigin, requireBridgeConsent,
} from './sw-bridge.js';
import { publicSettings, requireAllowedWebPage, saveSettings } from './sw-settings.js';

const OWN_AND_WEB = Object.freeze({ own: true, web: true });
const OWN_ONLY = Object.freeze({ own: true, web: false });

/** type → `{ handler, senders: { own, web } }`: the whole protocol. */
export const PROTOCOL = Object.freeze({
  connect: { senders: OWN_AND_WEB, handler: async () => ({ flow: await startConnect() }) },
  flowState: { senders: OWN_AND_WEB, handler: async () => ({ flow: await (await getClient()).flowState() }) },
  accounts: { senders: OWN_AND_WEB, handler: accountHandlers.accounts },
  overview: { senders: OWN_AND_WEB, handler: accountHandlers.overview },
  shops: { senders: OWN_AND_WEB, handler: accountHandlers.shops },
  apiRequest: { senders: { own: true, web: 'getOnly' }, handler: accountHandlers.apiRequest },
  cancel: { senders: OWN_ONLY, handler: async () => ({ flow: await cancelFlow() }) },
  refresh: { senders: OWN_ONLY, handler: accountHandlers.refresh },
  disconnect: { senders: OWN_ONLY, handler: accountHandlers.disconnect },
  importChilkatJson: { senders: OWN_ONLY, handler: accountHandlers.importChilkatJson },
  exportChilkatJson: { senders: OWN_ONLY, handler: accountHandlers.exportChilkatJson },
  getSettings: { senders: OWN_ONLY, handler: publicSettings },
  saveSettings: { senders: OWN_ONLY, handler: (message) => saveSettings(message.settings) },
  pageOrigins: { senders: OWN_ONLY, handler: listPageOrigins },
  allowPageOrigin: { senders: OWN_ONLY, handler: allowPageOrigin },
  removePageOrigin: { senders: OWN_ONLY, handler: removePageOrigin },
  decideConsent: { senders: OWN_ONLY, handler: decideConsent },
  completeWithUrl: {
    senders: { own: 'flowChannel', web: false },
    handler: async (message) => ({ account: await completeWithUrl(message.url) }),
  },
});

/** Who may send each type: the table's `senders` column (`{ type: { own, web } }`), for tests and docs. */
export const ACCESS = Object.freeze(Object.fromEntries(
  Object.entries(PROTOCOL).map(([type, { senders }]) => [type, senders]),
));

/** How each cell reads in extension/README.md's protocol table ("who" column). */
const WORDS = {
  own: { true: 'own pages', flowChannel: 'the popup; capture.html only in the top frame of the tab this flow opened' },
  web: { true: 'listed web pages', getOnly: 'listed web pages (GET only)' },
};

/** The "who" column of extension/README.md's protocol table for `type`, e.g. "own pages, listed web pages". */
export function describeAccess(type) {
  const { own, web } = PROTOCOL[type].senders;
  return [own && WORDS.own[own], web && WORDS.web[web]].filter(Boolean).join(', ');
}

/** Further conditions of the `senders` cells; each throws `Forbidden` when not met. */
const CONDITIONS = {
  getOnly(message) {
    const method = String(message?.request?.method ?? 'GET').toUpperCase();
    if (method !== 'GET') {
      throw namedError('Forbidden', `Web pages may only send GET API requests through the extension, not ${method}.`);
    }
  },
  async flowChannel(message, type, sender) {
    if (!(await isFlowChannel(sender))) {
      throw namedError('Forbidden', `"${type}" is only accepted from the popup, or from the tab this connection opened.`);
    }
  },
};

/** Whether a message comes from one of this extension's own pages (popup, options, capture). */
function isOwnPage(sender, external) {
  return !external && sender.id === chrome.runtime.id && typeof sender.url === 'string'
    && sender.url.startsWith(chrome.runtime.getURL(''));
}

/**
 * `own` (this extension's pages) or `web` (a listed local page, or the bridge on an allowed https
 * origin the person consented to); anyone else is refused.
 */
async function senderKind(sender, external) {
  if (external) {
    await requireAllowedWebPage(sender); // Forbidden unless the user listed the page's origin
    return 'web';
  }
  if (isOwnPage(sender, external)) return 'own';
  const bridged = bridgeSenderOrigin(sender);
  if (bridged) {
    await requireBridgeConsent(bridged); // ConsentRequired until the person allows it, Forbidden once denied
    return 'web';
  }
  throw namedError('Forbidden', 'Only the extension\'s own pages and the web pages listed in its options may send messages.');
}

/**
 * The handler of `message` if its sender may send it; throws `Forbidden` (or `UnknownMessage`)
 * otherwise. `external`: it came through onMessageExternal.
 */
export async function admit(message, sender, external) {
  const kind = await senderKind(sender, external);
  const type = message?.type;
  if (!Object.hasOwn(PROTOCOL, type)) throw namedError('UnknownMessage', `Unknown message type: ${String(type)}.`);
  const { senders, handler } = PROTOCOL[type];
  const rule = senders[kind];
  if (!rule) throw namedError('Forbidden', `"${type}" is only accepted from the extension's own pages.`);
  if (rule !== true) await CONDITIONS[rule](message, type, sender);
  return handler;
}
