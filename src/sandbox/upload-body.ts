// Reads a multipart upload body as it streams in: fields kept, the file part hashed and sized, never buffered whole.

import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { finished, type Readable } from 'node:stream';
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
interface UploadFilePart extends RecordedFilePart {
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
function isMultipartFormData(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*multipart\/form-data\s*(;|$)/i.test(contentType);
}

/**
 * Reads the whole request body, parsing it as multipart/form-data when it is, and resolves once the body ended
 * (or the connection did). File bytes are hashed and, if asked, written to disk chunk by chunk with backpressure;
 * once a part is rejected its bytes are only counted. Bodies that are not multipart are drained.
 */
export function readUploadBody(req: IncomingMessage, options: ReadUploadOptions): Promise<UploadBody> {
  return new Promise((resolve) => new UploadBodyReader(req, options, resolve).start());
}

/** The state of one body being read: done once the request ended, the parser closed and every part was finished. */
class UploadBodyReader {
  readonly #body: UploadBody = {
    fields: {},
    file: undefined,
    filePartCount: 0,
    malformed: undefined,
    storeError: undefined,
    aborted: false,
  };
  #settled = false;
  #requestEnded = false;
  #parserDone = false;
  #openParts = 0;

  constructor(
    private readonly req: IncomingMessage,
    private readonly options: ReadUploadOptions,
    private readonly resolve: (body: UploadBody) => void,
  ) {}

  start(): void {
    const parser = this.#createParser();
    this.#watchRequest(parser);
    if (parser === undefined) {
      this.#parserDone = true;
      this.req.resume();
      return;
    }
    this.#watchParser(parser);
    this.req.pipe(parser);
  }

  /** Resolves once everything is done, or at once when the connection was cut. */
  #settle(): void {
    if (this.#settled) return;
    if (this.#body.aborted || (this.#requestEnded && this.#parserDone && this.#openParts === 0)) {
      this.#settled = true;
      this.resolve(this.#body);
    }
  }

  /** A parser for a multipart/form-data body; undefined (and `malformed` says why) for anything else. */
  #createParser(): busboy.Busboy | undefined {
    const contentType = this.req.headers['content-type'];
    if (!isMultipartFormData(contentType)) {
      this.#body.malformed =
        contentType === undefined ? 'the request has no Content-Type' : `the Content-Type is '${contentType}'`;
      return undefined;
    }
    try {
      return busboy({
        headers: this.req.headers,
        preservePath: true,
        defParamCharset: 'utf8',
        limits: { fieldSize: FIELD_SIZE_LIMIT },
      });
    } catch (error) {
      this.#body.malformed = error instanceof Error ? error.message : String(error);
      return undefined;
    }
  }

  /** The request's end, or its connection closing first (the body is then aborted). */
  #watchRequest(parser: busboy.Busboy | undefined): void {
    this.req.on('error', () => {
      // Connection resets surface through 'close' below.
    });
    this.req.on('end', () => {
      this.#requestEnded = true;
      this.#settle();
    });
    this.req.on('close', () => {
      if (this.#requestEnded) return;
      this.#body.aborted = true;
      parser?.destroy();
      this.#settle();
    });
  }

  /** Fields are kept, file parts read; a parser error makes the body malformed and the rest is drained. */
  #watchParser(parser: busboy.Busboy): void {
    parser.on('field', (name, value) => {
      this.#body.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => this.#onFile(name, stream, info));
    parser.on('error', (error: Error) => {
      this.#body.malformed ??= error.message;
      this.req.unpipe(parser);
      this.req.resume();
      this.#parserDone = true;
      this.#settle();
    });
    parser.on('close', () => {
      this.#parserDone = true;
      this.#settle();
    });
  }

  /** One file part: the first named `file` (else the first of any name) is described, hashed and stored; others drained. */
  #onFile(name: string, stream: Readable, info: busboy.FileInfo): void {
    const body = this.#body;
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
    const limit = this.options.limitFor(info.mimeType);
    if (limit === undefined) part.rejected = 'type';
    const storeIn = this.options.storeDir !== undefined && isFileField && body.filePartCount === 1 && part.rejected === undefined ? this.options.storeDir : undefined;
    this.#openParts += 1;
    readFilePart(stream, part, {
      limit,
      hash: this.options.hash && part.rejected === undefined,
      storeIn,
      onStoreError: (message) => {
        body.storeError = message;
      },
      done: () => {
        this.#openParts -= 1;
        this.#settle();
      },
    });
  }
}

/** How one described file part is read. */
interface FilePartReading {
  /** Its size limit; undefined for a type outside the accepted list (already `rejected`). */
  limit: number | undefined;
  hash: boolean;
  /** Folder to store its bytes in; undefined: keep none. */
  storeIn: string | undefined;
  onStoreError(message: string): void;
  /** Called once the part ended and its stored copy (if any) is complete. */
  done(): void;
}

/**
 * Counts, hashes and stores one file part's bytes. Over the limit it is rejected: hashing stops and the stored copy is
 * removed (so are the bytes of a part cut short); `storedPath` is set only for a copy that was written whole.
 */
function readFilePart(stream: Readable, part: UploadFilePart, reading: FilePartReading): void {
  let hash: Hash | undefined = reading.hash ? createHash('sha256') : undefined;
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
  if (reading.storeIn !== undefined) {
    sinkPath = join(reading.storeIn, `${randomBytes(12).toString('hex')}.bin`);
    sink = createWriteStream(sinkPath);
    sink.on('error', (error) => {
      reading.onStoreError(error.message);
      dropSink();
    });
  }

  stream.on('data', (chunk: Buffer) => {
    part.size += chunk.length;
    if (part.rejected === undefined && reading.limit !== undefined && part.size > reading.limit) {
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
    if (error) {
      hash = undefined;
      dropSink();
      reading.done();
      return;
    }
    if (hash !== undefined) part.sha256 = hash.digest('hex');
    const finishing = sink;
    if (finishing === undefined) {
      reading.done();
      return;
    }
    const finishingPath = sinkPath;
    finishing.end(() => {
      if (sink === finishing) part.storedPath = finishingPath;
      reading.done();
    });
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
