// End-to-end: what web pages may ask the worker, and the Chilkat
// tiktok-shops.json export → import round trip through the options page.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, beforeEach, test } from 'node:test';

import { connectWithAutoApprove, extensionSuite, saveScreenshot } from './helpers.mjs';

const env = extensionSuite();
/** A plain web page on http://127.0.0.1 (externally_connectable matches it). */
let webServer;
let webPageUrl;

before(async () => {
  await env.start();
  webServer = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>dashboard</title><p>A local dashboard</p>');
  });
  await new Promise((resolve) => webServer.listen(0, '127.0.0.1', resolve));
  webPageUrl = `http://127.0.0.1:${webServer.address().port}/`;
  env.settingsOverrides = { allowedWebOrigins: [new URL(webPageUrl).origin] };
});
after(async () => {
  await env.stop();
  await new Promise((resolve) => webServer.close(resolve));
});
beforeEach(env.reset);

test('a web page may list accounts but is refused settings, export, import and disconnect', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  const page = await env.context.newPage();
  await page.goto(webPageUrl);
  const ask = (message) => page.evaluate(([id, msg]) => chrome.runtime.sendMessage(id, msg), [env.extensionId, message]);

  const listed = await ask({ type: 'accounts' });
  assert.equal(listed.ok, true);
  assert.equal(listed.accounts[0].sellerName, 'Mock Test Shop');
  const read = await ask({ type: 'apiRequest', openId: account.openId, request: { path: '/authorization/202309/shops' } });
  assert.equal(read.ok, true, 'a GET through the extension is allowed');
  assert.equal(read.response.status, 200);

  const refused = [
    { type: 'getSettings' },
    { type: 'saveSettings', settings: { appKey: 'x', appSecret: 'y', serviceId: 'z' } },
    { type: 'exportChilkatJson', openId: account.openId },
    { type: 'importChilkatJson', text: '{}' },
    { type: 'disconnect', openId: account.openId },
    { type: 'completeWithUrl', url: 'https://example.com/?code=x&state=y' },
    // Writes to a seller's shop are for the extension's own pages only.
    { type: 'apiRequest', openId: account.openId, request: { method: 'POST', path: '/order/202309/orders/search', body: '{}' } },
    { type: 'apiRequest', openId: account.openId, request: { method: 'delete', path: '/authorization/202309/shops' } },
  ];
  for (const message of refused) {
    const reply = await ask(message);
    assert.equal(reply.ok, false, message.type);
    assert.equal(reply.error.name, 'Forbidden', message.type);
  }

  const { bySeller } = await env.mock.control('tokens');
  const tokens = bySeller[account.openId];
  const everything = JSON.stringify(await Promise.all([ask({ type: 'accounts' }), ask({ type: 'flowState' })]));
  for (const secret of ['mock_app_secret', tokens.accessToken, tokens.refreshToken]) {
    assert.ok(!everything.includes(secret), 'no secret or token reaches a web page');
  }
  assert.equal((await env.send({ type: 'accounts' })).accounts.length, 1, 'the account is still there');
});

test('a web page whose origin is not allowed in the options is refused everything', async () => {
  await connectWithAutoApprove(env.controlPage, env.mock);
  const page = await env.context.newPage();
  await page.goto(webPageUrl);
  const ask = (message) => page.evaluate(([id, msg]) => chrome.runtime.sendMessage(id, msg), [env.extensionId, message]);
  assert.equal((await ask({ type: 'accounts' })).ok, true);

  // Remove the page from the list through the options form.
  const options = await env.openOptions();
  await options.waitForSelector('#allowed-web-origins');
  assert.equal(await options.inputValue('#allowed-web-origins'), new URL(webPageUrl).origin);
  await options.fill('#allowed-web-origins', 'http://localhost:9');
  await options.click('#save');
  await options.waitForSelector('#save-status:has-text("Saved")');
  for (const type of ['accounts', 'flowState', 'connect']) {
    const reply = await ask({ type });
    assert.equal(reply.ok, false, type);
    assert.equal(reply.error.name, 'Forbidden', type);
    assert.match(reply.error.message, /Web pages allowed to use this extension/);
  }
  assert.equal((await env.send({ type: 'flowState' })).flow.state, 3, 'the refused connect started nothing');

  // Anything but a local origin is rejected by the form.
  await options.fill('#allowed-web-origins', 'https://evil.example');
  await options.click('#save');
  await options.waitForSelector('#save-status:has-text("not a local web page origin")');
});

test('export → import round trip through the options page equals the original', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  const options = await env.openOptions();
  await options.waitForSelector(`#export-list li[data-open-id="${account.openId}"] button`);

  const downloadStarted = options.waitForEvent('download');
  await options.click(`#export-list li[data-open-id="${account.openId}"] button`);
  const download = await downloadStarted;
  assert.equal(download.suggestedFilename(), 'tiktok-shops.json');
  const chunks = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk);
  const exported = Buffer.concat(chunks).toString('utf8');
  const original = JSON.parse(exported);

  assert.equal((await env.send({ type: 'disconnect', openId: account.openId })).ok, true);
  assert.equal((await env.send({ type: 'accounts' })).accounts.length, 0);

  await options.setInputFiles('#import-file', { name: 'tiktok-shops.json', mimeType: 'application/json', buffer: Buffer.from(exported) });
  await options.waitForSelector('#import-status:has-text("Imported Mock Test Shop")');
  assert.match(await options.textContent('#import-status'), /still valid/);
  await saveScreenshot(options, 'options-imported');

  const { accounts } = await env.send({ type: 'accounts' });
  assert.equal(accounts.length, 1);
  assert.equal(accounts[0].openId, account.openId);
  const reexported = await env.send({ type: 'exportChilkatJson', openId: account.openId });
  assert.deepEqual(JSON.parse(reexported.text), original);
  assert.equal((await env.mock.control('counters')).tokenRefresh, 0, 'a valid import is not refreshed');
});

test('an import whose access token expired is refreshed at once and reported', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  const { text } = await env.send({ type: 'exportChilkatJson', openId: account.openId });
  await env.send({ type: 'disconnect', openId: account.openId });
  // The same file, as if saved a week ago: its access token has expired. Chilkat's file is
  // TikTok's token envelope, `{ code, message, data: { access_token_expire_in, … }, request_id }`.
  const stale = JSON.parse(text);
  assert.equal(typeof stale.data?.access_token_expire_in, 'number');
  stale.data.access_token_expire_in = Math.floor(Date.now() / 1000) - 60;

  const options = await env.openOptions();
  await options.setInputFiles('#import-file', { name: 'tiktok-shops.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(stale)) });
  await options.waitForSelector('#import-status:has-text("Imported Mock Test Shop")');
  assert.match(await options.textContent('#import-status'), /expired and was refreshed/);
  assert.equal(await options.isVisible('#import-confirm'), false, 'a file for a seller no longer stored is not asked about');
  assert.equal((await env.mock.control('counters')).refreshSuccess, 1);
  const { accounts } = await env.send({ type: 'accounts' });
  assert.ok(accounts[0].accessTokenExpiresAt > Date.now() / 1000);
});

test('importing an older file asks first: refused, the stored record byte-identical; replaced only after "Replace anyway"', async () => {
  // The file is saved while the seller has 1-hour tokens; a refresh then stores 7-day tokens.
  await env.mock.control('config', { accessLifetimeSec: 3600 });
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  const { text: older } = await env.send({ type: 'exportChilkatJson', openId: account.openId });
  await env.mock.control('config', { accessLifetimeSec: 7 * 24 * 3600 });
  const refreshed = await env.send({ type: 'refresh', openId: account.openId });
  assert.equal(refreshed.ok, true, JSON.stringify(refreshed.error));
  const key = `tts:account:${account.openId}`;
  const storedRecord = () => env.controlPage.evaluate(async (k) => JSON.stringify((await chrome.storage.local.get(k))[k]), key);
  const before = await storedRecord();

  // Through the protocol: refused without replaceNewer.
  const refused = await env.send({ type: 'importChilkatJson', text: older });
  assert.equal(refused.ok, false);
  assert.equal(refused.error.name, 'NewerTokensStored');
  assert.equal(await storedRecord(), before);

  // Through the options page: it asks; "Keep" changes nothing.
  const options = await env.openOptions();
  const file = { name: 'tiktok-shops.json', mimeType: 'application/json', buffer: Buffer.from(older) };
  await options.setInputFiles('#import-file', file);
  await options.waitForSelector('#import-confirm:not([hidden])');
  assert.match(await options.textContent('#import-confirm-text'), /older tokens than the ones stored/);
  assert.match(await options.textContent('#import-status'), /^Not imported yet/);
  await saveScreenshot(options, 'options-import-older');
  assert.equal(await storedRecord(), before, 'the stored record is byte-identical after the refusal');
  await options.click('#import-keep');
  await options.waitForSelector('#import-confirm', { state: 'hidden' });
  assert.match(await options.textContent('#import-status'), /Kept the stored tokens/);
  assert.equal(await storedRecord(), before);

  // Again, and this time "Replace anyway".
  await options.setInputFiles('#import-file', file);
  await options.waitForSelector('#import-confirm:not([hidden])');
  await options.click('#import-replace');
  await options.waitForSelector('#import-status:has-text("Imported Mock Test Shop")');
  assert.notEqual(await storedRecord(), before);
  const { text: now } = await env.send({ type: 'exportChilkatJson', openId: account.openId });
  assert.deepEqual(JSON.parse(now), JSON.parse(older), 'the file\'s tokens are stored');
});

test('overview: counts and the sellers needing attention, for extension pages and listed web pages', async () => {
  await connectWithAutoApprove(env.controlPage, env.mock);
  const own = await env.send({ type: 'overview' });
  assert.equal(own.ok, true, JSON.stringify(own.error));
  assert.equal(own.total, 1);
  assert.equal(own.counts.valid, 1);
  assert.deepEqual(own.attention, []);
  const page = await env.context.newPage();
  await page.goto(webPageUrl);
  const fromWeb = await page.evaluate(([id]) => chrome.runtime.sendMessage(id, { type: 'overview' }), [env.extensionId]);
  assert.deepEqual(fromWeb, own);
  const paged = await page.evaluate(([id]) => chrome.runtime.sendMessage(id, { type: 'accounts', query: 'mock', limit: 10 }), [env.extensionId]);
  assert.equal(paged.ok, true);
  assert.deepEqual([paged.total, paged.matching, paged.accounts.length], [1, 1, 1]);
  const bad = await env.send({ type: 'accounts', limit: 'ten' });
  assert.equal(bad.error.name, 'InvalidInput');
});
