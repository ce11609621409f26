// Content script: the bridge between a team's https page and the extension's worker. The worker
// registers it (sw-bridge.js) for the origins a person allowed in the options page, in the top
// frame only, from document start. It decides nothing: it relays. The worker knows the sender
// (this extension's content script, the page's origin) and applies the protocol table to it.
//
// Page → bridge: window.postMessage({ channel, kind: 'request', id, message }, location.origin).
// Only messages from this very window (not a frame, not an opener) and of this origin are read.
// Bridge → page: window.postMessage({ channel, kind: 'reply', id, reply }, location.origin), so
// that no other origin can read a reply. `{ kind: 'hello' }` is answered here, for the page
// client to find the bridge without asking the worker anything.

(() => {
  const CHANNEL = 'tiktok-shop-connect';
  const VERSION = 1;

  const post = (data) => window.postMessage({ channel: CHANNEL, ...data }, window.location.origin);

  /** The worker's reply; a transport failure (worker gone, extension reloaded) as a typed error. */
  async function relay(message) {
    try {
      const reply = await chrome.runtime.sendMessage(message);
      if (reply && typeof reply === 'object') return reply;
    } catch {
      // Chrome's own words are not passed on.
    }
    return {
      ok: false,
      error: {
        name: 'ExtensionUnavailable',
        message: 'TikTok Shop Connect is not available right now (reloaded, updated or disabled): reload this page and try again.',
      },
    };
  }

  window.addEventListener('message', (event) => {
    if (event.source !== window || event.origin !== window.location.origin) return;
    const data = event.data;
    if (!data || typeof data !== 'object' || data.channel !== CHANNEL) return;
    if (data.kind === 'hello') {
      post({ kind: 'hello-reply', id: data.id, version: VERSION });
      return;
    }
    if (data.kind !== 'request' || !data.message || typeof data.message !== 'object') return;
    relay(data.message).then((reply) => post({ kind: 'reply', id: data.id, reply }));
  });
})();
