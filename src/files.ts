// File access without loading node:fs/promises at start-up (on Node 20 it pulls in readline and the watchers: 0.6 to
// 1 ms of every start-up): the upload path's reads through node:fs's callbacks, the rest on first use.

import fs from 'node:fs';

/** A file open for reading: positional reads, then close (what the upload path used of a FileHandle). */
export interface OpenFile {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  /** Closes the file once the reads in flight have settled (a descriptor closed under a read could be reused). */
  close(): Promise<void>;
}

/** Opens a file for reading; rejects with node:fs's error (ENOENT, EISDIR, EACCES...). */
export function openForReading(path: string): Promise<OpenFile> {
  return new Promise((resolve, reject) => {
    fs.open(path, 'r', (error, fd) => (error ? reject(error) : resolve(openFile(fd))));
  });
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
            fs.close(fd, (error) => (error ? reject(error) : resolve()));
          }),
      );
      return closing;
    },
  };
}

/** node:fs's stat, as a promise. */
export function statOf(path: string): Promise<fs.Stats> {
  return new Promise((resolve, reject) => {
    fs.stat(path, (error, stats) => (error ? reject(error) : resolve(stats)));
  });
}

/** A whole file as UTF-8 text. */
export function readText(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    fs.readFile(path, 'utf8', (error, text) => (error ? reject(error) : resolve(text)));
  });
}

/**
 * node:fs/promises, loaded at the first call (process.getBuiltinModule): for the --reuse cache, the stdin spool and
 * downloads, which most runs never reach.
 */
export function fsPromises(): typeof import('node:fs/promises') {
  return process.getBuiltinModule('node:fs/promises');
}
