// Out of file descriptors is a resource limit, not the input's fault: under a low `ulimit -n` at --concurrency 64 every
// file still uploads (never exit 4), and no concurrency prints Node's MaxListenersExceededWarning.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Of, useCliSandbox } from '../helpers/cli-sandbox.js';
import { BIN, leaksToken } from '../helpers/run-cli.js';

const cli = useCliSandbox();

/** `count` small text files with distinct content; returns their names (relative to the test's folder). */
async function textFiles(count: number): Promise<{ names: string[]; hashes: Map<string, string> }> {
  const names: string[] = [];
  const hashes = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const name = `small-${i}.txt`;
    const content = Buffer.from(`small file number ${i}\n`);
    await writeFile(join(cli.dirs.cwd, name), content);
    names.push(name);
    hashes.set(name, sha256Of(content));
  }
  return { names, hashes };
}

/** Runs the CLI under `ulimit -n <limit>` (bash sets the limit, then becomes node). */
function runUnderLimit(limit: number, args: string[]) {
  return cli.run(['-c', `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, BIN, ...args], { command: 'bash', timeoutMs: 120_000 });
}

/** The JSON lines of a --json run. */
const jsonLines = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line) as { ok?: boolean; id?: string; file: string; error?: { kind: string; exitCode: number; message: string; hint?: string } });

describe('out of descriptors (ulimit -n 48, --concurrency 64)', () => {
  it('300 small files all upload: exit 0, one ID each, nothing on stderr, the server received every file', async () => {
    const { names, hashes } = await textFiles(300);
    const result = await runUnderLimit(48, ['-q', '--json', '--concurrency', '64', ...names]);
    const lines = jsonLines(result.stdout);
    // Never "cannot be read (EMFILE)" (exit 4): the first failure's message would be here.
    expect(lines.filter((line) => line.error !== undefined).map((line) => line.error!.message)).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(lines).toHaveLength(300);
    expect(lines.map((line) => line.file)).toEqual(names);
    for (const line of lines) expect(line.id).toMatch(/^\d+$/);
    const uploads = cli.sandbox.requests.filter((r) => r.method === 'POST' && r.status === 200);
    expect(uploads).toHaveLength(300);
    expect(new Set(uploads.map((r) => `${r.file!.filename}:${r.file!.sha256}`))).toEqual(new Set(names.map((n) => `${n}:${hashes.get(n)}`)));
    expect(new Set(uploads.map((r) => (r.responseBody as { id: string }).id))).toEqual(new Set(lines.map((line) => line.id)));
    expect(leaksToken(result)).toBe(false);
  }, 120_000);
});

describe('no MaxListenersExceededWarning at any concurrency', () => {
  it.each([11, 64])('--concurrency %i with 200 files under -q --json: stderr is empty, every file uploaded', async (concurrency) => {
    const { names } = await textFiles(200);
    const result = await cli.run(['-q', '--json', '--concurrency', String(concurrency), ...names]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout).map((line) => line.file)).toEqual(names);
    expect(cli.sandbox.requests.filter((r) => r.method === 'POST' && r.status === 200)).toHaveLength(200);
  });

  it('waits between tries count too: 40 files each refused once with a 503, at --concurrency 32', async () => {
    const { names } = await textFiles(40);
    cli.sandbox.injectFault({ status: 503, times: 40 });
    const result = await cli.run(['-q', '--json', '--retry-delay', '0.2', '--concurrency', '32', ...names]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toHaveLength(40);
    expect(cli.sandbox.requests.filter((r) => r.method === 'POST' && r.status === 503)).toHaveLength(40);
  });
});
