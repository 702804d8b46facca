// Downloads a media ID into a file without ever leaving a partial one: a private temp file beside it, renamed once verified.

import { createWriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { downloadMedia, type DownloadResult, type GraphEvent, type GraphSettings } from './graph-client.js';
import { fsPromises } from '../files.js';

/**
 * Streams the media into `target`; the file appears only when exactly `file_size` bytes arrived, no HTML page came in
 * place of the media, and the sha256 (when the media info has one) matched. Any failure removes the temp file.
 */
export async function downloadToFile(
  mediaId: string,
  settings: GraphSettings,
  target: string,
  onEvent?: (event: GraphEvent) => void,
  /** Registers the temp file for removal if the process exits before this returns (a second Ctrl-C); returns the unregister. */
  removeOnExit?: (path: string) => () => void,
): Promise<DownloadResult> {
  const temp = join(dirname(target), `.${basename(target)}.${process.getBuiltinModule('node:crypto').randomBytes(4).toString('hex')}.part`);
  const forget = removeOnExit?.(temp);
  let stream: ReturnType<typeof createWriteStream> | undefined;
  const close = async (): Promise<void> => {
    const open = stream;
    stream = undefined;
    if (open) await new Promise<void>((resolve) => open.end(() => resolve()));
  };
  try {
    const result = await downloadMedia(
      mediaId,
      settings,
      {
        // Each try starts the temp file afresh.
        restartable: true,
        open: async () => {
          await close();
          // 0666 less the umask, like curl and wget: a downloaded file is as readable as any other the user creates.
          stream = createWriteStream(temp, { mode: 0o666 });
          return stream;
        },
      },
      onEvent,
    );
    await close();
    await fsPromises().rename(temp, target);
    return result;
  } finally {
    await close();
    await fsPromises().rm(temp, { force: true });
    forget?.();
  }
}
