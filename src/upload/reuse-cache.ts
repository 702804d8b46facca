// --reuse: remembers media IDs by content so the same file is not uploaded twice within their lifetime.

import { createReadStream } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../settings/config.js';
import type { PreparedFile } from '../media/inspect.js';
import { isMediaId } from '../graph/media-id.js';
import { fsPromises } from '../files.js';

// node:crypto loads when the cache is first used (process.getBuiltinModule): a run without --reuse never needs it.
const crypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto');

/** Media IDs live 30 days; one remembered for less than 29 is still safe to send. */
export const REUSE_MAX_AGE_MS = 29 * 24 * 60 * 60 * 1000;

/** A lock older than this was left by a run that died: it is taken over. */
const STALE_LOCK_MS = 10_000;

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

/** An entry as it must look to be used: anything else in the file is damage, skipped. */
function isEntry(value: unknown): value is CacheEntry {
  const e = value as Partial<CacheEntry> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    isMediaId(e.id) &&
    typeof e.sha256 === 'string' &&
    typeof e.mimeType === 'string' &&
    typeof e.uploadedAt === 'string'
  );
}

/** The reuse cache of one run. Nothing it does fails the run: every problem is one warning, and the IDs still print. */
export interface ReuseCache {
  /** Hashes the file and returns its remembered media ID, if a fresh one is known. */
  lookup(prepared: PreparedFile): Promise<{ sha256: string; remembered: string | undefined }>;
  /** Remembers an upload under the hash of the bytes actually sent; written with the others in one change set. */
  remember(prepared: PreparedFile, id: string, sha256: string): void;
  /** Forgets every entry holding this media ID (it was deleted). */
  forget(id: string): void;
  /** Waits until every change is written (or given up with a warning). */
  close(): Promise<void>;
}

/**
 * Opens the cache for a run. The file is read once, on first use; changes are merged into the file as it is on disk
 * at the time of writing, under a lock, so concurrent runs and concurrent uploads never lose each other's entries.
 * Changes made while a write is under way go out together in the next one. `persist: false` (the sandbox) keeps the
 * cache in memory only: the user's real cache is never read or written.
 */
export function openReuseCache(
  env: NodeJS.ProcessEnv,
  config: Pick<Config, 'phoneNumberId' | 'baseUrl'>,
  warn: (text: string) => void,
  options: { persist?: boolean } = {},
): ReuseCache {
  const persist = options.persist !== false;
  const path = cacheFilePath(env);
  const warned = new Set<string>();
  const warnOnce = (topic: string, text: string): void => {
    if (warned.has(topic)) return;
    warned.add(topic);
    warn(text);
  };
  let loaded: Promise<Map<string, CacheEntry>> | undefined;
  const load = (): Promise<Map<string, CacheEntry>> => (loaded ??= persist ? readEntries(path, warnOnce) : Promise.resolve(new Map()));
  const added = new Map<string, CacheEntry>();
  const forgotten = new Set<string>();
  let writing: Promise<void> | undefined;

  const flush = async (): Promise<void> => {
    while (added.size > 0 || forgotten.size > 0) {
      const toAdd = new Map(added);
      const toForget = new Set(forgotten);
      added.clear();
      forgotten.clear();
      try {
        await mergeIntoFile(path, toAdd, toForget, warnOnce);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        warnOnce('write', `cannot write the reuse cache ${path} (${code}): the media IDs are printed but not remembered`);
      }
    }
  };
  const schedule = (): void => {
    if (!persist) return;
    writing ??= flush().finally(() => (writing = undefined));
  };

  return {
    lookup: async (prepared) => {
      const sha256 = await hashFile(prepared.path);
      const key = cacheKey(sha256, prepared.mimeType, config);
      const entry = added.get(key) ?? (await load()).get(key);
      return { sha256, remembered: entry && isFresh(entry, Date.now()) && !forgotten.has(entry.id) ? entry.id : undefined };
    },
    remember: (prepared, id, sha256) => {
      if (!isMediaId(id)) return;
      const entry = { id, sha256, bytes: prepared.size, mimeType: prepared.mimeType, uploadedAt: new Date().toISOString() };
      const key = cacheKey(sha256, prepared.mimeType, config);
      added.set(key, entry);
      void load().then((entries) => entries.set(key, entry));
      schedule();
    },
    forget: (id) => {
      forgotten.add(id);
      void load().then((entries) => {
        for (const [key, entry] of entries) if (entry.id === id) entries.delete(key);
      });
      schedule();
    },
    close: async () => {
      while (writing) await writing;
    },
  };
}

/** Reads the cache file into a map of valid entries; a missing file is empty, a damaged one or damaged entries a warning. */
async function readEntries(path: string, warnOnce: (topic: string, text: string) => void): Promise<Map<string, CacheEntry>> {
  let text: string;
  try {
    text = await fsPromises().readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') warnOnce('read', `cannot read the reuse cache ${path} (${code ?? 'error'}): every file is uploaded`);
    return new Map();
  }
  const entries = new Map<string, CacheEntry>();
  let raw: unknown;
  try {
    const parsed = JSON.parse(text) as { version?: unknown; entries?: unknown };
    if (parsed.version !== 1 || !parsed.entries || typeof parsed.entries !== 'object' || Array.isArray(parsed.entries)) throw new Error('unknown layout');
    raw = parsed.entries;
  } catch {
    warnOnce('damaged', `the reuse cache ${path} is damaged and is ignored (it will be rewritten)`);
    return entries;
  }
  let damaged = 0;
  for (const [key, entry] of Object.entries(raw as Record<string, unknown>)) {
    if (isEntry(entry)) entries.set(key, entry);
    else damaged += 1;
  }
  if (damaged > 0) warnOnce('entries', `the reuse cache ${path} holds ${damaged} damaged ${damaged === 1 ? 'entry' : 'entries'}, ignored (they will be dropped)`);
  return entries;
}

/** Under the lock: reads the file as it is now, applies the changes, drops stale entries, writes it back whole. */
async function mergeIntoFile(
  path: string,
  toAdd: Map<string, CacheEntry>,
  toForget: Set<string>,
  warnOnce: (topic: string, text: string) => void,
): Promise<void> {
  await fsPromises().mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await withLock(`${path}.lock`, async () => {
    const entries = await readEntries(path, warnOnce);
    for (const [key, entry] of toAdd) entries.set(key, entry);
    const now = Date.now();
    for (const [key, entry] of entries) if (!isFresh(entry, now) || toForget.has(entry.id)) entries.delete(key);
    // A private temp file renamed over the cache: readers see the old or the new file, never half of one.
    const temp = `${path}.${process.pid}.${crypto().randomBytes(4).toString('hex')}.tmp`;
    try {
      await fsPromises().writeFile(temp, JSON.stringify({ version: 1, entries: Object.fromEntries(entries) }), { mode: 0o600 });
      await fsPromises().rename(temp, path);
    } catch (error) {
      await fsPromises().rm(temp, { force: true });
      throw error;
    }
  });
}

/** Runs `work` holding an exclusive lock file; a lock left by a dead run (older than 10 s) is taken over. */
async function withLock<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      const handle = await fsPromises().open(lockPath, 'wx', 0o600);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await fsPromises().stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_LOCK_MS) await fsPromises().unlink(lockPath).catch(() => {});
      else await sleep(delay);
    }
  }
  try {
    return await work();
  } finally {
    await fsPromises().unlink(lockPath).catch(() => {});
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = crypto().createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Removes a deleted media ID from the user's cache (delete); only when a cache file exists, and never failing the run. */
export async function forgetMediaId(env: NodeJS.ProcessEnv, id: string, warn: (text: string) => void): Promise<void> {
  const path = cacheFilePath(env);
  const exists = await fsPromises().stat(path).then(() => true, () => false);
  if (!exists) return;
  const cache = openReuseCache(env, { phoneNumberId: '', baseUrl: '' }, warn);
  cache.forget(id);
  await cache.close();
}
