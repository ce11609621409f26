// The package's pure functions, called through the built (wasm-opt-optimised) package.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { computeSign } from '../../tools/mock-tiktok/sign.mjs';
import { errorText, fixture, initPackage, pkg, thrown } from './helpers.mjs';

const { buildAuthorizeUrl, newState, parseRedirect, parseTokenResponse, signRequest, validateConfig } = pkg;

before(initPackage);

describe('signRequest', () => {
  const skitQuery = {
    app_key: '68xu9ks5p4i8',
    shop_cipher: 'ROW_xkMbgAAAeVAQra0eZWebFQq5aIK',
    timestamp: '1696909648',
  };
  const skitBody = '{"event_type":"PACKAGE_UPDATE","address":"https://partner.tiktokshop.com"}';

  test('official doc vector (GET, no body)', () => {
    const sign = signRequest('e59af819cc', '/authorization/202309/shops',
      { app_key: '29a39d', timestamp: '1623812664' }, null, 'application/json');
    assert.equal(sign, 'b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8');
  });

  test('EcomPHP vector (no content type)', () => {
    assert.equal(signRequest('app_secret', '/test-api', { foo: 'bar' }, null),
      'd3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f');
  });

  test('SKIT GET vector with shop_cipher', () => {
    assert.equal(signRequest('e59af819cc', '/event/202309/webhooks', skitQuery, null, 'application/json'),
      'ed58e1b5e59865c22a7b828c1cab65007441f43cc91a6cb2f2cdc638e0995a37');
  });

  test('SKIT PUT vector: body as a string and as a Uint8Array', () => {
    const expected = '701dd6deb2389fe4c469b89bd37fc56f96a6da6afeb4d01c9077a65169752fa7';
    assert.equal(signRequest('e59af819cc', '/event/202309/webhooks', skitQuery, skitBody, 'application/json'), expected);
    const bytes = new TextEncoder().encode(skitBody);
    assert.equal(signRequest('e59af819cc', '/event/202309/webhooks', skitQuery, bytes, 'application/json'), expected);
  });

  test('a multipart/form-data body is not signed', () => {
    const withoutBody = 'ed58e1b5e59865c22a7b828c1cab65007441f43cc91a6cb2f2cdc638e0995a37';
    assert.equal(signRequest('e59af819cc', '/event/202309/webhooks', skitQuery, skitBody,
      'multipart/form-data; boundary=----x'), withoutBody);
    assert.equal(signRequest('e59af819cc', '/event/202309/webhooks', skitQuery, new TextEncoder().encode('abc'),
      'Multipart/Form-Data'), withoutBody);
  });

  test('key order of the query object does not matter; sign and access_token are not signed', () => {
    const expected = 'b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8';
    assert.equal(signRequest('e59af819cc', '/authorization/202309/shops',
      { timestamp: '1623812664', app_key: '29a39d' }, null), expected);
    assert.equal(signRequest('e59af819cc', '/authorization/202309/shops',
      { app_key: '29a39d', timestamp: '1623812664', sign: 'old', access_token: 'tok' }, null), expected);
  });

  test('agrees with the mock server’s independent implementation', () => {
    const cases = [
      { path: '/order/202309/orders/search', query: { app_key: 'k', timestamp: '1700000000', shop_cipher: 'ROW_c', page_size: '10' }, body: '{"order_status":"UNPAID"}' },
      { path: '/product/202309/products', query: { app_key: 'k', timestamp: '1700000001', Zeta: 'z', alpha: 'a', _x: 'é ü' }, body: '' },
    ];
    for (const c of cases) {
      const expected = computeSign({ appSecret: 's3cr3t', path: c.path, query: c.query, body: c.body, contentType: 'application/json' });
      assert.equal(signRequest('s3cr3t', c.path, c.query, c.body, 'application/json'), expected);
    }
  });

  test('a non-string query value is rejected as InvalidInput', () => {
    const error = thrown(() => signRequest('s', '/x', { a: 1 }, null));
    assert.equal(error.name, 'InvalidInput');
    assert.ok(error instanceof Error);
  });
});

describe('parseTokenResponse', () => {
  test('the documented sample: camelCase fields and absolute expiries', async () => {
    const tokens = parseTokenResponse(200, await fixture('documented_sample.json'));
    assert.deepEqual(tokens, {
      accessToken: 'ROW_Fw8rBwAAAAAkW03FQ_sample_access',
      accessTokenExpiresAt: 1660556783,
      refreshToken: 'NTUxZTNhYTQ2ZDk4YmJkZTRjY2EwZmQwYmY_sample_refresh',
      refreshTokenExpiresAt: 1691487031,
      openId: '7010736057180325637',
      sellerName: 'Jjj test shop',
      sellerBaseRegion: 'ID',
      userType: 0,
      grantedScopes: ['seller.authorization.info', 'seller.shop.info'],
      requestId: '2022080809462301024509910319695C45',
    });
  });

  test('an expiry beyond 2^32 (year 2123) is kept exactly', async () => {
    const sample = JSON.parse(await fixture('documented_sample.json'));
    sample.data.refresh_token_expire_in = 4841467787;
    const tokens = parseTokenResponse(200, JSON.stringify(sample));
    assert.ok(tokens.refreshTokenExpiresAt > 2 ** 32);
    assert.equal(tokens.refreshTokenExpiresAt, 4841467787);
    assert.equal(tokens.accessTokenExpiresAt, 1660556783);
  });

  test('the older granted_permissions field fills grantedScopes', async () => {
    const tokens = parseTokenResponse(200, await fixture('granted_permissions.json'));
    assert.deepEqual(tokens.grantedScopes, ['seller.shop.info']);
    assert.equal(tokens.userType, 1);
    assert.equal(tokens.refreshTokenExpiresAt, 4841467787);
  });

  test('a TikTok error envelope with HTTP 200 is a TikTokApiError', async () => {
    const error = thrown(() => parseTokenResponse(200, '{"code":36004001,"message":"rt has expired","data":null,"request_id":"2024072312000001ERRRT"}'));
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'TikTokApiError');
    assert.equal(error.code, 36004001);
    assert.equal(error.requestId, '2024072312000001ERRRT');
    assert.equal(error.tiktokMessage, 'rt has expired');
    assert.equal(error.httpStatus, 200);
    assert.match(error.message, /36004001/);
  });

  test('an invalid auth code is a TikTokApiError with its code', async () => {
    const error = thrown(() => parseTokenResponse(200, '{"code":36004002,"message":"invalid auth code","request_id":"REQ_AC"}'));
    assert.equal(error.name, 'TikTokApiError');
    assert.equal(error.code, 36004002);
    assert.equal(error.requestId, 'REQ_AC');
  });

  test('an HTML gateway page is MalformedResponse, without the secret or token it echoes', async () => {
    const html = await fixture('html_error_page.html');
    assert.ok(html.includes('SENTINEL_SECRET_VALUE'));
    const error = thrown(() => parseTokenResponse(502, html));
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'MalformedResponse');
    assert.equal(error.httpStatus, 502);
    assert.match(error.message, /HTML/);
    const text = errorText(error);
    assert.ok(!text.includes('SENTINEL_SECRET_VALUE'), 'app secret leaked');
    assert.ok(!text.includes('SENTINEL_REFRESH_TOKEN'), 'refresh token leaked');
  });

  test('truncated JSON is MalformedResponse whose snippet hides the token', async () => {
    const text = await fixture('truncated.json');
    const error = thrown(() => parseTokenResponse(200, text));
    assert.equal(error.name, 'MalformedResponse');
    assert.match(error.message, /truncated/);
    assert.ok(!errorText(error).includes('SENTINEL_ACCESS_TOKEN_VALUE'), 'access token leaked');
  });

  test('wrong types, missing data and an empty body are MalformedResponse', async () => {
    for (const name of ['wrong_types.json', 'missing_data.json', 'empty_body.txt']) {
      const text = await fixture(name);
      const error = thrown(() => parseTokenResponse(200, text));
      assert.equal(error.name, 'MalformedResponse', name);
      assert.equal(error.httpStatus, 200, name);
    }
  });
});

describe('buildAuthorizeUrl', () => {
  test('rest of world (default region)', () => {
    const url = new URL(buildAuthorizeUrl({ serviceId: 'svc123' }, 'st-1'));
    assert.equal(url.origin + url.pathname, 'https://services.tiktokshop.com/open/authorize');
    assert.equal(url.searchParams.get('service_id'), 'svc123');
    assert.equal(url.searchParams.get('state'), 'st-1');
    assert.equal(url.searchParams.has('redirect_uri'), false);
  });

  test('explicit row equals the default', () => {
    assert.equal(buildAuthorizeUrl({ serviceId: 'svc', region: 'row' }, 's'), buildAuthorizeUrl({ serviceId: 'svc' }, 's'));
  });

  test('US region', () => {
    const url = new URL(buildAuthorizeUrl({ serviceId: 'svc', region: 'us' }, 's'));
    assert.equal(url.origin + url.pathname, 'https://services.tiktokshops.us/open/authorize');
    assert.equal(url.searchParams.get('service_id'), 'svc');
  });

  test('endpoint override', () => {
    const url = new URL(buildAuthorizeUrl({ serviceId: 'svc', endpoints: { authorize: 'http://127.0.0.1:8787/open/authorize' } }, 'abc'));
    assert.equal(url.origin + url.pathname, 'http://127.0.0.1:8787/open/authorize');
    assert.equal(url.searchParams.get('state'), 'abc');
  });

  test('state is URL-encoded and round-trips', () => {
    const state = 'a b&c=d/é';
    const url = new URL(buildAuthorizeUrl({ serviceId: 'svc' }, state));
    assert.equal(url.searchParams.get('state'), state);
  });

  test('an unknown region is InvalidConfig', () => {
    const error = thrown(() => buildAuthorizeUrl({ serviceId: 'svc', region: 'eu' }, 's'));
    assert.equal(error.name, 'InvalidConfig');
    assert.match(error.message, /region/);
  });
});

describe('parseRedirect', () => {
  const base = 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/';

  test('success: code and the extra parameters', () => {
    const parsed = parseRedirect(`${base}?code=ROW_abc&state=s1&app_key=k&locale=en&shop_region=GB`, base, 's1');
    assert.deepEqual(parsed, { code: 'ROW_abc', appKey: 'k', locale: 'en', shopRegion: 'GB' });
  });

  test('success with only code and state', () => {
    const parsed = parseRedirect(`${base}?code=ROW_only&state=s1`, base, 's1');
    assert.equal(parsed.code, 'ROW_only');
  });

  test('denial form code=null&error=auth_denied → AccessDenied', () => {
    const error = thrown(() => parseRedirect(`${base}?code=null&error=auth_denied&state=s1`, base, 's1'));
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'AccessDenied');
    assert.match(error.errorResponse, /error=auth_denied/);
  });

  test('denial form error=access_denied&code=null → AccessDenied', () => {
    const error = thrown(() => parseRedirect(`${base}?error=access_denied&code=null&state=s1`, base, 's1'));
    assert.equal(error.name, 'AccessDenied');
    assert.match(error.errorResponse, /error=access_denied/);
  });

  test('a different state → StateMismatch', () => {
    const error = thrown(() => parseRedirect(`${base}?code=ROW_abc&state=other`, base, 's1'));
    assert.equal(error.name, 'StateMismatch');
  });

  test('a missing state → StateMismatch', () => {
    const error = thrown(() => parseRedirect(`${base}?code=ROW_abc`, base, 's1'));
    assert.equal(error.name, 'StateMismatch');
  });

  test('a URL outside the redirect base → InvalidRedirect', () => {
    const error = thrown(() => parseRedirect('https://evil.example/?code=ROW_abc&state=s1', base, 's1'));
    assert.equal(error.name, 'InvalidRedirect');
  });
});

describe('validateConfig', () => {
  const good = {
    appKey: 'k', appSecret: 'super-secret-value', serviceId: 'svc',
    redirectUrl: 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/',
  };

  test('a complete config passes (returns nothing)', () => {
    assert.equal(validateConfig(good), undefined);
    assert.equal(validateConfig({ ...good, region: 'us', refreshMarginSecs: 600, flowTimeoutSecs: 120 }), undefined);
  });

  test('loopback http endpoints are allowed', () => {
    for (const host of ['127.0.0.1:8787', 'localhost:1', '[::1]:9']) {
      assert.equal(validateConfig({ ...good, endpoints: { apiBase: `http://${host}`, tokenGet: `http://${host}/api/v2/token/get` } }), undefined, host);
    }
  });

  const cases = [
    ['empty app key', { appKey: '' }, /app key/],
    ['empty app secret', { appSecret: '' }, /app secret/],
    ['empty service ID', { serviceId: '' }, /service ID/],
    ['non-https redirect URL', { redirectUrl: 'nope' }, /redirect URL/],
    ['plain http token endpoint', { endpoints: { tokenGet: 'http://example.com/x' } }, /token get endpoint/],
    ['unknown region', { region: 'eu' }, /region/],
    ['negative refresh margin', { refreshMarginSecs: -1 }, /refresh margin/],
  ];
  for (const [label, patch, field] of cases) {
    test(`${label} → InvalidConfig naming the field`, () => {
      const error = thrown(() => validateConfig({ ...good, ...patch }));
      assert.ok(error instanceof Error);
      assert.equal(error.name, 'InvalidConfig');
      assert.match(error.message, field);
      assert.ok(!error.message.includes('super-secret-value'), 'secret in the message');
    });
  }

  test('the client constructor validates too', () => {
    const error = thrown(() => new pkg.TikTokShopClient({ ...good, serviceId: '' }, { get: async () => ({}), set: async () => {}, remove: async () => {} }));
    assert.equal(error.name, 'InvalidConfig');
    assert.match(error.message, /service ID/);
  });
});

describe('newState', () => {
  test('url-safe, at least 22 characters, different each call', () => {
    const seen = new Set();
    for (let i = 0; i < 200; i += 1) {
      const state = newState();
      assert.match(state, /^[A-Za-z0-9_-]{22,}$/);
      seen.add(state);
    }
    assert.equal(seen.size, 200);
  });
});
