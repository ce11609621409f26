// End-to-end: tab capture mode. The app's registered redirect URL is the
// team's own page; a declarativeNetRequest rule, present only while the flow
// is pending, sends it to capture.html instead, so that page never sees the code.

import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';

import {
  extensionCopyWith, extensionSuite, mockSettings, pageOpenedBy, saveSettings, sendFromPage,
} from './helpers.mjs';

// The optional permissions tab capture asks for, granted up front (no prompt in headless).
const extensionDir = await extensionCopyWith({
  permissions: ['declarativeNetRequestWithHostAccess'],
  hostPermissions: ['http://127.0.0.1/*'],
});
const env = extensionSuite({}, { extensionDir });
before(env.start);
after(async () => {
  await env.stop();
  await rm(path.dirname(extensionDir), { recursive: true, force: true });
});
beforeEach(env.reset);

const captureRules = () => env.worker.evaluate(() => chrome.declarativeNetRequest.getSessionRules());

test('tab capture: the redirect to the team page is captured by capture.html and the account connects', async () => {
  const teamCallback = `${env.mock.url}/__mock/callback`;
  await env.mock.control('config', { redirectUrl: teamCallback });
  await saveSettings(env.controlPage, mockSettings(env.mock, { captureMode: 'tab', registeredRedirectUrl: teamCallback }));
  assert.deepEqual(await captureRules(), [], 'no rule before the flow');

  const authorizePage = await pageOpenedBy(env.context, `${env.mock.url}/open/authorize`,
    () => sendFromPage(env.controlPage, { type: 'connect' }));
  assert.equal((await captureRules()).length, 1, 'the rule exists while the flow is pending');

  await authorizePage.click('#authorize');
  await authorizePage.waitForSelector('#capture-status:has-text("Connected Mock Test Shop")');
  assert.equal(authorizePage.url(), `chrome-extension://${env.extensionId}/capture.html`, 'the code is not left in the address bar');

  const { flow } = await env.send({ type: 'flowState' });
  assert.equal(flow.state, 3);
  assert.deepEqual(await captureRules(), [], 'the rule is gone once the flow is over');
  const paths = (await env.mock.control('requests')).requests.map((request) => request.path);
  assert.ok(!paths.includes('/__mock/callback'), 'the team page never received the code');
});

test('tab capture: Cancel removes the rule, so a late redirect reaches the team page and connects nothing', async () => {
  const teamCallback = `${env.mock.url}/__mock/callback`;
  await env.mock.control('config', { redirectUrl: teamCallback });
  await saveSettings(env.controlPage, mockSettings(env.mock, { captureMode: 'tab', registeredRedirectUrl: teamCallback }));
  const authorizePage = await pageOpenedBy(env.context, `${env.mock.url}/open/authorize`,
    () => sendFromPage(env.controlPage, { type: 'connect' }));
  assert.equal((await env.send({ type: 'cancel' })).flow.failureReason, 'cancelled');
  assert.deepEqual(await captureRules(), []);

  await authorizePage.click('#authorize');
  await authorizePage.waitForSelector('#params');
  assert.equal((await env.send({ type: 'accounts' })).accounts.length, 0);
  assert.equal((await env.mock.control('counters')).tokenGet, 0);
});
