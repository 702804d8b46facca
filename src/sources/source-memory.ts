// --reuse for URL sources: what a URL's answer was last time (ETag, Last-Modified, the bytes' sha256 and type), so an unchanged source is not fetched again.

import { join } from 'node:path';
import { cacheHome, fsPromises, isOwnUnshared } from '../files.js';
import { safeFilename } from '../graph/server-values.js';

/** What is remembered of a source that went up: its validators and what its bytes were. No part of the URL is kept. */
interface RememberedSource {
  etag?: string | undefined;
  lastModified?: string | undefined;
  sha256: string;
  mimeType: string;
  category: string;
  filename: string;
  bytes: number;
  contentType: string;
}

/** The memory of one run: read and written per URL, never failing the run (a problem is one warning). */
export interface SourceMemory {
  recall(url: URL): Promise<RememberedSource | undefined>;
  remember(url: URL, entry: RememberedSource): void;
  /** Waits for every write. */
  close(): Promise<void>;
}

/** Longest validator kept (an ETag or an HTTP date is far shorter): a longer one is not remembered. */
const VALIDATOR_MAX_LENGTH = 512;

/**
 * Opens the memory: one file per URL in `$XDG_CACHE_HOME/wa-upload/sources/` (folder 0700, files 0600), named by the
 * sha256 of the whole URL, so that neither a password nor a query string is ever written. A file that is not the
 * user's own or that others can write is ignored. `persist: false` (the sandbox) keeps it in memory only.
 */
export function openSourceMemory(env: NodeJS.ProcessEnv, warn: (text: string) => void, options: { persist?: boolean } = {}): SourceMemory {
  const persist = options.persist !== false;
  const folder = join(cacheHome(env), 'sources');
  const inMemory = new Map<string, RememberedSource>();
  const writes: Promise<void>[] = [];
  let warned = false;
  const fileOf = (url: URL): string => join(folder, `${process.getBuiltinModule('node:crypto').createHash('sha256').update(url.href).digest('hex')}.json`);
  return {
    async recall(url) {
      if (!persist) return inMemory.get(url.href);
      const path = fileOf(url);
      try {
        if (!isOwnUnshared(await fsPromises().stat(path))) return undefined;
        return entryOf(JSON.parse(await fsPromises().readFile(path, 'utf8')));
      } catch {
        return undefined;
      }
    },
    remember(url, entry) {
      if (!entry.etag && !entry.lastModified) return;
      if ((entry.etag?.length ?? 0) > VALIDATOR_MAX_LENGTH || (entry.lastModified?.length ?? 0) > VALIDATOR_MAX_LENGTH) return;
      if (!persist) {
        inMemory.set(url.href, entry);
        return;
      }
      const path = fileOf(url);
      const temp = `${path}.${process.pid}.${process.getBuiltinModule('node:crypto').randomBytes(4).toString('hex')}.tmp`;
      writes.push(
        (async () => {
          try {
            await fsPromises().mkdir(folder, { recursive: true, mode: 0o700 });
            await fsPromises().writeFile(temp, JSON.stringify({ version: 1, ...entry, savedAt: new Date().toISOString() }), { mode: 0o600 });
            await fsPromises().rename(temp, path);
          } catch (error) {
            await fsPromises().rm(temp, { force: true }).catch(() => {});
            if (!warned) warn(`cannot write the source memory in ${folder} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): the source will be fetched again next time`);
            warned = true;
          }
        })(),
      );
    },
    async close() {
      await Promise.all(writes);
    },
  };
}

/** A remembered source as it must look to be used; anything else is ignored. */
function entryOf(raw: unknown): RememberedSource | undefined {
  const e = raw as Partial<RememberedSource> & { version?: unknown };
  if (!e || typeof e !== 'object' || e.version !== 1) return undefined;
  if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256) || typeof e.mimeType !== 'string' || typeof e.filename !== 'string') return undefined;
  if (typeof e.bytes !== 'number' || typeof e.category !== 'string' || typeof e.contentType !== 'string') return undefined;
  if (!Number.isSafeInteger(e.bytes) || e.bytes < 0) return undefined;
  // Sent back as request headers (If-None-Match, If-Modified-Since): only what a header may hold, as long as remember allows.
  const etag = validator(e.etag);
  const lastModified = validator(e.lastModified);
  if (!etag && !lastModified) return undefined;
  const filename = safeFilename(e.filename);
  if (!filename) return undefined;
  return { etag, lastModified, sha256: e.sha256, mimeType: e.mimeType, category: e.category, filename, bytes: e.bytes, contentType: e.contentType };
}

/** A remembered ETag or Last-Modified fit to be sent as a header value, else undefined. */
function validator(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= VALIDATOR_MAX_LENGTH && /^[\t\x20-\x7e\x80-\xff]+$/.test(value) ? value : undefined;
}
