// Every wait is bounded: trickling answers, silent and refusing proxies, huge error
// bodies and out-of-range timeouts, each against a loopback server that misbehaves on purpose.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useHostileServers } from '../helpers/hostile-server.js';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, leaksToken } from '../helpers/run-cli.js';

const cli = useCliSandbox({}, { inProcess: true });
const photo = join(FIXTURES, 'valid/photo.jpg');
const servers = useHostileServers();
const hostileServer = servers.start;

/** Answers with the headers at once, then one byte every 400 ms (40 at most), ending in valid JSON. */
function trickle(status: number, json: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json' });
      const body = `${' '.repeat(40 - json.length)}${json}`;
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed || sent >= body.length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(body[sent++]);
      }, 400);
      res.on('close', () => clearInterval(timer));
    });
  };
}

describe('--timeout bounds the whole answer once the request is sent', () => {
  it.each([
    ['an upload answered 200 a byte at a time', [photo], 200, '{"id":"777"}'],
    ['a 503 body a byte at a time', [photo], 503, '{"error":{"code":2}}'],
    ['info', ['info', '123'], 200, '{"id":"123","url":"x"}'],
    ['delete', ['delete', '123'], 200, '{"success":true}'],
  ])('%s: exit 7 after --timeout, never waiting for the trickle', async (_name, args, status, json) => {
    const base = await hostileServer(trickle(status, json));
    const result = await cli.run(['--timeout', '1', '--retries', '0', ...args], { env: { WA_BASE_URL: base }, timeoutMs: 12_000 });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(7);
    expect(result.stderr).toContain('no answer within 1 s of sending the request (headers and body)');
    expect(result.stdout).toBe('');
    expect(leaksToken(result)).toBe(false);
  });
});

/** A proxy that accepts connections and runs `onConnect` on each CONNECT request's first bytes. */
async function rawProxy(onConnect: (socket: Socket) => void): Promise<{ url: string; connects: number }> {
  const state = { url: '', connects: 0 };
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (chunk) => {
      if (chunk.toString('latin1').startsWith('CONNECT ')) state.connects += 1;
      onConnect(socket);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.onCleanup(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  }));
  return state;
}

describe('a proxy that never answers CONNECT', () => {
  it('is bounded by --timeout: exit 7 naming the proxy', async () => {
    const proxy = await rawProxy(() => {});
    const result = await cli.run(['--timeout', '1', '--retries', '0', photo], {
      env: { WA_BASE_URL: 'https://127.0.0.1:9', HTTPS_PROXY: proxy.url },
      timeoutMs: 12_000,
    });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(7);
    expect(result.stderr).toContain(`the proxy ${proxy.url}`);
    expect(proxy.connects).toBe(1);
  });

  it('SIGTERM ends the process at once (143), whatever the proxy does', async () => {
    let connected: () => void = () => {};
    const seen = new Promise<void>((resolve) => (connected = resolve));
    const proxy = await rawProxy(() => connected());
    const result = await cli.run(['--timeout', '60', photo], {
      env: { WA_BASE_URL: 'https://127.0.0.1:9', HTTPS_PROXY: proxy.url },
      timeoutMs: 12_000,
      onSpawn: (child) => void seen.then(() => child.kill('SIGTERM')),
    });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(143);
    expect(result.stderr).toContain('interrupted by SIGTERM');
  });
});

describe('proxy trouble is named as such', () => {
  it('407 from the proxy is a setup error (exit 3) naming the proxy, tried once', async () => {
    const proxy = await rawProxy((socket) => socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n'));
    const result = await cli.run(['--retry-delay', '0', photo], { env: { WA_BASE_URL: 'https://127.0.0.1:9', HTTPS_PROXY: proxy.url } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`error: the proxy ${proxy.url} asks for credentials (HTTP 407)`);
    expect(result.stderr).toContain('hint: put the credentials in the proxy URL');
    expect(proxy.connects).toBe(1);
  });

  it('a proxy that refuses connections: the message says it was the proxy', async () => {
    const proxy = await rawProxy(() => {});
    const closedPort = proxy.url;
    await servers.closeAll();
    const result = await cli.run(['--retries', '0', photo], { env: { WA_BASE_URL: 'https://127.0.0.1:9', HTTPS_PROXY: closedPort } });
    expect(result.code).toBe(7);
    expect(result.stderr).toContain(`connection refused by the proxy ${closedPort}`);
  });

  it('a redirect on the media URL is an API error (exit 5), not retried as a non-Graph body', async () => {
    let mediaGets = 0;
    const base = await hostileServer((req, res, self) => {
      req.resume();
      if (req.url?.startsWith('/media-file')) {
        mediaGets += 1;
        res.writeHead(302, { location: 'https://elsewhere.example/file' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: '123', url: `${self}/media-file`, mime_type: 'image/jpeg', sha256: 'a'.repeat(64), file_size: 10 }));
    });
    const result = await cli.run(['download', '123', '-o', join(cli.dirs.cwd, 'out.jpg'), '--retry-delay', '0'], { env: { WA_BASE_URL: base } });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('redirect');
    expect(mediaGets).toBe(1);
  });
});

/** Answers 500 with `size` bytes of body, written only as fast as the client reads; counts what it managed to write. */
function hugeBody(size: number, written: { bytes: number }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    req.on('end', () => {
      res.writeHead(500, { 'content-type': 'text/plain', 'content-length': size });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = (): void => {
        while (!res.destroyed && written.bytes < size) {
          written.bytes += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
    });
  };
}

describe('error bodies are read only as far as a message needs', () => {
  it('a 256 MiB answer to an upload: at most a few MiB go out before the connection is dropped; a short message', async () => {
    const written = { bytes: 0 };
    const size = 256 * 1024 * 1024;
    const base = await hostileServer(hugeBody(size, written));
    const result = await cli.run(['--retries', '0', photo], { env: { WA_BASE_URL: base } });
    expect(result.code).toBe(7);
    // Socket buffers on loopback take a few MiB; reading the whole body would take all 256.
    expect(written.bytes).toBeLessThan(32 * 1024 * 1024);
    const errorLine = result.stderr.split('\n').find((line) => line.startsWith('error:'))!;
    expect(errorLine.length).toBeLessThan(400);
  });

  it('the same on a download\'s media URL', async () => {
    const written = { bytes: 0 };
    const size = 256 * 1024 * 1024;
    const huge = hugeBody(size, written);
    const base = await hostileServer((req, res, self) => {
      if (req.url?.startsWith('/media-file')) return huge(req, res);
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: '123', url: `${self}/media-file`, mime_type: 'image/jpeg', sha256: 'a'.repeat(64), file_size: 10 }));
    });
    const result = await cli.run(['download', '123', '-o', join(cli.dirs.cwd, 'out.jpg'), '--retries', '0'], { env: { WA_BASE_URL: base } });
    expect(result.code).toBe(7);
    expect(written.bytes).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('a timeout longer than a timer holds is refused up front', () => {
  it.each([
    ['--timeout 3000000 before the file', () => ['--timeout', '3000000', photo]],
    ['--max-retry-wait 1e9 before the file', () => ['--max-retry-wait', '1000000000', photo]],
    ['--retry-delay 2147484 after the file', () => [photo, '--retry-delay', '2147484']],
  ] as [string, () => string[]][])('%s: a usage error (exit 2) naming the flag, nothing sent, no timer warning', async (_name, args) => {
    const result = await cli.run(args());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--(timeout|max-retry-wait|retry-delay).*at most 2147483 seconds \(24\.8 days\), the longest wait a timer holds/);
    expect(result.stderr).not.toContain('TimeoutOverflowWarning');
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it.each([
    ['"timeout": 1e308 in a config file', [], { timeout: 1e308 }],
    ['"retryDelay": 2147484 in a config file', [], { retryDelay: 2_147_484 }],
  ] as [string, string[], Record<string, number> | undefined][])('%s: exit 3, nothing sent, no timer warning', async (_name, flags, config) => {
    if (config) await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify(config));
    const result = await cli.run([...flags, photo]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/is more than 2147483 seconds \(24\.8 days\), the longest wait a timer holds/);
    expect(result.stderr).not.toContain('TimeoutOverflowWarning');
    expect(cli.sandbox.requests).toHaveLength(0);
  });
});
