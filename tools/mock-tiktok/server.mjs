// Mock TikTok Shop server: authorize page, token exchange and refresh, two signed API
// endpoints, and a control API under /__mock/ for tests. No dependencies beyond node:.
//
//   import { startMockServer } from './server.mjs';
//   const mock = await startMockServer({ rotateRefreshToken: true });
//   ... mock.url ... await mock.close();
//
//   node tools/mock-tiktok/server.mjs [--port N] [--host 127.0.0.1] [--config file.json]
//   → prints "MOCK_TIKTOK_URL=http://127.0.0.1:PORT" (and "MOCK_TIKTOK_API_URL=…" with
//     --api-port N) and serves until SIGTERM/SIGINT.
//
// This file is the HTTP server and the CLI; router.mjs answers the TikTok endpoints,
// control.mjs the control API, faults.mjs injects faults and holds, state.mjs remembers.
// See README.md in this folder for every endpoint and the control API.

import http from 'node:http';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import { MockState } from './state.mjs';
import { handleControl } from './control.mjs';
import { releaseHeld } from './faults.mjs';
import { applyCommonHeaders, jsonReply, preflightReply, readBody, sendReply } from './replies.mjs';
import { handleTikTokRequest } from './router.mjs';

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

const SERVER_OPTIONS = new Set(['port', 'apiPort', 'host', 'verbose']);

/**
 * Starts a mock TikTok Shop server.
 *
 * @param {object} [options]  `port` (default 0 = ephemeral), `apiPort` (a second
 *   listener with the same state, so the API and the token endpoints can be two
 *   origins as on TikTok — browsers queue at most 6 connections per origin), `host` (default
 *   127.0.0.1), `verbose` (default: env MOCK_TIKTOK_VERBOSE=1), and any config key
 *   of the control API (appKey, appSecret, serviceId, redirectUrl, seller, …).
 * @returns {Promise<{url: string, port: number, apiUrl: string, apiPort: number, close: () => Promise<void>, state: MockState}>}
 */
export async function startMockServer(options = {}) {
  const configOptions = Object.fromEntries(
    Object.entries(options).filter(([key]) => !SERVER_OPTIONS.has(key)),
  );
  const state = new MockState(configOptions);
  const host = options.host ?? '127.0.0.1';
  const verbose = options.verbose ?? process.env.MOCK_TIKTOK_VERBOSE === '1';

  const handler = async (req, res) => {
    const startedAt = Date.now();
    if (verbose) {
      // Path only: query strings carry app_secret and tokens.
      res.on('close', () => {
        const path = (req.url ?? '').split('?')[0];
        process.stderr.write(
          `[mock-tiktok] ${req.method} ${path} -> ${res.headersSent ? res.statusCode : 'dropped'} (${Date.now() - startedAt} ms)\n`,
        );
      });
    }
    try {
      const url = new URL(req.url ?? '/', state.baseUrl);
      const body = await readBody(req);
      applyCommonHeaders(state, res);
      if (req.method === 'OPTIONS') {
        sendReply(res, preflightReply(req));
      } else if (url.pathname.startsWith('/__mock/') && url.pathname !== '/__mock/callback') {
        sendReply(res, await handleControl(state, req.method, url, body));
      } else {
        await handleTikTokRequest(state, req, res, url, body);
      }
    } catch (error) {
      // A bug in the mock: say so loudly, in a form no client could mistake for TikTok.
      process.stderr.write(`[mock-tiktok] internal error: ${error.stack}\n`);
      sendReply(res, jsonReply(500, { error: `mock internal error: ${error.message}` }));
    }
  };

  const listen = (server, port) =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(server.address().port);
      });
    });
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const servers = [http.createServer(handler)];
  const port = await listen(servers[0], options.port ?? 0);
  const url = `http://${urlHost}:${port}`;
  state.baseUrl = url;
  let apiPort = port;
  if (options.apiPort !== undefined) {
    servers.push(http.createServer(handler));
    apiPort = await listen(servers[1], options.apiPort);
  }
  const apiUrl = `http://${urlHost}:${apiPort}`;

  let closing;
  const close = () => {
    if (closing) return closing;
    releaseHeld(state); // answer parked requests rather than leave sockets hanging
    closing = Promise.all(
      servers.map(
        (server) =>
          new Promise((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    ).then(() => undefined);
    return closing;
  };
  return { url, port, apiUrl, apiPort, close, state };
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

function parseArgs(argv) {
  const options = {};
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    const value = argv[index + 1];
    if (flag === '--port') options.port = Number(value);
    else if (flag === '--api-port') options.apiPort = Number(value);
    else if (flag === '--host') options.host = value;
    else if (flag === '--config') Object.assign(options, JSON.parse(readFileSync(value, 'utf8')));
    else throw new Error(`unknown argument ${flag} (use --port N, --api-port N, --host H, --config file.json)`);
    index += 1;
  }
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 0)) {
    throw new Error('--port must be a non-negative integer');
  }
  return options;
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const mock = await startMockServer(parseArgs(process.argv.slice(2)));
  process.stdout.write(`MOCK_TIKTOK_URL=${mock.url}\n`);
  if (mock.apiUrl !== mock.url) process.stdout.write(`MOCK_TIKTOK_API_URL=${mock.apiUrl}\n`);
  const shutdown = async () => {
    await mock.close();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
