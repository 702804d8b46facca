// Keeps a long batch's memory flat: asks V8 for a minor collection between files.

import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'minor' }) => void;
let collect: Collect | null | undefined;

/**
 * Frees what files already sent left behind (their read buffers, content-check reads, request objects). V8 collects
 * them late, so without this peak memory grows with the number of files (1 MB files at --concurrency 8: 10 files
 * 57 MiB, 80 files 70 MiB); a minor collection after each file (about a millisecond) keeps it flat (58 and 65 MiB).
 */
export function collectShortLivedGarbage(): void {
  if (collect === undefined) {
    try {
      // --expose-gc set at run time applies to new contexts: take `gc` from one.
      // node:v8 loads here, at the first file of a batch that has more to come, never in a one-file run.
      process.getBuiltinModule('node:v8').setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as Collect;
    } catch {
      collect = null;
    }
  }
  collect?.({ type: 'minor' });
}
