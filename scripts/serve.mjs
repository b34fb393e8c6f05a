#!/usr/bin/env node
// A dependency-free static file server for the package, the demo page and the browser tests.
// Serves the repo root (so /pkg/, /www/, /tests/ and /models/ are all reachable) on 127.0.0.1.
//
//   node scripts/serve.mjs [ROOT]    PORT (default 8080; 0 = a free port), HOST (default 127.0.0.1)
//
// Prints `serving ROOT at http://127.0.0.1:PORT/` once it listens. Models (*.onnx) are sent with
// `Cache-Control: no-store`, so the browser's HTTP cache never hides a model download: only the
// package's Cache API can. Everything else is `no-cache` with an ETag (revalidated each time, 304
// when unchanged), so a rebuilt pkg/ is seen at once. `GET /__requests` answers the paths served so far
// (JSON array, oldest first) and `GET /__requests?reset` empties the list: the tests count model
// downloads with it. As a module: `const { url, requests, close } = await serve({ root, port })`.
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(fileURLToPath(import.meta.url), '..', '..');

// `application/wasm` matters: WebAssembly.instantiateStreaming refuses anything else.
export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.webm': 'video/webm',
  '.mp4': 'video/mp4',
};

/** Starts the server; resolves once it listens. */
export function serve({ root = REPO, port = 8080, host = '127.0.0.1', log = false } = {}) {
  root = resolve(root);
  const requests = [];
  const server = createServer(async (req, res) => {
    const headers = { 'Cache-Control': 'no-store', 'Cross-Origin-Resource-Policy': 'same-origin' };
    const send = (status, text) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    let url;
    try {
      url = new URL(req.url, 'http://localhost');
    } catch {
      return send(400, 'bad request\n');
    }
    if (url.pathname === '/__requests') {
      const body = JSON.stringify(requests);
      if (url.searchParams.has('reset')) requests.length = 0;
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
      return res.end(body);
    }
    let pathname;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return send(400, 'bad request\n');
    }
    requests.push(pathname);
    if (log) console.log(req.method, pathname);
    let file = resolve(join(root, pathname));
    if (file !== root && !file.startsWith(root + sep)) return send(403, 'forbidden\n');
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        if (!pathname.endsWith('/')) {
          res.writeHead(301, { ...headers, Location: url.pathname + '/' + url.search });
          return res.end();
        }
        file = join(file, 'index.html');
        info = await stat(file);
      }
      if (!info.isFile()) return send(404, 'not found\n');
      const type = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
      if (!file.endsWith('.onnx')) {
        // Revalidated on every use (a rebuilt pkg/ is picked up at once), but cacheable: Chromium
        // keeps its compiled-wasm code cache only for responses in the HTTP cache.
        const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
        headers['Cache-Control'] = 'no-cache';
        headers.ETag = etag;
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, headers);
          return res.end();
        }
      }
      res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': info.size });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file)
        .on('error', () => res.destroy())
        .pipe(res);
    } catch {
      send(404, 'not found\n');
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolvePromise({
        url: `http://${host}:${address.port}/`,
        port: address.port,
        requests,
        server,
        close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections?.(); }),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? REPO);
  const { url } = await serve({ root, port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? '127.0.0.1', log: !!process.env.LOG });
  console.log(`serving ${root} at ${url}`);
}
