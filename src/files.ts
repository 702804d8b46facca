// The file reads of the upload path through node:fs's callbacks: node:fs/promises (on Node 20 with the readline and
// watcher modules it pulls in) costs 0.6 to 1 ms of every start-up, for calls these few functions make as well.

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
