// `wa-upload download` checks what the media server sent even without a sha256: its size, HTML in place of media, where the token may go.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useHostileServers } from '../helpers/hostile-server.js';
import { needsProcess, runInProcess } from '../helpers/in-process.js';
import { FIXTURES, TEST_TOKEN, isolatedDirs, leaksToken, runCli, sandboxEnv, type CliRun, type RunOptions } from '../helpers/run-cli.js';

/** In-process, except where only a process has what the run needs (NODE_EXTRA_CA_CERTS for the https cases). */
function runWith(args: string[], options: RunOptions): Promise<CliRun> {
  return needsProcess(options) ? runCli(args, options) : runInProcess(args, options);
}

const servers = useHostileServers();
const TLS = join(FIXTURES, 'tls');

let dirs: Awaited<ReturnType<typeof isolatedDirs>>;
beforeEach(async () => {
  dirs = await isolatedDirs();
});
afterEach(async () => {
  await dirs.cleanup();
});

const MEDIA = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) % 256));
const hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const base64 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');

/** One request the stand-in received. */
interface Seen {
  path: string;
  authorization: string | undefined;
}

/** What the media URL answers: its status, headers and body, or a cut after some bytes. */
interface MediaAnswer {
  body: Buffer;
  contentType?: string;
  /** Send the headers and this many bytes of `body`, then destroy the socket. */
  cutAfter?: number;
}

/**
 * A Graph stand-in: `GET /v27.0/123` answers `info(base)` (the media URL on this server by default), `/media-file`
 * answers `media`. Every request is recorded.
 */
async function mediaServer(options: {
  info?: (base: string, mediaBase: string) => Record<string, unknown>;
  media?: MediaAnswer;
  tls?: boolean;
  mediaBase?: string;
}): Promise<{ base: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const media = options.media ?? { body: MEDIA, contentType: 'image/jpeg' };
  const tls = options.tls ? { key: await readFile(join(TLS, 'localhost-key.pem')), cert: await readFile(join(TLS, 'localhost-cert.pem')) } : undefined;
  const base = await servers.start(
    (req, res: ServerResponse, url) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      req.resume();
      if (req.url?.startsWith('/media-file')) {
        res.writeHead(200, { 'content-type': media.contentType ?? 'application/octet-stream', 'content-length': media.body.length });
        if (media.cutAfter !== undefined) {
          res.write(media.body.subarray(0, media.cutAfter), () => res.destroy());
          return;
        }
        res.end(media.body);
        return;
      }
      const info = options.info?.(url, options.mediaBase ?? url) ?? {};
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: '123', url: `${options.mediaBase ?? url}/media-file`, mime_type: 'image/jpeg', file_size: String(MEDIA.length), ...info }));
    },
    tls ? { tls } : {},
  );
  return { base, seen };
}

/** `wa-upload download 123 -o out.jpg` against `base`, no waits between tries. */
function download(base: string, extra: string[] = [], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runWith(['download', '123', '-o', 'out.jpg', '--retry-delay', '0', ...extra], {
    cwd: dirs.cwd,
    env: { HOME: dirs.home, ...sandboxEnv(base), ...env },
  });
}

const mediaGets = (seen: Seen[]) => seen.filter((r) => r.path.startsWith('/media-file'));

describe('the size is checked without a sha256', () => {
  it('exactly file_size bytes: exit 0, the file written', async () => {
    const { base } = await mediaServer({});
    const result = await download(base);
    expect(result.code).toBe(0);
    expect(await readFile(join(dirs.cwd, 'out.jpg'))).toEqual(MEDIA);
  });

  it('500 of 1000 bytes: retried, then exit 7 naming the count; no file, no .part', async () => {
    const { base, seen } = await mediaServer({ media: { body: MEDIA.subarray(0, 500), contentType: 'image/jpeg' } });
    const result = await download(base);
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/^error: gave up after 3 tries: the media server sent 500 of the 1000 bytes the media info gives/m);
    // A lookup makes at most 3 tries (Meta blocks media lookups after 20 errors in an hour).
    expect(mediaGets(seen)).toHaveLength(3);
    expect(await readdir(dirs.cwd)).toEqual([]);
    expect(result.stdout).toBe('');
  });

  it('a connection cut after 300 of 1000 bytes: exit 7; no file, no .part', async () => {
    const { base, seen } = await mediaServer({ media: { body: MEDIA, contentType: 'image/jpeg', cutAfter: 300 } });
    const result = await download(base);
    expect(result.code).toBe(7);
    expect(mediaGets(seen)).toHaveLength(3);
    expect(await readdir(dirs.cwd)).toEqual([]);
  });

  it('1011 bytes for a file_size of 1000: exit 5 at once (one GET); no file, no .part', async () => {
    const { base, seen } = await mediaServer({ media: { body: Buffer.concat([MEDIA, Buffer.alloc(11, 1)]), contentType: 'image/jpeg' } });
    const result = await download(base);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^error: the media server sent more than the 1000 bytes the media info gives \(file_size\)/m);
    expect(mediaGets(seen)).toHaveLength(1);
    expect(await readdir(dirs.cwd)).toEqual([]);
  });

  it('to stdout (-o -), too many bytes: exit 5 and no byte past file_size on stdout', async () => {
    const { base } = await mediaServer({ media: { body: Buffer.concat([MEDIA, Buffer.from('TRAILING-BYTES')]), contentType: 'image/jpeg' } });
    const result = await runWith(['download', '123', '-o', '-', '--retry-delay', '0'], { cwd: dirs.cwd, env: { HOME: dirs.home, ...sandboxEnv(base) } });
    expect(result.code).toBe(5);
    expect(result.stdout).not.toContain('TRAILING-BYTES');
  });
});

describe('an HTML page where media was promised is refused', () => {
  const PAGE = Buffer.from('<!DOCTYPE html>hi');

  it.each([
    ['content-type text/html', { body: PAGE, contentType: 'text/html; charset=utf-8' }, 'content-type text/html'],
    ['bytes starting <!doctype, sent as image/jpeg', { body: PAGE, contentType: 'image/jpeg' }, 'the bytes begin like HTML'],
    ['bytes starting <html after white space', { body: Buffer.from('\n  <HTML><body>login</body></html>'), contentType: 'application/octet-stream' }, 'the bytes begin like HTML'],
  ])('%s: exit 5 at once (one GET); no file, no .part', async (_name, media, why) => {
    const { base, seen } = await mediaServer({ info: () => ({ file_size: String(media.body.length) }), media });
    const result = await download(base);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`error: the media server answered with an HTML page (${why}), not the image/jpeg the media info gives`);
    expect(mediaGets(seen)).toHaveLength(1);
    expect(await readdir(dirs.cwd)).toEqual([]);
  });

  it('to stdout (-o -): nothing of the page reaches stdout', async () => {
    const { base } = await mediaServer({ info: () => ({ file_size: String(PAGE.length) }), media: { body: PAGE, contentType: 'image/jpeg' } });
    const result = await runWith(['download', '123', '-o', '-', '--retry-delay', '0'], { cwd: dirs.cwd, env: { HOME: dirs.home, ...sandboxEnv(base) } });
    expect(result.code).toBe(5);
    expect(result.stdout).toBe('');
  });

  it('a text/plain document whose bytes are not HTML is kept', async () => {
    const text = Buffer.from('<note>not a page</note>');
    const { base } = await mediaServer({ info: () => ({ file_size: String(text.length), mime_type: 'text/plain' }), media: { body: text, contentType: 'text/plain' } });
    const result = await download(base);
    expect(result.code).toBe(0);
    expect(await readFile(join(dirs.cwd, 'out.jpg'))).toEqual(text);
  });
});

describe('sha256 in hex or base64', () => {
  it.each([
    ['hex', hex(MEDIA)],
    ['upper-case hex', hex(MEDIA).toUpperCase()],
    ["base64 (Meta's examples)", base64(MEDIA)],
    ['base64 without its =', base64(MEDIA).replace(/=$/, '')],
    ['base64url', base64(MEDIA).replace(/\+/g, '-').replace(/\//g, '_')],
  ])('%s: the download is verified; info prints it as lower-case hex', async (_name, sha256) => {
    const { base } = await mediaServer({ info: () => ({ sha256 }) });
    const result = await download(base, ['--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ bytes: 1000, sha256: hex(MEDIA) });
    const info = await runWith(['info', '123'], { cwd: dirs.cwd, env: { HOME: dirs.home, ...sandboxEnv(base) } });
    expect(info.code).toBe(0);
    expect(info.stdout).toContain(`sha256     ${hex(MEDIA)}\n`);
  });

  it('a base64 sha256 of other bytes: the download is refused after the retries (exit 7), no file', async () => {
    const { base, seen } = await mediaServer({ info: () => ({ sha256: base64(Buffer.from('other bytes')) }) });
    const result = await download(base);
    expect(result.code).toBe(7);
    expect(result.stderr).toContain("the bytes received do not match the media's sha256");
    expect(mediaGets(seen)).toHaveLength(3);
    expect(await readdir(dirs.cwd)).toEqual([]);
  });

  it.each([
    ['44 characters that are not base64', `${'!'.repeat(43)}=`],
    ['the base64 of 31 bytes', Buffer.alloc(31, 7).toString('base64')],
    ['63 hex digits', hex(MEDIA).slice(1)],
  ])('%s: exit 5, no media request', async (_name, sha256) => {
    const { base, seen } = await mediaServer({ info: () => ({ sha256 }) });
    const result = await download(base);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('its sha256 is not 64 hex digits or the base64 of 32 bytes');
    expect(mediaGets(seen)).toHaveLength(0);
  });
});

describe('where the token may go', () => {
  it('a media URL with a user name and password: exit 5, nothing sent to it', async () => {
    const { base, seen } = await mediaServer({ info: (b) => ({ url: `${b.replace('http://', 'http://user:secret@')}/media-file` }) });
    const result = await download(base);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('carries a user name or password');
    expect(result.stderr).not.toContain('secret');
    expect(mediaGets(seen)).toHaveLength(0);
    expect(await readdir(dirs.cwd)).toEqual([]);
  });

  it('an https API whose media URL is plain http, even to this machine: exit 5, the media server receives nothing', async () => {
    const plain = await mediaServer({});
    const { base } = await mediaServer({ tls: true, mediaBase: plain.base });
    const result = await download(base, [], { NODE_EXTRA_CA_CERTS: join(TLS, 'localhost-cert.pem') });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`error: the media URL ${plain.base} is not https; refusing to send the token there`);
    expect(plain.seen).toHaveLength(0);
    expect(leaksToken(result)).toBe(false);
  });

  it('an https API and an https media URL: the token goes with the download', async () => {
    const { base, seen } = await mediaServer({ tls: true });
    const result = await download(base, [], { NODE_EXTRA_CA_CERTS: join(TLS, 'localhost-cert.pem') });
    expect(result.code).toBe(0);
    expect(mediaGets(seen).map((r) => r.authorization)).toEqual([`Bearer ${TEST_TOKEN}`]);
  });

  it('a plain-http API on this machine: its plain-http media URL on this machine gets the token', async () => {
    const { base, seen } = await mediaServer({});
    const result = await download(base);
    expect(result.code).toBe(0);
    expect(mediaGets(seen).map((r) => r.authorization)).toEqual([`Bearer ${TEST_TOKEN}`]);
  });
});
