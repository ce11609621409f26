// End-to-end: settings are checked by the core alone. A refresh margin of 0 (which the core
// accepts) is kept as 0; a negative one is refused with the core's message; an empty one means
// the core's default. Nothing is rewritten silently.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { extensionSuite, mockSettings } from './helpers.mjs';

const env = extensionSuite();
before(env.start);
after(env.stop);
beforeEach(env.reset);

const save = (overrides) => env.send({ type: 'saveSettings', settings: { ...mockSettings(env.mock), ...overrides } });

test('a refresh margin of 0 is kept; a negative one gets the core\'s message; empty means the default', async () => {
  const zero = await save({ refreshMarginSecs: 0 });
  assert.equal(zero.ok, true, JSON.stringify(zero.error));
  assert.equal((await env.send({ type: 'getSettings' })).settings.refreshMarginSecs, 0);

  const negative = await save({ refreshMarginSecs: -5 });
  assert.equal(negative.ok, false);
  assert.equal(negative.error.name, 'InvalidConfig');
  assert.match(negative.error.message, /refresh margin must be between 0 and 86400 seconds, not -5/);
  assert.equal((await env.send({ type: 'getSettings' })).settings.refreshMarginSecs, 0, 'the refused value was not stored');

  const text = await save({ refreshMarginSecs: 'soon' });
  assert.equal(text.ok, false);
  assert.equal(text.error.name, 'InvalidConfig');

  const empty = await save({ refreshMarginSecs: '' });
  assert.equal(empty.ok, true, JSON.stringify(empty.error));
  assert.equal((await env.send({ type: 'getSettings' })).settings.refreshMarginSecs, undefined, 'the core\'s default applies');
  const { accounts } = await env.send({ type: 'accounts' });
  assert.deepEqual(accounts, []);
});
