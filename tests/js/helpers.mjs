// Shared helpers for the Node tests of the built wasm package (extension/pkg): the package and
// its mock wiring (tools/wasm-package.mjs, also used by `make bench`), the mock server, fixtures,
// and assertions' helpers.

import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { startMockServer } from '../../tools/mock-tiktok/server.mjs';
import { REPO_ROOT, spawnMockServer } from '../../tools/mock-tiktok/spawn.mjs';

export * from '../../tools/wasm-package.mjs';

export const FIXTURES = path.join(REPO_ROOT, 'tests', 'fixtures');

export { REPO_ROOT, spawnMockServer, startMockServer };

export const fixture = (name) => readFile(path.join(FIXTURES, name), 'utf8');

/** How many `get`s asked for an account record (`tts:account:*`, or everything) since `from`. */
export const accountReads = (store, from = 0) => store.reads.slice(from)
  .filter((keys) => keys === null || keys.some((key) => key.startsWith('tts:account:'))).length;

/** Awaits `promise` expecting a rejection; returns the thrown value. */
export async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, the promise resolved');
}

/** Calls `fn` expecting it to throw synchronously; returns the thrown value. */
export function thrown(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw, the call returned');
}

/** Everything a thrown error could show a person or a log, as one string. */
export function errorText(error) {
  return [String(error?.message), String(error?.stack), JSON.stringify(error), String(error?.snippet ?? '')].join('\n');
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
