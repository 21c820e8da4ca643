// A tiny static HTTP server on 127.0.0.1 for pages a browser test opens: URL prefixes mapped to
// folders (or single files), with the content types browsers insist on (a module script must be
// served as JavaScript; a page from file:// may load no modules at all).

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.xhtml': 'application/xhtml+xml; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.epub': 'application/epub+zip',
  '.mp3': 'audio/mpeg',
};

export interface StaticServer {
  /** http://127.0.0.1:<port> */
  base: string;
  close(): Promise<void>;
}

/** Serves `routes`: a prefix ending in "/" maps to a folder, any other path to one file. */
export async function serveStatic(routes: Record<string, string>): Promise<StaticServer> {
  const fileFor = (pathname: string): string | undefined => {
    for (const [prefix, target] of Object.entries(routes)) {
      if (!prefix.endsWith('/')) {
        if (pathname === prefix) return target;
        continue;
      }
      if (!pathname.startsWith(prefix)) continue;
      const root = resolve(target);
      let name: string;
      try {
        name = decodeURIComponent(pathname.slice(prefix.length));
      } catch {
        return undefined; // a malformed escape names no file
      }
      const file = resolve(join(root, name));
      // Nothing outside the folder ("/../").
      return file.startsWith(root + sep) ? file : undefined;
    }
    return undefined;
  };
  const server = createServer(async (request, response) => {
    const file = fileFor(new URL(request.url ?? '/', 'http://localhost').pathname);
    const found = file ? await stat(file).catch(() => undefined) : undefined;
    if (!file || !found?.isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': found.size,
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}
