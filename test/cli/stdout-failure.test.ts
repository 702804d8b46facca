// stdout that cannot be written: a reader that goes away mid-batch stops the run (exit 141), a full disk is exit 3, never "a bug".

import { existsSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { BIN, FIXTURES } from '../helpers/run-cli.js';

// A little delay per answer, so that the reader is surely gone before the batch could end on its own.
const cli = useCliSandbox({ delayMs: 20 }, { inProcess: true });
const photo = join(FIXTURES, 'valid/photo.jpg');

/** Copies of the photo in the test's folder: a batch of `count` files. */
async function batchOf(count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `photo-${String(i).padStart(2, '0')}.jpg`);
  for (const name of names) await copyFile(photo, join(cli.dirs.cwd, name));
  return names;
}

/** Runs the CLI with stdout redirected to /dev/full (every write fails with ENOSPC). */
function runToFullDisk(args: string[]) {
  return cli.run(['-c', `exec "${process.execPath}" "${BIN}" "$@" > /dev/full`, 'sh', ...args], { command: 'sh' });
}

describe('a reader that goes away mid-batch', () => {
  it('ends the run with exit 141, says so, and uploads nothing more', async () => {
    const files = await batchOf(20);
    const run = await cli.run(['--concurrency', '1', ...files], {
      // Like `| head -1`: read the first line, then close the pipe.
      onSpawn: (child) => child.stdout!.once('data', () => child.stdout!.destroy()),
    });
    expect(run.code).toBe(141);
    expect(run.stderr).toMatch(/^error: stdout was closed by its reader: \d+ of 20 file\(s\) finished; not sent: photo-\d\d\.jpg, .* and \d+ more\n/m);
    expect(run.stderr).toContain('hint: uploads stop when what reads the output');
    expect(run.stderr).not.toContain('internal error');
    const posts = cli.sandbox.requests.filter((r) => r.method === 'POST').length;
    expect(posts).toBeGreaterThan(0);
    expect(posts).toBeLessThan(20);
  });

  it('--help into a reader that stops early is no error', async () => {
    const run = await cli.run(['--help'], { onSpawn: (child) => child.stdout!.once('data', () => child.stdout!.destroy()) });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });
});

describe.skipIf(!existsSync('/dev/full'))('stdout on a full disk', () => {
  it.each([
    ['one upload', () => [photo]],
    ['--json uploads', () => ['--json', photo, photo]],
  ])('%s: exit 3 with the reason, not "internal error"', async (_name, args) => {
    const run = await runToFullDisk(args());
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: cannot write to stdout: no space left on the device/m);
    expect(run.stderr).not.toContain('internal error');
  });

  it('info: exit 3 with the reason', async () => {
    const upload = await cli.run([photo]);
    const run = await runToFullDisk(['info', upload.stdout.trim()]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: cannot write to stdout: no space left on the device/m);
  });
});
