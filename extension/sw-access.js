// Worker module: who may send each message type. Plain data, no chrome.* (the e2e suite and
// the README check import it in Node): background.js enforces it, tests/e2e/access.test.mjs
// walks it, and extension/README.md's protocol table states it word for word.
//
// Two kinds of sender exist, and nobody else is answered (`Forbidden`, whatever they ask):
//   own  the extension's own pages (popup, options, capture.html): onMessage, this extension's
//        ID, a chrome-extension://<this id>/ URL;
//   web  web pages whose origin the user listed in the options page (onMessageExternal; the
//        manifest's externally_connectable lets only localhost / 127.0.0.1 pages try).
// Listed web pages may read, and start a Connect that the seller then finishes on TikTok;
// nothing they send changes a seller, a flow or the settings.
//
// Each cell is `true`, `false`, or the name of a further condition that background.js checks:
//   getOnly     an `apiRequest` whose method is GET (writes to a shop are the own pages' only)
//   flowChannel the popup (the person's paste), or capture.html in the top frame of the tab the
//               pending flow opened in tab-capture mode: the channels bound to the flow

export const ACCESS = Object.freeze({
  connect: { own: true, web: true },
  flowState: { own: true, web: true },
  accounts: { own: true, web: true },
  overview: { own: true, web: true },
  shops: { own: true, web: true },
  apiRequest: { own: true, web: 'getOnly' },
  cancel: { own: true, web: false },
  refresh: { own: true, web: false },
  disconnect: { own: true, web: false },
  importChilkatJson: { own: true, web: false },
  exportChilkatJson: { own: true, web: false },
  getSettings: { own: true, web: false },
  saveSettings: { own: true, web: false },
  completeWithUrl: { own: 'flowChannel', web: false },
});

/** How each cell reads in extension/README.md's protocol table ("who" column). */
const WORDS = {
  own: { true: 'own pages', flowChannel: 'the popup; capture.html only in the top frame of the tab this flow opened' },
  web: { true: 'listed web pages', getOnly: 'listed web pages (GET only)' },
};

/** The "who" column of extension/README.md's protocol table for `type`, e.g. "own pages, listed web pages". */
export function describeAccess(type) {
  const { own, web } = ACCESS[type];
  return [own && WORDS.own[own], web && WORDS.web[web]].filter(Boolean).join(', ');
}
