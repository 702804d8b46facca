// Reads a file (or its tail from an offset) as chunks through two reused buffers, for bodies got sends one chunk at a time.

import { DESCRIPTOR_SHORTAGE_HINT, descriptorShortageMessage, isDescriptorShortage, openForReading } from '../files.js';
import { InputError, TemporaryError } from '../errors.js';

/** Chunk size: big reads move big files fastest; small files need no more than 64 KiB. */
export function chunkSizeFor(size: number): number {
  return size > 4_000_000 ? 1024 * 1024 : 64 * 1024;
}

/** The bytes of a file from an offset, and what reading them met. */
export interface FileChunks {
  /** The chunks; each buffer is reused once the next chunk is asked for, so a consumer must be done with it by then. */
  chunks: AsyncGenerator<Uint8Array>;
  /** Bytes read so far, counted from `start` (all of `size - start` once the body is sent). */
  bytesRead(): number;
  /** The error reading the file raised, if any: the upload failed because of the file, not the network. */
  error(): Error | undefined;
}

/**
 * Reads `path` from byte `start` to `size` (the size the file had when it was checked). Why not a read stream: every
 * chunk a stream reads lands in a fresh buffer, and on a 95 MB upload those allocations (page faults, collections)
 * cost more than sending. got asks for the next chunk only once the previous one is written to the socket, so two
 * buffers can take turns: one is sent while the next part of the file is read into the other. `onChunk` sees each
 * chunk with its position in the file (to hash it). A file that shrank ends in a FileChangedError.
 */
export function readFileChunks(
  path: string,
  size: number,
  start = 0,
  onChunk?: (chunk: Uint8Array, position: number) => void,
): FileChunks {
  let read = 0;
  let failure: Error | undefined;
  const length = size - start;

  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (length <= 0) return;
    let handle: Awaited<ReturnType<typeof openForReading>>;
    try {
      handle = await openForReading(path);
    } catch (error) {
      throw (failure = error as Error);
    }
    try {
      const chunkSize = Math.min(chunkSizeFor(size), length);
      const buffers = [Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize)] as const;
      let turn = 0;
      let next = handle.read(buffers[0], 0, chunkSize, start);
      while (read < length) {
        const { bytesRead } = await next.catch((error: Error) => {
          throw (failure = error);
        });
        if (bytesRead === 0) break;
        const chunk = buffers[turn]!.subarray(0, bytesRead);
        const position = start + read;
        read += bytesRead;
        // The other buffer was sent before got asked for this chunk: it is free to fill now.
        if (read < length) next = handle.read(buffers[1 - turn]!, 0, Math.min(chunkSize, length - read), start + read);
        onChunk?.(chunk, position);
        yield chunk;
        turn = 1 - turn;
      }
    } finally {
      await handle.close();
    }
    // A file that shrank while being sent: the length promised cannot be met; the caller reports it.
    if (read !== length) throw (failure = new FileChangedError(start + read, size));
  }

  return { chunks: chunks(), bytesRead: () => read, error: () => failure };
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

/**
 * The input error (exit 4, never retried) that reading a file for a try comes to, or undefined: the read failed, the
 * file shrank, or — once the server answered yes — fewer bytes than promised were read (`start` + `bytesRead` of `size`).
 */
export function fileReadFailure(file: FileChunks, start: number, size: number, answered: boolean): InputError | TemporaryError | undefined {
  const error = file.error();
  // Out of descriptors is no fault of the file: temporary (exit 7), and the batch tries the file again.
  if (isDescriptorShortage(error)) return new TemporaryError(descriptorShortageMessage((error as NodeJS.ErrnoException).code!), { hint: DESCRIPTOR_SHORTAGE_HINT });
  if (error instanceof FileChangedError) return new InputError(error.message, 'upload it again once it is written');
  if (error) {
    return new InputError(`cannot read the file while uploading: ${(error as NodeJS.ErrnoException).code ?? error.message}`, 'check that it is not being moved or changed');
  }
  if (answered && start + file.bytesRead() !== size) {
    return new InputError(`the file changed while uploading (${start + file.bytesRead()} bytes read, ${size} expected)`, 'upload it again once it is written');
  }
  return undefined;
}
