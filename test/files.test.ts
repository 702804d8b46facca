// The upload path's file reads through node:fs callbacks: same bytes and errors as node:fs/promises, and a close that
// never pulls the descriptor out from under a read in flight.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openForReading, readText, statOf, whenDescriptorsAllow } from '../src/files.js';

let dir: string;
const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wa-files-'));
  await writeFile(join(dir, 'data.bin'), bytes);
  await writeFile(join(dir, 'text.txt'), 'héllo\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('files', () => {
  it.each([
    [0, 10],
    [99_990, 10],
    [99_995, 10],
    [100_000, 10],
    [50_000, 40_000],
  ])('a read at %i of %i bytes returns what the file holds there', async (position, length) => {
    const file = await openForReading(join(dir, 'data.bin'));
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    await file.close();
    expect(bytesRead).toBe(Math.max(0, Math.min(length, bytes.length - position)));
    expect(buffer.subarray(0, bytesRead)).toEqual(bytes.subarray(position, position + bytesRead));
  });

  it('close waits for the reads in flight, which complete; a read after close is refused (EBADF); close twice is one close', async () => {
    const file = await openForReading(join(dir, 'data.bin'));
    const buffers = [Buffer.alloc(30_000), Buffer.alloc(30_000)];
    const reads = [file.read(buffers[0]!, 0, 30_000, 0), file.read(buffers[1]!, 0, 30_000, 30_000)];
    const closed = file.close();
    expect((await Promise.all(reads)).map((r) => r.bytesRead)).toEqual([30_000, 30_000]);
    expect(Buffer.concat(buffers)).toEqual(bytes.subarray(0, 60_000));
    await closed;
    await expect(file.read(Buffer.alloc(1), 0, 1, 0)).rejects.toMatchObject({ code: 'EBADF' });
    await expect(file.close()).resolves.toBeUndefined();
  });

  it.each([
    ['a missing file', 'gone.bin', 'ENOENT'],
    ['a folder', '.', 'EISDIR'],
  ])('%s: node:fs\'s error, with its code', async (_, name, code) => {
    const attempt = async () => {
      const file = await openForReading(join(dir, name));
      // Linux opens a folder for reading; reading it is what fails.
      try {
        await file.read(Buffer.alloc(1), 0, 1, 0);
      } finally {
        await file.close();
      }
    };
    await expect(attempt()).rejects.toMatchObject({ code });
  });

  it('statOf and readText', async () => {
    expect((await statOf(join(dir, 'data.bin'))).size).toBe(100_000);
    expect((await statOf(dir)).isDirectory()).toBe(true);
    await expect(statOf(join(dir, 'gone'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readText(join(dir, 'text.txt'))).toBe('héllo\n');
  });

  describe('out of descriptors (EMFILE, ENFILE): the open waits and tries again, a bounded number of times', () => {
    const failing = (code: string, times: number) => {
      let calls = 0;
      const open = async (): Promise<string> => {
        calls += 1;
        if (calls <= times) throw Object.assign(new Error(`${code}: too many open files`), { code });
        return 'opened';
      };
      return { open, calls: () => calls };
    };

    it.each(['EMFILE', 'ENFILE'])('%s twice, then a descriptor is free: the third try opens', async (code) => {
      const { open, calls } = failing(code, 2);
      await expect(whenDescriptorsAllow(open)).resolves.toBe('opened');
      expect(calls()).toBe(3);
    });

    it('EMFILE every time: rejects with EMFILE after 8 tries', async () => {
      const { open, calls } = failing('EMFILE', Infinity);
      await expect(whenDescriptorsAllow(open)).rejects.toMatchObject({ code: 'EMFILE' });
      expect(calls()).toBe(8);
    });

    it('any other error is not waited for: one try', async () => {
      const { open, calls } = failing('EACCES', Infinity);
      await expect(whenDescriptorsAllow(open)).rejects.toMatchObject({ code: 'EACCES' });
      expect(calls()).toBe(1);
    });
  });
});
