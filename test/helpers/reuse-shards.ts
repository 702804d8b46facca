// Reads the --reuse cache as the tests see it: the folder of shard files named by the content hash's first two digits.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256OfFile } from './cli-sandbox.js';

/** One shard file's layout. */
export interface ShardFile {
  version: number;
  entries: Record<string, { id: string; sha256: string; uploadedAt: string; mimeType: string; bytes: number }>;
}

/** The cache folder under a HOME or an XDG_CACHE_HOME (`xdg: true`). */
export function cacheFolder(base: string, xdg = false): string {
  return xdg ? join(base, 'wa-upload', 'media-ids') : join(base, '.cache', 'wa-upload', 'media-ids');
}

/** The shard file that holds the entries of a file's content. */
export async function shardOf(folder: string, file: string): Promise<string> {
  return join(folder, `${(await sha256OfFile(file)).slice(0, 2)}.json`);
}

/** Every shard, merged: the whole cache as one `{ entries }`. */
export async function readAllShards(folder: string): Promise<{ entries: ShardFile['entries']; shards: string[] }> {
  const shards = (await readdir(folder)).filter((name) => /^[0-9a-f]{2}\.json$/.test(name)).sort();
  const entries: ShardFile['entries'] = {};
  for (const name of shards) Object.assign(entries, (JSON.parse(await readFile(join(folder, name), 'utf8')) as ShardFile).entries);
  return { entries, shards };
}
