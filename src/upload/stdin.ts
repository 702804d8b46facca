// Standard input as a file: spooled to a private temp file (bounded by the type's limit) so retries can replay it.

import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { InputError, InterruptedError, signalName, UsageError } from '../errors.js';
import { formatBytes, type MediaType } from '../media/media-types.js';
import { fsPromises } from '../files.js';

/** A spooled copy of stdin and the function that removes it. */
export interface SpooledInput {
  path: string;
  cleanup: () => Promise<void>;
}

/** How the spool is stopped from outside and kept from outliving the process. */
export interface SpoolOptions {
  /** Aborted by SIGINT/SIGTERM (reason: the signal's name): the read stops at once and the spool is removed. */
  signal?: AbortSignal | undefined;
  /** Registers a path to remove even if the process exits without unwinding (a second Ctrl-C); returns the unregister. */
  removeOnExit?: ((path: string) => () => void) | undefined;
}

/** Copies stdin to a temp file, stopping (and refusing, exit 4) once it passes the type's size limit. */
export async function spoolStdin(
  stdin: NodeJS.ReadableStream & { isTTY?: boolean },
  type: MediaType | undefined,
  options: SpoolOptions = {},
): Promise<SpooledInput> {
  if (!type) throw new UsageError('reading stdin (-) needs --type', 'e.g. cat voice.ogg | wa-upload --type audio/ogg --filename voice.ogg -');
  if (stdin.isTTY) throw new UsageError('- reads stdin, but stdin is a terminal', 'pipe a file in: cat photo.jpg | wa-upload --type image/jpeg -');
  const { signal } = options;
  if (signal?.aborted) throw new InterruptedError(signalName(signal), 'while reading stdin');
  const dir = await fsPromises().mkdtemp(join(tmpdir(), 'wa-upload-'));
  const forget = options.removeOnExit?.(dir);
  const cleanup = async (): Promise<void> => {
    await fsPromises().rm(dir, { recursive: true, force: true });
    forget?.();
  };
  const path = join(dir, `stdin${type.extensions[0]}`);
  const out = createWriteStream(path, { mode: 0o600 });
  // One listener for the stream's whole life. A write error (disk full) fails the spool instead of crashing the
  // process; and a write still in flight when the spool is abandoned completes after destroy() with
  // ERR_STREAM_DESTROYED, which Node 24+ emits as an 'error' event: without a listener it was an uncaught exception
  // ("internal error: Cannot call write after a stream was destroyed", exit 1, instead of exit 4).
  let writeError: Error | undefined;
  out.on('error', (error) => (writeError ??= error));
  const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
  // Aborting destroys stdin, which ends the loop below at once with an AbortError.
  if (signal) addAbortSignal(signal, stdin as Readable);
  let total = 0;
  try {
    for await (const chunk of stdin) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      total += buffer.length;
      if (total > type.maxBytes) {
        throw new InputError(`stdin is over the ${formatBytes(type.maxBytes)} limit for ${type.mimeType} (stopped reading at ${total} bytes)`);
      }
      if (writeError) throw writeError;
      if (!out.write(buffer)) await waitForDrain(out);
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    if (writeError) throw writeError;
    if (signal?.aborted) throw new InterruptedError(signalName(signal), 'while reading stdin');
    return { path, cleanup };
  } catch (error) {
    out.destroy();
    // The file is removed only once no write is left in flight (else the write could outlive the removal).
    await closed;
    await cleanup();
    if (signal?.aborted) throw new InterruptedError(signalName(signal), 'while reading stdin');
    if (error instanceof InputError || error instanceof UsageError) throw error;
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InputError(`stdin could not be copied to a temp file (${reason})`, 'check the free space of the temp folder (TMPDIR)');
  }
}

/** Resolves once `out` drains, rejects if it fails first. */
function waitForDrain(out: NodeJS.WritableStream): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error): void => {
      out.off('drain', done);
      out.off('error', done);
      if (error) reject(error);
      else resolve();
    };
    out.once('drain', done);
    out.once('error', done);
  });
}
