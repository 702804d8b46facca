// The stdin spool on its own: the size limit stops the read with a clean refusal and no temp file, whatever is in flight.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mediaTypeForMime } from '../../src/media/media-types.js';
import { spoolStdin } from '../../src/upload/stdin.js';
import { InputError, InterruptedError } from '../../src/errors.js';

const png = mediaTypeForMime('image/png')!;
const MB = 1024 * 1024;

let privateTmp = '';
let previousTmp: string | undefined;
const uncaught: unknown[] = [];
const recordUncaught = (error: unknown): void => void uncaught.push(error);
beforeEach(async () => {
  privateTmp = await mkdtemp(join(tmpdir(), 'wa-spool-test-'));
  previousTmp = process.env.TMPDIR;
  process.env.TMPDIR = privateTmp;
  uncaught.length = 0;
  process.on('uncaughtException', recordUncaught);
});
afterEach(async () => {
  process.off('uncaughtException', recordUncaught);
  if (previousTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previousTmp;
  await rm(privateTmp, { recursive: true, force: true });
});

/** Lets the file system finish whatever write a failed spool left in flight (its late error would surface here). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

describe('spoolStdin', () => {
  it.each([
    ['one chunk over the limit', [png.maxBytes + 1]],
    ['big chunks (each write waits for drain)', [4 * MB, 2 * MB]],
    // Chunks under the write stream's high-water mark are written without waiting, so a write is still in flight when
    // the limit is passed: on Node 24 it completed on the destroyed stream and its ERR_STREAM_DESTROYED escaped as an
    // uncaught exception ("internal error: Cannot call write after a stream was destroyed", exit 1 instead of 4).
    ['small chunks, a write in flight when the limit is passed', Array.from({ length: 700 }, () => 8 * 1024)],
  ])('%s: refused as input (exit 4), nothing escapes, no temp file left', async (_name, sizes) => {
    const input = Readable.from(sizes.map((size) => Buffer.alloc(size, 1)));
    const failure = await spoolStdin(input, png).then(
      () => undefined,
      (error: unknown) => error,
    );
    await settle();
    expect(failure).toBeInstanceOf(InputError);
    expect((failure as InputError).exitCode).toBe(4);
    expect((failure as InputError).message).toMatch(/^stdin is over the 5 MB limit for image\/png \(stopped reading at \d+ bytes\)$/);
    expect(uncaught).toEqual([]);
    expect(await readdir(privateTmp)).toEqual([]);
  });

  it('input within the limit is spooled whole, and cleanup removes it', async () => {
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const spooled = await spoolStdin(Readable.from([bytes.subarray(0, 100_000), bytes.subarray(100_000)]), png);
    expect((await readFile(spooled.path)).equals(bytes)).toBe(true);
    await spooled.cleanup();
    expect(await readdir(privateTmp)).toEqual([]);
  });

  it('an aborted signal stops the read at once: interrupted (130/143), no temp file left', async () => {
    const controller = new AbortController();
    // A writer that sends one chunk and then nothing more, never ending.
    const input = new Readable({ read() {} });
    input.push(Buffer.alloc(1000, 1));
    const spooling = spoolStdin(input, png, { signal: controller.signal });
    setTimeout(() => controller.abort('SIGTERM'), 50);
    const failure = await spooling.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(InterruptedError);
    expect((failure as InterruptedError).exitCode).toBe(143);
    expect((failure as InterruptedError).message).toBe('interrupted by SIGTERM while reading stdin');
    expect(await readdir(privateTmp)).toEqual([]);
  });

  it('registers its folder for removal at exit while the spool lives, and unregisters it on cleanup', async () => {
    const registered = new Set<string>();
    const removeOnExit = (path: string) => {
      registered.add(path);
      return () => registered.delete(path);
    };
    const spooled = await spoolStdin(Readable.from([Buffer.alloc(10, 1)]), png, { removeOnExit });
    expect([...registered]).toEqual([join(spooled.path, '..')]);
    await spooled.cleanup();
    expect([...registered]).toEqual([]);
  });
});
