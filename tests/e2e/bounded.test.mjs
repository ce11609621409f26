// End-to-end: every network call is bounded and nothing waits on a hung TikTok answer. Cancel
// answers at once while token/get hangs and its late answer is discarded; Disconnect answers at
// once while a refresh hangs, and the late refresh does not bring the account back.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { connectWithAutoApprove, extensionSuite, waitUntil } from './helpers.mjs';

const env = extensionSuite();
before(env.start);
after(env.stop);
beforeEach(env.reset);

const SHOPS = { path: '/authorization/202309/shops' };
const flowState = async () => (await env.send({ type: 'flowState' })).flow;

test('Cancel answers within a second while token/get hangs; the late answer is discarded', async () => {
  await env.mock.control('config', { autoApprove: true });
  await env.mock.control('hold', { endpoint: 'token' });
  const reply = await env.send({ type: 'connect' });
  assert.equal(reply.ok, true, JSON.stringify(reply.error));
  await env.mock.control('held?min=1&timeoutMs=5000');
  await waitUntil(async () => (await flowState()).state === 2, { message: 'state 2' });

  const started = Date.now();
  const cancelled = await env.send({ type: 'cancel' });
  const ms = Date.now() - started;
  assert.equal(cancelled.ok, true, JSON.stringify(cancelled.error));
  assert.equal(cancelled.flow.state, 5);
  assert.ok(ms < 1000, `Cancel took ${ms} ms`);

  // TikTok's answer arrives after the cancel: nothing is stored, the flow stays cancelled.
  await env.mock.control('release', { all: true });
  await new Promise((resolve) => { setTimeout(resolve, 500); });
  const flow = await flowState();
  assert.equal(flow.state, 5);
  assert.equal(flow.failureReason, 'cancelled');
  const { accounts } = await env.send({ type: 'accounts' });
  assert.deepEqual(accounts, []);
  // And a new Connect works at once.
  await env.mock.control('config', { autoApprove: false });
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  assert.ok(account?.openId);
});

test('Disconnect answers at once while a refresh hangs; the late refresh does not bring the account back', async () => {
  const account = await connectWithAutoApprove(env.controlPage, env.mock);
  await env.mock.control('expire-access', {});
  await env.mock.control('hold', { endpoint: 'refresh' });
  const hung = env.send({ type: 'apiRequest', openId: account.openId, request: SHOPS });
  await env.mock.control('held?min=1&timeoutMs=5000');

  const started = Date.now();
  const disconnected = await env.send({ type: 'disconnect', openId: account.openId });
  const ms = Date.now() - started;
  assert.equal(disconnected.ok, true, JSON.stringify(disconnected.error));
  assert.ok(ms < 1000, `Disconnect took ${ms} ms`);

  await env.mock.control('release', { all: true });
  const late = await hung;
  assert.equal(late.ok, false);
  assert.equal(late.error.name, 'UnknownAccount');
  const { accounts } = await env.send({ type: 'accounts' });
  assert.deepEqual(accounts, [], 'not brought back');
});
