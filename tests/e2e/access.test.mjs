// End-to-end: the access table of the message protocol (extension/sw-protocol.js), walked type
// by type from a listed web page and from the extension's own pages; a listed page's `refresh`
// and `cancel` change nothing; and both READMEs state the same table.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';

import { ACCESS, describeAccess } from '../../extension/sw-protocol.js';
import { REPO_ROOT, connectWithAutoApprove, extensionSuite, pageOpenedBy } from './helpers.mjs';

const env = extensionSuite();
/** A plain web page on http://127.0.0.1, listed in the options (externally_connectable matches it). */
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

/** Not a seller anyone connected: messages about it are answered (with an error), not refused. */
const NOBODY = '7000000000000000999';

/** One message of every type in the table. A type added to the table without one here fails the walk. */
const SAMPLES = {
  connect: { type: 'connect' },
  flowState: { type: 'flowState' },
  accounts: { type: 'accounts', query: '', offset: 0, limit: 5 },
  overview: { type: 'overview' },
  shops: { type: 'shops', openId: NOBODY },
  apiRequest: { type: 'apiRequest', openId: NOBODY, request: { path: '/authorization/202309/shops' } },
  cancel: { type: 'cancel' },
  refresh: { type: 'refresh', openId: NOBODY },
  disconnect: { type: 'disconnect', openId: NOBODY },
  importChilkatJson: { type: 'importChilkatJson', text: '{}' },
  exportChilkatJson: { type: 'exportChilkatJson', openId: NOBODY },
  getSettings: { type: 'getSettings' },
  saveSettings: { type: 'saveSettings' }, // no settings: InvalidInput, nothing saved
  pageOrigins: { type: 'pageOrigins' },
  // Never granted: PermissionRequired / InvalidInput, nothing registered.
  allowPageOrigin: { type: 'allowPageOrigin', origin: 'https://never-granted.example' },
  removePageOrigin: { type: 'removePageOrigin', origin: 'https://never-granted.example' },
  decideConsent: { type: 'decideConsent', origin: 'https://never-granted.example', allow: false },
  completeWithUrl: { type: 'completeWithUrl', url: 'https://example.com/?code=x&state=y' },
};

/**
 * The table's further conditions, each with cases on both sides of it: `from` the sender
 * (`popup`, `capture` — capture.html outside the flow's tab —, `web`), `message` the sample as
 * sent, and whether it is allowed.
 */
const CONDITION_CASES = {
  getOnly: [
    { message: (sample) => sample, allowed: true },
    { message: (sample) => ({ ...sample, request: { ...sample.request, method: 'POST' } }), allowed: false },
    { message: (sample) => ({ ...sample, request: { ...sample.request, method: 'delete' } }), allowed: false },
  ],
  flowChannel: [
    { from: 'popup', allowed: true },
    { from: 'capture', allowed: false },
  ],
};

test('the access table, type by type: what a listed web page and an own page may send', async () => {
  assert.deepEqual(Object.keys(SAMPLES).sort(), Object.keys(ACCESS).sort(), 'one sample message per type in the table');
  await connectWithAutoApprove(env.controlPage, env.mock);
  const web = await env.context.newPage();
  await web.goto(webPageUrl);
  const popup = await env.openPopup();
  const senders = {
    web: (message) => web.evaluate(([id, msg]) => chrome.runtime.sendMessage(id, msg), [env.extensionId, message]),
    popup: (message) => popup.evaluate((msg) => chrome.runtime.sendMessage(msg), message),
    capture: (message) => env.send(message), // capture.html, opened by the test: not the flow's tab
  };

  const checked = [];
  for (const [type, access] of Object.entries(ACCESS)) {
    for (const kind of ['own', 'web']) {
      const rule = access[kind];
      const cases = rule === true || rule === false
        ? [{ allowed: rule }]
        : CONDITION_CASES[rule] ?? assert.fail(`no cases for the condition "${rule}" of ${type}`);
      for (const { from = kind === 'own' ? 'popup' : 'web', message = (sample) => sample, allowed } of cases) {
        const sent = message(SAMPLES[type]);
        const reply = await senders[from](sent);
        const label = `${type} from ${from}${sent.request?.method ? ` (${sent.request.method})` : ''}`;
        assert.ok(reply && typeof reply === 'object', `${label}: a reply`);
        if (allowed) {
          assert.ok(reply.ok || !['Forbidden', 'UnknownMessage'].includes(reply.error.name), `${label}: allowed, got ${JSON.stringify(reply.error)}`);
        } else {
          assert.equal(reply.ok, false, `${label}: refused`);
          assert.equal(reply.error.name, 'Forbidden', `${label}: ${reply.error.message}`);
        }
        checked.push(`${label}: ${allowed ? 'allowed' : 'Forbidden'}`);
      }
    }
  }
  // Every type, from both kinds of sender.
  for (const type of Object.keys(ACCESS)) {
    assert.ok(checked.some((line) => line.startsWith(`${type} from popup`) || line.startsWith(`${type} from capture`)), type);
    assert.ok(checked.some((line) => line.startsWith(`${type} from web`)), type);
  }
  assert.equal((await env.send({ type: 'accounts' })).accounts.length, 1, 'the seller is still there');
});

test('a listed web page sending refresh and cancel gets Forbidden, and nothing changes', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  const before = await env.mock.control('counters');
  // A Connect in progress, started from the popup.
  const popup = await env.openPopup();
  await pageOpenedBy(env.context, `${env.mock.url}/open/authorize`, () => popup.click('#connect'));
  assert.equal((await env.send({ type: 'flowState' })).flow.state, 1);

  const web = await env.context.newPage();
  await web.goto(webPageUrl);
  const ask = (message) => web.evaluate(([id, msg]) => chrome.runtime.sendMessage(id, msg), [env.extensionId, message]);
  for (let i = 0; i < 5; i += 1) {
    const reply = await ask({ type: 'refresh', openId: account.openId });
    assert.equal(reply.ok, false);
    assert.equal(reply.error.name, 'Forbidden');
  }
  const cancel = await ask({ type: 'cancel' });
  assert.equal(cancel.ok, false);
  assert.equal(cancel.error.name, 'Forbidden');
  assert.match(cancel.error.message, /only accepted from the extension's own pages/);

  const after = await env.mock.control('counters');
  assert.equal(after.tokenRefresh, before.tokenRefresh, 'no refresh reached TikTok');
  const { flow } = await env.send({ type: 'flowState' });
  assert.equal(flow.state, 1, `the Connect is still pending: ${JSON.stringify(flow)}`);
  await popup.waitForSelector('#flow[data-state="1"]:not([hidden])');
  assert.equal((await env.send({ type: 'cancel' })).ok, true, 'the own pages still may');
});

/** The cells of a Markdown table's rows whose first cell is a backticked name. */
function tableRows(markdown) {
  const rows = new Map();
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const name = cells[0]?.match(/^`(\w+)`$/)?.[1];
    if (name) rows.set(name, cells);
  }
  return rows;
}

test('extension/README.md and README.md state the access table exactly', async () => {
  const extensionReadme = await readFile(path.join(REPO_ROOT, 'extension', 'README.md'), 'utf8');
  const section = extensionReadme.slice(extensionReadme.indexOf('## Message protocol'), extensionReadme.indexOf('## What the worker keeps where'));
  const rows = tableRows(section);
  assert.deepEqual([...rows.keys()].sort(), Object.keys(ACCESS).sort(), 'one row per message type');
  for (const [type, cells] of rows) assert.equal(cells.at(-1), describeAccess(type), `the "who" of ${type}`);

  const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('Other code uses the extension through one message protocol');
  assert.ok(start > 0, 'the README has its protocol paragraph');
  const paragraph = readme.slice(start, readme.indexOf('\n\n', start));
  const [webPart, ownPart] = paragraph.split('Everything else is for the extension\'s own pages only');
  assert.ok(ownPart, 'the paragraph says what is for the own pages only');
  const named = (text) => new Set([...text.matchAll(/`(\w+)`/g)].map((match) => match[1]).filter((name) => Object.hasOwn(ACCESS, name)));
  const webTypes = Object.keys(ACCESS).filter((type) => ACCESS[type].web).sort();
  const ownOnly = Object.keys(ACCESS).filter((type) => !ACCESS[type].web).sort();
  assert.deepEqual([...named(webPart)].sort(), webTypes, 'README: what listed web pages may send');
  assert.deepEqual([...named(ownPart)].sort(), ownOnly, 'README: what only the own pages may send');
});
