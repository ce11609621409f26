// Tests of the mock TikTok Shop server: `node --test tests/mock-tiktok/`.
// Every test starts its own server on port 0 and closes it afterwards.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { startMockServer } from '../../tools/mock-tiktok/server.mjs';
import { computeSign, buildSignedUrl, signingPayload } from '../../tools/mock-tiktok/sign.mjs';
import { shopCipherFor } from '../../tools/mock-tiktok/state.mjs';

const APP_KEY = 'mock_app_key';
const APP_SECRET = 'mock_app_secret';
const SHOPS_PATH = '/authorization/202309/shops';
const ORDERS_PATH = '/order/202309/orders/search';

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Starts a mock for one test and closes it when the test ends. */
async function startMock(t, options = {}) {
  const mock = await startMockServer({ port: 0, ...options });
  t.after(() => mock.close());
  return mock;
}

/** Calls the control API; returns the parsed JSON (asserting 2xx unless told otherwise). */
async function control(mock, path, body, { method = body === undefined ? 'GET' : 'POST', expectStatus = 200 } = {}) {
  const response = await fetch(`${mock.url}/__mock/${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.equal(response.status, expectStatus, `control ${path}`);
  return response.json();
}

/** Server time (seconds) as the Date header shows it — what a careful client signs with. */
async function serverNowSec(mock) {
  const response = await fetch(`${mock.url}/__mock/health`);
  return Math.floor(Date.parse(response.headers.get('date')) / 1000);
}

/** GET without following redirects. */
function getManual(url) {
  return fetch(url, { redirect: 'manual' });
}

/** Authorizes through the HTML page: open it, follow the Authorize link, return the redirect. */
async function authorizeViaPage(mock, state = 'state-1') {
  const page = await getManual(`${mock.url}/open/authorize?service_id=mock_service_id&state=${state}`);
  assert.equal(page.status, 200);
  const html = await page.text();
  const href = html.match(/<a class="button" id="authorize" href="([^"]+)"/)[1].replaceAll('&amp;', '&');
  const redirect = await getManual(new URL(href, mock.url));
  assert.equal(redirect.status, 302);
  return new URL(redirect.headers.get('location'));
}

async function tokenGet(mock, authCode, overrides = {}) {
  const query = new URLSearchParams({
    app_key: APP_KEY,
    app_secret: APP_SECRET,
    auth_code: authCode,
    grant_type: 'authorized_code',
    ...overrides,
  });
  const response = await fetch(`${mock.url}/api/v2/token/get?${query}`);
  assert.equal(response.status, 200);
  return response.json();
}

async function tokenRefresh(mock, refreshToken, overrides = {}) {
  const query = new URLSearchParams({
    app_key: APP_KEY,
    app_secret: APP_SECRET,
    refresh_token: refreshToken,
    grant_type: 'refresh_token',
    ...overrides,
  });
  const response = await fetch(`${mock.url}/api/v2/token/refresh?${query}`);
  assert.equal(response.status, 200);
  return response.json();
}

/** Full authorization: code via control API, then token/get. Returns the token data. */
async function connectSeller(mock, state = 'connect') {
  const { code } = await control(mock, 'issue-code', { state });
  const envelope = await tokenGet(mock, code);
  assert.equal(envelope.code, 0, envelope.message);
  return envelope.data;
}

/** A signed call. `mutate(url)` may tamper with the URL after signing. */
async function signedCall(mock, path, accessToken, {
  method = 'GET',
  query = {},
  body,
  timestamp,
  headers = {},
  mutate = (url) => url,
} = {}) {
  const url = buildSignedUrl({
    baseUrl: mock.url,
    path,
    appKey: APP_KEY,
    appSecret: APP_SECRET,
    query,
    body,
    timestamp: timestamp ?? (await serverNowSec(mock)),
  });
  const requestHeaders = { 'Content-Type': 'application/json', ...headers };
  if (accessToken !== null) requestHeaders['x-tts-access-token'] = accessToken;
  const response = await fetch(mutate(url), { method, headers: requestHeaders, body });
  return { status: response.status, envelope: await response.json(), response };
}

const callShops = (mock, token, options) => signedCall(mock, SHOPS_PATH, token, options);

const searchOrders = (mock, token, shopCipher, options = {}) =>
  signedCall(mock, ORDERS_PATH, token, {
    method: 'POST',
    query: shopCipher === undefined ? {} : { shop_cipher: shopCipher },
    body: '{"order_status":"AWAITING_SHIPMENT"}',
    ...options,
  });

// ---------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------

describe('sign.mjs', () => {
  test('official doc vector', () => {
    const sign = computeSign({
      appSecret: 'e59af819cc',
      path: '/authorization/202309/shops',
      query: { app_key: '29a39d', timestamp: '1623812664' },
    });
    assert.equal(sign, 'b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8');
  });

  test('EcomPHP vector', () => {
    const sign = computeSign({ appSecret: 'app_secret', path: '/test-api', query: { foo: 'bar' } });
    assert.equal(sign, 'd3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f');
  });

  const skitQuery = {
    timestamp: '1696909648',
    shop_cipher: 'ROW_xkMbgAAAeVAQra0eZWebFQq5aIK',
    app_key: '68xu9ks5p4i8',
  };

  test('SKIT GET vector (unsorted input)', () => {
    const sign = computeSign({ appSecret: 'e59af819cc', path: '/event/202309/webhooks', query: skitQuery });
    assert.equal(sign, 'ed58e1b5e59865c22a7b828c1cab65007441f43cc91a6cb2f2cdc638e0995a37');
  });

  test('SKIT PUT vector with body', () => {
    const sign = computeSign({
      appSecret: 'e59af819cc',
      path: '/event/202309/webhooks',
      query: new URLSearchParams(skitQuery),
      body: '{"event_type":"PACKAGE_UPDATE","address":"https://partner.tiktokshop.com"}',
      contentType: 'application/json',
    });
    assert.equal(sign, '701dd6deb2389fe4c469b89bd37fc56f96a6da6afeb4d01c9077a65169752fa7');
  });

  test('sign and access_token are excluded; keys sorted by byte order, not locale', () => {
    const payload = signingPayload({
      path: '/p',
      query: { b: '1', B: '2', a: '3', sign: 'x', access_token: 'y', '\u{10000}': '4', '\uFFFF': '5' },
    }).toString('utf8');
    // Byte order: "B" < "a" < "b" < U+FFFF (EF BF BF) < U+10000 (F0 90 80 80).
    assert.equal(payload, '/pB2a3b1\uFFFF5\u{10000}4');
  });

  test('multipart bodies are not signed; other bodies are', () => {
    const base = { appSecret: 's', path: '/p', query: { a: '1' } };
    const withoutBody = computeSign(base);
    assert.equal(computeSign({ ...base, body: 'xyz', contentType: 'multipart/form-data; boundary=b' }), withoutBody);
    assert.notEqual(computeSign({ ...base, body: 'xyz', contentType: 'application/json' }), withoutBody);
  });
});

// ---------------------------------------------------------------------------
// Authorization page
// ---------------------------------------------------------------------------

describe('authorize', () => {
  test('page shows the app and seller with #authorize and #deny; Authorize → 302 with code', async (t) => {
    const mock = await startMock(t);
    const page = await getManual(`${mock.url}/open/authorize?service_id=mock_service_id&state=abc`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /text\/html/);
    const html = await page.text();
    assert.match(html, /id="authorize"/);
    assert.match(html, /id="deny"/);
    assert.match(html, /Mock Test Shop/);
    assert.match(html, /mock_app_key/);

    const pending = await control(mock, 'pending');
    assert.equal(pending.pending.length, 1);
    assert.equal(pending.pending[0].state, 'abc');

    const href = html.match(/id="authorize" href="([^"]+)"/)[1].replaceAll('&amp;', '&');
    const redirect = await getManual(new URL(href, mock.url));
    assert.equal(redirect.status, 302);
    const location = new URL(redirect.headers.get('location'));
    assert.equal(`${location.origin}${location.pathname}`, `${mock.url}/__mock/callback`);
    assert.deepEqual([...location.searchParams.keys()], ['code', 'state', 'app_key', 'locale', 'shop_region']);
    assert.match(location.searchParams.get('code'), /^ROW_[A-Za-z0-9_-]+$/);
    assert.equal(location.searchParams.get('state'), 'abc');
    assert.equal(location.searchParams.get('app_key'), APP_KEY);
    assert.equal(location.searchParams.get('locale'), 'en');
    assert.equal(location.searchParams.get('shop_region'), 'GB');
    assert.deepEqual((await control(mock, 'pending')).pending, []);

    // The decision link is single use.
    assert.equal((await getManual(new URL(href, mock.url))).status, 400);

    // The default callback page shows the params (as HTML-escaped JSON).
    const callback = await fetch(location);
    assert.match(await callback.text(), /&quot;state&quot;: &quot;abc&quot;/);
  });

  test('the code from the Authorize link is redeemed once at token/get', async (t) => {
    const mock = await startMock(t);
    const location = await authorizeViaPage(mock, 'page-state');
    assert.equal(location.searchParams.get('state'), 'page-state');
    const first = await tokenGet(mock, location.searchParams.get('code'));
    assert.equal(first.code, 0);
    assert.equal(first.data.seller_name, 'Mock Test Shop');
    const again = await tokenGet(mock, location.searchParams.get('code'));
    assert.equal(again.code, 36004002);
  });

  test('wrong service_id → HTML error page 400', async (t) => {
    const mock = await startMock(t);
    const response = await getManual(`${mock.url}/open/authorize?service_id=mock_app_key&state=x`);
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type'), /text\/html/);
    assert.match(await response.text(), /Invalid service_id/);
  });

  test('Deny link → 302 with the configured denial form (both documented forms)', async (t) => {
    const mock = await startMock(t, { redirectUrl: 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/' });
    const denyOnce = async () => {
      const html = await (await getManual(`${mock.url}/open/authorize?service_id=mock_service_id&state=s`)).text();
      const href = html.match(/id="deny" href="([^"]+)"/)[1].replaceAll('&amp;', '&');
      const redirect = await getManual(new URL(href, mock.url));
      assert.equal(redirect.status, 302);
      return redirect.headers.get('location');
    };
    assert.equal(await denyOnce(), 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/?code=null&error=auth_denied&state=s');
    await control(mock, 'config', { denialForm: 'access_denied' });
    assert.equal(await denyOnce(), 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/?error=access_denied&code=null&state=s');
  });

  test('autoApprove and autoDeny redirect immediately', async (t) => {
    const mock = await startMock(t, { autoApprove: true });
    const approved = await getManual(`${mock.url}/open/authorize?service_id=mock_service_id&state=auto`);
    assert.equal(approved.status, 302);
    const code = new URL(approved.headers.get('location')).searchParams.get('code');
    assert.equal((await tokenGet(mock, code)).code, 0);

    await control(mock, 'config', { autoDeny: true });
    const denied = await getManual(`${mock.url}/open/authorize?service_id=mock_service_id&state=auto2`);
    assert.equal(denied.status, 302);
    const params = new URL(denied.headers.get('location')).searchParams;
    assert.equal(params.get('error'), 'auth_denied');
    assert.equal(params.get('code'), 'null');
    assert.equal(params.get('state'), 'auto2');

    const counters = await control(mock, 'counters');
    assert.equal(counters.authorize, 2);
    assert.equal(counters.authorizeApproved, 1);
    assert.equal(counters.authorizeDenied, 1);
  });

  test('control API approves / denies pending authorizations and hands back the redirect URL', async (t) => {
    const mock = await startMock(t);
    await getManual(`${mock.url}/open/authorize?service_id=mock_service_id&state=first`);
    await getManual(`${mock.url}/open/authorize?service_id=mock_service_id&state=second`);

    const denied = await control(mock, 'deny', { state: 'first', form: 'access_denied' });
    assert.match(denied.redirectUrl, /\?error=access_denied&code=null&state=first$/);

    const approved = await control(mock, 'approve', {}); // latest pending
    assert.equal(approved.state, 'second');
    const params = new URL(approved.redirectUrl).searchParams;
    assert.equal(params.get('code'), approved.code);
    assert.equal((await tokenGet(mock, approved.code)).code, 0);

    await control(mock, 'approve', {}, { expectStatus: 404 });
  });

  test('legacy /oauth/authorize?app_key=… works too', async (t) => {
    const mock = await startMock(t, { autoApprove: true });
    const response = await getManual(`${mock.url}/oauth/authorize?app_key=${APP_KEY}&state=legacy`);
    assert.equal(response.status, 302);
    assert.equal(new URL(response.headers.get('location')).searchParams.get('state'), 'legacy');
  });
});

// ---------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------

describe('tokens', () => {
  test('full flow: authorize → token/get → shops → expire → 105002/401 → refresh → new ok, old 105001', async (t) => {
    const mock = await startMock(t, { autoApprove: true });
    const redirect = await getManual(`${mock.url}/open/authorize?service_id=mock_service_id&state=flow`);
    const code = new URL(redirect.headers.get('location')).searchParams.get('code');

    const before = Math.floor(Date.now() / 1000);
    const got = await tokenGet(mock, code);
    assert.equal(got.code, 0);
    assert.equal(got.message, 'success');
    assert.match(got.request_id, /^\d{14}[0-9A-F]{20}$/);
    const tokens = got.data;
    assert.match(tokens.access_token, /^ROW_/);
    assert.match(tokens.refresh_token, /^ROW_/);
    // Absolute expiries: access ≈ now + 7 days, refresh far in the future (> u32).
    assert.ok(Math.abs(tokens.access_token_expire_in - (before + 7 * 86400)) <= 2);
    assert.ok(tokens.refresh_token_expire_in > 2 ** 32);
    assert.equal(tokens.open_id, '7494845009386375941');
    assert.equal(tokens.seller_name, 'Mock Test Shop');
    assert.equal(tokens.seller_base_region, 'GB');
    assert.equal(tokens.user_type, 0);
    assert.ok(tokens.granted_scopes.includes('seller.authorization.info'));

    const shops = await callShops(mock, tokens.access_token);
    assert.equal(shops.status, 200);
    assert.equal(shops.envelope.code, 0);
    assert.deepEqual(shops.envelope.data.shops.map((shop) => shop.cipher), [shopCipherFor(tokens.open_id)]);
    assert.deepEqual(Object.keys(shops.envelope.data.shops[0]).sort(), ['cipher', 'code', 'id', 'name', 'region', 'seller_type']);

    assert.deepEqual(await control(mock, 'expire-access', { openId: tokens.open_id }), { expired: 1 });
    const expired = await callShops(mock, tokens.access_token);
    assert.equal(expired.status, 401);
    assert.equal(expired.envelope.code, 105002);

    const refreshed = await tokenRefresh(mock, tokens.refresh_token);
    assert.equal(refreshed.code, 0);
    assert.notEqual(refreshed.data.access_token, tokens.access_token);
    assert.equal(refreshed.data.refresh_token, tokens.refresh_token); // rotation off by default
    assert.equal(refreshed.data.refresh_token_expire_in, tokens.refresh_token_expire_in);

    const fresh = await callShops(mock, refreshed.data.access_token);
    assert.equal(fresh.status, 200);
    assert.equal(fresh.envelope.code, 0);

    const old = await callShops(mock, tokens.access_token);
    assert.equal(old.status, 200);
    assert.equal(old.envelope.code, 105001);

    const counters = await control(mock, 'counters');
    assert.equal(counters.tokenGet, 1);
    assert.equal(counters.tokenRefresh, 1);
    assert.equal(counters.refreshSuccess, 1);
    assert.equal(counters.api, 4);
    assert.deepEqual(counters.apiByCode, { 0: 2, 105001: 1, 105002: 1 });

    const snapshot = await control(mock, 'tokens');
    const grant = snapshot.bySeller[tokens.open_id];
    assert.equal(grant.accessToken, refreshed.data.access_token);
    assert.deepEqual(grant.rotatedAccessTokens, [tokens.access_token]);
    assert.equal(grant.accessTokenExpired, false);
  });

  test('auth codes are single use and expire after 30 minutes', async (t) => {
    const mock = await startMock(t);
    const { code } = await control(mock, 'issue-code', {});
    assert.equal((await tokenGet(mock, code)).code, 0);
    const reused = await tokenGet(mock, code);
    assert.equal(reused.code, 36004002);
    assert.equal(reused.message, 'invalid auth code');
    assert.equal((await tokenGet(mock, 'ROW_unknown')).code, 36004002);

    const { code: lateCode } = await control(mock, 'issue-code', {});
    await control(mock, 'config', { clockSkewSec: 30 * 60 + 1 });
    assert.equal((await tokenGet(mock, lateCode)).code, 36004002);
  });

  test('wrong app_key, app_secret or grant_type → nonzero code with HTTP 200', async (t) => {
    const mock = await startMock(t);
    const { code } = await control(mock, 'issue-code', {});
    assert.equal((await tokenGet(mock, code, { app_key: 'nope' })).code, 36004004);
    assert.equal((await tokenGet(mock, code, { app_secret: 'nope' })).code, 36004003);
    assert.equal((await tokenGet(mock, code, { grant_type: 'authorization_code' })).code, 36004006);
    // None of those consumed the code.
    assert.equal((await tokenGet(mock, code)).code, 0);
  });

  test('refresh token rotation off (default) and on', async (t) => {
    const mock = await startMock(t);
    const tokens = await connectSeller(mock);
    const first = await tokenRefresh(mock, tokens.refresh_token);
    const second = await tokenRefresh(mock, tokens.refresh_token);
    assert.equal(first.data.refresh_token, tokens.refresh_token);
    assert.equal(second.code, 0);

    await control(mock, 'config', { rotateRefreshToken: true });
    const rotated = await tokenRefresh(mock, tokens.refresh_token);
    assert.equal(rotated.code, 0);
    assert.notEqual(rotated.data.refresh_token, tokens.refresh_token);
    assert.equal(rotated.data.refresh_token_expire_in, tokens.refresh_token_expire_in);

    const stale = await tokenRefresh(mock, tokens.refresh_token);
    assert.equal(stale.code, 36004005);
    assert.equal(stale.message, 'can not find related auth record');
    assert.equal((await tokenRefresh(mock, rotated.data.refresh_token)).code, 0);
    assert.equal((await tokenRefresh(mock, rotated.data.refresh_token, { grant_type: 'authorized_code' })).code, 36004006);
  });

  test('revoke → refresh 36004005 and API 105001; expire-refresh → 36004001', async (t) => {
    const mock = await startMock(t);
    const revokedSeller = await connectSeller(mock, 'a');
    await control(mock, 'config', { seller: { openId: '1111', sellerName: 'Second Shop' } });
    const otherSeller = await connectSeller(mock, 'b');
    assert.equal(otherSeller.open_id, '1111');

    assert.deepEqual(await control(mock, 'revoke', { openId: revokedSeller.open_id }), { revoked: 1 });
    assert.equal((await tokenRefresh(mock, revokedSeller.refresh_token)).code, 36004005);
    assert.equal((await callShops(mock, revokedSeller.access_token)).envelope.code, 105001);
    // The other seller is untouched.
    assert.equal((await callShops(mock, otherSeller.access_token)).envelope.code, 0);

    await control(mock, 'expire-refresh', { openId: '1111' });
    const expired = await tokenRefresh(mock, otherSeller.refresh_token);
    assert.equal(expired.code, 36004001);
    assert.equal(expired.message, 'rt has expired');
  });

  test('access lifetime is configurable; request_ids are unique', async (t) => {
    const mock = await startMock(t, { accessLifetimeSec: 60 });
    const tokens = await connectSeller(mock);
    assert.ok(Math.abs(tokens.access_token_expire_in - (Math.floor(Date.now() / 1000) + 60)) <= 2);
    const ids = new Set();
    for (let i = 0; i < 20; i += 1) ids.add((await tokenRefresh(mock, 'ROW_none')).request_id);
    assert.equal(ids.size, 20);
  });
});

// ---------------------------------------------------------------------------
// Signed API
// ---------------------------------------------------------------------------

describe('signed API', () => {
  test('tampered query, path or body → 106001 invalid sign, HTTP 401', async (t) => {
    const mock = await startMock(t);
    const { access_token: token } = await connectSeller(mock);

    const badSign = await callShops(mock, token, { mutate: (url) => url.replace(/sign=[0-9a-f]{4}/, 'sign=0000') });
    assert.equal(badSign.status, 401);
    assert.equal(badSign.envelope.code, 106001);
    assert.equal(badSign.envelope.message, 'invalid sign');

    const upperHex = await callShops(mock, token, { mutate: (url) => url.replace(/sign=([0-9a-f]+)/, (_, s) => `sign=${s.toUpperCase()}`) });
    assert.equal(upperHex.envelope.code, 106001);

    const extraParam = await callShops(mock, token, { mutate: (url) => `${url}&page_size=10` });
    assert.equal(extraParam.envelope.code, 106001);

    // Signed over one body, sent with another.
    const cipher = shopCipherFor('7494845009386375941');
    const url = buildSignedUrl({
      baseUrl: mock.url, path: ORDERS_PATH, appKey: APP_KEY, appSecret: APP_SECRET,
      query: { shop_cipher: cipher }, body: '{"a":1}', timestamp: await serverNowSec(mock),
    });
    const response = await fetch(url, {
      method: 'POST', body: '{"a":2}', headers: { 'Content-Type': 'application/json', 'x-tts-access-token': token },
    });
    assert.equal(response.status, 401);
    assert.equal((await response.json()).code, 106001);

    // access_token in the query is not part of the signature.
    const withAccessToken = await callShops(mock, token, { mutate: (u) => `${u}&access_token=whatever` });
    assert.equal(withAccessToken.envelope.code, 0);
  });

  test('timestamp window is now−300 s .. now+30 s of server time (clock skew honoured)', async (t) => {
    const mock = await startMock(t, { clockSkewSec: -3600 });
    const { access_token: token } = await connectSeller(mock);
    const now = await serverNowSec(mock);
    assert.ok(Math.abs(now - (Math.floor(Date.now() / 1000) - 3600)) <= 2, 'Date header follows the skew');

    assert.equal((await callShops(mock, token, { timestamp: now - 290 })).envelope.code, 0);
    assert.equal((await callShops(mock, token, { timestamp: now + 25 })).envelope.code, 0);

    const tooOld = await callShops(mock, token, { timestamp: now - 310 });
    assert.equal(tooOld.envelope.code, 36009004);
    assert.match(tooOld.envelope.message, /timestamp/);
    const ahead = await callShops(mock, token, { timestamp: now + 40 });
    assert.equal(ahead.envelope.code, 36009004);
    // The local clock is an hour ahead of this server: signing with it fails.
    const localClock = await callShops(mock, token, { timestamp: Math.floor(Date.now() / 1000) });
    assert.equal(localClock.envelope.code, 36009004);
  });

  test('missing app_key, sign or token header → 36009004; missing scope → 105005 naming it', async (t) => {
    const mock = await startMock(t);
    const { access_token: token } = await connectSeller(mock);
    const noAppKey = await callShops(mock, token, { mutate: (url) => url.replace(`app_key=${APP_KEY}&`, '') });
    assert.equal(noAppKey.envelope.code, 36009004);
    const noSign = await callShops(mock, token, { mutate: (url) => url.replace(/&sign=[0-9a-f]+/, '') });
    assert.equal(noSign.envelope.code, 36009004);
    assert.match(noSign.envelope.message, /sign/);
    const noHeader = await callShops(mock, null);
    assert.equal(noHeader.envelope.code, 36009004);
    assert.match(noHeader.envelope.message, /x-tts-access-token/);
    const unknownToken = await callShops(mock, 'ROW_never_issued');
    assert.equal(unknownToken.envelope.code, 105001);

    await control(mock, 'config', { seller: { grantedScopes: ['seller.authorization.info'] } });
    const limited = await connectSeller(mock, 'limited');
    const missingScope = await searchOrders(mock, limited.access_token, shopCipherFor(limited.open_id));
    assert.equal(missingScope.status, 401);
    assert.equal(missingScope.envelope.code, 105005);
    assert.match(missingScope.envelope.message, /seller\.order\.info/);
  });

  test('shop-scoped endpoint: shop_cipher missing → 106013, unknown → 36009004, right → orders', async (t) => {
    const mock = await startMock(t);
    const tokens = await connectSeller(mock);
    const missing = await searchOrders(mock, tokens.access_token, undefined);
    assert.equal(missing.envelope.code, 106013);
    const unknown = await searchOrders(mock, tokens.access_token, 'ROW_not_a_shop');
    assert.equal(unknown.envelope.code, 36009004);
    const ok = await searchOrders(mock, tokens.access_token, shopCipherFor(tokens.open_id));
    assert.equal(ok.status, 200);
    assert.equal(ok.envelope.code, 0);
    assert.equal(ok.envelope.data.orders.length, 3);
    // shops is not shop-scoped: a shop_cipher there is rejected.
    const unexpected = await callShops(mock, tokens.access_token, { query: { shop_cipher: shopCipherFor(tokens.open_id) } });
    assert.equal(unexpected.envelope.code, 36009004);
    // Wrong method.
    const wrongMethod = await searchOrders(mock, tokens.access_token, shopCipherFor(tokens.open_id), { method: 'PUT' });
    assert.equal(wrongMethod.status, 405);
  });
});

// ---------------------------------------------------------------------------
// Faults, latency, holds
// ---------------------------------------------------------------------------

describe('faults', () => {
  test('http500, html (echoes the URL with app_secret), malformed — each fires `times` times', async (t) => {
    const mock = await startMock(t);
    const tokens = await connectSeller(mock);
    const refreshUrl = `${mock.url}/api/v2/token/refresh?${new URLSearchParams({
      app_key: APP_KEY, app_secret: APP_SECRET, refresh_token: tokens.refresh_token, grant_type: 'refresh_token',
    })}`;

    await control(mock, 'fault', { endpoint: 'refresh', kind: 'http500', times: 2 });
    for (let i = 0; i < 2; i += 1) assert.equal((await fetch(refreshUrl)).status, 500);
    assert.equal((await fetch(refreshUrl)).status, 200);

    await control(mock, 'fault', { endpoint: 'refresh', kind: 'html' });
    const html = await fetch(refreshUrl);
    assert.equal(html.status, 502);
    assert.match(html.headers.get('content-type'), /text\/html/);
    assert.match(await html.text(), /app_secret=mock_app_secret/);

    await control(mock, 'fault', { endpoint: 'token', kind: 'malformed' });
    const malformed = await fetch(`${mock.url}/api/v2/token/get?app_key=x`);
    assert.equal(malformed.status, 200);
    const text = await malformed.text();
    assert.throws(() => JSON.parse(text), SyntaxError);

    // A fault on one endpoint does not touch others; "api" covers every signed endpoint.
    await control(mock, 'fault', { endpoint: 'api', kind: 'http500' });
    const shops = await fetch(buildSignedUrl({ baseUrl: mock.url, path: SHOPS_PATH, appKey: APP_KEY, appSecret: APP_SECRET }));
    assert.equal(shops.status, 500);
    assert.deepEqual((await control(mock, 'faults')).faults, []);
    assert.equal((await control(mock, 'counters')).faultsApplied, 5);
  });

  test('drop destroys the socket; delay waits; an exact path works as endpoint', async (t) => {
    const mock = await startMock(t);
    const tokens = await connectSeller(mock);
    await control(mock, 'fault', { endpoint: SHOPS_PATH, kind: 'drop' });
    await assert.rejects(callShops(mock, tokens.access_token), TypeError); // fetch failed

    await control(mock, 'fault', { endpoint: 'shops', kind: 'delay', delayMs: 150 });
    const started = Date.now();
    const delayed = await callShops(mock, tokens.access_token);
    assert.ok(Date.now() - started >= 140);
    assert.equal(delayed.envelope.code, 0);

    await control(mock, 'fault', { endpoint: 'refresh', kind: 'explode' }, { expectStatus: 400 });
  });

  test('stage "after": the refresh succeeds on the server but the answer is lost', async (t) => {
    const mock = await startMock(t, { rotateRefreshToken: true });
    const tokens = await connectSeller(mock);
    await control(mock, 'fault', { endpoint: 'refresh', kind: 'drop', stage: 'after' });
    await assert.rejects(tokenRefresh(mock, tokens.refresh_token), TypeError);
    // The server rotated: the client's refresh token is now dead.
    assert.equal((await tokenRefresh(mock, tokens.refresh_token)).code, 36004005);
    const grant = (await control(mock, 'tokens')).bySeller[tokens.open_id];
    assert.deepEqual(grant.previousRefreshTokens, [tokens.refresh_token]);
  });

  test('latency applies to every matching request', async (t) => {
    const mock = await startMock(t);
    const tokens = await connectSeller(mock);
    assert.deepEqual(await control(mock, 'latency', { refreshMs: 200, apiMs: 20 }), {
      latency: { refreshMs: 200, apiMs: 20, tokenMs: 0, authorizeMs: 0 },
    });
    let started = Date.now();
    await tokenRefresh(mock, tokens.refresh_token);
    assert.ok(Date.now() - started >= 190);
    started = Date.now();
    await tokenRefresh(mock, tokens.refresh_token);
    assert.ok(Date.now() - started >= 190);
    await control(mock, 'latency', { bogusMs: 1 }, { expectStatus: 400 });
  });

  test('hold: evaluated at arrival (105002/401), answered at release after another refresh', async (t) => {
    const mock = await startMock(t);
    const tokens = await connectSeller(mock);
    await control(mock, 'expire-access', {});
    await control(mock, 'hold', { endpoint: 'shops' });

    let settled = false;
    const heldCall = callShops(mock, tokens.access_token).finally(() => { settled = true; });
    const { held, timedOut } = await control(mock, 'held?min=1&timeoutMs=2000');
    assert.equal(timedOut, false);
    assert.equal(held.length, 1);
    assert.equal(held[0].code, 105002);
    assert.equal(held[0].status, 401);

    // Meanwhile another client refreshes, and the new token works.
    const refreshed = await tokenRefresh(mock, tokens.refresh_token);
    assert.equal((await callShops(mock, refreshed.data.access_token)).envelope.code, 0);
    assert.equal(settled, false);

    const { released } = await control(mock, 'release', { id: held[0].id });
    assert.deepEqual(released, [held[0].id]);
    const answer = await heldCall;
    assert.equal(answer.status, 401);
    assert.equal(answer.envelope.code, 105002);
    assert.deepEqual((await control(mock, 'held')).held, []);
    await control(mock, 'release', { id: 'held_none' }, { expectStatus: 404 });
  });

  test('hold count and release all; reset releases held requests and restores startup config', async (t) => {
    const mock = await startMock(t, { accessLifetimeSec: 120 });
    const tokens = await connectSeller(mock);
    await control(mock, 'hold', { endpoint: 'api', count: 2 });
    const calls = [callShops(mock, tokens.access_token), callShops(mock, tokens.access_token)];
    assert.equal((await control(mock, 'held?min=2')).held.length, 2);
    assert.deepEqual((await control(mock, 'release', { all: true })).released.length, 2);
    for (const call of await Promise.all(calls)) assert.equal(call.envelope.code, 0);

    await control(mock, 'hold', { endpoint: 'shops' });
    const parked = callShops(mock, tokens.access_token);
    await control(mock, 'held?min=1');
    await control(mock, 'config', { accessLifetimeSec: 5, autoApprove: true });
    const afterReset = await control(mock, 'reset', {});
    assert.equal((await parked).envelope.code, 0);
    assert.equal(afterReset.config.accessLifetimeSec, 120);
    assert.equal(afterReset.config.autoApprove, false);
    assert.deepEqual((await control(mock, 'tokens')).grants, []);
    assert.equal((await control(mock, 'counters')).api, 0);
    assert.equal((await callShops(mock, tokens.access_token)).envelope.code, 105001);
  });
});

// ---------------------------------------------------------------------------
// CORS, control API, request log, CLI
// ---------------------------------------------------------------------------

describe('plumbing', () => {
  test('CORS preflight and exposed Date on TikTok and control endpoints', async (t) => {
    const mock = await startMock(t);
    for (const path of [SHOPS_PATH, '/api/v2/token/refresh', '/__mock/approve']) {
      const preflight = await fetch(`${mock.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'http://127.0.0.1:9999',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-tts-access-token',
        },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
      assert.match(preflight.headers.get('access-control-allow-methods'), /GET, POST, PUT, DELETE/);
      assert.match(preflight.headers.get('access-control-allow-headers'), /Content-Type, x-tts-access-token/);
    }
    for (const path of ['/api/v2/token/get', '/__mock/counters', '/open/authorize']) {
      const response = await fetch(`${mock.url}${path}`, { headers: { Origin: 'http://127.0.0.1:9999' } });
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      assert.equal(response.headers.get('access-control-expose-headers'), 'Date');
      assert.ok(!Number.isNaN(Date.parse(response.headers.get('date'))));
    }
  });

  test('control API rejects unknown keys and routes; request log keeps raw requests', async (t) => {
    const mock = await startMock(t);
    assert.match((await control(mock, 'config', { accessLifetime: 5 }, { expectStatus: 400 })).error, /accessLifetime/);
    assert.match((await control(mock, 'config', { denialForm: 'nope' }, { expectStatus: 400 })).error, /denialForm/);
    assert.match((await control(mock, 'nope', {}, { expectStatus: 404 })).error, /unknown control route/);
    const config = await control(mock, 'config');
    assert.equal(config.redirectUrlResolved, `${mock.url}/__mock/callback`);

    await tokenGet(mock, 'ROW_x');
    const { requests } = await control(mock, 'requests?limit=1');
    assert.equal(requests.length, 1);
    assert.equal(requests[0].path, '/api/v2/token/get');
    assert.equal(requests[0].query.app_secret, APP_SECRET);
    assert.equal(requests[0].code, 36004002);
  });

  test('CLI prints MOCK_TIKTOK_URL, serves, and exits 0 on SIGTERM', async () => {
    const serverPath = fileURLToPath(new URL('../../tools/mock-tiktok/server.mjs', import.meta.url));
    const child = spawn(process.execPath, [serverPath, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const match = stdout.match(/^MOCK_TIKTOK_URL=(http:\/\/127\.0\.0\.1:\d+)\n/);
        if (match) resolve(match[1]);
      });
      child.once('exit', () => reject(new Error(`server exited early: ${stdout}`)));
    });
    const health = await (await fetch(`${url}/__mock/health`)).json();
    assert.deepEqual(health, { ok: true, url });
    child.kill('SIGTERM');
    const [exitCode] = await once(child, 'exit');
    assert.equal(exitCode, 0);
    assert.equal(stdout, `MOCK_TIKTOK_URL=${url}\n`);
  });
});
