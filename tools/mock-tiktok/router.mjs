// The TikTok-facing endpoints: the authorize page (and its legacy form and decision links),
// token/get, token/refresh and the signed API, each checked in TikTok's order and answered with
// TikTok's codes (tiktok-codes.json), plus per-endpoint latency, faults and holds (faults.mjs).

import { setTimeout as sleep } from 'node:timers/promises';

import { computeSign } from './sign.mjs';
import { SUCCESS, TIMESTAMP_MAX_AGE_SEC, TIMESTAMP_MAX_AHEAD_SEC, tiktokAnswer } from './codes.mjs';
import { shopsOf } from './ids.mjs';
import { authorizePage, callbackPage, errorPage } from './pages.mjs';
import { htmlReply, jsonReply, redirectReply, sendReply } from './replies.mjs';
import { applyFault, holdReply, takeFault, takeHold } from './faults.mjs';

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
  if (envelope.code === SUCCESS) state.counters.tokenGetSuccess += 1;
  return jsonReply(200, envelope);
}

function handleTokenRefresh(state, url) {
  const envelope = state.refresh(url.searchParams);
  if (envelope.code === SUCCESS) state.counters.refreshSuccess += 1;
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
 * @returns {{grant, shop}|{status, code, message}} (the failure as tiktokAnswer gives it)
 */
function verifySignedRequest(state, api, { req, url, body }) {
  const query = url.searchParams;
  const { config } = state;

  if (query.get('app_key') !== config.appKey) {
    return tiktokAnswer('apiAppKeyInvalid');
  }
  const sign = query.get('sign');
  if (!sign) return tiktokAnswer('signMissing');

  const timestampText = query.get('timestamp') ?? '';
  const now = state.nowSec();
  if (!/^\d+$/.test(timestampText)) {
    return tiktokAnswer('timestampInvalid');
  }
  const timestamp = Number(timestampText);
  if (timestamp < now - TIMESTAMP_MAX_AGE_SEC || timestamp > now + TIMESTAMP_MAX_AHEAD_SEC) {
    return tiktokAnswer('timestampOutOfWindow', {
      timestamp,
      maxAgeSec: TIMESTAMP_MAX_AGE_SEC,
      maxAheadSec: TIMESTAMP_MAX_AHEAD_SEC,
      now,
    });
  }

  const expectedSign = computeSign({
    appSecret: config.appSecret,
    path: url.pathname,
    query,
    body,
    contentType: req.headers['content-type'],
  });
  if (sign !== expectedSign) return tiktokAnswer('signInvalid');

  const accessToken = req.headers['x-tts-access-token'];
  if (!accessToken) {
    return tiktokAnswer('accessTokenHeaderMissing');
  }
  const tokenCheck = state.checkAccessToken(accessToken, api.scope);
  if (!tokenCheck.grant) return tokenCheck;
  const { grant } = tokenCheck;

  const shopCipher = query.get('shop_cipher');
  if (!api.shopScoped) {
    if (shopCipher !== null) {
      return tiktokAnswer('shopCipherUnexpected');
    }
    return { grant, shop: null };
  }
  if (!shopCipher) return tiktokAnswer('shopCipherMissing');
  const shop = shopsOf(grant.seller).find((candidate) => candidate.cipher === shopCipher);
  if (!shop) {
    return tiktokAnswer('shopCipherInvalid');
  }
  return { grant, shop };
}

function handleSignedApi(state, api, context) {
  const result = verifySignedRequest(state, api, context);
  const reply = result.grant
    ? jsonReply(200, state.answer('apiSuccess', {}, api.respond({ ...result, url: context.url })))
    : jsonReply(result.status, state.envelope(result.code, result.message));
  const byCode = state.counters.apiByCode;
  byCode[reply.code] = (byCode[reply.code] ?? 0) + 1;
  if (reply.code === SUCCESS) state.counters.apiSuccess += 1;
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
  const tiktokError = (name, values) => {
    const { status, code, message } = tiktokAnswer(name, values);
    return jsonReply(status, state.envelope(code, message));
  };
  const wrongMethod = (expected) => route(['unknown'], null, () => tiktokError('methodNotAllowed', { method: expected }));

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
        return route(['unknown'], null, () => tiktokError('pathNotFound', { path: pathname }));
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


export async function handleTikTokRequest(state, req, res, url, body) {
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
  const faultBefore = takeFault(state, route.tags, 'before');
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

  if (takeHold(state, route.tags)) {
    logEntry.held = true;
    await holdReply(state, logEntry, reply);
  }

  const faultAfter = takeFault(state, route.tags, 'after');
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
