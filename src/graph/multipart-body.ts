// The upload body: form-data writes the multipart envelope, the file streams through two reused buffers, got sends it.

import type { Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import FormData from 'form-data';

/** A file to send as the `file` part, with the fields WhatsApp wants beside it. */
export interface MultipartFile {
  path: string;
  size: number;
  filename: string;
  mimeType: string;
}

/** Headers and a body for got: the body is an async iterable that got writes one chunk at a time. */
export interface MultipartUpload {
  headers: Record<string, string>;
  body: AsyncIterable<Uint8Array>;
  /** File bytes read so far (all of them once the body is sent). */
  fileBytesRead(): number;
  /** The error reading the file raised, if any: the upload failed because of the file, not the network. */
  fileError(): Error | undefined;
}

/** Chunk size: big reads move big files fastest; small files need no more than 64 KiB. */
export function chunkSizeFor(size: number): number {
  return size > 4_000_000 ? 1024 * 1024 : 64 * 1024;
}

/**
 * Builds the multipart body of one upload try: `messaging_product`, `type`, then the file part with its filename and
 * Content-Type (always given: form-data's own MIME table would guess wrong).
 *
 * Why not append a read stream to the form: every chunk a stream reads lands in a fresh buffer, and on a 95 MB upload
 * those allocations (page faults, collections) cost more than sending. got writes an async iterable one chunk at a time
 * and asks for the next only once the previous one is written to the socket, so two buffers can take turns: one is
 * sent while the next part of the file is read into the other.
 */
export function multipartUpload(file: MultipartFile, hash?: Hash): MultipartUpload {
  const form = new FormData();
  form.append('messaging_product', 'whatsapp');
  form.append('type', file.mimeType);
  form.append('file', Buffer.alloc(0), { filename: file.filename, contentType: file.mimeType });
  // With an empty file the envelope is: fields + the file part's header, then the closing boundary.
  const envelope = form.getBuffer();
  const closing = Buffer.from(`\r\n--${form.getBoundary()}--\r\n`);
  if (!envelope.subarray(envelope.length - closing.length).equals(closing)) {
    throw new Error('form-data wrote an unexpected multipart envelope');
  }
  const opening = envelope.subarray(0, envelope.length - closing.length);
  let read = 0;
  let failure: Error | undefined;

  async function* body(): AsyncGenerator<Uint8Array> {
    yield opening;
    yield* fileChunks();
    yield closing;
  }

  async function* fileChunks(): AsyncGenerator<Uint8Array> {
    let handle;
    try {
      handle = await open(file.path, 'r');
    } catch (error) {
      throw (failure = error as Error);
    }
    try {
      const size = chunkSizeFor(file.size);
      const buffers = [Buffer.allocUnsafe(Math.min(size, file.size)), Buffer.allocUnsafe(Math.min(size, file.size))] as const;
      let turn = 0;
      let next = handle.read(buffers[0], 0, Math.min(size, file.size), 0);
      while (read < file.size) {
        const { bytesRead } = await next.catch((error: Error) => {
          throw (failure = error);
        });
        if (bytesRead === 0) break;
        const chunk = buffers[turn]!.subarray(0, bytesRead);
        read += bytesRead;
        // The other buffer was sent before got asked for this chunk: it is free to fill now.
        if (read < file.size) next = handle.read(buffers[1 - turn]!, 0, Math.min(size, file.size - read), read);
        hash?.update(chunk);
        yield chunk;
        turn = 1 - turn;
      }
    } finally {
      await handle.close();
    }
    // A file that shrank while being sent: the length promised cannot be met; the caller reports it.
    if (read !== file.size) throw (failure = new FileChangedError(read, file.size));
  }

  return {
    headers: {
      'content-type': `multipart/form-data; boundary=${form.getBoundary()}`,
      'content-length': String(envelope.length + file.size),
    },
    body: body(),
    fileBytesRead: () => read,
    fileError: () => failure,
  };
}

/** The file has fewer bytes than when it was checked. */
export class FileChangedError extends Error {
  constructor(
    readonly bytesRead: number,
    readonly expected: number,
  ) {
    super(`the file changed while uploading (${bytesRead} bytes read, ${expected} expected)`);
  }
}
