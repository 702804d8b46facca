// --reuse: remembers media IDs by content so the same file is not uploaded twice within their lifetime.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../settings/config.js';
import type { PreparedFile } from '../media/inspect.js';

/** Media IDs live 30 days; one remembered for less than 29 is still safe to send. */
export const REUSE_MAX_AGE_MS = 29 * 24 * 60 * 60 * 1000;

/** One remembered upload. */
export interface CacheEntry {
  id: string;
  sha256: string;
  bytes: number;
  mimeType: string;
  uploadedAt: string;
}

/** Where the cache lives: $XDG_CACHE_HOME/wa-upload or ~/.cache/wa-upload. */
export function cacheFilePath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), '.cache');
  return join(base, 'wa-upload', 'media-ids.json');
}

/** The key of an upload: content + type + where it went (phone number ID and base URL). */
export function cacheKey(sha256: string, mimeType: string, config: Pick<Config, 'phoneNumberId' | 'baseUrl'>): string {
  return `${sha256}|${mimeType}|${config.phoneNumberId}|${config.baseUrl}`;
}

/** A fresh entry still worth reusing at `now`. */
export function isFresh(entry: CacheEntry, now: number): boolean {
  const at = Date.parse(entry.uploadedAt);
  return Number.isFinite(at) && now - at < REUSE_MAX_AGE_MS && now >= at;
}

/** Opens the cache for a run: lookup before upload, remember after. A damaged file is ignored with a warning. */
export async function openReuseCache(
  env: NodeJS.ProcessEnv,
  config: Pick<Config, 'phoneNumberId' | 'baseUrl'>,
  warn: (text: string) => void,
): Promise<{
  lookup: (prepared: PreparedFile) => Promise<{ sha256: string; remembered: string | undefined }>;
  remember: (prepared: PreparedFile, id: string, sha256: string) => Promise<void>;
}> {
  const path = cacheFilePath(env);
  let warned = false;
  const read = async (): Promise<Record<string, CacheEntry>> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return {};
    }
    try {
      const parsed = JSON.parse(text) as { version?: unknown; entries?: unknown };
      if (parsed.version !== 1 || !parsed.entries || typeof parsed.entries !== 'object') throw new Error('unknown layout');
      return parsed.entries as Record<string, CacheEntry>;
    } catch {
      if (!warned) warn(`the reuse cache ${path} is damaged and is ignored (it will be rewritten)`);
      warned = true;
      return {};
    }
  };
  return {
    lookup: async (prepared) => {
      const sha256 = await hashFile(prepared.path);
      const entry = (await read())[cacheKey(sha256, prepared.mimeType, config)];
      return { sha256, remembered: entry && isFresh(entry, Date.now()) && typeof entry.id === 'string' ? entry.id : undefined };
    },
    remember: async (prepared, id, sha256) => {
      const entries = await read();
      const now = Date.now();
      for (const [key, entry] of Object.entries(entries)) if (!isFresh(entry, now)) delete entries[key];
      entries[cacheKey(sha256, prepared.mimeType, config)] = { id, sha256, bytes: prepared.size, mimeType: prepared.mimeType, uploadedAt: new Date(now).toISOString() };
      await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
      // Write a private temp file and rename it over the cache: readers see the old or the new file, never half of one.
      const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temp, JSON.stringify({ version: 1, entries }, null, 1), { mode: 0o600 });
      await rename(temp, path);
    },
  };
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
