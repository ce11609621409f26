// The page client of TikTok Shop Connect: an ES module with no dependencies for a web page that
// uses the extension as its auth helper. Types: tiktok-shop-connect.d.ts beside it. How to use
// it: README.md, "Use it from your own web page".
//
// It finds the extension either way:
//   bridge    the team's own https page, allowed in the extension's options: a content script
//             the extension runs on that origin relays window.postMessage (this window, this
//             origin only) to the extension; found by a handshake;
//   external  a local page (http://localhost, http://127.0.0.1) listed in the options:
//             chrome.runtime.sendMessage(extensionId, message) (the manifest's
//             externally_connectable), with the extension ID passed in.
// Every call resolves with the extension's answer, or rejects with an Error whose `name` is the
// extension's typed error name (`ConsentRequired`, `Forbidden`, `ReconnectRequired`, …), with
// its fields (`code`, `requestId`, `httpStatus`, `scope`, …). No answer carries a secret or a token.

const CHANNEL = 'tiktok-shop-connect';
const EXTENSION_ID_PATTERN = /^[a-p]{32}$/;
const DEFAULT_HANDSHAKE_MS = 500;
/** Longer than any call the extension bounds (API calls: 60 s by default). */
const BRIDGE_REPLY_MS = 150_000;

/** Chrome's transport failures, by what its message says, and what to tell the person instead. */
const UNAVAILABLE = [
  [/channel closed|port closed/i,
    'The extension stopped before it answered (its background worker was restarted). Reload the list to see what changed, then try again.'],
  [/receiving end does not exist|could not establish connection/i,
    'No extension with this ID answered: check the ID on the extension\'s options page, and that the extension is installed and enabled.'],
];
const UNAVAILABLE_OTHERWISE = 'The extension is not available right now (disabled, updating or restarting). Try again in a moment.';
const NOT_FOUND = 'TikTok Shop Connect did not answer on this page: install the extension, then allow this page\'s origin in its options '
  + '(https pages under "Team pages", local pages under "Web pages allowed to use this extension", with the extension ID passed in).';

/** An Error named like the extension's typed errors, with their fields. */
export function extensionError(fields) {
  const error = new Error(fields?.message ?? 'The extension refused without saying why.');
  return Object.assign(error, fields, { name: fields?.name ?? 'UnknownError' });
}

const unavailable = (message) => ({ ok: false, error: { name: 'ExtensionUnavailable', message } });

/** The reply for a failed chrome.runtime.sendMessage; Chrome's own text is not passed on. */
function transportFailure(chromeError) {
  const text = String(chromeError?.message ?? chromeError ?? '');
  return unavailable(UNAVAILABLE.find(([pattern]) => pattern.test(text))?.[1] ?? UNAVAILABLE_OTHERWISE);
}

const newId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/** Posts `data` on this window for this origin only; resolves with the first answer `accept` takes, or null after `ms`. */
function exchange(data, accept, ms) {
  return new Promise((resolve) => {
    let timer = null;
    const done = (value) => {
      window.removeEventListener('message', listener);
      clearTimeout(timer);
      resolve(value);
    };
    function listener(event) {
      if (event.source !== window || event.origin !== window.location.origin) return;
      const answer = event.data;
      if (answer && typeof answer === 'object' && answer.channel === CHANNEL && answer.id === data.id && accept(answer)) done(answer);
    }
    window.addEventListener('message', listener);
    timer = setTimeout(() => done(null), ms);
    window.postMessage({ channel: CHANNEL, ...data }, window.location.origin);
  });
}

/** Whether the extension's bridge runs on this page (it answers the handshake at once when it does). */
export async function bridgePresent(timeoutMs = DEFAULT_HANDSHAKE_MS) {
  if (typeof window === 'undefined' || window.location.protocol !== 'https:') return false;
  const answer = await exchange({ kind: 'hello', id: newId() }, (reply) => reply.kind === 'hello-reply', timeoutMs);
  return answer !== null;
}

/** The transports: each sends one message and always resolves with `{ ok, … }`. */
const TRANSPORTS = {
  bridge: () => async (message) => {
    const answer = await exchange({ kind: 'request', id: newId(), message }, (reply) => reply.kind === 'reply', BRIDGE_REPLY_MS);
    return answer?.reply && typeof answer.reply === 'object' ? answer.reply : transportFailure(null);
  },
  external: (extensionId) => async (message) => {
    if (!EXTENSION_ID_PATTERN.test(extensionId ?? '')) {
      return { ok: false, error: { name: 'InvalidExtensionId', message: 'Enter the extension ID (32 letters a–p, shown on its options page).' } };
    }
    const runtime = globalThis.chrome?.runtime;
    if (typeof runtime?.sendMessage !== 'function') {
      return unavailable('chrome.runtime is not available here: the extension is not installed in this browser, or this page\'s origin is not one it accepts.');
    }
    try {
      const reply = await runtime.sendMessage(extensionId, message);
      return reply && typeof reply === 'object' ? reply : transportFailure(null);
    } catch (error) {
      return transportFailure(error);
    }
  },
};

/** A connection to the extension. Get one with `connectExtension()`. */
export class TikTokShopConnect {
  /** @param {'bridge' | 'external'} via @param {{ extensionId?: string, onExchange?: Function }} options */
  constructor(via, { extensionId, onExchange } = {}) {
    if (!Object.hasOwn(TRANSPORTS, via)) throw extensionError({ name: 'InvalidInput', message: `Unknown transport: ${String(via)}.` });
    this.via = via;
    this.extensionId = via === 'external' ? extensionId : undefined;
    this.#send = TRANSPORTS[via](extensionId);
    this.#onExchange = onExchange;
  }

  #send;
  #onExchange;

  /** Sends one protocol message; resolves with the whole reply (`{ ok, … }`), never rejects. */
  async request(message) {
    const reply = await this.#send(message);
    this.#onExchange?.(message, reply);
    return reply;
  }

  /** Sends one protocol message; resolves with the reply's fields, rejects with the named error. */
  async send(message) {
    const { ok, error, ...fields } = await this.request(message);
    if (!ok) throw extensionError(error);
    return fields;
  }

  /** The connected sellers: every one, or a page (`{ query, offset, limit }`). */
  accounts(page = {}) {
    return this.send({ type: 'accounts', ...page });
  }

  /** Counts and who needs reconnecting. */
  overview() {
    return this.send({ type: 'overview' });
  }

  /** Starts a Connect (the seller finishes it on TikTok); resolves with the pending flow. */
  async connect() {
    return (await this.send({ type: 'connect' })).flow;
  }

  /** Where the flow stands. */
  async flowState() {
    return (await this.send({ type: 'flowState' })).flow;
  }

  /** A signed GET call to TikTok Shop's API with the seller's token: `{ status, body }` (body parsed). */
  async fetch(openId, { path, query, shopCipher, timeoutMs } = {}) {
    const request = { method: 'GET', path, ...(query ? { query } : {}), ...(shopCipher ? { shopCipher } : {}), ...(timeoutMs ? { timeoutMs } : {}) };
    return (await this.send({ type: 'apiRequest', openId, request })).response;
  }

  /** The seller's authorized shops. */
  async shops(openId) {
    return (await this.send({ type: 'shops', openId })).shops;
  }
}

/**
 * Finds the extension: its bridge on an https page allowed in its options (a handshake of at
 * most `handshakeMs`), else `externally_connectable` with `extensionId` (local pages). `via`
 * forces one way. Rejects with `ExtensionUnavailable` when neither is there.
 */
export async function connectExtension({
  extensionId, via, handshakeMs = DEFAULT_HANDSHAKE_MS, onExchange,
} = {}) {
  if (via === 'external' || (via === undefined && extensionId && typeof globalThis.chrome?.runtime?.sendMessage === 'function')) {
    return new TikTokShopConnect('external', { extensionId, onExchange });
  }
  if (via !== 'external' && await bridgePresent(handshakeMs)) return new TikTokShopConnect('bridge', { onExchange });
  if (via === undefined && extensionId) return new TikTokShopConnect('external', { extensionId, onExchange });
  throw extensionError({ name: 'ExtensionUnavailable', message: NOT_FOUND });
}
