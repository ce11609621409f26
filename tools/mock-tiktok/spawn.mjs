// Runs the mock TikTok server in a process of its own, as TikTok would be, so that the
// client's event loop does not also serve the mock's requests (timing tests, `make bench`).
// Only node: built-ins.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder (tools/mock-tiktok/../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The mock's command-line entry point. */
/** The mock's TikTok endpoints at `url`, as a client config's or the settings' `endpoints`. */
export const mockEndpoints = (url) => ({
  authorize: `${url}/open/authorize`,
  tokenGet: `${url}/api/v2/token/get`,
  tokenRefresh: `${url}/api/v2/token/refresh`,
  apiBase: url,
});

export const SERVER_PATH = fileURLToPath(new URL('./server.mjs', import.meta.url));

/**
 * Starts `node server.mjs …args` and waits for its `MOCK_TIKTOK_URL=` line. Resolves to
 * `{ url, close() }`; steer it through the HTTP control API (`/__mock/…`).
 */
export async function spawnMockServer(args = []) {
  const child = spawn(process.execPath, [SERVER_PATH, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`mock server exited (${code}) before listening`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /^MOCK_TIKTOK_URL=(\S+)$/m.exec(out);
      if (match) resolve(match[1]);
    });
  });
  child.removeAllListeners('exit');
  return {
    url,
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
