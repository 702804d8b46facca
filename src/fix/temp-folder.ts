// The private folder (0700) a --fix run converts into: made on first use, removed at the end, on errors and on signals.

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One run's private folder for converted files. */
export interface TempFolder {
  /** A fresh path inside the folder (the folder made on the first call), named after `name` with a number before it. */
  pathFor(name: string): Promise<string>;
  /** The folder's path, once made. */
  readonly path: string | undefined;
  /** Removes the folder and everything in it; safe to call more than once. */
  remove(): Promise<void>;
}

/**
 * A folder under `base` (the run's TMPDIR, else the system's temp folder), readable by this user only. `removeOnExit`
 * (the process's registry of temp paths) removes it even when the process exits at once, as on a second Ctrl-C.
 */
export function tempFolder(removeOnExit?: (path: string) => () => void, base: string = tmpdir()): TempFolder {
  let made: Promise<string> | undefined;
  let path: string | undefined;
  let unregister: (() => void) | undefined;
  let count = 0;
  return {
    get path() {
      return path;
    },
    async pathFor(name: string) {
      made ??= mkdtemp(join(base, 'wa-upload-fix-')).then(async (folder) => {
        // mkdtemp makes it 0700 already; said again so that no umask or platform can loosen it.
        await chmod(folder, 0o700);
        path = folder;
        unregister = removeOnExit?.(folder);
        return folder;
      });
      const folder = await made;
      count += 1;
      // Only the name's safe characters: the path goes to ffmpeg, and a name is not an option or a protocol.
      const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]+/, '') || 'file';
      return join(folder, `${count}-${safe}`);
    },
    async remove() {
      if (!made) return;
      const folder = await made.catch(() => undefined);
      if (folder) await rm(folder, { recursive: true, force: true });
      unregister?.();
      made = undefined;
      path = undefined;
    },
  };
}
