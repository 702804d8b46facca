// The upload body: form-data writes the multipart envelope, the file streams through two reused buffers, got sends it.

import type { Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import FormData from 'form-data';
import { readFileChunks, type FileChunks } from './file-chunks.js';

/** A file to send as the `file` part, with the fields WhatsApp wants beside it. */
export interface MultipartFile {
  path: string;
  size: number;
  filename: string;
  mimeType: string;
  /** No-Storage TTL in minutes: sent as the `ttl_minutes` field when given (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media). */
  ttlMinutes?: number | undefined;
}

/** Headers and a body for got: the body is an async iterable that got writes one chunk at a time. */
export interface MultipartUpload {
  headers: Record<string, string>;
  body: AsyncIterable<Uint8Array>;
  /** The file part's reader: bytes read so far, and the error reading the file raised, if any. */
  file: FileChunks;
}

/**
 * A filename that keeps the part's Content-Disposition header valid: form-data writes it between quotes as is, so a
 * quote, a line break or any other control character is percent-encoded the way browsers do it (`"` → `%22`).
 */
export function headerSafeFilename(filename: string): string {
  return filename.replace(/["\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * A boundary the way form-data makes one (26 dashes, 24 hex digits from 12 random bytes: unguessable, so a file cannot
 * hold a line that ends its part early), with the bytes from the system's random source.
 */
export function randomBoundary(): string {
  return `${'-'.repeat(26)}${systemRandomBytes(12).toString('hex')}`;
}

/**
 * Random bytes from /dev/urandom, the source node:crypto draws on too: reading it takes microseconds, where loading
 * node:crypto (which form-data would do) costs a millisecond of every start-up. node:crypto where there is none (Windows).
 */
function systemRandomBytes(count: number): Buffer {
  const bytes = Buffer.alloc(count);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      // A character device that gave `count` bytes, not all the same (a /dev/zero standing in would make the boundary
      // guessable; twelve equal random bytes happen once in 2^88).
      if (fstatSync(fd).isCharacterDevice() && readSync(fd, bytes, 0, count, null) === count && bytes.some((b) => b !== bytes[0])) return bytes;
    } finally {
      closeSync(fd);
    }
  } catch {
    // No /dev/urandom here: node:crypto below.
  }
  return process.getBuiltinModule('node:crypto').randomBytes(count);
}

/**
 * Builds the multipart body of one upload try: `messaging_product`, `type`, `ttl_minutes` when set, then the file part with its filename and
 * Content-Type (always given: form-data's own MIME table would guess wrong). The file goes through readFileChunks
 * (two reused buffers), not a read stream appended to the form.
 */
export function multipartUpload(file: MultipartFile, hash?: Hash): MultipartUpload {
  const form = new FormData();
  form.setBoundary(randomBoundary());
  form.append('messaging_product', 'whatsapp');
  form.append('type', file.mimeType);
  if (file.ttlMinutes !== undefined) form.append('ttl_minutes', String(file.ttlMinutes));
  form.append('file', Buffer.alloc(0), { filename: headerSafeFilename(file.filename), contentType: file.mimeType });
  // With an empty file the envelope is: fields + the file part's header, then the closing boundary.
  const envelope = form.getBuffer();
  const closing = Buffer.from(`\r\n--${form.getBoundary()}--\r\n`);
  if (!envelope.subarray(envelope.length - closing.length).equals(closing)) {
    throw new Error('form-data wrote an unexpected multipart envelope');
  }
  const opening = envelope.subarray(0, envelope.length - closing.length);
  const fileBody = readFileChunks(file.path, file.size, 0, hash ? (chunk) => hash.update(chunk) : undefined);

  async function* body(): AsyncGenerator<Uint8Array> {
    yield opening;
    yield* fileBody.chunks;
    yield closing;
  }

  return {
    headers: {
      'content-type': `multipart/form-data; boundary=${form.getBoundary()}`,
      'content-length': String(envelope.length + file.size),
    },
    body: body(),
    file: fileBody,
  };
}
