// The upload body byte for byte: the same multipart bytes form-data itself writes, for files of every chunk boundary.

import { createHash } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import FormData from 'form-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileChangedError, chunkSizeFor } from '../../src/graph/file-chunks.js';
import { multipartUpload, randomBoundary } from '../../src/graph/multipart-body.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wa-multipart-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Reads the body the way got does: one chunk at a time, each used (here: copied) before the next is asked for. */
async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/** What form-data writes for the same fields and file, with our boundary. */
function reference(bytes: Buffer, boundary: string, filename: string, mimeType: string): Buffer {
  const form = new FormData();
  form.setBoundary(boundary);
  form.append('messaging_product', 'whatsapp');
  form.append('type', mimeType);
  form.append('file', bytes, { filename, contentType: mimeType });
  return form.getBuffer();
}

describe('multipartUpload', () => {
  const small = chunkSizeFor(1000);
  const big = chunkSizeFor(5_000_001);
  it.each([
    ['1 byte', 1],
    ['one small chunk less a byte', small - 1],
    ['exactly one small chunk', small],
    ['one small chunk and a byte', small + 1],
    ['three and a half small chunks', Math.floor(small * 3.5)],
    ['over 4 MB: big chunks, the two buffers taking turns', 5_000_001],
    ['exactly five big chunks', big * 5],
  ])('%s (%d bytes): the bytes form-data would write, Content-Length right, hash right', async (_name, size) => {
    const bytes = Buffer.alloc(size);
    for (let i = 0; i + 4 <= size; i += 4096) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
    const path = join(dir, `file-${size}.pdf`);
    await writeFile(path, bytes);
    const hash = createHash('sha256');
    const upload = multipartUpload({ path, size, filename: 'report.pdf', mimeType: 'application/pdf' }, hash);
    const sent = await collect(upload.body);
    const boundary = /boundary=(.+)$/.exec(upload.headers['content-type']!)![1]!;
    expect(sent.equals(reference(bytes, boundary, 'report.pdf', 'application/pdf'))).toBe(true);
    expect(Number(upload.headers['content-length'])).toBe(sent.length);
    expect(upload.file.bytesRead()).toBe(size);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('a file shorter than promised ends the body with FileChangedError, not a short request', async () => {
    const path = join(dir, 'shrinking.pdf');
    await writeFile(path, Buffer.alloc(200_000, 7));
    const upload = multipartUpload({ path, size: 200_000, filename: 'x.pdf', mimeType: 'application/pdf' });
    await truncate(path, 100_000);
    await expect(collect(upload.body)).rejects.toBeInstanceOf(FileChangedError);
    expect(upload.file.bytesRead()).toBe(100_000);
  });

  it('a missing file fails when the body is read, with the errno', async () => {
    const upload = multipartUpload({ path: join(dir, 'gone.pdf'), size: 10, filename: 'gone.pdf', mimeType: 'application/pdf' });
    await expect(collect(upload.body)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('randomBoundary', () => {
  it('is form-data\'s shape (26 dashes, 24 hex digits) and never repeats (1,000 drawn)', () => {
    const drawn = Array.from({ length: 1000 }, () => randomBoundary());
    for (const boundary of drawn) expect(boundary).toMatch(/^-{26}[0-9a-f]{24}$/);
    expect(new Set(drawn).size).toBe(1000);
    // Every hex digit turns up in every position of the random part: the bytes are not stuck.
    for (let i = 26; i < 50; i++) expect(new Set(drawn.map((b) => b[i])).size).toBe(16);
  });
});
