// TikTok Shop request signature (API version 202309+), as documented in
// shared/docs/tiktok-api.md §5 and reproduced by the official doc and three SDKs.
//
//   s    = path + concat(key + value for each query param except `sign` and
//          `access_token`, keys sorted by byte order) + body (unless multipart)
//   sign = lowercase hex( HMAC-SHA256( key = app_secret, data = app_secret + s + app_secret ) )
//
// The mock server uses this to verify signatures; tests and demo scripts use it to
// produce them. Only node: built-ins.

import { createHmac } from 'node:crypto';

/** Query parameters that never take part in the signature. */
const UNSIGNED_PARAMS = new Set(['sign', 'access_token']);

/**
 * Normalises query input into an array of [key, value] pairs of decoded strings.
 * Accepts a URLSearchParams, a plain object, or an array of pairs.
 */
function queryEntries(query) {
  if (!query) return [];
  if (query instanceof URLSearchParams) return [...query.entries()];
  if (Array.isArray(query)) return query.map(([key, value]) => [String(key), String(value)]);
  return Object.entries(query).map(([key, value]) => [key, String(value)]);
}

/**
 * Byte-order comparison of two strings' UTF-8 encodings. `localeCompare` (and even
 * the default UTF-16 code-unit sort) can disagree with the server on some keys.
 */
function compareBytes(left, right) {
  return Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
}

/** True when the media type of `contentType` is multipart/form-data (body is not signed). */
export function isMultipart(contentType) {
  if (!contentType) return false;
  return contentType.split(';')[0].trim().toLowerCase() === 'multipart/form-data';
}

/**
 * Builds the exact bytes that are HMAC'd (without the secret wrapper). Exposed so
 * tests and debugging tools can show what went into a signature.
 *
 * @param {object} input
 * @param {string} input.path         URL path, e.g. "/authorization/202309/shops"
 * @param {URLSearchParams|object|Array} [input.query]  decoded query parameters
 * @param {string|Buffer|Uint8Array} [input.body]       exact body bytes sent
 * @param {string} [input.contentType] request Content-Type header
 * @returns {Buffer}
 */
export function signingPayload({ path, query, body, contentType }) {
  const signedPairs = queryEntries(query)
    .filter(([key]) => !UNSIGNED_PARAMS.has(key))
    .sort(([leftKey], [rightKey]) => compareBytes(leftKey, rightKey));
  const head = path + signedPairs.map(([key, value]) => key + value).join('');
  const parts = [Buffer.from(head, 'utf8')];
  if (body !== undefined && body !== null && body.length > 0 && !isMultipart(contentType)) {
    parts.push(typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body));
  }
  return Buffer.concat(parts);
}

/**
 * Computes the TikTok Shop `sign` query parameter.
 *
 * @param {object} input  same fields as {@link signingPayload}, plus:
 * @param {string} input.appSecret  the app secret (HMAC key and wrapper)
 * @returns {string} 64 lowercase hex digits
 */
export function computeSign({ appSecret, path, query, body, contentType }) {
  const hmac = createHmac('sha256', appSecret);
  hmac.update(appSecret, 'utf8');
  hmac.update(signingPayload({ path, query, body, contentType }));
  hmac.update(appSecret, 'utf8');
  return hmac.digest('hex');
}

/**
 * Convenience for tests and demos: builds a complete signed URL for a call to the
 * mock (or any TikTok-compatible) server. Adds `app_key`, `timestamp` (unless one is
 * given in `query`) and `sign`.
 *
 * @param {object} input
 * @param {string} input.baseUrl     e.g. "http://127.0.0.1:43210"
 * @param {string} input.path        e.g. "/authorization/202309/shops"
 * @param {string} input.appKey
 * @param {string} input.appSecret
 * @param {object} [input.query]     extra params, e.g. { shop_cipher }
 * @param {number} [input.timestamp] Unix seconds; default now
 * @param {string|Buffer} [input.body]
 * @param {string} [input.contentType] default "application/json"
 * @returns {string} the URL with `sign` appended last
 */
export function buildSignedUrl({
  baseUrl,
  path,
  appKey,
  appSecret,
  query = {},
  timestamp = Math.floor(Date.now() / 1000),
  body,
  contentType = 'application/json',
}) {
  const params = new URLSearchParams({ app_key: appKey, timestamp: String(timestamp), ...query });
  const sign = computeSign({ appSecret, path, query: params, body, contentType });
  params.set('sign', sign);
  return `${baseUrl.replace(/\/$/, '')}${path}?${params.toString()}`;
}
