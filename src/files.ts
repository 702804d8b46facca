// File access without loading node:fs/promises at start-up (on Node 20 it pulls in readline and the watchers: 0.6 to
// 1 ms of every start-up): the upload path's reads through node:fs's callbacks, the rest on first use. Opens wait out
// a short shortage of descriptors (EMFILE/ENFILE) instead of failing at once.

import fs from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A file open for reading: positional reads, then close (what the upload path used of a FileHandle). */
export interface OpenFile {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  /** Closes the file once the reads in flight have settled (a descriptor closed under a read could be reused). */
  close(): Promise<void>;
}

/**
 * Opens a file for reading; rejects with node:fs's error (ENOENT, EISDIR, EACCES...). Out of descriptors (EMFILE,
 * ENFILE) it waits for one to be freed and tries again, for about a second, before rejecting with that error.
 */
export function openForReading(path: string): Promise<OpenFile> {
  return whenDescriptorsAllow(() => new Promise((resolve, reject) => {
    fs.open(path, 'r', (error, fd) => (error ? reject(error) : resolve(openFile(fd))));
  }));
}

/** EMFILE (this process's limit on open files) or ENFILE (the system's): a resource running short, not the file's fault. */
export function isDescriptorShortage(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}

/** The words for a file that could not be opened for want of descriptors (`code` EMFILE or ENFILE). */
export function descriptorShortageMessage(code: string): string {
  return `cannot be opened now: too many open files (${code}, the ${code === 'ENFILE' ? "system's" : "process's"} limit)`;
}

/** What to do about it. */
export const DESCRIPTOR_SHORTAGE_HINT = 'lower --concurrency (each upload holds a file and a connection open) or raise the open-files limit (ulimit -n)';

/** Waits between tries while descriptors are short: about a second in all, cut short when one of ours is closed. */
const SHORTAGE_WAITS_MS = [10, 20, 40, 80, 160, 320, 400];
const descriptorWaiters = new Set<() => void>();

/** Runs `open`; while it fails with EMFILE/ENFILE, waits (a close of ours or the next step) and runs it again. */
export async function whenDescriptorsAllow<T>(open: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await open();
    } catch (error) {
      if (!isDescriptorShortage(error) || attempt >= SHORTAGE_WAITS_MS.length) throw error;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          descriptorWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, SHORTAGE_WAITS_MS[attempt]);
        descriptorWaiters.add(wake);
      });
    }
  }
}

/** A descriptor of ours was closed: every waiter tries again (the ones that lose the race wait again). */
function descriptorFreed(): void {
  for (const wake of [...descriptorWaiters]) wake();
}

function openFile(fd: number): OpenFile {
  const inFlight = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;
  return {
    read(buffer, offset, length, position) {
      if (closing) return Promise.reject(Object.assign(new Error('file closed'), { code: 'EBADF' }));
      const read = new Promise<{ bytesRead: number }>((resolve, reject) => {
        fs.read(fd, buffer, offset, length, position, (error, bytesRead) => (error ? reject(error) : resolve({ bytesRead })));
      });
      const settled: Promise<boolean> = read.then(
        () => inFlight.delete(settled),
        () => inFlight.delete(settled),
      );
      inFlight.add(settled);
      return read;
    },
    close() {
      closing ??= Promise.all(inFlight).then(
        () =>
          new Promise<void>((resolve, reject) => {
            fs.close(fd, (error) => {
              descriptorFreed();
              if (error) reject(error);
              else resolve();
            });
          }),
      );
      return closing;
    },
  };
}

/**
 * Whether a cache entry (a regular file, or with `folder` a real folder) may be trusted: owned by this user and
 * writable by no one else, so that another local user cannot have planted or changed it.
 */
export function isOwnUnshared(info: fs.Stats, kind: 'file' | 'folder' = 'file'): boolean {
  const uid = process.getuid?.();
  const right = kind === 'file' ? info.isFile() : info.isDirectory();
  return right && (uid === undefined || info.uid === uid) && (info.mode & 0o022) === 0;
}

/** node:fs's stat, as a promise. */
export function statOf(path: string): Promise<fs.Stats> {
  return new Promise((resolve, reject) => {
    fs.stat(path, (error, stats) => (error ? reject(error) : resolve(stats)));
  });
}

/** A whole file as UTF-8 text (waiting out a shortage of descriptors like openForReading). */
export function readText(path: string): Promise<string> {
  return whenDescriptorsAllow(
    () =>
      new Promise<string>((resolve, reject) => {
        fs.readFile(path, 'utf8', (error, text) => (error ? reject(error) : resolve(text)));
      }),
  );
}

/**
 * node:fs/promises, loaded at the first call (process.getBuiltinModule): for the --reuse cache, the stdin spool and
 * downloads, which most runs never reach.
 */
export function fsPromises(): typeof import('node:fs/promises') {
  return process.getBuiltinModule('node:fs/promises');
}

/** The folder that holds the cache: $XDG_CACHE_HOME/wa-upload or ~/.cache/wa-upload. */
export function cacheHome(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME?.startsWith('/') ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), '.cache');
  return join(base, 'wa-upload');
}
