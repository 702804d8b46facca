// Config files wa-upload did not write: the search stops at the home folder or the project root, refuses files other users own or can write, can be turned off, and never waits on a special file.

import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, TEST_TOKEN } from '../helpers/run-cli.js';

const cli = useCliSandbox({}, { inProcess: true });
const photo = join(FIXTURES, 'valid/photo.jpg');
/** A user that is not this one (Debian's nobody). */
const NOBODY = 65534;

/** A shared parent outside the home folder (think /srv or a CI workspace) with the working folder inside it. */
let shared: string;
let work: string;
beforeEach(async () => {
  shared = await mkdtemp(join(tmpdir(), 'wa-shared-'));
  work = join(shared, 'checkout', 'sub');
  await mkdir(work, { recursive: true });
});
afterEach(async () => {
  await rm(shared, { recursive: true, force: true });
});

describe('the search is bounded', () => {
  it('outside the home folder, a config planted in a parent with no project root in between is not read', async () => {
    // The planted file would send the token to a closed port instead of the sandbox.
    await writeFile(join(shared, '.waupload.json'), JSON.stringify({ baseUrl: 'http://127.0.0.1:9', apiVersion: 'v11.0' }));
    const run = await cli.run([photo], { cwd: work });
    expect(run.code).toBe(0);
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(cli.sandbox.requests[0]!.path).toMatch(/^\/v27\.0\//);
  });

  it('outside the home folder, the search climbs to the project root (a .git or a package.json) and no higher', async () => {
    await mkdir(join(shared, 'checkout', '.git'));
    await writeFile(join(shared, 'checkout', '.waupload.json'), JSON.stringify({ apiVersion: 'v12.0' }));
    await writeFile(join(shared, '.waupload.json'), JSON.stringify({ apiVersion: 'v13.0' }));
    const run = await cli.run([photo], { cwd: work });
    expect(run.code).toBe(0);
    expect(cli.sandbox.requests[0]!.path).toMatch(/^\/v12\.0\//);
  });

  it('inside the home folder the search climbs to the home folder, not above it', async () => {
    const home = join(shared, 'home');
    const deep = join(home, 'projects', 'x');
    await mkdir(deep, { recursive: true });
    await writeFile(join(shared, '.waupload.json'), JSON.stringify({ apiVersion: 'v13.0' }));
    expect((await cli.run([photo], { cwd: deep, env: { HOME: home } })).code).toBe(0);
    expect(cli.sandbox.requests[0]!.path).toMatch(/^\/v27\.0\//);
    await writeFile(join(home, '.waupload.json'), JSON.stringify({ apiVersion: 'v14.0' }));
    expect((await cli.run([photo], { cwd: deep, env: { HOME: home } })).code).toBe(0);
    expect(cli.sandbox.requests[1]!.path).toMatch(/^\/v14\.0\//);
  });
});

describe('a config file another user could have written is refused (exit 3, naming it and why), before it is read', () => {
  it.each([
    ['owned by another user', async (path: string) => chown(path, NOBODY, NOBODY), /is owned by another user \(uid 65534\)/],
    ['writable by any user', async (path: string) => chmod(path, 0o666), /can be written by any user/],
  ])('a file %s', async (_label, spoil, why) => {
    const path = join(work, '.waupload.json');
    await writeFile(path, JSON.stringify({ baseUrl: 'http://127.0.0.1:9' }));
    await spoil(path);
    const run = await cli.run([photo], { cwd: work });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`^error: config file ${path.replace(/[.]/g, '\\.')} is not used: it ${why.source}`));
    expect(run.stderr).toMatch(/\nhint: .*--no-config/);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('a JavaScript config in a folder any user can write is not run, even under --dry-run', async () => {
    const marker = join(shared, 'ran');
    await writeFile(join(work, '.wauploadrc.cjs'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = {};`);
    await chmod(work, 0o777);
    const run = await cli.run(['--dry-run', photo], { cwd: work, realProcess: true });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/is not used: its folder .* can be written by any user/);
    expect(() => execFileSync('test', ['-e', marker])).toThrow();
  });

  it('the user config folder\'s file is checked the same way', async () => {
    const folder = join(cli.dirs.home, '.config', 'waupload');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'config.json'), JSON.stringify({ apiVersion: 'v15.0' }));
    await chown(join(folder, 'config.json'), NOBODY, NOBODY);
    const run = await cli.run([photo]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`config file ${join(folder, 'config.json')} is not used`);
  });
});

describe('turning the search off', () => {
  beforeEach(async () => {
    await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify({ apiVersion: 'v16.0' }));
  });

  it.each([
    ['--no-config', ['--no-config', photo], {}],
    ['WA_UPLOAD_NO_CONFIG=1', [photo], { WA_UPLOAD_NO_CONFIG: '1' }],
  ])('%s: the config file in the working folder is not read', async (_label, args, env) => {
    const run = await cli.run(args as string[], { env, realProcess: false });
    expect(run.code).toBe(0);
    expect(cli.sandbox.requests[0]!.path).toMatch(/^\/v27\.0\//);
  });

  it('WA_UPLOAD_NO_CONFIG=0 leaves the search on, and --verbose says when it is off', async () => {
    expect((await cli.run([photo], { env: { WA_UPLOAD_NO_CONFIG: '0' } })).code).toBe(0);
    expect(cli.sandbox.requests[0]!.path).toMatch(/^\/v16\.0\//);
    const off = await cli.run(['--no-config', '-v', photo]);
    expect(off.stderr).toContain('no config file (search off)');
  });

  it('--config still names a file to read with the search off', async () => {
    await writeFile(join(cli.dirs.cwd, 'named.json'), JSON.stringify({ apiVersion: 'v17.0' }));
    const run = await cli.run(['--config', 'named.json', photo], { env: { WA_UPLOAD_NO_CONFIG: '1' } });
    expect(run.code).toBe(0);
    expect(cli.sandbox.requests[0]!.path).toMatch(/^\/v17\.0\//);
  });
});

describe('a config file found by the search that says where the token goes is named', () => {
  it('baseUrl or the token from a searched file: one stderr line names the file', async () => {
    const path = join(cli.dirs.cwd, '.waupload.json');
    await writeFile(path, JSON.stringify({ baseUrl: cli.sandbox.url, token: TEST_TOKEN }), { mode: 0o600 });
    const run = await cli.run([photo], { env: { WA_BASE_URL: undefined, WA_TOKEN: undefined } });
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n').filter((l) => l.includes(path))).toEqual([`settings: token and baseUrl from config file ${path}`]);
    expect(run.stderr).not.toContain(TEST_TOKEN);
  });
});

describe('nothing waits on a special file', () => {
  it.each([
    ['--config', 'config file'],
    ['--token-file', 'token file'],
  ])('%s naming a FIFO is refused at once (exit 3), not waited on', async (flag, what) => {
    const fifo = join(cli.dirs.cwd, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const run = await cli.run([flag, fifo, photo], { realProcess: true, timeoutMs: 15_000 });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`error: ${what} ${fifo} is a named pipe (FIFO), not a regular file`);
  });

  it('--config /dev/null is refused, pointing to --no-config', async () => {
    const run = await cli.run(['--config', '/dev/null', photo]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('error: config file /dev/null is a device, not a regular file');
    expect(run.stderr).toContain('--no-config');
  });
});

describe('a package.json is a config file only when it names wa-upload', () => {
  it('another user\'s package.json without a "waupload" key is no reason to stop', async () => {
    const path = join(work, 'package.json');
    await writeFile(path, JSON.stringify({ name: 'their-project' }));
    await chown(path, NOBODY, NOBODY);
    const run = await cli.run([photo], { cwd: work });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });

  it('another user\'s package.json with a "waupload" key is refused like any config file', async () => {
    const path = join(work, 'package.json');
    await writeFile(path, JSON.stringify({ name: 'x', waupload: { baseUrl: 'http://127.0.0.1:9' } }));
    await chown(path, NOBODY, NOBODY);
    const run = await cli.run([photo], { cwd: work });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`config file ${path} is not used: it is owned by another user`);
    expect(cli.sandbox.requests).toHaveLength(0);
  });
});
