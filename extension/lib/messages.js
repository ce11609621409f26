// Client side of the worker's message protocol (README.md, "Message protocol"),
// for the extension's own pages. Chrome's own transport errors never reach a page as they are:
// a worker stopped mid-call, an extension reloaded or disabled, all become
// `{ ok: false, error: { name: 'ExtensionUnavailable', message } }` with a sentence that says
// what to do.

/** Chrome's transport failures, by what its message says, and what to tell the person instead. */
const UNAVAILABLE = [
  [/channel closed|port closed/i,
    'TikTok Shop Connect stopped before it answered (its background worker was restarted). Try again.'],
  [/context invalidated/i,
    'TikTok Shop Connect was reloaded, updated or disabled. Reopen this page.'],
];
const UNAVAILABLE_OTHERWISE = 'TikTok Shop Connect is not available right now (disabled, updating or restarting). Try again in a moment.';

/** The typed error for a transport failure; Chrome's own text is not passed on. */
function extensionUnavailable(chromeError) {
  const text = String(chromeError?.message ?? chromeError ?? '');
  const message = UNAVAILABLE.find(([pattern]) => pattern.test(text))?.[1] ?? UNAVAILABLE_OTHERWISE;
  return { name: 'ExtensionUnavailable', message };
}

/** Sends `{ type, ...fields }` to the worker; always resolves with `{ ok: true, … }` or `{ ok: false, error }`. */
export async function request(type, fields = {}) {
  let reply;
  try {
    reply = await chrome.runtime.sendMessage({ type, ...fields });
  } catch (error) {
    return { ok: false, error: extensionUnavailable(error) };
  }
  if (!reply || typeof reply !== 'object') return { ok: false, error: extensionUnavailable(null) };
  return reply;
}

/** Sends `{ type, ...fields }` to the worker; resolves with the reply, or throws an Error named like the worker's. */
export async function sendToWorker(type, fields = {}) {
  const reply = await request(type, fields);
  if (!reply.ok) throw Object.assign(new Error(reply.error?.message ?? 'Unknown error'), reply.error);
  return reply;
}
