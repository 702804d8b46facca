// The sandbox's Resumable Upload API (https://developers.facebook.com/docs/graph-api/guides/upload): sessions on an app, raw bytes appended at the offset they hold, handles.

import { createHash, randomBytes, randomUUID, type Hash } from 'node:crypto';
import { graphErrorBody, unknownObjectMessage, type GraphErrorBody } from './graph-error.js';

/** The `file_type` values the API documents (`image/jpg` included). */
const RESUMABLE_FILE_TYPES: readonly string[] = ['application/pdf', 'image/jpeg', 'image/jpg', 'image/png', 'video/mp4'];

/** The largest `file_length` the sandbox takes (undocumented live; partners name 16 MiB to 100 MB). */
const RESUMABLE_MAX_BYTES = 100_000_000;

/** The user ID in the sandbox's handles (Meta's handles carry the token's user; this one is from Meta's example handle). */
const SANDBOX_USER_ID = '636685196';

/** A handle the sandbox gave out, with what the session held when it did. */
export interface RecordedHandle {
  handle: string;
  sessionId: string;
  appId: string;
  fileName: string;
  fileType: string;
  /** Bytes the session held: `file_length`. */
  size: number;
  /** SHA-256 (hex) of those bytes, in the order they were appended. */
  sha256: string;
}

/** What a session call is answered with (the server adds headers, delays and recording). */
export interface ResumableAnswer {
  status: number;
  body: Record<string, unknown> | GraphErrorBody;
}

interface UploadSession {
  /** As returned to the client: `upload:<opaque>?sig=<sig>`. */
  id: string;
  sig: string;
  appId: string;
  fileName: string;
  fileType: string;
  fileLength: number;
  /** Bytes held: the only offset a POST may start at. */
  received: number;
  hash: Hash;
  /** The POST appending now: a later one at the right offset takes over, and the earlier one is let go. */
  writer: { letGo(): void } | undefined;
  handle: RecordedHandle | undefined;
}

function error(status: number, code: number, message: string): ResumableAnswer {
  return { status, body: graphErrorBody({ code, message }) };
}

/** Sessions and handles of one sandbox. */
export class ResumableUploads {
  readonly handles: RecordedHandle[] = [];
  readonly #sessions = new Map<string, UploadSession>();

  constructor(private readonly options: { appIds?: readonly string[] | undefined; fileOffsetAs?: 'number' | 'string' | undefined } = {}) {}

  /** `POST /{version}/{app-id}/uploads?file_name&file_length&file_type` (auth already checked) → `{"id":"upload:..."}`. */
  start(appId: string, query: URLSearchParams): ResumableAnswer {
    const known = this.options.appIds;
    if (!/^\d+$/.test(appId) || (known !== undefined && !known.includes(appId))) {
      return { status: 400, body: graphErrorBody({ code: 100, subcode: 33, message: `(#100) ${unknownObjectMessage('post', appId)}` }) };
    }
    const fileName = query.get('file_name') ?? '';
    const lengthText = query.get('file_length') ?? '';
    const fileType = query.get('file_type') ?? '';
    if (fileName === '') return error(400, 100, '(#100) The parameter file_name is required.');
    if (!/^\d+$/.test(lengthText) || Number(lengthText) === 0) {
      return error(400, 100, `(#100) Param file_length must be a positive integer - got "${lengthText}".`);
    }
    if (Number(lengthText) > RESUMABLE_MAX_BYTES) return error(400, 100, `(#100) Param file_length must be at most ${RESUMABLE_MAX_BYTES}.`);
    if (!RESUMABLE_FILE_TYPES.includes(fileType)) {
      return error(400, 100, `(#100) Param file_type must be one of {${RESUMABLE_FILE_TYPES.join(', ')}} - got "${fileType}".`);
    }
    const opaque = Buffer.from(`1:attachment:${randomUUID()}`).toString('base64url');
    const sig = `AR${randomBytes(12).toString('base64url')}`;
    const session: UploadSession = {
      id: `upload:${opaque}?sig=${sig}`,
      sig,
      appId,
      fileName,
      fileType,
      fileLength: Number(lengthText),
      received: 0,
      hash: createHash('sha256'),
      writer: undefined,
      handle: undefined,
    };
    this.#sessions.set(`upload:${opaque}`, session);
    return { status: 200, body: { id: session.id } };
  }

  /** Checks a session call (`upload:<opaque>` in the path, `sig` in the query, `file_offset` for a POST): an error, or undefined. */
  check(pathId: string, query: URLSearchParams, method: 'GET' | 'POST', fileOffsetHeader: string | undefined): ResumableAnswer | undefined {
    const session = this.#sessions.get(pathId);
    if (session === undefined) return error(400, 100, `(#100) ${unknownObjectMessage(method === 'GET' ? 'get' : 'post', pathId)}`);
    if (query.get('sig') !== session.sig) return error(400, 104, '(#104) Incorrect signature');
    if (method === 'GET') return undefined;
    if (fileOffsetHeader === undefined || !/^\d+$/.test(fileOffsetHeader.trim())) {
      return error(400, 100, `(#100) The file_offset header is required - got ${fileOffsetHeader === undefined ? 'none' : `"${fileOffsetHeader}"`}.`);
    }
    const offset = Number(fileOffsetHeader.trim());
    if (offset !== session.received) {
      return error(400, 100, `(#100) file_offset ${offset} does not match the ${session.received} bytes this session holds.`);
    }
    return undefined;
  }

  /**
   * Starts taking a POST's body (checked by `check`): append each chunk in order; `end` answers once the body ended.
   * A client that gave up on a stalled POST resumes before the server may have seen the old connection close: the new
   * POST takes the session over, `letGo` closes the old one, and whatever still arrives on it is not kept.
   */
  open(pathId: string, letGo: () => void): { append(chunk: Buffer): void; end(): ResumableAnswer } {
    const session = this.#sessions.get(pathId)!;
    const writer = { letGo };
    session.writer?.letGo();
    session.writer = writer;
    let overflow = false;
    return {
      append: (chunk) => {
        if (session.writer !== writer) return;
        const room = session.fileLength - session.received;
        if (chunk.length > room) overflow = true;
        const kept = chunk.subarray(0, Math.max(0, room));
        session.hash.update(kept);
        session.received += kept.length;
      },
      end: () => {
        if (session.writer !== writer) return error(400, 100, '(#100) A later upload to this session took it over.');
        session.writer = undefined;
        if (overflow) return error(400, 100, `(#100) More bytes than file_length (${session.fileLength}) were sent.`);
        if (session.received < session.fileLength) {
          return error(400, 100, `(#100) The upload ended at byte ${session.received} of ${session.fileLength}: send the rest with file_offset ${session.received}.`);
        }
        return { status: 200, body: { h: this.#finish(session).handle } };
      },
    };
  }

  /** `GET /{version}/upload:<opaque>?sig=` (checked) → `{"id","file_offset"}`, the offset as a number or, like Meta's placeholder, a string. */
  status(pathId: string): ResumableAnswer {
    const session = this.#sessions.get(pathId)!;
    const offset = this.options.fileOffsetAs === 'string' ? String(session.received) : session.received;
    return { status: 200, body: { id: session.id, file_offset: offset } };
  }

  /** Forgets every session and handle (in place). */
  clear(): void {
    this.#sessions.clear();
    this.handles.length = 0;
  }

  /** How many sessions were started. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * Gives the session its handle, shaped like the `profile_picture_handle` example of Meta's OpenAPI description: nine
   * colon-separated fields: a number, the file name in base64 (may be empty; the sandbox leaves it so), the MIME type
   * in base64, a signature, `e`, the expiry (Unix seconds), the app ID, the user ID, a second signature.
   */
  #finish(session: UploadSession): RecordedHandle {
    if (session.handle) return session.handle;
    const expires = Math.floor(Date.now() / 1000) + 24 * 3600;
    session.handle = {
      handle: `4::${Buffer.from(session.fileType).toString('base64')}:AR${randomBytes(48).toString('base64url')}:e:${expires}:${session.appId}:${SANDBOX_USER_ID}:AR${randomBytes(12).toString('base64url')}`,
      sessionId: session.id,
      appId: session.appId,
      fileName: session.fileName,
      fileType: session.fileType,
      size: session.received,
      sha256: session.hash.digest('hex'),
    };
    this.handles.push(session.handle);
    return session.handle;
  }
}
