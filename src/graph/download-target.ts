// What stands in the way of downloading to a path (its folder missing, a folder there, a file there): one check for every front.

import { dirname, resolve } from 'node:path';
import { fsPromises } from '../files.js';

/** Why a download cannot go to `target` as it is; undefined when nothing is there and its folder exists. */
export type DownloadTargetProblem =
  /** The folder it would go into does not exist (or the path ends with a slash): `folder` names it as given. */
  | { kind: 'no-folder'; folder: string }
  /** The path is a folder. */
  | { kind: 'folder' }
  /** A file is there: kept unless the caller is told to replace it (--force, overwrite: true). */
  | { kind: 'exists' };

/** Checks a download's target path, relative to `cwd`; each front words the problem its own way. */
export async function downloadTargetProblem(target: string, cwd: string = process.cwd()): Promise<DownloadTargetProblem | undefined> {
  const kind = async (path: string): Promise<'file' | 'folder' | undefined> => {
    try {
      return (await fsPromises().stat(path)).isDirectory() ? 'folder' : 'file';
    } catch {
      return undefined;
    }
  };
  const full = resolve(cwd, target);
  if (target.endsWith('/') || (await kind(dirname(full))) !== 'folder') return { kind: 'no-folder', folder: target.endsWith('/') ? target : dirname(target) };
  const there = await kind(full);
  return there === 'folder' ? { kind: 'folder' } : there === 'file' ? { kind: 'exists' } : undefined;
}
