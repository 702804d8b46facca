// The media lifecycle and the ecosystem through the CLI: info, download, delete, --reuse, stdin, proxies, completion.

import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
import { sha256Of, useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, TEST_TOKEN, leaksToken, sandboxEnv } from '../helpers/run-cli.js';
import { startTestProxy, type TestProxy } from '../helpers/test-proxy.js';
import { cacheFolder, readAllShards, shardOf } from '../helpers/reuse-shards.js';

const cli = useCliSandbox({}, { inProcess: true });
const photo = join(FIXTURES, 'valid/photo.jpg');
const voice = join(FIXTURES, 'valid/voice.ogg');

const sha256 = sha256Of;
const run = (args: string[], env: Record<string, string | undefined> = {}, input?: string | Buffer) => cli.run(args, { env, ...(input !== undefined ? { input } : {}) });
const upload = async (path: string): Promise<string> => {
  const result = await run([path]);
  expect(result.code).toBe(0);
  return result.stdout.trim();
};

describe('info, download and delete', () => {
  it('info reports the URL, MIME type, sha256 and size of what was uploaded', async () => {
    const id = await upload(photo);
    const bytes = await readFile(photo);
    const json = await run(['info', '--json', id]);
    expect(json.code).toBe(0);
    const info = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(info).toMatchObject({ id, mimeType: 'image/jpeg', bytes: bytes.length, sha256: sha256(bytes) });
    expect(String(info.url)).toMatch(new RegExp(`^${cli.sandbox.url}/`));
    const text = await run(['info', id]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`sha256     ${sha256(bytes)}`);
    expect(text.stdout).toContain('mime type  image/jpeg');
    const get = cli.sandbox.requests.at(-1)!;
    expect(get.method).toBe('GET');
    expect(get.bearerToken).toBe(TEST_TOKEN);
  });

  it('download reproduces the bytes, to a named file, to a default name, and to stdout', async () => {
    const id = await upload(voice);
    const original = await readFile(voice);
    const named = await run(['download', id, '-o', 'copy.ogg']);
    expect(named.code).toBe(0);
    expect(named.stdout.trim()).toBe('copy.ogg');
    expect(sha256(await readFile(join(cli.dirs.cwd, 'copy.ogg')))).toBe(sha256(original));

    const byDefault = await run(['download', id]);
    expect(byDefault.code).toBe(0);
    expect(byDefault.stdout.trim()).toBe(join(cli.dirs.cwd, `${id}.ogg`));
    expect(sha256(await readFile(join(cli.dirs.cwd, `${id}.ogg`)))).toBe(sha256(original));

    // Asynchronously: the sandbox answers from this very process.
    const piped = await new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(FIXTURES, '..', 'bin', 'wa-upload.cjs'), 'download', id, '-o', '-'], {
        cwd: cli.dirs.cwd,
        env: { PATH: process.env.PATH, HOME: cli.dirs.home, ...sandboxEnv(cli.sandbox.url) } as NodeJS.ProcessEnv,
      });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
    });
    expect(piped.code).toBe(0);
    expect(sha256(piped.stdout)).toBe(sha256(original));
    expect(piped.stderr).toContain('sha256 verified');
  });

  it('download refuses to replace a file unless --force', async () => {
    const id = await upload(photo);
    await writeFile(join(cli.dirs.cwd, 'keep.jpg'), 'mine');
    const refused = await run(['download', id, '-o', 'keep.jpg']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('keep.jpg already exists');
    expect(await readFile(join(cli.dirs.cwd, 'keep.jpg'), 'utf8')).toBe('mine');
    const forced = await run(['download', id, '-o', 'keep.jpg', '--force']);
    expect(forced.code).toBe(0);
    expect(sha256(await readFile(join(cli.dirs.cwd, 'keep.jpg')))).toBe(sha256(await readFile(photo)));
  });

  it('a download that breaks off is retried and never leaves a partial file behind', async () => {
    const id = await upload(voice);
    cli.sandbox.injectFault({ status: 500, graphCode: 1, match: 'any', times: 10 });
    const failed = await run(['download', id, '-o', 'broken.ogg', '--retries', '1', '--retry-delay', '0']);
    expect(failed.code).toBe(7);
    expect(await readdir(cli.dirs.cwd)).toEqual([]);
    cli.sandbox.clearFaults();
    // The info call succeeds, then the byte download fails once and is retried.
    cli.sandbox.injectFault({ delayMs: 0, match: 'any' });
    cli.sandbox.injectFault({ html: true, match: 'any' });
    const retried = await run(['download', id, '-o', 'ok.ogg', '--retry-delay', '0']);
    expect(retried.code).toBe(0);
    expect(await readdir(cli.dirs.cwd)).toEqual(['ok.ogg']);
  });

  it('delete removes the media: info afterwards exits 5 with the server message and a hint', async () => {
    const id = await upload(photo);
    const deleted = await run(['delete', id]);
    expect(deleted.code).toBe(0);
    // The confirmation is for people (stderr); stdout carries data only.
    expect(deleted.stdout).toBe('');
    expect(deleted.stderr.trim()).toBe(`deleted ${id}`);
    expect(cli.sandbox.requests.at(-1)?.method).toBe('DELETE');
    const after = await run(['info', id]);
    expect(after.code).toBe(5);
    expect(after.stderr).toContain(`Object with ID '${id}' does not exist`);
    expect(after.stderr).toContain(`hint: media ID ${id} is unknown`);
    const again = await run(['delete', '--json', id]);
    expect(again.code).toBe(5);
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { kind: 'api', exitCode: 5, graph: { code: 100, subcode: 33 } } });
  });

  it('a media ID that is not all digits is a usage error, no request made', async () => {
    const result = await run(['info', 'abc']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('media ID "abc" is not all digits');
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('the lifecycle commands share the settings rules: no token is exit 3', async () => {
    const result = await run(['info', '123'], { WA_TOKEN: undefined });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no access token');
  });

  it('the lifecycle commands never print the token, even with --verbose', async () => {
    const id = await upload(photo);
    for (const args of [['info', '--verbose', id], ['download', '--verbose', id, '-o', 'x.jpg'], ['delete', '--verbose', id], ['info', '--verbose', id]]) {
      const result = await run(args);
      expect(leaksToken(result)).toBe(false);
      expect(result.stderr).toContain('Bearer [REDACTED]');
    }
  });
});

describe('--reuse', () => {
  // The cache is a folder of shards named by the content hash's first two digits: the photo's entries are in one.
  const cacheFile = () => shardOf(cacheFolder(cli.dirs.home), photo);

  it('uploads once and then prints the remembered ID; --json says reused', async () => {
    const first = await run(['--reuse', photo]);
    const second = await run(['--reuse', '--json', photo]);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(cli.sandbox.requests).toHaveLength(1);
    const line = JSON.parse(second.stdout) as { id: string; reused: boolean; sha256: string };
    expect(line.id).toBe(first.stdout.trim());
    expect(line.reused).toBe(true);
    expect(line.sha256).toBe(sha256(await readFile(photo)));
    const cache = await readAllShards(cacheFolder(cli.dirs.home));
    expect(Object.values(cache.entries).map((e) => e.id)).toEqual([line.id]);
  });

  it('honours XDG_CACHE_HOME, and keys by phone number ID', async () => {
    const xdg = join(cli.dirs.home, 'xdg');
    await run(['--reuse', photo], { XDG_CACHE_HOME: xdg });
    await run(['--reuse', photo], { XDG_CACHE_HOME: xdg, WA_PHONE_NUMBER_ID: '555' });
    await run(['--reuse', photo], { XDG_CACHE_HOME: xdg });
    expect(cli.sandbox.requests).toHaveLength(2);
    expect(JSON.parse(await readFile(await shardOf(cacheFolder(xdg, true), photo), 'utf8'))).toHaveProperty('version', 1);
  });

  it('an entry older than 29 days is not reused', async () => {
    const first = await run(['--reuse', photo]);
    const cache = JSON.parse(await readFile(await cacheFile(), 'utf8')) as { entries: Record<string, { uploadedAt: string }> };
    for (const entry of Object.values(cache.entries)) entry.uploadedAt = new Date(Date.now() - 29 * 24 * 3600 * 1000 - 1000).toISOString();
    await writeFile(await cacheFile(), JSON.stringify(cache));
    const second = await run(['--reuse', photo]);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toBe(first.stdout);
    expect(cli.sandbox.requests).toHaveLength(2);
  });

  it('a damaged cache file warns, uploads, and is rewritten', async () => {
    await mkdir(cacheFolder(cli.dirs.home), { recursive: true });
    await writeFile(await cacheFile(), '{"version":1,"entries":{"trunc');
    const result = await run(['--reuse', photo]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: the reuse cache .*media-ids\/[0-9a-f]{2}\.json is damaged and is ignored/);
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(JSON.parse(await readFile(await cacheFile(), 'utf8'))).toHaveProperty('version', 1);
  });

  it('concurrent runs never corrupt the cache', async () => {
    const files = ['valid/photo.jpg', 'valid/image.png', 'valid/document.pdf', 'valid/voice.ogg', 'valid/notes.txt', 'valid/audio.mp3'];
    const results = await Promise.all(files.map((f) => run(['--reuse', join(FIXTURES, f)])));
    expect(results.map((r) => r.code)).toEqual(files.map(() => 0));
    const cache = await readAllShards(cacheFolder(cli.dirs.home));
    const ids = new Set(results.map((r) => r.stdout.trim()));
    expect(new Set(Object.values(cache.entries).map((e) => e.id))).toEqual(ids);
  });
});

describe('stdin', () => {
  it('- reads stdin with --type and --filename, and the server gets the bytes', async () => {
    const bytes = await readFile(voice);
    const result = await run(['--type', 'audio/ogg', '--filename', 'memo.ogg', '-'], {}, bytes);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\n$/);
    const received = cli.sandbox.requests[0]!;
    expect(received.file?.contentType).toBe('audio/ogg');
    expect(received.file?.filename).toBe('memo.ogg');
    expect(received.file?.sha256).toBe(sha256(bytes));
  });

  it('without --filename the part is named after the type', async () => {
    const result = await run(['--type', 'image/jpeg', '-'], {}, await readFile(photo));
    expect(result.code).toBe(0);
    expect(cli.sandbox.requests[0]?.file?.filename).toBe('stdin.jpg');
  });

  it('- without --type is a usage error', async () => {
    const result = await run(['-'], {}, 'hello');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('reading stdin (-) needs --type');
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('stdin over the limit is refused with exit 4 once the limit is passed', async () => {
    const result = await run(['--type', 'image/png', '-'], {}, Buffer.alloc(5_000_001, 1));
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('stdin is over the 5 MB limit for image/png');
    expect(cli.sandbox.requests).toHaveLength(0);
  });
});

describe('proxies', () => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await startTestProxy();
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('HTTP_PROXY carries every request, and NO_PROXY bypasses it', async () => {
    const proxyUrl = proxy.url;
    const proxied = proxy.relayed;
    const through = await run([photo], { HTTP_PROXY: proxyUrl });
    expect(through.code).toBe(0);
    expect(proxied).toEqual([`CONNECT ${new URL(cli.sandbox.url).host}`]);
    const id = through.stdout.trim();
    const info = await run(['info', id], { http_proxy: proxyUrl });
    expect(info.code).toBe(0);
    expect(proxied).toHaveLength(2);
    const bypass = await run([photo], { HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' });
    expect(bypass.code).toBe(0);
    expect(proxied).toHaveLength(2);
    expect(cli.sandbox.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });
});

describe('https, directly and through an HTTPS_PROXY tunnel', () => {
  const tlsDir = join(FIXTURES, 'tls');
  let tlsSandbox: Awaited<ReturnType<typeof startSandbox>>;
  let proxy: TestProxy;
  beforeAll(async () => {
    tlsSandbox = await startSandbox({
      token: TEST_TOKEN,
      tls: { key: await readFile(join(tlsDir, 'localhost-key.pem')), cert: await readFile(join(tlsDir, 'localhost-cert.pem')) },
    });
    proxy = await startTestProxy();
  });
  afterAll(async () => {
    await tlsSandbox.close();
    await proxy.close();
  });
  // The test certificate is trusted the way a user trusts a private CA.
  const trusted = () => ({ WA_BASE_URL: tlsSandbox.url, NODE_EXTRA_CA_CERTS: join(tlsDir, 'localhost-cert.pem') });

  it('uploads over https with the bytes intact, and downloads them back', async () => {
    const result = await run(['--json', voice], trusted());
    expect(result.code).toBe(0);
    const line = JSON.parse(result.stdout) as { id: string; sha256: string };
    expect(tlsSandbox.requests.at(-1)?.file?.sha256).toBe(sha256(await readFile(voice)));
    expect(line.sha256).toBe(sha256(await readFile(voice)));
    const info = await run(['info', '--json', line.id], trusted());
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ id: line.id, mimeType: 'audio/ogg' });
    const copy = await run(['download', line.id, '-o', 'copy.ogg'], trusted());
    expect(copy.code).toBe(0);
    expect(sha256(await readFile(join(cli.dirs.cwd, 'copy.ogg')))).toBe(line.sha256);
  });

  it('HTTPS_PROXY tunnels the upload with CONNECT; the proxy sees only the host, never the token', async () => {
    proxy.relayed.length = 0;
    const result = await run([photo], { ...trusted(), HTTPS_PROXY: proxy.url });
    expect(result.code).toBe(0);
    expect(proxy.relayed).toEqual([`CONNECT ${new URL(tlsSandbox.url).host}`]);
    expect(tlsSandbox.requests.at(-1)?.bearerToken).toBe(TEST_TOKEN);
  });

  it('an untrusted certificate is a setup error (exit 3) with a hint, tried once', async () => {
    const before = tlsSandbox.requests.length;
    const result = await run([photo], { WA_BASE_URL: tlsSandbox.url });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`the TLS certificate of ${new URL(tlsSandbox.url).host} is not trusted`);
    expect(result.stderr).toContain('NODE_EXTRA_CA_CERTS');
    expect(result.stderr).not.toContain('waiting');
    expect(tlsSandbox.requests.length).toBe(before);
    expect(leaksToken(result)).toBe(false);
  });
});

describe('shell completion', () => {
  it.each(['bash', 'zsh', 'fish'])('%s: a script naming the commands and flags', async (shell) => {
    const result = await run(['completion', shell]);
    expect(result.code).toBe(0);
    for (const word of ['info', 'download', 'delete', 'sandbox', 'phone-number-id', 'dry-run', 'reuse']) expect(result.stdout).toContain(word);
  });

  it('the bash script is valid bash', async () => {
    const result = await run(['completion', 'bash']);
    const check = spawnSync('bash', ['-n'], { input: result.stdout });
    expect(check.status).toBe(0);
  });

  it('an unknown shell is a usage error', async () => {
    const result = await run(['completion', 'powershell']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('powershell');
  });
});
