// Table tests of the pure parts of the Resumable Upload client: reading a file from an offset (file_offset: server-values.test.ts).

import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkSizeFor, readFileChunks } from '../../src/graph/file-chunks.js';

describe('readFileChunks from an offset', () => {
  let dir: string;
  let path: string;
  const bytes = Buffer.from(Array.from({ length: 5_000_001 }, (_, i) => (i * 31 + (i >> 8)) % 251));
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wa-chunks-'));
    path = join(dir, 'file.bin');
    await writeFile(path, bytes);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['the whole file', 0],
    ['from a third', Math.floor(bytes.length / 3)],
    ['from inside the last chunk', bytes.length - 10],
    ['from the end: nothing', bytes.length],
  ])('%s: the bytes from there, each with its position, in chunks no bigger than chunkSizeFor', async (_name, start) => {
    const reader = readFileChunks(path, bytes.length, start, (chunk, position) => positions.push([position, chunk.length]));
    const positions: [number, number][] = [];
    const hash = createHash('sha256');
    let sizes = 0;
    for await (const chunk of reader.chunks) {
      expect(chunk.length).toBeLessThanOrEqual(chunkSizeFor(bytes.length));
      hash.update(chunk);
      sizes += chunk.length;
    }
    expect(sizes).toBe(bytes.length - start);
    expect(reader.bytesRead()).toBe(bytes.length - start);
    expect(reader.error()).toBeUndefined();
    expect(hash.digest('hex')).toBe(createHash('sha256').update(bytes.subarray(start)).digest('hex'));
    let expected = start;
    for (const [position, length] of positions) {
      expect(position).toBe(expected);
      expected += length;
    }
  });
});
