#!/usr/bin/env node
// A tiny static server for this folder (node:http, no dependencies), so the
// page runs on http://127.0.0.1:<port>/, an origin the extension's
// `externally_connectable` accepts.
//
//   node www/serve.mjs                       # ephemeral port
//   node www/serve.mjs --port 8080 --host 127.0.0.1
//
// Prints `WWW_URL=http://127.0.0.1:PORT/` and serves until SIGINT / SIGTERM.
// In-process: `const server = await startStaticServer({ port: 0 }); server.url; await server.close();`

import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const WWW_DIR = path.dirname(fileURLToPath(import.meta.url));

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** Files this server never hands out (itself). */
const PRIVATE_FILES = new Set(['serve.mjs']);

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
};

/** The file under `root` that a URL path names, or null when it escapes `root` or is private. */
function resolvePath(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded.endsWith('/') ? `${decoded}index.html` : decoded;
  const file = path.resolve(root, `.${path.posix.normalize(relative)}`);
  if (file !== root && !file.startsWith(`${root}${path.sep}`)) return null;
  if (PRIVATE_FILES.has(path.relative(root, file))) return null;
  return file;
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

async function handle(root, req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'Method Not Allowed\n', { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' });
    return;
  }
  const { pathname } = new URL(req.url, 'http://localhost');
  const file = resolvePath(root, pathname);
  const info = file ? await stat(file).catch(() => null) : null;
  if (info?.isDirectory()) {
    send(res, 301, '', { Location: `${pathname}/` });
    return;
  }
  if (!info?.isFile()) {
    send(res, 404, 'Not Found\n', { 'Content-Type': 'text/plain; charset=utf-8' });
    return;
  }
  const body = await readFile(file);
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  send(res, 200, req.method === 'HEAD' ? undefined : body, { 'Content-Type': type, 'Content-Length': body.length });
}

/** Starts the server; resolves with `{ url, port, server, close() }`. */
export async function startStaticServer({ port = 0, host = '127.0.0.1', root = WWW_DIR } = {}) {
  const resolvedRoot = path.resolve(root);
  const server = http.createServer((req, res) => {
    handle(resolvedRoot, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'Internal Server Error\n', { 'Content-Type': 'text/plain; charset=utf-8' });
      else res.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${actualPort}/`,
    port: actualPort,
    server,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve.mjs: invalid --port ${values.port}`);
    process.exit(2);
  }
  const running = await startStaticServer({ port, host: values.host });
  console.log(`WWW_URL=${running.url}`);
  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
