// Mock TikTok Shop server: authorize page, token exchange and refresh, two signed API
// endpoints, and a control API under /__mock/ for tests. No dependencies beyond node:.
//
//   import { startMockServer } from './server.mjs';
//   const mock = await startMockServer({ rotateRefreshToken: true });
//   ... mock.url ... await mock.close();
//
//   node tools/mock-tiktok/server.mjs [--port N] [--host 127.0.0.1] [--config file.json]
//   → prints "MOCK_TIKTOK_URL=http://127.0.0.1:PORT" and serves until SIGTERM/SIGINT.
//
// See README.md in this folder for every endpoint and the control API.

import http from 'node:http';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { computeSign } from './sign.mjs';
import { CODES, ConfigError, MockState, shopsOf } from './state.mjs';
import { authorizePage, callbackPage, errorPage, gatewayErrorPage } from './pages.mjs';

/** Largest request body accepted (the mock never needs more). */
const MAX_BODY_BYTES = 1024 * 1024;

/** Signed API timestamp window, relative to server time (documented by TikTok). */
const TIMESTAMP_MAX_AGE_SEC = 5 * 60;
const TIMESTAMP_MAX_AHEAD_SEC = 30;

const FAULT_KINDS = new Set(['http500', 'html', 'malformed', 'delay', 'drop']);
const FAULT_STAGES = new Set(['before', 'after']);

// ---------------------------------------------------------------------------
// Replies: handlers build one of these; `sendReply` writes it. Keeping the reply
// as data is what lets a held request be evaluated at arrival and sent later, and
// lets an "after" fault mangle a reply that was already computed.
// ---------------------------------------------------------------------------

function jsonReply(status, value) {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
    body: JSON.stringify(value),
    // The envelope code, when there is one, for counters and the request log.
    code: typeof value?.code === 'number' ? value.code : null,
  };
}

function htmlReply(status, html) {
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: html, code: null };
}

function redirectReply(location) {
  return { status: 302, headers: { Location: location, 'Cache-Control': 'no-store' }, body: '', code: null };
}

function sendReply(res, reply) {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}

/** CORS and Date on every response. The Date follows the skewed server clock. */
function applyCommonHeaders(state, res) {
  res.setHeader('Date', new Date(state.nowMs()).toUTCString());
  res.setHeader('Access-Control-Allow-Origin', '*');
  // Clients read Date to sign with server time; cross-origin fetch hides it otherwise.
  res.setHeader('Access-Control-Expose-Headers', 'Date');
}

function preflightReply(req) {
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

function readBody(req) {
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

// ---------------------------------------------------------------------------
// Authorization page
// ---------------------------------------------------------------------------

/** Answers a new authorization request (auto-approve/deny, or the page). */
function startAuthorization(state, authState) {
  state.counters.authorize += 1;
  // autoDeny wins over autoApprove when both are on.
  if (state.config.autoDeny) return redirectReply(state.denyRedirect(authState).redirectUrl);
  if (state.config.autoApprove) return redirectReply(state.approveRedirect(authState).redirectUrl);
  const pending = state.addPending(authState);
  const decisionHref = (action) =>
    `/open/authorize/decision?${new URLSearchParams({ id: pending.id, action })}`;
  return htmlReply(
    200,
    authorizePage({
      config: { ...state.config, redirectUrlResolved: state.redirectUrl() },
      pending,
      approveHref: decisionHref('approve'),
      denyHref: decisionHref('deny'),
    }),
  );
}

/** GET /open/authorize?service_id=…&state=… */
function handleAuthorize(state, url) {
  const serviceId = url.searchParams.get('service_id');
  if (serviceId !== state.config.serviceId) {
    return htmlReply(
      400,
      errorPage(
        'Invalid service_id',
        `The service_id "${serviceId ?? ''}" does not belong to any app. ` +
          'Use the Service ID shown in Partner Center (not the app key).',
      ),
    );
  }
  return startAuthorization(state, url.searchParams.get('state') ?? undefined);
}

/** GET /oauth/authorize?app_key=…&state=… (legacy form used by older apps). */
function handleLegacyAuthorize(state, url) {
  const appKey = url.searchParams.get('app_key');
  if (appKey !== state.config.appKey) {
    return htmlReply(400, errorPage('Invalid app_key', `The app_key "${appKey ?? ''}" is unknown.`));
  }
  return startAuthorization(state, url.searchParams.get('state') ?? undefined);
}

/** GET /open/authorize/decision?id=…&action=approve|deny[&form=…] — the page's buttons. */
function handleDecision(state, url) {
  const action = url.searchParams.get('action');
  if (action !== 'approve' && action !== 'deny') {
    return htmlReply(400, errorPage('Invalid action', 'action must be "approve" or "deny".'));
  }
  const pending = state.takePending({ id: url.searchParams.get('id') ?? '' });
  if (!pending) {
    return htmlReply(
      400,
      errorPage('Authorization not found', 'This request has expired or was already answered.'),
    );
  }
  if (action === 'approve') return redirectReply(state.approveRedirect(pending.state).redirectUrl);
  const form = url.searchParams.get('form') ?? undefined;
  try {
    return redirectReply(state.denyRedirect(pending.state, form).redirectUrl);
  } catch (error) {
    return htmlReply(400, errorPage('Invalid denial form', error.message));
  }
}

// ---------------------------------------------------------------------------
// Token endpoints
// ---------------------------------------------------------------------------

function handleTokenGet(state, url) {
  const envelope = state.exchangeAuthCode(url.searchParams);
  if (envelope.code === CODES.SUCCESS) state.counters.tokenGetSuccess += 1;
  return jsonReply(200, envelope);
}

function handleTokenRefresh(state, url) {
  const envelope = state.refresh(url.searchParams);
  if (envelope.code === CODES.SUCCESS) state.counters.refreshSuccess += 1;
  const byCode = state.counters.refreshByCode;
  byCode[envelope.code] = (byCode[envelope.code] ?? 0) + 1;
  return jsonReply(200, envelope);
}

// ---------------------------------------------------------------------------
// Signed API
// ---------------------------------------------------------------------------

/** A few orders per shop, enough for a client to render something. */
function ordersOf(shop, pageSize) {
  const orders = [1, 2, 3].map((n) => ({
    id: `57${shop.id.slice(-8)}${String(n).padStart(6, '0')}`,
    status: n === 1 ? 'AWAITING_SHIPMENT' : 'COMPLETED',
    create_time: 1700000000 + n * 3600,
    payment: { currency: 'GBP', total_amount: `${(n * 12.5).toFixed(2)}` },
    line_items: [{ id: `li_${n}`, product_name: `Mock product ${n}`, sale_price: `${(n * 12.5).toFixed(2)}` }],
  }));
  return { orders: orders.slice(0, pageSize), next_page_token: '', total_count: orders.length };
}

/**
 * The signed endpoints, keyed by path. `scope` is what the seller must have
 * granted; `shopScoped` endpoints require `shop_cipher`, the others reject it.
 */
const SIGNED_APIS = new Map([
  [
    '/authorization/202309/shops',
    {
      method: 'GET',
      endpoint: 'shops',
      scope: 'seller.authorization.info',
      shopScoped: false,
      respond: ({ grant }) => ({ shops: shopsOf(grant.seller) }),
    },
  ],
  [
    '/order/202309/orders/search',
    {
      method: 'POST',
      endpoint: 'orders',
      scope: 'seller.order.info',
      shopScoped: true,
      respond: ({ shop, url }) => {
        const pageSize = Number(url.searchParams.get('page_size') ?? 20);
        return ordersOf(shop, Number.isInteger(pageSize) && pageSize > 0 ? pageSize : 20);
      },
    },
  ],
]);

/**
 * Checks a signed request in TikTok's order: app_key, sign present, timestamp
 * window, sign value, token header, token state, scope, shop_cipher.
 * @returns {{grant, shop}|{status, code, message}}
 */
function verifySignedRequest(state, api, { req, url, body }) {
  const query = url.searchParams;
  const fail = (status, code, message) => ({ status, code, message });
  const { config } = state;

  if (query.get('app_key') !== config.appKey) {
    return fail(200, CODES.API_PARAM_INVALID, 'invalid app_key: missing or unknown app_key');
  }
  const sign = query.get('sign');
  if (!sign) return fail(200, CODES.API_PARAM_INVALID, 'missing sign');

  const timestampText = query.get('timestamp') ?? '';
  const now = state.nowSec();
  if (!/^\d+$/.test(timestampText)) {
    return fail(200, CODES.API_PARAM_INVALID, 'invalid timestamp: missing or not Unix seconds');
  }
  const timestamp = Number(timestampText);
  if (timestamp < now - TIMESTAMP_MAX_AGE_SEC || timestamp > now + TIMESTAMP_MAX_AHEAD_SEC) {
    return fail(
      200,
      CODES.API_PARAM_INVALID,
      `invalid timestamp: ${timestamp} is outside the accepted window ` +
        `[now-${TIMESTAMP_MAX_AGE_SEC}s, now+${TIMESTAMP_MAX_AHEAD_SEC}s]; server time is ${now}`,
    );
  }

  const expectedSign = computeSign({
    appSecret: config.appSecret,
    path: url.pathname,
    query,
    body,
    contentType: req.headers['content-type'],
  });
  if (sign !== expectedSign) return fail(401, CODES.INVALID_SIGN, 'invalid sign');

  const accessToken = req.headers['x-tts-access-token'];
  if (!accessToken) {
    return fail(200, CODES.API_PARAM_INVALID, 'missing header x-tts-access-token');
  }
  const tokenCheck = state.checkAccessToken(accessToken, api.scope);
  if (!tokenCheck.grant) return tokenCheck;
  const { grant } = tokenCheck;

  const shopCipher = query.get('shop_cipher');
  if (!api.shopScoped) {
    if (shopCipher !== null) {
      return fail(200, CODES.API_PARAM_INVALID, 'unexpected shop_cipher: this API is not shop-scoped');
    }
    return { grant, shop: null };
  }
  if (!shopCipher) return fail(200, CODES.SHOP_CIPHER_MISSING, 'shop_cipher is required');
  const shop = shopsOf(grant.seller).find((candidate) => candidate.cipher === shopCipher);
  if (!shop) {
    return fail(200, CODES.API_PARAM_INVALID, 'invalid shop_cipher: not a shop of this seller');
  }
  return { grant, shop };
}

function handleSignedApi(state, api, context) {
  const result = verifySignedRequest(state, api, context);
  const reply = result.grant
    ? jsonReply(200, state.envelope(CODES.SUCCESS, 'Success', api.respond({ ...result, url: context.url })))
    : jsonReply(result.status, state.envelope(result.code, result.message));
  const byCode = state.counters.apiByCode;
  byCode[reply.code] = (byCode[reply.code] ?? 0) + 1;
  if (reply.code === CODES.SUCCESS) state.counters.apiSuccess += 1;
  return reply;
}

// ---------------------------------------------------------------------------
// Routing of TikTok-facing requests
// ---------------------------------------------------------------------------

/**
 * Returns { tags, latencyKey, handle } for a request. `tags` name the endpoint for
 * faults and holds: the specific name, the family ("api"), and the path itself.
 */
function resolveRoute(state, method, pathname) {
  const route = (tags, latencyKey, handle) => ({ tags: [...tags, pathname], latencyKey, handle });
  const wrongMethod = (expected) =>
    route(['unknown'], null, () =>
      jsonReply(405, state.envelope(CODES.API_PATH_NOT_FOUND, `method not allowed: use ${expected}`)),
    );

  switch (pathname) {
    case '/open/authorize':
      return route(['authorize'], 'authorizeMs', ({ url }) => handleAuthorize(state, url));
    case '/oauth/authorize':
      return route(['authorize'], 'authorizeMs', ({ url }) => handleLegacyAuthorize(state, url));
    case '/open/authorize/decision':
      return route(['authorize'], 'authorizeMs', ({ url }) => handleDecision(state, url));
    case '/__mock/callback':
      return route(['callback'], null, ({ url }) => htmlReply(200, callbackPage(url.searchParams)));
    case '/api/v2/token/get':
      if (method !== 'GET') return wrongMethod('GET');
      return route(['token'], 'tokenMs', ({ url }) => {
        state.counters.tokenGet += 1;
        return handleTokenGet(state, url);
      });
    case '/api/v2/token/refresh':
      if (method !== 'GET') return wrongMethod('GET');
      return route(['refresh'], 'refreshMs', ({ url }) => handleTokenRefresh(state, url));
    default: {
      const api = SIGNED_APIS.get(pathname);
      if (!api) {
        return route(['unknown'], null, () =>
          jsonReply(404, state.envelope(CODES.API_PATH_NOT_FOUND, `path not found: ${pathname}`)),
        );
      }
      if (method !== api.method) return wrongMethod(api.method);
      return route([api.endpoint, 'api'], 'apiMs', (context) => handleSignedApi(state, api, context));
    }
  }
}

/** Counts a request when it arrives (before latency, faults and holds). */
function countArrival(state, tags) {
  const { counters } = state;
  if (tags.includes('refresh')) counters.tokenRefresh += 1;
  if (tags.includes('api')) counters.api += 1;
  if (tags.includes('shops')) counters.shops += 1;
  if (tags.includes('orders')) counters.orders += 1;
}

/** The reply for a fault that replaces the real answer (all kinds except delay/drop). */
function faultReply(kind, fullUrl, computedReply) {
  switch (kind) {
    case 'http500':
      return { status: 500, headers: { 'Content-Type': 'text/plain' }, body: 'Internal Server Error', code: null };
    case 'html':
      return htmlReply(502, gatewayErrorPage(fullUrl));
    case 'malformed': {
      // Truncated JSON: half of the real reply when there is one, else a canned prefix.
      const whole = computedReply?.body || '{"code":0,"message":"success","data":{"access_token":"ROW_x"}}';
      return {
        status: 200,
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        body: whole.slice(0, Math.max(1, Math.floor(whole.length / 2))),
        code: null,
      };
    }
    default:
      throw new Error(`not a replacing fault kind: ${kind}`);
  }
}

/**
 * Applies a fault taken for this request. Returns 'continue' (delay done),
 * 'dropped' (socket destroyed) or a replacement reply.
 */
async function applyFault(fault, res, fullUrl, computedReply) {
  if (fault.kind === 'delay') {
    await sleep(fault.delayMs);
    return 'continue';
  }
  if (fault.kind === 'drop') {
    res.socket?.destroy();
    return 'dropped';
  }
  return faultReply(fault.kind, fullUrl, computedReply);
}

/**
 * Parks an evaluated reply until /__mock/release. The reply was computed at
 * arrival, so e.g. an API call made with a token that was expired then still
 * answers 105002/401 even if a refresh completed while it was held.
 */
function holdReply(state, logEntry, reply) {
  return new Promise((resolve) => {
    state.counters.held += 1;
    state.heldRequests.push({
      id: state.makeId('held_'),
      method: logEntry.method,
      path: logEntry.path,
      endpoint: logEntry.endpoint,
      arrivedAt: logEntry.at,
      status: reply.status,
      code: reply.code,
      release: resolve,
    });
  });
}

async function handleTikTokRequest(state, req, res, url, body) {
  const route = resolveRoute(state, req.method, url.pathname);
  const logEntry = state.logRequest({
    id: state.makeId('req_'),
    at: state.nowMs(),
    method: req.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams.entries()),
    headers: {
      'content-type': req.headers['content-type'] ?? null,
      'x-tts-access-token': req.headers['x-tts-access-token'] ?? null,
      origin: req.headers.origin ?? null,
    },
    body: body.toString('utf8'),
    endpoint: route.tags[0],
    status: null,
    code: null,
    fault: null,
    held: false,
  });
  countArrival(state, route.tags);

  const latencyMs = route.latencyKey ? state.latency[route.latencyKey] : 0;
  if (latencyMs > 0) await sleep(latencyMs);

  const fullUrl = `${state.baseUrl}${req.url}`;
  const faultBefore = state.takeFault(route.tags, 'before');
  if (faultBefore) {
    logEntry.fault = faultBefore.kind;
    const outcome = await applyFault(faultBefore, res, fullUrl, null);
    if (outcome === 'dropped') return;
    if (outcome !== 'continue') {
      logEntry.status = outcome.status;
      sendReply(res, outcome);
      return;
    }
  }

  let reply = await route.handle({ req, url, body });
  logEntry.status = reply.status;
  logEntry.code = reply.code;

  if (state.takeHold(route.tags)) {
    logEntry.held = true;
    await holdReply(state, logEntry, reply);
  }

  const faultAfter = state.takeFault(route.tags, 'after');
  if (faultAfter) {
    logEntry.fault = faultAfter.kind;
    const outcome = await applyFault(faultAfter, res, fullUrl, reply);
    if (outcome === 'dropped') return;
    if (outcome !== 'continue') {
      logEntry.status = outcome.status;
      reply = outcome;
    }
  }
  sendReply(res, reply);
}

// ---------------------------------------------------------------------------
// Control API (/__mock/…): plain JSON, not TikTok envelopes.
// ---------------------------------------------------------------------------

class ControlError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function parseJsonBody(body) {
  if (body.length === 0) return {};
  try {
    const value = JSON.parse(body.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ControlError(400, 'body must be a JSON object');
    }
    return value;
  } catch (error) {
    if (error instanceof ControlError) throw error;
    throw new ControlError(400, `body is not valid JSON: ${error.message}`);
  }
}

function optionalString(payload, key) {
  const value = payload[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ControlError(400, `${key} must be a string`);
  return value;
}

function nonNegativeInteger(payload, key, fallback) {
  const value = payload[key] ?? fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new ControlError(400, `${key} must be a non-negative integer`);
  }
  return value;
}

function configView(state) {
  return { ...state.config, redirectUrlResolved: state.redirectUrl() };
}

function heldView(state) {
  return state.heldRequests.map(({ release, ...visible }) => visible);
}

/** Releases held requests: one by id, or all. Returns the released ids. */
function releaseHeld(state, id) {
  const released = id === undefined ? [...state.heldRequests] : state.heldRequests.filter((held) => held.id === id);
  state.heldRequests = state.heldRequests.filter((held) => !released.includes(held));
  for (const held of released) {
    state.counters.released += 1;
    held.release();
  }
  return released.map((held) => held.id);
}

/** Waits (polling) until at least `min` requests are held or `timeoutMs` passes. */
async function waitForHeld(state, min, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (state.heldRequests.length < min && Date.now() < deadline) await sleep(5);
  return state.heldRequests.length >= min;
}

/** Each control route: "METHOD /path" → (state, payload, url) => JSON-able result. */
const CONTROL_ROUTES = {
  'GET /__mock/health': (state) => ({ ok: true, url: state.baseUrl }),

  'GET /__mock/config': (state) => configView(state),
  'POST /__mock/config': (state, payload) => {
    state.updateConfig(payload);
    return configView(state);
  },

  'POST /__mock/reset': (state) => {
    releaseHeld(state); // answer parked requests rather than leave sockets hanging
    state.resetAll();
    return { ok: true, config: configView(state) };
  },

  'GET /__mock/pending': (state) => ({ pending: state.pendingAuthorizations }),
  'POST /__mock/approve': (state, payload) => {
    const pending = state.takePending({ id: optionalString(payload, 'id'), state: optionalString(payload, 'state') });
    if (!pending) throw new ControlError(404, 'no matching pending authorization');
    return state.approveRedirect(pending.state);
  },
  'POST /__mock/deny': (state, payload) => {
    const form = optionalString(payload, 'form');
    const pending = state.takePending({ id: optionalString(payload, 'id'), state: optionalString(payload, 'state') });
    if (!pending) throw new ControlError(404, 'no matching pending authorization');
    return state.denyRedirect(pending.state, form);
  },
  'POST /__mock/issue-code': (state, payload) => {
    // Skips the page: as if the seller opened the authorize URL and clicked Authorize.
    state.counters.authorize += 1;
    return state.approveRedirect(optionalString(payload, 'state'));
  },

  'POST /__mock/expire-access': (state, payload) => ({
    expired: state.expireAccessTokens(optionalString(payload, 'openId')),
  }),
  'POST /__mock/expire-refresh': (state, payload) => ({
    expired: state.expireRefreshTokens(optionalString(payload, 'openId')),
  }),
  'POST /__mock/revoke': (state, payload) => ({
    revoked: state.revokeGrants(optionalString(payload, 'openId')),
  }),

  'POST /__mock/fault': (state, payload) => {
    const endpoint = optionalString(payload, 'endpoint');
    if (!endpoint) throw new ControlError(400, 'endpoint is required (refresh, token, api, shops, orders, authorize or a path)');
    if (!FAULT_KINDS.has(payload.kind)) {
      throw new ControlError(400, `kind must be one of ${[...FAULT_KINDS].join(', ')}`);
    }
    const stage = payload.stage ?? 'before';
    if (!FAULT_STAGES.has(stage)) throw new ControlError(400, 'stage must be "before" or "after"');
    const fault = {
      id: state.makeId('fault_'),
      endpoint,
      kind: payload.kind,
      remaining: nonNegativeInteger(payload, 'times', 1),
      delayMs: nonNegativeInteger(payload, 'delayMs', 1000),
      stage,
    };
    if (fault.remaining === 0) throw new ControlError(400, 'times must be at least 1');
    state.faults.push(fault);
    return { fault, faults: state.faults };
  },
  'GET /__mock/faults': (state) => ({ faults: state.faults }),
  'DELETE /__mock/faults': (state) => {
    state.faults = [];
    return { faults: [] };
  },

  'POST /__mock/latency': (state, payload) => {
    for (const key of Object.keys(payload)) {
      if (!(key in state.latency)) {
        throw new ControlError(400, `unknown latency key "${key}" (known: ${Object.keys(state.latency).join(', ')})`);
      }
      state.latency[key] = nonNegativeInteger(payload, key, 0);
    }
    return { latency: state.latency };
  },
  'GET /__mock/latency': (state) => ({ latency: state.latency }),

  'POST /__mock/hold': (state, payload) => {
    const endpoint = optionalString(payload, 'endpoint');
    if (!endpoint) throw new ControlError(400, 'endpoint is required');
    const rule = { id: state.makeId('hold_'), endpoint, remaining: nonNegativeInteger(payload, 'count', 1) };
    if (rule.remaining === 0) throw new ControlError(400, 'count must be at least 1');
    state.holdRules.push(rule);
    return { hold: rule, holds: state.holdRules };
  },
  'GET /__mock/held': async (state, _payload, url) => {
    const min = Number(url.searchParams.get('min') ?? 0);
    const timeoutMs = Number(url.searchParams.get('timeoutMs') ?? 5000);
    const satisfied = min > 0 ? await waitForHeld(state, min, timeoutMs) : true;
    return { held: heldView(state), holds: state.holdRules, timedOut: !satisfied };
  },
  'POST /__mock/release': (state, payload) => {
    const id = optionalString(payload, 'id');
    if (id !== undefined && payload.all) throw new ControlError(400, 'give either id or all, not both');
    const released = releaseHeld(state, id);
    if (id !== undefined && released.length === 0) throw new ControlError(404, `no held request ${id}`);
    return { released };
  },

  'GET /__mock/counters': (state) => state.counters,
  'GET /__mock/requests': (state, _payload, url) => {
    const limit = Number(url.searchParams.get('limit') ?? 50);
    return { requests: state.requestLog.slice(-Math.max(1, limit)) };
  },
  'GET /__mock/tokens': (state) => state.tokensSnapshot(),
};

async function handleControl(state, method, url, body) {
  const handler = CONTROL_ROUTES[`${method} ${url.pathname}`];
  if (!handler) {
    const known = Object.keys(CONTROL_ROUTES).join(', ');
    return jsonReply(404, { error: `unknown control route ${method} ${url.pathname}; known: ${known}` });
  }
  try {
    const payload = method === 'GET' ? {} : parseJsonBody(body);
    return jsonReply(200, await handler(state, payload, url));
  } catch (error) {
    if (error instanceof ControlError) return jsonReply(error.status, { error: error.message });
    if (error instanceof ConfigError) return jsonReply(400, { error: error.message });
    throw error;
  }
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

const SERVER_OPTIONS = new Set(['port', 'apiPort', 'host', 'verbose']);

/**
 * Starts a mock TikTok Shop server.
 *
 * @param {object} [options]  `port` (default 0 = ephemeral), `apiPort` (a second
 *   listener with the same state, so the API and the token endpoints can be two
 *   origins as on TikTok — browsers queue at most 6 connections per origin), `host` (default
 *   127.0.0.1), `verbose` (default: env MOCK_TIKTOK_VERBOSE=1), and any config key
 *   of the control API (appKey, appSecret, serviceId, redirectUrl, seller, …).
 * @returns {Promise<{url: string, port: number, apiUrl: string, apiPort: number, close: () => Promise<void>, state: MockState}>}
 */
export async function startMockServer(options = {}) {
  const configOptions = Object.fromEntries(
    Object.entries(options).filter(([key]) => !SERVER_OPTIONS.has(key)),
  );
  const state = new MockState(configOptions);
  const host = options.host ?? '127.0.0.1';
  const verbose = options.verbose ?? process.env.MOCK_TIKTOK_VERBOSE === '1';

  const handler = async (req, res) => {
    const startedAt = Date.now();
    if (verbose) {
      // Path only: query strings carry app_secret and tokens.
      res.on('close', () => {
        const path = (req.url ?? '').split('?')[0];
        process.stderr.write(
          `[mock-tiktok] ${req.method} ${path} -> ${res.headersSent ? res.statusCode : 'dropped'} (${Date.now() - startedAt} ms)\n`,
        );
      });
    }
    try {
      const url = new URL(req.url ?? '/', state.baseUrl);
      const body = await readBody(req);
      applyCommonHeaders(state, res);
      if (req.method === 'OPTIONS') {
        sendReply(res, preflightReply(req));
      } else if (url.pathname.startsWith('/__mock/') && url.pathname !== '/__mock/callback') {
        sendReply(res, await handleControl(state, req.method, url, body));
      } else {
        await handleTikTokRequest(state, req, res, url, body);
      }
    } catch (error) {
      // A bug in the mock: say so loudly, in a form no client could mistake for TikTok.
      process.stderr.write(`[mock-tiktok] internal error: ${error.stack}\n`);
      sendReply(res, jsonReply(500, { error: `mock internal error: ${error.message}` }));
    }
  };

  const listen = (server, port) =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(server.address().port);
      });
    });
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const servers = [http.createServer(handler)];
  const port = await listen(servers[0], options.port ?? 0);
  const url = `http://${urlHost}:${port}`;
  state.baseUrl = url;
  let apiPort = port;
  if (options.apiPort !== undefined) {
    servers.push(http.createServer(handler));
    apiPort = await listen(servers[1], options.apiPort);
  }
  const apiUrl = `http://${urlHost}:${apiPort}`;

  let closing;
  const close = () => {
    if (closing) return closing;
    releaseHeld(state); // answer parked requests rather than leave sockets hanging
    closing = Promise.all(
      servers.map(
        (server) =>
          new Promise((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    ).then(() => undefined);
    return closing;
  };
  return { url, port, apiUrl, apiPort, close, state };
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

function parseArgs(argv) {
  const options = {};
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    const value = argv[index + 1];
    if (flag === '--port') options.port = Number(value);
    else if (flag === '--api-port') options.apiPort = Number(value);
    else if (flag === '--host') options.host = value;
    else if (flag === '--config') Object.assign(options, JSON.parse(readFileSync(value, 'utf8')));
    else throw new Error(`unknown argument ${flag} (use --port N, --api-port N, --host H, --config file.json)`);
    index += 1;
  }
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 0)) {
    throw new Error('--port must be a non-negative integer');
  }
  return options;
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const mock = await startMockServer(parseArgs(process.argv.slice(2)));
  process.stdout.write(`MOCK_TIKTOK_URL=${mock.url}\n`);
  if (mock.apiUrl !== mock.url) process.stdout.write(`MOCK_TIKTOK_API_URL=${mock.apiUrl}\n`);
  const shutdown = async () => {
    await mock.close();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
