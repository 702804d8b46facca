// Standard input as a file: spooled to a private temp file (bounded by the type's limit) so retries can replay it.

import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { formatBytes, type MediaType } from '../media/media-types.js';

/** A spooled copy of stdin and the function that removes it. */
export interface SpooledInput {
  path: string;
  cleanup: () => Promise<void>;
}

/** Copies stdin to a temp file, stopping (and refusing, exit 4) once it passes the type's size limit. */
export async function spoolStdin(stdin: NodeJS.ReadableStream & { isTTY?: boolean }, type: MediaType | undefined): Promise<SpooledInput> {
  if (!type) throw new UsageError('reading stdin (-) needs --type', 'e.g. cat voice.ogg | wa-upload --type audio/ogg --filename voice.ogg -');
  if (stdin.isTTY) throw new UsageError('- reads stdin, but stdin is a terminal', 'pipe a file in: cat photo.jpg | wa-upload --type image/jpeg -');
  const dir = await mkdtemp(join(tmpdir(), 'wa-upload-'));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const path = join(dir, `stdin${type.extensions[0]}`);
  const out = createWriteStream(path, { mode: 0o600 });
  let total = 0;
  try {
    for await (const chunk of stdin) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      total += buffer.length;
      if (total > type.maxBytes) {
        throw new InputError(`stdin is over the ${formatBytes(type.maxBytes)} limit for ${type.mimeType} (stopped reading at ${total} bytes)`);
      }
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    return { path, cleanup };
  } catch (error) {
    out.destroy();
    await cleanup();
    throw error;
  }
}
