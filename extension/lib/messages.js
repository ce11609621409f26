// Client side of the worker's message protocol (README.md, "Message protocol"),
// for the extension's own pages.

/** Sends `{ type, ...fields }` to the worker; resolves with the reply, or throws an Error named like the worker's. */
export async function sendToWorker(type, fields = {}) {
  const reply = await chrome.runtime.sendMessage({ type, ...fields });
  if (!reply) throw Object.assign(new Error(`No reply to "${type}".`), { name: 'NoReply' });
  if (!reply.ok) throw Object.assign(new Error(reply.error.message), reply.error);
  return reply;
}
