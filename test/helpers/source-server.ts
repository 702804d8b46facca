// A file host on 127.0.0.1 for the URL source tests: answers what each test sets per path (or misbehaves) and records every request.

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { FIXTURES } from './run-cli.js';

/** One request the host received: exactly what arrived, headers and all. */
interface SourceRequestSeen {
  method: string;
  /** The path with its query string, as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  /** The raw header lines, names as sent. */
  rawHeaders: string[];
}

/** What a path answers: a status, headers and body, or a misbehaviour. */
interface SourceAnswer {
  status?: number;
  headers?: Record<string, string | number>;
  body?: Buffer | string;
  /** Claim this Content-Length whatever the body's length (sent raw on the socket). */
  claimLength?: number;
  /** Send the headers and this many body bytes, then nothing more, never ending (a stalled host). */
  stallAfter?: number;
  /** Send the headers and this many body bytes, then close the connection. */
  cutAfter?: number;
  /** Send the body in pieces of this size, this many milliseconds apart (a slow host). */
  trickle?: { bytes: number; everyMs: number };
}

/** A handler for one path: an answer, a list of answers taken in turn (the last repeats), or a function. */
type SourceRoute = SourceAnswer | SourceAnswer[] | ((req: IncomingMessage, res: ServerResponse, hit: number) => void);

/** The running host of a test file. */
export interface SourceServer {
  readonly url: string;
  readonly requests: SourceRequestSeen[];
  /** Sets what a path (without its query) answers, until the next test. */
  serve(path: string, route: SourceRoute): void;
  /** The requests to one path (query ignored). */
  requestsTo(path: string): SourceRequestSeen[];
}

/** The fixture certificate and key (for 127.0.0.1 and localhost), for an https host. */
async function fixtureTls(): Promise<{ key: Buffer; cert: Buffer }> {
  return { key: await readFile(join(FIXTURES, 'tls', 'localhost-key.pem')), cert: await readFile(join(FIXTURES, 'tls', 'localhost-cert.pem')) };
}

/** Starts a host (plain http, or https with `tls`); routes and records are forgotten before each test. */
export function useSourceServer(options: { tls?: boolean } = {}): SourceServer {
  const routes = new Map<string, SourceRoute>();
  const hits = new Map<string, number>();
  const requests: SourceRequestSeen[] = [];
  let server: Server | undefined;
  let url = '';
  const pathOf = (raw: string | undefined): string => (raw ?? '/').split('?')[0]!;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    req.resume();
    const path = pathOf(req.url);
    const hit = hits.get(path) ?? 0;
    hits.set(path, hit + 1);
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no such file');
      return;
    }
    if (typeof route === 'function') {
      route(req, res, hit);
      return;
    }
    answer(req, res, Array.isArray(route) ? route[Math.min(hit, route.length - 1)]! : route);
  };
  beforeAll(async () => {
    server = options.tls ? createHttpsServer(await fixtureTls(), listener) : createServer(listener);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server?.closeAllConnections();
      server?.close(() => resolve());
    });
  });
  beforeEach(() => {
    routes.clear();
    hits.clear();
    requests.length = 0;
    server?.closeAllConnections();
  });
  return {
    get url() {
      return url;
    },
    requests,
    serve: (path, route) => void routes.set(path, route),
    requestsTo: (path) => requests.filter((r) => pathOf(r.url) === path),
  };
}

function answer(req: IncomingMessage, res: ServerResponse, spec: SourceAnswer): void {
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body) : (spec.body ?? Buffer.alloc(0));
  const status = spec.status ?? 200;
  if (spec.claimLength !== undefined) {
    // Node's server would refuse to send a body of another length than it said: written raw on the socket.
    const head = [`HTTP/1.1 ${status} OK`, `Content-Length: ${spec.claimLength}`, ...Object.entries(spec.headers ?? {}).map(([k, v]) => `${k}: ${v}`), 'Connection: close', '', ''].join('\r\n');
    req.socket.write(Buffer.concat([Buffer.from(head), body]), () => req.socket.end());
    return;
  }
  const headers = { 'content-length': body.length, ...spec.headers };
  res.writeHead(status, headers);
  if (spec.stallAfter !== undefined) {
    res.write(body.subarray(0, spec.stallAfter));
    return;
  }
  if (spec.cutAfter !== undefined) {
    res.write(body.subarray(0, spec.cutAfter), () => res.destroy());
    return;
  }
  if (spec.trickle) {
    const { bytes, everyMs } = spec.trickle;
    let at = 0;
    const next = (): void => {
      if (res.destroyed) return;
      if (at >= body.length) {
        res.end();
        return;
      }
      res.write(body.subarray(at, at + bytes));
      at += bytes;
      setTimeout(next, everyMs);
    };
    next();
    return;
  }
  res.end(body);
}
