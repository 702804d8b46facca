// --reuse: remembers media IDs by content so the same file is not uploaded twice within their lifetime.

import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../settings/config.js';
import type { PreparedFile } from '../media/inspect.js';
import { isMediaId } from '../graph/media-id.js';
import { cacheHome, fsPromises, openForReading, whenDescriptorsAllow } from '../files.js';

// node:crypto loads when the cache is first used (process.getBuiltinModule): a run without --reuse never needs it.
const crypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto');

/** Media IDs live 30 days; one remembered for less than 29 is still safe to send. */
const REUSE_MAX_AGE_MS = 29 * 24 * 60 * 60 * 1000;

/** A lock older than this was left by a run that died: it is taken over. */
const STALE_LOCK_MS = 10_000;

/** One remembered upload. */
interface CacheEntry {
  id: string;
  sha256: string;
  bytes: number;
  mimeType: string;
  uploadedAt: string;
}

/** Where the cache lives: a folder of 256 shard files, `media-ids/00.json` to `media-ids/ff.json`. */
function cacheFolderPath(env: NodeJS.ProcessEnv): string {
  return join(cacheHome(env), 'media-ids');
}

/** The single-file cache of earlier versions (every entry in one JSON file): migrated into the shards on first use. */
function legacyCacheFilePath(env: NodeJS.ProcessEnv): string {
  return join(cacheHome(env), 'media-ids.json');
}

/** The shard file of a content hash: its first two hex digits (256 shards; 200,000 entries make ~800 a shard). */
function shardPath(folder: string, sha256: string): string {
  const prefix = /^[0-9a-f]{2}/.test(sha256) ? sha256.slice(0, 2) : '00';
  return join(folder, `${prefix}.json`);
}

/**
 * The key of an upload: content + type + where it went (phone number ID and base URL). A file --fix converted is keyed
 * by its original's content and the recipe (`<type>+fix:<recipe>`), so that a second run neither converts nor uploads.
 */
function cacheKey(sha256: string, mimeType: string, config: Pick<Config, 'phoneNumberId' | 'baseUrl'>, fix?: { recipe: string }): string {
  return `${sha256}|${fix ? `${mimeType}+fix:${fix.recipe}` : mimeType}|${config.phoneNumberId}|${config.baseUrl}`;
}

/** A fresh entry still worth reusing at `now`. */
function isFresh(entry: CacheEntry, now: number): boolean {
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
  /**
   * Hashes the file and returns its remembered media ID, if a fresh one is known; with `fix` (a file --fix converts),
   * looks up the original's hash and the recipe instead, and says what was sent for it (`sent`).
   */
  lookup(prepared: PreparedFile, fix?: FixKey): Promise<{ sha256: string; remembered: string | undefined; sent?: { bytes: number; sha256: string; mimeType: string } }>;
  /** The remembered media ID of content known only by its hash and type (a URL source found unchanged), if a fresh one is known. */
  lookupHash(sha256: string, mimeType: string): Promise<string | undefined>;
  /** Remembers an upload under the hash of the bytes actually sent (with `fix`, of the original and the recipe); written with the others in one change set. */
  remember(prepared: PreparedFile, id: string, sha256: string, fix?: FixKey): void;
  /** Forgets every entry holding this media ID (it was deleted). */
  forget(id: string): void;
  /** Waits until every change is written (or given up with a warning). */
  close(): Promise<void>;
}

type WarnOnce = (topic: string, text: string) => void;

/** The --reuse key of a converted file: the original's hash and the recipe. */
interface FixKey {
  recipe: string;
  sourceSha256: string;
}

/**
 * Opens the cache for a run. The cache is a folder of 256 shard files keyed by the first two hex digits of the content
 * hash: a lookup reads the one shard of its file (once per run), a change rewrites only the shards it touches, so a
 * run costs what the entries it touches cost, not what the whole cache holds. Changes are merged into each shard as
 * it is on disk at the time of writing, under that shard's lock, so concurrent runs and concurrent uploads never lose
 * each other's entries; changes made while a write is under way go out together in the next one. An old single-file
 * cache (media-ids.json) is moved into the shards on first use. `persist: false` (the sandbox) keeps the cache in
 * memory only: the user's real cache is never read or written.
 */
export function openReuseCache(
  env: NodeJS.ProcessEnv,
  config: Pick<Config, 'phoneNumberId' | 'baseUrl'>,
  warn: (text: string) => void,
  options: { persist?: boolean } = {},
): ReuseCache {
  const persist = options.persist !== false;
  const folder = cacheFolderPath(env);
  const warned = new Set<string>();
  const warnOnce: WarnOnce = (topic, text) => {
    if (warned.has(topic)) return;
    warned.add(topic);
    warn(text);
  };
  let migrated: Promise<void> | undefined;
  const migrate = (): Promise<void> => (migrated ??= migrateLegacyFile(env, folder, warnOnce));
  // The shards read so far, each read once per run (after the migration of an old cache file, if any).
  const shards = new Map<string, Promise<Map<string, CacheEntry>>>();
  const shard = (path: string): Promise<Map<string, CacheEntry>> => {
    let entries = shards.get(path);
    if (!entries) {
      // A damaged shard is rewritten without its damage, as the warning says, even by a run that only looks up.
      const damage = { found: false, damaged: false };
      entries = persist ? migrate().then(() => readEntries(path, warnOnce, damage)) : Promise.resolve(new Map());
      if (persist) {
        void entries.then(() => {
          if (!damage.damaged) return;
          repair.add(path);
          schedule();
        });
      }
      shards.set(path, entries);
    }
    return entries;
  };
  const added = new Map<string, CacheEntry>();
  const forgotten = new Set<string>();
  const repair = new Set<string>();
  let writing: Promise<void> | undefined;

  const flush = async (): Promise<void> => {
    while (added.size > 0 || forgotten.size > 0 || repair.size > 0) {
      const toAdd = new Map(added);
      const toForget = new Set(forgotten);
      const toRepair = new Set(repair);
      added.clear();
      forgotten.clear();
      repair.clear();
      let shardInHand = folder;
      try {
        await migrate();
        const byShard = new Map<string, Map<string, CacheEntry>>([...toRepair].map((path) => [path, new Map()]));
        for (const [key, entry] of toAdd) {
          const path = shardPath(folder, key);
          if (!byShard.has(path)) byShard.set(path, new Map());
          byShard.get(path)!.set(key, entry);
        }
        // A forgotten ID may sit in any shard: those whose text holds it are rewritten too.
        if (toForget.size > 0) for (const path of await shardsHolding(folder, toForget)) if (!byShard.has(path)) byShard.set(path, new Map());
        for (const [path, entries] of byShard) {
          shardInHand = path;
          await mergeIntoShard(path, entries, toForget, warnOnce);
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        warnOnce('write', `cannot write the reuse cache ${shardInHand} (${code}): the media IDs are printed but not remembered`);
      }
    }
  };
  const schedule = (): void => {
    if (!persist) return;
    writing ??= flush().finally(() => (writing = undefined));
  };

  const lookupHash = async (sha256: string, mimeType: string): Promise<string | undefined> => {
    const key = cacheKey(sha256, mimeType, config);
    const entry = added.get(key) ?? (await shard(shardPath(folder, key))).get(key);
    return entry && isFresh(entry, Date.now()) && !forgotten.has(entry.id) ? entry.id : undefined;
  };
  return {
    lookup: async (prepared, fix) => {
      const sha256 = fix ? fix.sourceSha256 : await hashFile(prepared.path, prepared.size);
      const key = cacheKey(sha256, prepared.mimeType, config, fix);
      const entry = added.get(key) ?? (await shard(shardPath(folder, key))).get(key);
      const remembered = entry && isFresh(entry, Date.now()) && !forgotten.has(entry.id) ? entry.id : undefined;
      const sent = remembered && fix ? { sent: { bytes: entry!.bytes, sha256: entry!.sha256, mimeType: entry!.mimeType } } : {};
      return { sha256, remembered, ...sent };
    },
    lookupHash,
    remember: (prepared, id, sha256, fix) => {
      if (!isMediaId(id)) return;
      const entry = { id, sha256, bytes: prepared.size, mimeType: prepared.mimeType, uploadedAt: new Date().toISOString() };
      const key = cacheKey(fix ? fix.sourceSha256 : sha256, prepared.mimeType, config, fix);
      added.set(key, entry);
      void shards.get(shardPath(folder, key))?.then((entries) => entries.set(key, entry));
      schedule();
    },
    forget: (id) => {
      forgotten.add(id);
      for (const loaded of shards.values()) {
        void loaded.then((entries) => {
          for (const [key, entry] of entries) if (entry.id === id) entries.delete(key);
        });
      }
      schedule();
    },
    close: async () => {
      while (writing) await writing;
    },
  };
}

/** Reads a cache file into a map of valid entries; a missing file is empty, a damaged one or damaged entries a warning. */
async function readEntries(path: string, warnOnce: WarnOnce, seen?: { found: boolean; damaged?: boolean }): Promise<Map<string, CacheEntry>> {
  let text: string;
  try {
    text = await whenDescriptorsAllow(() => fsPromises().readFile(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') warnOnce('read', `cannot read the reuse cache ${path} (${code ?? 'error'}): every file is uploaded`);
    return new Map();
  }
  if (seen) seen.found = true;
  const entries = new Map<string, CacheEntry>();
  let raw: unknown;
  try {
    const parsed = JSON.parse(text) as { version?: unknown; entries?: unknown };
    if (parsed.version !== 1 || !parsed.entries || typeof parsed.entries !== 'object' || Array.isArray(parsed.entries)) throw new Error('unknown layout');
    raw = parsed.entries;
  } catch {
    warnOnce('damaged', `the reuse cache ${path} is damaged and is ignored (it will be rewritten)`);
    if (seen) seen.damaged = true;
    return entries;
  }
  let damaged = 0;
  for (const [key, entry] of Object.entries(raw as Record<string, unknown>)) {
    if (isEntry(entry)) entries.set(key, entry);
    else damaged += 1;
  }
  if (damaged > 0 && seen) seen.damaged = true;
  if (damaged > 0) warnOnce('entries', `the reuse cache ${path} holds ${damaged} damaged ${damaged === 1 ? 'entry' : 'entries'}, ignored (they will be dropped)`);
  return entries;
}

/**
 * Under the shard's lock: reads it as it is now, applies the changes (`onlyNew`: an entry already there wins), drops
 * stale and forgotten entries, writes it back whole through a temp file renamed over it.
 */
async function mergeIntoShard(
  path: string,
  toAdd: Map<string, CacheEntry>,
  toForget: ReadonlySet<string>,
  warnOnce: WarnOnce,
  onlyNew = false,
): Promise<void> {
  await fsPromises().mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await withLock(`${path}.lock`, async () => {
    const entries = await readEntries(path, warnOnce);
    for (const [key, entry] of toAdd) if (!onlyNew || !entries.has(key)) entries.set(key, entry);
    const now = Date.now();
    for (const [key, entry] of entries) if (!isFresh(entry, now) || toForget.has(entry.id)) entries.delete(key);
    await writeWhole(path, JSON.stringify({ version: 1, entries: Object.fromEntries(entries) }));
  });
}

/** A private temp file renamed over `path`: readers see the old or the new file, never half of one. */
async function writeWhole(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.${crypto().randomBytes(4).toString('hex')}.tmp`;
  try {
    await whenDescriptorsAllow(() => fsPromises().writeFile(temp, text, { mode: 0o600 }));
    await fsPromises().rename(temp, path);
  } catch (error) {
    await fsPromises().rm(temp, { force: true });
    throw error;
  }
}

/** The shard files whose text holds one of these media IDs (IDs are digits: their JSON form is exact). */
async function shardsHolding(folder: string, ids: ReadonlySet<string>): Promise<string[]> {
  const names = await fsPromises().readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const holding: string[] = [];
  for (const name of names) {
    if (!SHARD_NAME.test(name)) continue;
    const path = join(folder, name);
    const text = await whenDescriptorsAllow(() => fsPromises().readFile(path, 'utf8')).catch(() => '');
    if ([...ids].some((id) => text.includes(`"id":${JSON.stringify(id)}`))) holding.push(path);
  }
  return holding;
}

const SHARD_NAME = /^[0-9a-f]{2}\.json$/;

/**
 * Moves an old single-file cache (media-ids.json, every entry in one file) into the shards, once: under that file's
 * lock, each entry goes to its shard unless the shard already has a newer one, then the old file is removed. A
 * damaged old file is one warning and removed; a migration that cannot write is one warning and the old file stays.
 */
async function migrateLegacyFile(env: NodeJS.ProcessEnv, folder: string, warnOnce: WarnOnce): Promise<void> {
  const legacy = legacyCacheFilePath(env);
  const isFile = await fsPromises().stat(legacy).then((s) => s.isFile(), () => false);
  if (!isFile) return;
  try {
    await withLock(`${legacy}.lock`, async () => {
      const found = { found: false };
      const entries = await readEntries(legacy, warnOnce, found);
      // Another run moved it meanwhile.
      if (!found.found) return;
      const byShard = new Map<string, Map<string, CacheEntry>>();
      for (const [key, entry] of entries) {
        const path = shardPath(folder, key);
        if (!byShard.has(path)) byShard.set(path, new Map());
        byShard.get(path)!.set(key, entry);
      }
      for (const [path, shardEntries] of byShard) await mergeIntoShard(path, shardEntries, new Set(), warnOnce, true);
      await fsPromises().unlink(legacy);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    warnOnce('migrate', `cannot move the old reuse cache ${legacy} into ${folder} (${code}): its entries are not used this run`);
  }
}

/** Runs `work` holding an exclusive lock file; a lock left by a dead run (older than 10 s) is taken over. */
async function withLock<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      const handle = await whenDescriptorsAllow(() => fsPromises().open(lockPath, 'wx', 0o600));
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

/** The sha256 of a file's bytes, read through openForReading (which waits out a shortage of descriptors). */
async function hashFile(path: string, size: number): Promise<string> {
  const hash = crypto().createHash('sha256');
  const file = await openForReading(path);
  try {
    const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(size, 1024 * 1024)));
    for (let position = 0; ; ) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

/** Removes a deleted media ID from the user's cache (delete); only when a cache exists, and never failing the run. */
export async function forgetMediaId(env: NodeJS.ProcessEnv, id: string, warn: (text: string) => void): Promise<void> {
  const exists = async (path: string): Promise<boolean> => fsPromises().stat(path).then(() => true, () => false);
  if (!(await exists(cacheFolderPath(env))) && !(await exists(legacyCacheFilePath(env)))) return;
  const cache = openReuseCache(env, { phoneNumberId: '', baseUrl: '' }, warn);
  cache.forget(id);
  await cache.close();
}
