// Keeps a long batch's memory flat: asks V8 for a minor collection between files.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'minor' }) => void;
let collect: Collect | null | undefined;

/**
 * Frees the buffers of files already sent. File chunks live outside the JS heap; V8 frees them only when it collects
 * their small wrappers, which in a batch happens late: peak memory then grew with the number of files (10 files
 * 65 MiB, 80 files 84 MiB). A minor collection after each file (about a millisecond) keeps it flat.
 */
export function collectShortLivedGarbage(): void {
  if (collect === undefined) {
    try {
      // --expose-gc set at run time applies to new contexts: take `gc` from one.
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as Collect;
    } catch {
      collect = null;
    }
  }
  collect?.({ type: 'minor' });
}
