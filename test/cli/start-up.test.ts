// What a run loads: Node modules a plain upload does not need stay unloaded (start-up time), and loading them on
// demand loses nothing (hashes, boundaries, https).

import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256OfFile, useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, REPO_ROOT } from '../helpers/run-cli.js';

const cli = useCliSandbox();
const photo = join(FIXTURES, 'valid/photo.jpg');

/**
 * Runs the CLI with a preload that records, at exit, the Node built-in modules the process loaded and the files Node's
 * own require() loaded (--help and --version load the code that way; other runs through the code cache).
 */
async function runRecordingModules(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; loaded: Set<string>; required: string[] }> {
  const record = join(cli.dirs.home, 'modules.json');
  const preload = join(cli.dirs.home, 'record-modules.cjs');
  await writeFile(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ builtins: process.moduleLoadList, files: Object.keys(require.cache) })));\n`,
  );
  const result = await cli.run(args, { env: { NODE_OPTIONS: `--require "${preload}"` } });
  const { builtins, files } = JSON.parse(await readFile(record, 'utf8')) as { builtins: string[]; files: string[] };
  const loaded = new Set(builtins.filter((entry) => entry.startsWith('NativeModule ')).map((entry) => entry.slice('NativeModule '.length)));
  return { ...result, loaded, required: files };
}

describe('start-up: what a run loads', () => {
  it('a one-file upload to a loopback http server loads neither node:crypto, TLS, node:dns, node:v8, node:fs/promises nor node:tty (each is start-up time)', async () => {
    const run = await runRecordingModules([photo]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d+\n$/);
    // The recorder works: the modules an upload cannot do without are listed.
    expect(run.loaded).toContain('http');
    for (const name of ['crypto', 'tls', 'https', 'dns', 'v8', 'fs/promises', 'tty']) expect(run.loaded, name).not.toContain(name);
    expect(cli.sandbox.requests).toHaveLength(1);
  });

  it('--json still reports the sha256 of the bytes sent (node:crypto loads when a hash is wanted)', async () => {
    const run = await runRecordingModules(['--json', photo]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ sha256: await sha256OfFile(photo) });
    expect(run.loaded).toContain('crypto');
  });

  it('with colour (FORCE_COLOR=1) a warning is yellow and an error red: chalk loads when there is colour to paint', async () => {
    await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify({ colour: 'blue' }));
    const run = await cli.run([photo, join(FIXTURES, 'valid', 'gone.jpg')], { env: { FORCE_COLOR: '1' } });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('\u001b[33mwarning:\u001b[39m');
    expect(run.stderr).toContain('\u001b[31merror:\u001b[39m');
    const plain = await cli.run([photo, join(FIXTURES, 'valid', 'gone.jpg')]);
    expect(plain.stderr).toContain('warning:');
    expect(plain.stderr).not.toContain('\u001b[');
  });

  it.each([['--help'], ['--version'], ['info', '--help']])('%s loads the front of the code only (no network stack, under a fifth of the bytes)', async (...args) => {
    const run = await runRecordingModules(args);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toBe('');
    // (node:net is there: stdout to a pipe is a socket.)
    for (const name of ['http', 'zlib', 'crypto', 'tls']) expect(run.loaded, name).not.toContain(name);
    const dist = join(REPO_ROOT, 'dist');
    const sizeOf = async (files: string[]) => (await Promise.all(files.map(async (f) => (await stat(f)).size))).reduce((a, b) => a + b, 0);
    const code = (await readdir(dist)).filter((f) => f.endsWith('.cjs')).map((f) => join(dist, f));
    const loadedCode = run.required.filter((f) => f.startsWith(`${dist}/`));
    expect(loadedCode).toContain(join(dist, 'cli.cjs'));
    expect(await sizeOf(loadedCode)).toBeLessThan((await sizeOf(code)) / 5);
  });

  it('each upload has its own unguessable multipart boundary (24 random hex digits), and the server reads the parts by it', async () => {
    const first = await cli.run([photo]);
    const second = await cli.run([photo]);
    expect([first.code, second.code]).toEqual([0, 0]);
    const boundaries = cli.sandbox.requests.map((r) => /^multipart\/form-data; boundary=(-{26}[0-9a-f]{24})$/.exec(String(r.headers['content-type']))?.[1]);
    expect(boundaries).toHaveLength(2);
    expect(boundaries.every(Boolean)).toBe(true);
    expect(boundaries[0]).not.toBe(boundaries[1]);
    for (const request of cli.sandbox.requests) {
      expect(request.fields).toMatchObject({ messaging_product: 'whatsapp', type: 'image/jpeg' });
      expect(request.file?.sha256).toBe(await sha256OfFile(photo));
    }
  });
});
