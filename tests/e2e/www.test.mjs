// End-to-end: the www/ page, served from http://127.0.0.1, using the
// extension as its auth helper through externally_connectable messages.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { startStaticServer } from '../../www/serve.mjs';
import { connectWithAutoApprove, extensionSuite, saveScreenshot, waitUntil } from './helpers.mjs';

const env = extensionSuite();
let www;

before(async () => {
  await env.start();
  www = await startStaticServer({ port: 0 });
  // The page must be listed in the options to use the extension.
  env.settingsOverrides = { allowedWebOrigins: [new URL(www.url).origin] };
});
after(async () => {
  await env.stop();
  await www?.close();
});
beforeEach(env.reset);

/**
 * Records every reply the page receives from the extension, independently of
 * the page's own log: wraps chrome.runtime.sendMessage before app.js runs.
 */
function recordReplies() {
  window.receivedReplies = [];
  const runtime = globalThis.chrome?.runtime;
  if (!runtime?.sendMessage) return;
  const original = runtime.sendMessage.bind(runtime);
  runtime.sendMessage = async (...args) => {
    const reply = await original(...args);
    window.receivedReplies.push(reply);
    return reply;
  };
}

async function openWwwPage(query = `?ext=${env.extensionId}`) {
  const page = await env.context.newPage();
  await page.setViewportSize({ width: 900, height: 800 });
  await page.addInitScript(recordReplies);
  await page.goto(`${www.url}${query}`);
  return page;
}

/** Sends a raw JSON message through the page's form and returns the error banner's name and text. */
async function sendRawExpectingError(page, message) {
  const before = await page.textContent('[data-testid="log-count"]');
  await page.fill('[data-testid="raw-message"]', JSON.stringify(message));
  await page.click('[data-testid="raw-send"]');
  await page.waitForFunction((count) => document.querySelector('[data-testid="log-count"]').textContent !== count, before);
  await page.waitForSelector('[data-testid="error"]:not([hidden])');
  return { name: await page.getAttribute('[data-testid="error"]', 'data-name'), text: await page.textContent('[data-testid="error"]') };
}

/** Every secret the mock knows of: the app secret, all tokens ever issued, all auth codes. */
async function allSecrets() {
  const { grants } = await env.mock.control('tokens');
  const { requests } = await env.mock.control('requests?limit=1000');
  const secrets = ['mock_app_secret'];
  for (const grant of grants) {
    secrets.push(grant.accessToken, grant.refreshToken, ...(grant.rotatedAccessTokens ?? []), ...(grant.previousRefreshTokens ?? []));
  }
  for (const request of requests) {
    const code = request.query?.auth_code;
    if (code) secrets.push(code);
  }
  return secrets.filter((secret) => typeof secret === 'string' && secret.length >= 8);
}

async function assertNoSecretsIn(page) {
  const secrets = await allSecrets();
  assert.ok(secrets.length >= 4, `the mock issued tokens to look for (${secrets.length})`);
  const dom = await page.evaluate(() => document.documentElement.outerHTML);
  const received = await page.evaluate(() => JSON.stringify(window.receivedReplies));
  for (const secret of secrets) {
    assert.ok(!dom.includes(secret), 'no token or secret in the page DOM');
    assert.ok(!received.includes(secret), 'no token or secret in any reply the page received');
  }
}

test('the page lists the seller and its shops, privileged messages are Forbidden, and no secret reaches it', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  const page = await openWwwPage();

  const item = page.locator(`[data-testid="account"][data-open-id="${account.openId}"]`);
  await item.waitFor();
  assert.equal(await item.locator('[data-testid="seller-name"]').textContent(), 'Mock Test Shop');
  assert.equal(await item.locator('[data-testid="region"]').textContent(), 'GB');
  assert.equal(await item.locator('[data-testid="status"]').textContent(), 'OK');
  assert.match(await item.locator('[data-testid="access-expiry"]').textContent(), /expires in 6d 23h/);
  assert.match(await page.textContent('[data-testid="ext-status"]'), new RegExp(env.extensionId));
  assert.equal(await page.textContent('[data-testid="page-origin"]'), new URL(www.url).origin, 'the page says which origin to allow');

  await item.locator('[data-testid="list-shops"]').click();
  await item.locator('[data-testid="shop"]').first().waitFor();
  const { shops } = await env.send({ type: 'shops', openId: account.openId });
  const shown = await item.locator('[data-testid="shop"]').allTextContents();
  assert.deepEqual(shown, shops.map((shop) => `${shop.name} (${shop.region}) · ${shop.sellerType} · shop ${shop.id}`));
  assert.match(shown[0], /^Mock Test Shop \(GB\) · LOCAL · shop /);
  assert.equal(await page.isVisible('[data-testid="error"]'), false);

  for (const message of [{ type: 'getSettings' }, { type: 'exportChilkatJson', openId: account.openId }]) {
    const { name, text } = await sendRawExpectingError(page, message);
    assert.equal(name, 'Forbidden', message.type);
    assert.match(text, new RegExp(`^Forbidden: "${message.type}" is only accepted from the extension's own pages`));
  }
  const refusals = await page.evaluate(() => window.receivedReplies.filter((reply) => reply?.ok === false));
  assert.deepEqual(refusals.map((reply) => reply.error.name), ['Forbidden', 'Forbidden']);

  // An allowed raw message shows its reply.
  await page.fill('[data-testid="raw-message"]', '{"type":"flowState"}');
  await page.click('[data-testid="raw-send"]');
  await page.waitForSelector('[data-testid="raw-reply"]:not([hidden])');
  assert.equal(JSON.parse(await page.textContent('[data-testid="raw-reply"]')).flow.state, 3);

  // The page's log holds every reply; the recorder saw the same number.
  await page.click('#log-panel summary');
  const received = await page.evaluate(() => window.receivedReplies.length);
  assert.ok(received >= 5, `replies recorded: ${received}`);
  assert.equal(Number(await page.textContent('[data-testid="log-count"]')), received);

  await assertNoSecretsIn(page);
  await page.click('#log-panel summary');
  await saveScreenshot(page, 'www');
});

test('Connect from the page adds a second seller; API errors are shown with their name', async () => {
  const first = await connectWithAutoApprove(env.controlPage, env.mock);
  const page = await openWwwPage();
  await page.locator('[data-testid="account"]').first().waitFor();

  await env.mock.control('config', { autoApprove: true, seller: { openId: '7000000000000000002', sellerName: 'Second Shop', sellerBaseRegion: 'DE' } });
  await page.click('[data-testid="connect"]');
  await page.waitForSelector('[data-testid="flow"][data-state="3"]:has-text("Connected: Second Shop")');
  await waitUntil(async () => (await page.locator('[data-testid="account"]').count()) === 2, { message: 'two sellers listed' });
  const second = page.locator('[data-testid="account"][data-open-id="7000000000000000002"]');
  assert.equal(await second.locator('[data-testid="seller-name"]').textContent(), 'Second Shop');
  assert.equal(await second.locator('[data-testid="region"]').textContent(), 'DE');
  assert.equal((await env.mock.control('counters')).tokenGetSuccess, 2);

  // TikTok revokes the grant: the extension cannot refresh, and the page shows why.
  await env.mock.control('revoke', { openId: '7000000000000000002' });
  await second.locator('[data-testid="list-shops"]').click();
  await page.waitForSelector('[data-testid="error"]:not([hidden])');
  const name = await page.getAttribute('[data-testid="error"]', 'data-name');
  const text = await page.textContent('[data-testid="error"]');
  assert.equal(name, 'ReconnectRequired');
  assert.ok(text.startsWith(`${name}: `), text);
  await page.waitForSelector('[data-testid="account"][data-open-id="7000000000000000002"][data-status="reconnectRequired"]');
  assert.equal(await page.isVisible('[data-testid="error"]'), true, 'the error stays next to the re-rendered accounts');
  assert.equal(await page.getAttribute(`[data-testid="account"][data-open-id="${first.openId}"]`, 'data-status'), 'valid');
  await assertNoSecretsIn(page);
  await saveScreenshot(page, 'www-reconnect-required');
});

test('the extension ID comes from the input: a wrong one is reported, the right one works', async () => {
  await connectWithAutoApprove(env.controlPage, env.mock);
  const page = await openWwwPage('?ext=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
  await page.waitForSelector('[data-testid="error"]:not([hidden])');
  assert.equal(await page.getAttribute('[data-testid="error"]', 'data-name'), 'ExtensionUnavailable');
  const said = await page.textContent('[data-testid="error"]');
  assert.match(said, /No extension with this ID answered: check the ID/);
  assert.doesNotMatch(said, /Could not establish connection|Receiving end/, 'not Chrome\'s own words');
  assert.equal(await page.locator('[data-testid="account"]').count(), 0);

  await page.fill('[data-testid="ext-id"]', 'not an id');
  await page.click('[data-testid="ext-use"]');
  await page.waitForSelector('[data-testid="error"][data-name="InvalidExtensionId"]');

  await page.fill('[data-testid="ext-id"]', env.extensionId);
  await page.click('[data-testid="ext-use"]');
  await page.waitForSelector('[data-testid="account"]');
  assert.equal(await page.isVisible('[data-testid="error"]'), false);

  // Remembered for the next visit without ?ext=.
  await page.goto(www.url);
  await page.waitForSelector('[data-testid="account"]');
  assert.equal(await page.inputValue('[data-testid="ext-id"]'), env.extensionId);
});

test('the static server serves the page and nothing outside www/', async () => {
  const index = await fetch(www.url);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /text\/html/);
  assert.match(await index.text(), /<script type="module" src="app.js">/);
  assert.match((await fetch(`${www.url}app.js`)).headers.get('content-type'), /javascript/);
  for (const probe of ['serve.mjs', '..%2Fpackage.json', '%2e%2e/%2e%2e/etc/passwd', 'missing.html']) {
    const response = await fetch(`${www.url}${probe}`);
    assert.equal(response.status, 404, probe);
    await response.arrayBuffer();
  }
  assert.equal((await fetch(www.url, { method: 'POST' })).status, 405);
});
