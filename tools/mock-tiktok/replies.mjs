// Replies: handlers build one of these; `sendReply` writes it. Keeping the reply as data
// is what lets a held request be evaluated at arrival and sent later, and lets an "after"
// fault mangle a reply that was already computed. Also the headers every response carries,
// CORS preflights and reading a request body.

/** Largest request body accepted (the mock never needs more). */
const MAX_BODY_BYTES = 1024 * 1024;

export function jsonReply(status, value) {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
    body: JSON.stringify(value),
    // The envelope code, when there is one, for counters and the request log.
    code: typeof value?.code === 'number' ? value.code : null,
  };
}

export function htmlReply(status, html) {
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: html, code: null };
}

export function redirectReply(location) {
  return { status: 302, headers: { Location: location, 'Cache-Control': 'no-store' }, body: '', code: null };
}

export function sendReply(res, reply) {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}

/** CORS and Date on every response. The Date follows the skewed server clock. */
export function applyCommonHeaders(state, res) {
  res.setHeader('Date', new Date(state.nowMs()).toUTCString());
  res.setHeader('Access-Control-Allow-Origin', '*');
  // Clients read Date to sign with server time; cross-origin fetch hides it otherwise.
  res.setHeader('Access-Control-Expose-Headers', 'Date');
}

export function preflightReply(req) {
  const headers = {
    'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, x-tts-access-token',
    'Access-Control-Max-Age': '600',
  };
  // Chrome's Private Network Access asks before a public page talks to 127.0.0.1.
  if (req.headers['access-control-request-private-network'] === 'true') {
    headers['Access-Control-Allow-Private-Network'] = 'true';
  }
  return { status: 204, headers, body: '', code: null };
}

export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
