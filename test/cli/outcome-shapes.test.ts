// Every outcome has one shape: under --json each stdout line is an object, a failure about a media ID carries `id`, a usage error of any kind is `kind: "usage"`; --verbose names where each setting came from.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { useHostileServers } from '../helpers/hostile-server.js';
import { FIXTURES } from '../helpers/run-cli.js';

const cli = useCliSandbox({}, { inProcess: true });
const photo = join(FIXTURES, 'valid/photo.jpg');

/** The stdout lines of a --json run, each parsed (a line that is not an object fails the test). */
function objects(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const value = JSON.parse(line) as unknown;
      expect(value).toBeTypeOf('object');
      return value as Record<string, unknown>;
    });
}

describe('--json failures say what they are about', () => {
  it.each(['info', 'download', 'delete'])('%s: an unknown media ID fails with its id; the good one is still done', async (command) => {
    const upload = await cli.run(['--json', photo]);
    const good = objects(upload.stdout)[0]!.id as string;
    // download writes into the working folder (-o a folder), so that two IDs are allowed.
    const run = await cli.run([command, '--json', ...(command === 'download' ? ['-o', cli.dirs.cwd] : []), '999999999999', good]);
    expect(run.code).toBe(5);
    const lines = objects(run.stdout);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ id: '999999999999', error: { exitCode: 5 } });
    expect(lines[0]).not.toHaveProperty('file');
    expect(lines[1]!.id).toBe(good);
    expect(lines[1]).not.toHaveProperty('error');
  });

  it('a settings failure is about no file and no ID', async () => {
    const run = await cli.run(['info', '--json', '123'], { env: { WA_TOKEN: undefined } });
    expect(run.code).toBe(3);
    const [line] = objects(run.stdout);
    expect(Object.keys(line!)).toEqual(['error']);
    expect(line!.error).toMatchObject({ kind: 'config', exitCode: 3 });
  });
});

describe('under --json every usage error is one object with kind "usage", whatever its kind and position', () => {
  it.each([
    [['--json', '--concurrency', '0', photo], 'a bad value'],
    [['--json', '--frobnicate', photo], 'an unknown option'],
    [['info', '--json'], 'a missing media ID'],
    [['--json', 'downlaod', '123'], 'a misspelt command'],
    [['--json', 'info', 'abc'], 'a media ID that is not digits'],
    [['--json', '-q', '-v', photo], 'opposite flags'],
    [['--json'], 'no file'],
    [['info', '123', '--json', '--phone-number-id', '1'], 'an option the command does not take'],
    [['completion', 'tcsh', '--json'], 'a value not among the choices'],
  ])('%j (%s)', async (args) => {
    const run = await cli.run(args);
    expect(run.code).toBe(2);
    const lines = objects(run.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ error: { kind: 'usage', exitCode: 2 } });
    expect(run.stderr).toMatch(/^error: /);
    expect(cli.sandbox.requests).toHaveLength(0);
  });
});

describe('--verbose says where every setting that is not its default came from', () => {
  it('flags, variables and the config file are each named; defaults are listed as such', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify({ timeout: 30 }));
    const run = await cli.run(['-v', '--retries', '1', photo], { env: { WA_API_VERSION: 'v26.0' } });
    expect(run.code).toBe(0);
    const line = run.stderr.split('\n').find((l) => l.startsWith('verbose: settings:'))!;
    expect(line).toContain('token (redacted) from environment WA_TOKEN');
    expect(line).toContain(`baseUrl ${cli.sandbox.url} from environment WA_BASE_URL`);
    expect(line).toContain('apiVersion v26.0 from environment WA_API_VERSION');
    expect(line).toContain('retries 1 from --retries');
    expect(line).toContain(`timeout 30 s from config file ${join(cli.dirs.cwd, '.waupload.json')}`);
    expect(line).toMatch(/default: .*concurrency 4/);
  });
});

describe('common pastes are named before any request', () => {
  it.each([
    [{ WA_BASE_URL: 'https://graph.facebook.com/v21.0' }, /^error: base URL https:\/\/graph\.facebook\.com\/v21\.0 from environment WA_BASE_URL holds an API version \(v21\.0\)\nhint: .*--api-version v21\.0/],
    [{ WA_TOKEN: 'Bearer EAAGsomethinglongenoughtobeatoken0123' }, /^error: the access token from environment WA_TOKEN starts with "Bearer"\nhint: drop the prefix/],
  ])('%j', async (env, message) => {
    const run = await cli.run([photo], { env });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain('EAAGsomethinglongenough');
    expect(cli.sandbox.requests).toHaveLength(0);
  });
});

describe('hints name the real cause', () => {
  it('a server that refuses connections is named with the setting that pointed there, and loopback asks about the sandbox', async () => {
    const run = await cli.run(['--retries', '0', photo], { env: { WA_BASE_URL: 'http://127.0.0.1:9' } });
    expect(run.code).toBe(7);
    expect(run.stderr).toContain('connection refused by http://127.0.0.1:9 (the base URL, from environment WA_BASE_URL)');
    expect(run.stderr).toContain('hint: is the sandbox (or the local server) at http://127.0.0.1:9 still running?');
  });

  it('handle: an app ID the server does not know is named as the app ID, with no empty phone number ID', async () => {
    cli.sandbox.injectFault({ status: 400, graphCode: 100, graphSubcode: 33, match: 'any' });
    const run = await cli.run(['handle', '--retries', '0', join(FIXTURES, 'valid/image.png')], { env: { WA_APP_ID: '246813579024680' } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('hint: is 246813579024680 the app ID?');
    expect(run.stderr).not.toContain('is  the');
  });

  it('info: an unknown media ID is not blamed on an app ID in the environment', async () => {
    cli.sandbox.injectFault({ status: 400, graphCode: 100, graphSubcode: 33, match: 'any' });
    const run = await cli.run(['info', '123456'], { env: { WA_APP_ID: '246813579024680' } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('hint: media ID 123456 is unknown');
    expect(run.stderr).not.toContain('app ID');
  });
});

describe('a media URL that cannot be reached is named as such, not blamed on the base URL', () => {
  const servers = useHostileServers();
  it('download: the API answers, its media URL refuses connections', async () => {
    const base = await servers.start((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: '123', url: 'http://127.0.0.1:9/media/123', mime_type: 'image/jpeg', sha256: 'a'.repeat(64), file_size: 5, messaging_product: 'whatsapp' }));
    });
    const run = await cli.run(['download', '--retries', '0', '-o', 'out.jpg', '123'], { env: { WA_BASE_URL: base } });
    expect(run.code).toBe(7);
    expect(run.stderr).toContain('connection refused by http://127.0.0.1:9 (the media URL the API gave)');
    expect(run.stderr).toContain('hint: the media host 127.0.0.1:9 does not answer');
    expect(run.stderr).not.toContain('WA_BASE_URL');
  });
});
