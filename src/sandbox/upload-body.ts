// Reads a multipart upload body as it streams in: fields kept, the file part hashed and sized, never buffered whole.

import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { finished } from 'node:stream';
import busboy from 'busboy';

/** What the sandbox saw of one file part. */
export interface RecordedFilePart {
  /** The part's form field name (`file` when the client is right). */
  fieldName: string;
  /** The filename from the part's Content-Disposition, as sent (paths kept), or undefined. */
  filename: string | undefined;
  /** The part's own Content-Type, without parameters, lower case (busboy says `text/plain` when the part has none). */
  contentType: string;
  /** Bytes of file content received in the part. */
  size: number;
  /** SHA-256 (hex) of those bytes; empty when the sandbox stopped hashing (rejected type, too big, or a request it refused before reading). */
  sha256: string;
}

/** A file part with what the reader decided about it on the way. */
export interface UploadFilePart extends RecordedFilePart {
  /** Why the sandbox stopped hashing and storing it: a type outside the accepted list, or over the size limit. */
  rejected: 'type' | 'size' | undefined;
  /** Where its bytes were stored when storing was asked for and the part was acceptable; undefined otherwise. */
  storedPath: string | undefined;
}

/** Everything the reader learnt from one request body. */
export interface UploadBody {
  /** Non-file fields (the last value wins when a name repeats; values over 64 KiB are truncated). */
  fields: Record<string, string>;
  /** The part named `file` (the first one), or else the first file part under another name. */
  file: UploadFilePart | undefined;
  /** How many file parts named `file` arrived. */
  filePartCount: number;
  /** Why the body is not usable multipart/form-data; undefined when it parsed. */
  malformed: string | undefined;
  /** Why storing the file failed (disk full...); undefined when it did not fail. */
  storeError: string | undefined;
  /** The connection ended before the whole body arrived. */
  aborted: boolean;
}

/** How to treat the body being read. */
export interface ReadUploadOptions {
  /** Hash file parts (false when the request is refused anyway and only has to be drained). */
  hash: boolean;
  /** Folder to keep the `file` part in; undefined: keep nothing (only hash and size). */
  storeDir: string | undefined;
  /** The size limit for a part Content-Type, or undefined when the type is not accepted. */
  limitFor(mimeType: string): number | undefined;
}

const FIELD_SIZE_LIMIT = 64 * 1024;

/** True for a `multipart/form-data` Content-Type header (boundary checked later by busboy). */
export function isMultipartFormData(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*multipart\/form-data\s*(;|$)/i.test(contentType);
}

/**
 * Reads the whole request body, parsing it as multipart/form-data when it is, and resolves once the body ended
 * (or the connection did). File bytes are hashed and, if asked, written to disk chunk by chunk with backpressure;
 * once a part is rejected its bytes are only counted. Bodies that are not multipart are drained.
 */
export function readUploadBody(req: IncomingMessage, options: ReadUploadOptions): Promise<UploadBody> {
  return new Promise((resolve) => {
    const body: UploadBody = {
      fields: {},
      file: undefined,
      filePartCount: 0,
      malformed: undefined,
      storeError: undefined,
      aborted: false,
    };
    let settled = false;
    let requestEnded = false;
    let parserDone = false;
    let openParts = 0;

    const settle = (): void => {
      if (settled) return;
      if (body.aborted || (requestEnded && parserDone && openParts === 0)) {
        settled = true;
        resolve(body);
      }
    };

    let parser: busboy.Busboy | undefined;
    const contentType = req.headers['content-type'];
    if (!isMultipartFormData(contentType)) {
      body.malformed =
        contentType === undefined ? 'the request has no Content-Type' : `the Content-Type is '${contentType}'`;
    } else {
      try {
        parser = busboy({
          headers: req.headers,
          preservePath: true,
          defParamCharset: 'utf8',
          limits: { fieldSize: FIELD_SIZE_LIMIT },
        });
      } catch (error) {
        body.malformed = error instanceof Error ? error.message : String(error);
      }
    }

    req.on('error', () => {
      // Connection resets surface through 'close' below.
    });
    req.on('end', () => {
      requestEnded = true;
      settle();
    });
    req.on('close', () => {
      if (requestEnded) return;
      body.aborted = true;
      parser?.destroy();
      settle();
    });

    if (parser === undefined) {
      parserDone = true;
      req.resume();
      return;
    }

    const activeParser = parser;
    activeParser.on('field', (name, value) => {
      body.fields[name] = value;
    });
    activeParser.on('file', (name, stream, info) => {
      const isFileField = name === 'file';
      if (isFileField) body.filePartCount += 1;
      const describe = body.file === undefined || (isFileField && body.file.fieldName !== 'file');
      if (!describe) {
        stream.resume();
        return;
      }
      const part: UploadFilePart = {
        fieldName: name,
        filename: info.filename,
        contentType: info.mimeType,
        size: 0,
        sha256: '',
        rejected: undefined,
        storedPath: undefined,
      };
      body.file = part;
      const limit = options.limitFor(info.mimeType);
      if (limit === undefined) part.rejected = 'type';

      let hash: Hash | undefined = options.hash && part.rejected === undefined ? createHash('sha256') : undefined;
      let sink: WriteStream | undefined;
      let sinkPath: string | undefined;
      const dropSink = (): void => {
        if (sink === undefined) return;
        sink.destroy();
        sink = undefined;
        if (sinkPath !== undefined) unlink(sinkPath).catch(() => {});
        sinkPath = undefined;
        stream.resume();
      };
      if (options.storeDir !== undefined && isFileField && body.filePartCount === 1 && part.rejected === undefined) {
        sinkPath = join(options.storeDir, `${randomBytes(12).toString('hex')}.bin`);
        sink = createWriteStream(sinkPath);
        sink.on('error', (error) => {
          body.storeError = error.message;
          dropSink();
        });
      }

      openParts += 1;
      stream.on('data', (chunk: Buffer) => {
        part.size += chunk.length;
        if (part.rejected === undefined && limit !== undefined && part.size > limit) {
          part.rejected = 'size';
          hash = undefined;
          dropSink();
        }
        hash?.update(chunk);
        if (sink !== undefined && !sink.write(chunk)) {
          stream.pause();
          sink.once('drain', () => stream.resume());
        }
      });
      finished(stream, (error) => {
        const done = (): void => {
          openParts -= 1;
          settle();
        };
        if (error) {
          hash = undefined;
          dropSink();
          done();
          return;
        }
        if (hash !== undefined) part.sha256 = hash.digest('hex');
        const finishing = sink;
        if (finishing === undefined) {
          done();
          return;
        }
        const finishingPath = sinkPath;
        finishing.end(() => {
          if (sink === finishing) part.storedPath = finishingPath;
          done();
        });
      });
    });
    activeParser.on('error', (error: Error) => {
      body.malformed ??= error.message;
      req.unpipe(activeParser);
      req.resume();
      parserDone = true;
      settle();
    });
    activeParser.on('close', () => {
      parserDone = true;
      settle();
    });
    req.pipe(activeParser);
  });
}

/** A drained body: the text of its first bytes, its whole length, and whether the connection ended first. */
export interface DrainedBody {
  text: string;
  bytes: number;
  aborted: boolean;
}

/** Reads and discards a request body, keeping the text of its first `maxKept` bytes. */
export function drainBody(req: IncomingMessage, maxKept = 0): Promise<DrainedBody> {
  return new Promise((resolve) => {
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let bytes = 0;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (keptBytes < maxKept) {
        const slice = chunk.subarray(0, maxKept - keptBytes);
        kept.push(slice);
        keptBytes += slice.length;
      }
    });
    req.on('error', () => {});
    req.on('end', () => {
      ended = true;
      resolve({ text: Buffer.concat(kept).toString('utf8'), bytes, aborted: false });
    });
    req.on('close', () => {
      if (!ended) resolve({ text: '', bytes, aborted: true });
    });
  });
}
