// TikTok's answers (code, message, HTTP status) from tiktok-codes.json, the one table the mock
// and the Rust fakes (tests/fakes) share, so that the two simulators cannot drift apart.

import { readFileSync } from 'node:fs';

const TABLE = JSON.parse(readFileSync(new URL('./tiktok-codes.json', import.meta.url), 'utf8'));

/** Every answer by name: `{ code, message, httpStatus }` (message may hold `{placeholders}`). */
export const ANSWERS = Object.freeze(TABLE.answers);

/** The envelope code of success. */
export const SUCCESS = ANSWERS.tokenSuccess.code;

/** Signed API timestamp window, relative to server time (documented by TikTok). */
export const TIMESTAMP_MAX_AGE_SEC = TABLE.timestampWindow.maxAgeSec;
export const TIMESTAMP_MAX_AHEAD_SEC = TABLE.timestampWindow.maxAheadSec;

/**
 * TikTok's answer `name`, its `{placeholders}` filled from `values`: `{ status, code, message }`.
 * An unknown name or a placeholder without a value throws (a bug in the mock).
 */
export function tiktokAnswer(name, values = {}) {
  const answer = ANSWERS[name];
  if (!answer) throw new Error(`no TikTok answer named "${name}" in tiktok-codes.json`);
  const message = answer.message.replace(/\{(\w+)\}/g, (_whole, key) => {
    if (!(key in values)) throw new Error(`TikTok answer "${name}" needs a value for {${key}}`);
    return String(values[key]);
  });
  return { status: answer.httpStatus, code: answer.code, message };
}
