// Token safety against hostile set-ups: plain http only to a checked loopback
// address, redaction before any cut, tokens that cannot be sent refused up front, and data never altered by redaction.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { startTestProxy } from '../helpers/test-proxy.js';
import { BIN, FIXTURES, REPO_ROOT, TEST_TOKEN, leaksToken } from '../helpers/run-cli.js';

const cli = useCliSandbox({}, { inProcess: true });
const photo = join(FIXTURES, 'valid/photo.jpg');
/** Preload that answers FAKE_DNS_ANSWER for *.localhost and refuses any connection off loopback (see the file). */
const FAKE_DNS = join(REPO_ROOT, 'test/helpers/fake-dns.mjs');
const GUARD = 'FAKE-DNS-GUARD';

/** Runs the CLI under the fake resolver. */
function runWithFakeDns(args: string[], answer: string, env: Record<string, string | undefined> = {}) {
  return cli.run(['--import', FAKE_DNS, BIN, ...args], { command: process.execPath, env: { FAKE_DNS_ANSWER: answer, ...env } });
}

/** True when any run of 10 characters of the token appears in the text. */
function holdsTokenRun(text: string, token: string = TEST_TOKEN): boolean {
  for (let i = 0; i + 10 <= token.length; i++) if (text.includes(token.slice(i, i + 10))) return true;
  return false;
}

describe('plain http goes only to an address checked to be loopback', () => {
  it('http://api.localhost resolving to a LAN address: exit 3, nothing sent, no connection tried', async () => {
    const base = `http://api.localhost:${cli.sandbox.port}`;
    const result = await runWithFakeDns(['--retry-delay', '0', photo], '192.0.2.1', { WA_BASE_URL: base });
    expect(result.stderr).not.toContain(GUARD);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('api.localhost resolves to 192.0.2.1, which is not a loopback address');
    expect(result.stdout).toBe('');
    expect(cli.sandbox.requests).toHaveLength(0);
    expect(leaksToken(result)).toBe(false);
  });

  it('the same name resolving to 127.0.0.1 is used, pinned to the address checked', async () => {
    const result = await runWithFakeDns([photo], '127.0.0.1', { WA_BASE_URL: `http://api.localhost:${cli.sandbox.port}` });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\n$/);
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(cli.sandbox.requests[0]!.headers.host).toBe(`api.localhost:${cli.sandbox.port}`);
  });

  it('info and delete follow the same rule', async () => {
    for (const command of ['info', 'delete']) {
      const result = await runWithFakeDns([command, '123'], '10.1.2.3', { WA_BASE_URL: `http://graph.localhost:${cli.sandbox.port}` });
      expect(result.code).toBe(3);
      expect(result.stderr).not.toContain(GUARD);
    }
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('a plain-http proxy named *.localhost that resolves off this machine is never sent the token', async () => {
    const proxy = await startTestProxy();
    try {
      const proxyUrl = proxy.url.replace('127.0.0.1', 'proxy.localhost');
      const result = await runWithFakeDns(['--retry-delay', '0', photo], '192.0.2.1', { HTTP_PROXY: proxyUrl });
      expect(result.stderr).not.toContain(GUARD);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('proxy.localhost resolves to 192.0.2.1');
      expect(proxy.relayed).toHaveLength(0);
      expect(cli.sandbox.requests).toHaveLength(0);
    } finally {
      await proxy.close();
    }
  });

  it('sandbox --host with a name that resolves to all interfaces (0.0.0.0) is refused: it listens nowhere', async () => {
    let listening = false;
    const result = await cli.run(['--import', FAKE_DNS, BIN, 'sandbox', '--host', 'lan.localhost'], {
      command: process.execPath,
      env: { FAKE_DNS_ANSWER: '0.0.0.0' },
      timeoutMs: 10_000,
      onSpawn: (child) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('WA_BASE_URL')) {
            listening = true;
            child.kill('SIGINT');
          }
        });
      },
    });
    expect(listening).toBe(false);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('lan.localhost resolves to 0.0.0.0, which is not a loopback address');
  });
});

describe('redaction runs before any cut, and no 10-character run of the token is printed', () => {
  it.each([
    ['past character 90 of a non-Graph body', `${'x'.repeat(95)} ${TEST_TOKEN} tail`],
    ['cut at 120 characters, leaving a prefix', `${'y'.repeat(100)}${TEST_TOKEN}`],
    ['in a Graph message longer than the limit', JSON.stringify({ error: { message: `${'z'.repeat(290)} ${TEST_TOKEN}`, code: 100 } })],
  ])('a token %s', async (_name, body) => {
    for (const flags of [[], ['--json']]) {
      cli.sandbox.injectFault({ status: 400, body });
      const result = await cli.run([...flags, '--retries', '0', photo]);
      expect(result.code).not.toBe(0);
      expect(holdsTokenRun(result.stderr)).toBe(false);
      expect(holdsTokenRun(result.stdout)).toBe(false);
    }
  });
});

describe('a token that cannot travel in a header is a setup error', () => {
  it.each([
    ['a control character', `EAAabc\u0007def0123456789`],
    ['a character outside Latin-1', `EAAabc\u20acdef0123456789`],
    ['a zero-width space', `EAAabc\u200bdef0123456789`],
  ])('%s in WA_TOKEN: exit 3, nothing sent, never retried', async (_name, token) => {
    const result = await cli.run(['--retry-delay', '0', photo], { env: { WA_TOKEN: token } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('contains a control character or one outside Latin-1');
    expect(result.stderr).not.toContain('gave up');
    expect(cli.sandbox.requests).toHaveLength(0);
    expect(leaksToken(result, token)).toBe(false);
  });

  it('in a token file too', async () => {
    const file = join(cli.dirs.cwd, 'token.txt');
    await writeFile(file, 'EAAabc\u0001def0123456789\n', { mode: 0o600 });
    const result = await cli.run(['--token-file', file, photo], { env: { WA_TOKEN: undefined } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('from --token-file');
    expect(cli.sandbox.requests).toHaveLength(0);
  });
});

describe('redaction never alters data', () => {
  it('a short token that also appears in media IDs and file names: stdout is written as is, with a warning', async () => {
    await cli.restart({ token: '0000' });
    try {
      const named = join(cli.dirs.cwd, '0000-photo.jpg');
      await writeFile(named, await import('node:fs/promises').then((fs) => fs.readFile(photo)));
      const text = await cli.run(['--concurrency', '1', named, photo], { env: { WA_TOKEN: '0000' } });
      expect(text.code).toBe(0);
      // The sandbox records requests as they finish: find each file's ID by the part filename it received.
      const idOf = (filename: string): string =>
        (cli.sandbox.requests.find((r) => r.file?.filename === filename)!.responseBody as { id: string }).id;
      expect(text.stdout).toBe(`${idOf('0000-photo.jpg')}\t${named}\n${idOf('photo.jpg')}\t${photo}\n`);
      expect(text.stdout).not.toContain('REDACTED');
      expect(text.stderr).toMatch(/warning: the access token from environment WA_TOKEN is only 4 characters long, too short to be a real one/);
      const json = await cli.run(['--json', named], { env: { WA_TOKEN: '0000' } });
      const object = JSON.parse(json.stdout) as { id: string; file: string };
      expect(object.file).toBe(named);
      expect(object.id).toBe((cli.sandbox.requests.at(-1)!.responseBody as { id: string }).id);
    } finally {
      await cli.restart({});
    }
  });

  it('messages still hide even a short token', async () => {
    await cli.restart({ token: '0000' });
    try {
      cli.sandbox.injectFault({ status: 400, body: 'the token 0000 is no good' });
      const result = await cli.run(['--retries', '0', photo], { env: { WA_TOKEN: '0000' } });
      expect(result.code).toBe(7);
      expect(result.stderr).toContain('the token [REDACTED] is no good');
    } finally {
      await cli.restart({});
    }
  });
});
