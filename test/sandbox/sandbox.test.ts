// Tests of the media API sandbox itself, over real HTTP on 127.0.0.1.

import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';

const TOKEN = 'test-token';
const PHONE_ID = '123456789012345';

interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Bytes that are not all alike, so a hash mismatch would show. */
function patternBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 1) bytes[i] = (i * 31 + 7) % 251;
  return bytes;
}

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // HTML or empty bodies stay text.
  }
  return { status: response.status, headers: response.headers, body, text };
}

interface UploadInput {
  bytes?: Uint8Array;
  contentType?: string;
  filename?: string;
  fields?: Record<string, string>;
  token?: string | null;
  phoneId?: string;
  query?: string;
}

function uploadForm(input: UploadInput): FormData {
  const form = new FormData();
  const fields = input.fields ?? { messaging_product: 'whatsapp', type: input.contentType ?? 'image/png' };
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (input.bytes !== undefined) {
    form.append('file', new Blob([input.bytes], { type: input.contentType ?? 'image/png' }), input.filename ?? 'photo.png');
  }
  return form;
}

function authHeaders(token: string | null | undefined): Record<string, string> {
  if (token === null) return {};
  return { authorization: `Bearer ${token ?? TOKEN}` };
}

function upload(sandbox: Sandbox, input: UploadInput = {}): Promise<Reply> {
  const query = input.query ?? '';
  return call(`${sandbox.url}/v21.0/${input.phoneId ?? PHONE_ID}/media${query}`, {
    method: 'POST',
    headers: authHeaders(input.token),
    body: uploadForm({ bytes: patternBytes(1000), ...input }),
  });
}

/** A raw request with node's http module, for cases fetch hides (resets, hangs). */
function rawPost(
  sandbox: Sandbox,
  body: Buffer,
  path = `/v21.0/${PHONE_ID}/media`,
): { response: Promise<IncomingMessage & { text: string }>; settled: () => boolean } {
  let done = false;
  const response = new Promise<IncomingMessage & { text: string }>((resolve, reject) => {
    const req = httpRequest(
      `${sandbox.url}${path}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'multipart/form-data; boundary=XyZ',
          'content-length': body.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Object.assign(res, { text: Buffer.concat(chunks).toString('utf8') })));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  void response.then(
    () => (done = true),
    () => (done = true),
  );
  return { response, settled: () => done };
}

/** A hand-written multipart body with one PNG file part of `size` bytes. */
function multipartBody(size: number): Buffer {
  return Buffer.concat([
    Buffer.from(
      '--XyZ\r\nContent-Disposition: form-data; name="messaging_product"\r\n\r\nwhatsapp\r\n' +
        '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n',
    ),
    Buffer.from(patternBytes(size)),
    Buffer.from('\r\n--XyZ--\r\n'),
  ]);
}

describe('sandbox', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ token: TOKEN });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.reset();
  });

  describe('uploads', () => {
    it('listens on loopback and returns a numeric media ID for a good upload, recording what it received', async () => {
      expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const bytes = patternBytes(123_457);
      const reply = await upload(sandbox, { bytes, contentType: 'image/jpeg', filename: 'dir/фото.jpg' });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ id: expect.stringMatching(/^\d{15,16}$/) });

      const [recorded] = await sandbox.waitForRequests(1);
      expect(recorded).toMatchObject({
        method: 'POST',
        path: `/v21.0/${PHONE_ID}/media`,
        bearerToken: TOKEN,
        fields: { messaging_product: 'whatsapp', type: 'image/jpeg' },
        file: {
          fieldName: 'file',
          filename: 'dir/фото.jpg',
          contentType: 'image/jpeg',
          size: bytes.length,
          sha256: sha256(bytes),
        },
        status: 200,
        responseBody: reply.body,
      });
      expect(recorded!.bytesReceived).toBeGreaterThan(bytes.length);
      expect(recorded!.headers.authorization).toBeUndefined();
      expect(recorded!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    });

    it('gives every upload its own ID', async () => {
      const replies = await Promise.all([upload(sandbox), upload(sandbox), upload(sandbox)]);
      const ids = new Set(replies.map((reply) => reply.body.id));
      expect(ids.size).toBe(3);
    });

    it('takes messaging_product from the query string too, and accepts audio/opus like the live server', async () => {
      const reply = await upload(sandbox, {
        contentType: 'audio/opus',
        filename: 'voice.opus',
        fields: {},
        query: '?messaging_product=whatsapp',
      });
      expect(reply.status).toBe(200);
      expect(sandbox.requests[0]!.query).toEqual({ messaging_product: 'whatsapp' });
    });

    it.each([
      ['a wrong token', 'wrong-token', 'wrong-token', 190, 'Invalid OAuth access token - Cannot parse access token'],
      ['no Authorization header', null, undefined, 104, 'An access token is required to request this resource'],
      ['a Bearer scheme without a token', '', undefined, 104, 'An access token is required to request this resource'],
    ])('answers 401 to %s, with the code Meta gives', async (_case, token, recordedToken, code, message) => {
      const reply = await upload(sandbox, { token });
      expect(reply.status).toBe(401);
      expect(reply.body.error).toMatchObject({ code, type: 'OAuthException', message, fbtrace_id: expect.stringMatching(/^A/) });
      expect(reply.headers.get('www-authenticate')).toBe(`OAuth "Facebook Platform" "${code === 104 ? 'invalid_request' : 'invalid_token'}" "${message}"`);
      const [recorded] = await sandbox.waitForRequests(1);
      expect(recorded!.status).toBe(401);
      expect(recorded!.bearerToken).toBe(recordedToken);
      expect(recorded!.bytesReceived).toBeGreaterThan(1000);
    });

    it('accepts any non-empty token when started without one', async () => {
      const open = await startSandbox();
      try {
        expect((await upload(open, { token: 'anything' })).status).toBe(200);
        expect((await upload(open, { token: null })).status).toBe(401);
      } finally {
        await open.close();
      }
    });

    it.each([
      [
        'messaging_product is missing',
        { fields: { type: 'image/png' } },
        '(#100) The parameter messaging_product is required.',
      ],
      [
        'messaging_product is not whatsapp',
        { fields: { messaging_product: 'sms' } },
        '(#100) Param messaging_product must be one of {WHATSAPP} - got "sms".',
      ],
      [
        'the file part is missing',
        { bytes: undefined, fields: { messaging_product: 'whatsapp' } },
        '(#100) The parameter file is required.',
      ],
    ] as const)('answers 400 code 100 when %s', async (_case, input, message) => {
      const reply = await call(`${sandbox.url}/v21.0/${PHONE_ID}/media`, {
        method: 'POST',
        headers: authHeaders(TOKEN),
        body: uploadForm({ bytes: patternBytes(10), ...input }),
      });
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatchObject({ code: 100, type: 'OAuthException', message });
    });

    it('rejects an application/octet-stream part with the list of accepted types, even when `type` is right', async () => {
      const reply = await upload(sandbox, {
        contentType: 'application/octet-stream',
        filename: 'clip.mp4',
        fields: { messaging_product: 'whatsapp', type: 'video/mp4' },
      });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe(100);
      expect(reply.body.error.message).toMatch(
        /^\(#100\) Param file must be a file with one of the following types: image\/jpeg, .*video\/3gpp.*audio\/opus\. Received file of type 'application\/octet-stream'\.$/,
      );
      const [recorded] = await sandbox.waitForRequests(1);
      expect(recorded!.file).toMatchObject({ contentType: 'application/octet-stream', size: 1000, sha256: '' });
    });

    it('rejects a `type` field outside the accepted list', async () => {
      const reply = await upload(sandbox, { fields: { messaging_product: 'whatsapp', type: 'image/gif' } });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe(100);
      expect(reply.body.error.message).toContain('got "image/gif"');
    });

    it('rejects a body that is not multipart/form-data', async () => {
      const reply = await call(`${sandbox.url}/v21.0/${PHONE_ID}/media`, {
        method: 'POST',
        headers: { ...authHeaders(TOKEN), 'content-type': 'application/json' },
        body: JSON.stringify({ messaging_product: 'whatsapp', file: '@/tmp/x.ogg' }),
      });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe(100);
    });

    it('rejects a multipart Content-Type without a boundary', async () => {
      const reply = await call(`${sandbox.url}/v21.0/${PHONE_ID}/media`, {
        method: 'POST',
        headers: { ...authHeaders(TOKEN), 'content-type': 'multipart/form-data' },
        body: 'whatever',
      });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe(100);
      expect(reply.body.error.message).toContain('Boundary not found');
    });

    it('answers 131053 for a file over its category limit, after reading the whole body', async () => {
      const bytes = new Uint8Array(5_000_001);
      const reply = await upload(sandbox, { bytes, contentType: 'image/png' });
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatchObject({
        code: 131053,
        error_data: {
          messaging_product: 'whatsapp',
          details: 'File size too big. Max file size we currently support: 5 MB. Please upload a smaller file.',
        },
      });
      const [recorded] = await sandbox.waitForRequests(1);
      expect(recorded!.file).toMatchObject({ size: 5_000_001, sha256: '' });
      expect(recorded!.bytesReceived).toBeGreaterThan(5_000_001);
    });

    it('accepts a file exactly at the limit', async () => {
      const reply = await upload(sandbox, { bytes: new Uint8Array(5_000_000), contentType: 'image/png' });
      expect(reply.status).toBe(200);
    });

    it('answers 131053 for an empty file', async () => {
      const reply = await upload(sandbox, { bytes: new Uint8Array(0) });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe(131053);
    });

    it('answers 100/33 for a phone number ID it does not know', async () => {
      const strict = await startSandbox({ token: TOKEN, phoneNumberIds: [PHONE_ID] });
      try {
        expect((await upload(strict)).status).toBe(200);
        const reply = await upload(strict, { phoneId: '999' });
        expect(reply.status).toBe(400);
        expect(reply.body.error).toMatchObject({
          code: 100,
          error_subcode: 33,
          message:
            "(#100) Unsupported post request. Object with ID '999' does not exist, cannot be loaded due to missing " +
            'permissions, or does not support this operation',
        });
      } finally {
        await strict.close();
      }
    });

    it('records a request whose client went away mid-body as aborted', async () => {
      const req = httpRequest(`${sandbox.url}/v21.0/${PHONE_ID}/media`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'multipart/form-data; boundary=XyZ',
          'content-length': 1_000_000,
        },
      });
      const closed = new Promise((resolve) => req.on('close', resolve));
      req.on('error', () => {});
      req.write(multipartBody(1000), () => req.destroy());
      await closed;
      const [recorded] = await sandbox.waitForRequests(1);
      expect(recorded).toMatchObject({ status: 'aborted', responseBody: undefined });
      expect(recorded!.file?.filename).toBe('a.png');
    });

    it('answers 400 code 100 to unknown paths', async () => {
      const reply = await call(`${sandbox.url}/v21/${PHONE_ID}/media`, { method: 'POST', headers: authHeaders(TOKEN) });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe(100);
    });
  });

  describe('media info, download and delete', () => {
    it('describes, serves and deletes an uploaded file', async () => {
      const bytes = patternBytes(70_001);
      const { body: uploaded } = await upload(sandbox, { bytes, contentType: 'audio/ogg', filename: 'voice.ogg' });
      const id = uploaded.id as string;

      const info = await call(`${sandbox.url}/v21.0/${id}?phone_number_id=${PHONE_ID}`, { headers: authHeaders(TOKEN) });
      expect(info.status).toBe(200);
      expect(info.body).toEqual({
        messaging_product: 'whatsapp',
        url: expect.stringMatching(new RegExp(`^${sandbox.url}/sandbox-media/${id}\\?ext=\\w+$`)),
        mime_type: 'audio/ogg',
        sha256: sha256(bytes),
        file_size: String(bytes.length),
        id,
      });

      expect((await call(info.body.url)).status).toBe(401);
      const download = await fetch(info.body.url, { headers: authHeaders(TOKEN) });
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('audio/ogg');
      expect(download.headers.get('content-length')).toBe(String(bytes.length));
      expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);

      const deleted = await call(`${sandbox.url}/v21.0/${id}`, { method: 'DELETE', headers: authHeaders(TOKEN) });
      expect(deleted).toMatchObject({ status: 200, body: { success: true } });

      const gone = await call(`${sandbox.url}/v21.0/${id}`, { headers: authHeaders(TOKEN) });
      expect(gone.status).toBe(400);
      expect(gone.body.error).toMatchObject({ code: 100, error_subcode: 33 });
      expect(gone.body.error.message).toMatch(new RegExp(`^Unsupported get request. Object with ID '${id}' does not exist`));

      const deletedAgain = await call(`${sandbox.url}/v21.0/${id}`, { method: 'DELETE', headers: authHeaders(TOKEN) });
      expect(deletedAgain.body.error.message).toMatch(/^Unsupported delete request/);
      expect((await call(info.body.url, { headers: authHeaders(TOKEN) })).status).toBe(404);
      expect(sandbox.requests.map((r) => r.status)).toEqual([200, 200, 401, 200, 200, 400, 400, 404]);
    });

    it('asks for the token on media info too', async () => {
      const { body: uploaded } = await upload(sandbox);
      const reply = await call(`${sandbox.url}/v21.0/${uploaded.id}`, { headers: authHeaders('nope') });
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe(190);
    });

    it('keeps only hash and size with storeMedia false: info works, download is 404', async () => {
      const lean = await startSandbox({ storeMedia: false });
      try {
        const bytes = patternBytes(4096);
        const { body: uploaded } = await upload(lean, { bytes });
        const info = await call(`${lean.url}/v21.0/${uploaded.id}`, { headers: authHeaders(TOKEN) });
        expect(info.body).toMatchObject({ sha256: sha256(bytes), file_size: '4096', mime_type: 'image/png' });
        expect((await call(info.body.url, { headers: authHeaders(TOKEN) })).status).toBe(404);
      } finally {
        await lean.close();
      }
    });
  });

  describe('faults', () => {
    it('answers with the injected Graph error and headers', async () => {
      sandbox.injectFault({
        status: 400,
        graphCode: 130429,
        isTransient: true,
        retryAfter: '7',
        estimatedTimeToRegainAccess: 3,
      });
      const reply = await upload(sandbox);
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatchObject({
        code: 130429,
        is_transient: true,
        message: '(#130429) Rate limit hit',
        type: 'OAuthException',
      });
      expect(reply.headers.get('retry-after')).toBe('7');
      const usage = JSON.parse(reply.headers.get('x-business-use-case-usage') ?? '{}') as Record<string, unknown[]>;
      expect(Object.values(usage)[0]).toEqual([
        { type: 'whatsapp', call_count: 100, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 3 },
      ]);
      const [recorded] = await sandbox.waitForRequests(1);
      expect(recorded).toMatchObject({ status: 400, responseBody: reply.body });
      expect(recorded!.file?.size).toBe(1000);
    });

    it.each([
      ['status only: Graph code 1', { status: 503 }, 503, { code: 1, message: 'An unknown error occurred' }],
      ['Graph code only: HTTP 500', { graphCode: 2 }, 500, { code: 2 }],
      [
        'every Graph field',
        { status: 500, graphCode: 131053, graphSubcode: 2494102, message: 'custom', details: 'why' },
        500,
        { code: 131053, error_subcode: 2494102, message: 'custom', error_data: { messaging_product: 'whatsapp', details: 'why' } },
      ],
    ])('fills in defaults (%s)', async (_case, fault, status, error) => {
      sandbox.injectFault(fault);
      const reply = await upload(sandbox);
      expect(reply.status).toBe(status);
      expect(reply.body.error).toMatchObject(error);
      expect(reply.body.error.is_transient).toBeUndefined();
    });

    it('answers with an HTML error page for html faults', async () => {
      sandbox.injectFault({ html: true });
      const reply = await upload(sandbox);
      expect(reply.status).toBe(502);
      expect(reply.headers.get('content-type')).toMatch(/^text\/html/);
      expect(reply.text).toContain('<h1>502 Bad Gateway</h1>');
      sandbox.injectFault({ html: true, status: 504 });
      expect((await upload(sandbox)).text).toContain('504 Gateway Timeout');
    });

    it('answers 307 with Location for redirect faults', async () => {
      sandbox.injectFault({ redirectTo: 'http://127.0.0.1:1/elsewhere' });
      const reply = await upload(sandbox);
      expect(reply.status).toBe(307);
      expect(reply.headers.get('location')).toBe('http://127.0.0.1:1/elsewhere');
    });

    it('destroys the socket once dropAfterBytes body bytes arrived', async () => {
      const body = multipartBody(300_000);
      sandbox.injectFault({ dropAfterBytes: 50_000 });
      await expect(rawPost(sandbox, body).response).rejects.toThrow();
      const [recorded] = await sandbox.waitForRequests(1);
      expect(recorded!.status).toBe('dropped');
      expect(recorded!.bytesReceived).toBeGreaterThanOrEqual(50_000);
      expect(recorded!.bytesReceived).toBeLessThan(body.length);
      expect(recorded!.file).toMatchObject({ fieldName: 'file', filename: 'a.png', sha256: '' });

      sandbox.injectFault({ dropAfterBytes: 0 });
      await expect(rawPost(sandbox, body).response).rejects.toThrow();
      expect((await sandbox.waitForRequests(2))[1]).toMatchObject({ status: 'dropped', bytesReceived: 0 });

      const next = await rawPost(sandbox, multipartBody(10)).response;
      expect(next.statusCode).toBe(200);
    });

    it('drops the connection after the whole body when the body is shorter than dropAfterBytes', async () => {
      const body = multipartBody(100);
      sandbox.injectFault({ dropAfterBytes: 1_000_000 });
      await expect(rawPost(sandbox, body).response).rejects.toThrow();
      const [recorded] = await sandbox.waitForRequests(1);
      expect(recorded).toMatchObject({ status: 'dropped', bytesReceived: body.length });
    });

    it('never answers a hung request, and close() ends it', async () => {
      const own = await startSandbox({ token: TOKEN });
      own.injectFault({ hang: true });
      const hung = rawPost(own, multipartBody(2000));
      const [recorded] = await own.waitForRequests(1);
      expect(recorded!.status).toBe('hung');
      expect(recorded!.file?.size).toBe(2000);

      // Another request is answered while the hung one still waits.
      expect((await rawPost(own, multipartBody(10)).response).statusCode).toBe(200);
      expect(hung.settled()).toBe(false);

      const waiting = expect(own.waitForRequests(10)).rejects.toThrow(/closed/);
      await own.close();
      await expect(hung.response).rejects.toThrow();
      await waiting;
    });

    it('answers normally after delayMs', async () => {
      sandbox.injectFault({ delayMs: 150, retryAfter: '1' });
      const started = performance.now();
      const reply = await upload(sandbox);
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
      expect(reply.status).toBe(200);
      expect(reply.headers.get('retry-after')).toBe('1');
    });

    it('delays every answer with the delayMs option', async () => {
      const slow = await startSandbox({ delayMs: 120 });
      try {
        const started = performance.now();
        const reply = await upload(slow, { token: null });
        expect(performance.now() - started).toBeGreaterThanOrEqual(110);
        expect(reply.status).toBe(401);
      } finally {
        await slow.close();
      }
    });

    it('counts `times` down and applies faults in the order they were queued', async () => {
      sandbox.injectFault({ status: 500, times: 2 });
      sandbox.injectFault({ status: 503 });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await upload(sandbox)).status);
      expect(statuses).toEqual([500, 500, 503, 200]);
      expect(sandbox.requests.map((r) => r.status)).toEqual(statuses);
    });

    it('applies upload faults only to uploads, and `any` faults to every API request', async () => {
      const { body: uploaded } = await upload(sandbox);
      sandbox.injectFault({ status: 500 });
      expect((await call(`${sandbox.url}/v21.0/${uploaded.id}`, { headers: authHeaders(TOKEN) })).status).toBe(200);
      sandbox.injectFault({ status: 502, graphCode: 1, match: 'any' });
      sandbox.clearFaults();
      sandbox.injectFault({ status: 502, match: 'any' });
      expect((await call(`${sandbox.url}/v21.0/${uploaded.id}`, { headers: authHeaders(TOKEN) })).status).toBe(502);
      expect((await upload(sandbox)).status).toBe(200);
    });

    it('refuses malformed faults', () => {
      expect(() => sandbox.injectFault({ times: 0 })).toThrow(TypeError);
      expect(() => sandbox.injectFault({ status: 42 })).toThrow(TypeError);
      expect(() => sandbox.injectFault({ bogus: true } as never)).toThrow(/bogus/);
    });
  });

  describe('control endpoints', () => {
    it('queue and clear faults and list requests without tokens; they are not recorded', async () => {
      const queued = await call(`${sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 500, graphCode: 131000, times: 2 }),
      });
      expect(queued).toMatchObject({ status: 200, body: { queued: true, pending: 1 } });
      expect((await upload(sandbox)).body.error.code).toBe(131000);

      const cleared = await call(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
      expect(cleared).toMatchObject({ status: 200, body: { cleared: 1 } });
      expect((await upload(sandbox)).status).toBe(200);
      await upload(sandbox, { token: 'wrong' });

      const bad = await call(`${sandbox.url}/_sandbox/faults`, { method: 'POST', body: '{"status":"x"}' });
      expect(bad.status).toBe(400);

      const listed = await call(`${sandbox.url}/_sandbox/requests`);
      expect(listed.status).toBe(200);
      expect(listed.body).toHaveLength(3);
      expect(listed.body.map((r: { authorized: boolean }) => r.authorized)).toEqual([true, true, false]);
      expect(listed.body[1]).not.toHaveProperty('bearerToken');
      expect(listed.text).not.toContain(TOKEN);
      expect(listed.body[1].file.sha256).toBe(sha256(patternBytes(1000)));
      expect(sandbox.requests).toHaveLength(3);
    });
  });
});
