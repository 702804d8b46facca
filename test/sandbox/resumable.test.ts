// Tests of the sandbox's Resumable Upload API over real HTTP: what it demands of a client, what it holds, what it answers.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';

const TOKEN = 'test-token-resumable';
const APP_ID = '987654321012345';
const BYTES = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 31 + 7) % 251));

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ token: TOKEN, appIds: [APP_ID] });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

async function call(path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${sandbox.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) };
}

async function startSession(query = `file_name=h.png&file_length=${BYTES.length}&file_type=image/png`): Promise<string> {
  const started = await call(`/v26.0/${APP_ID}/uploads?${query}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  expect(started.status).toBe(200);
  return started.body.id as string;
}

function send(sessionId: string, bytes: Buffer, offset: number | undefined, authorization = `OAuth ${TOKEN}`) {
  return call(`/v26.0/${sessionId}`, {
    method: 'POST',
    headers: { authorization, ...(offset === undefined ? {} : { file_offset: String(offset) }) },
    body: bytes,
  });
}

describe('the Resumable Upload API of the sandbox', () => {
  it('starts a session whose ID carries ?sig=, takes raw bytes in two parts at the offset it holds, and records the handle with their sha256', async () => {
    const id = await startSession();
    expect(id).toMatch(/^upload:[A-Za-z0-9_-]+\?sig=[A-Za-z0-9_-]+$/);
    const first = await send(id, BYTES.subarray(0, 4000), 0);
    expect(first).toMatchObject({ status: 400, body: { error: { code: 100 } } });
    expect(first.body.error.message).toContain('file_offset 4000');
    expect(await call(`/v26.0/${id}`, { headers: { authorization: `OAuth ${TOKEN}` } })).toEqual({ status: 200, body: { id, file_offset: 4000 } });
    const rest = await send(id, BYTES.subarray(4000), 4000);
    expect(rest.status).toBe(200);
    expect(sandbox.handles).toEqual([
      expect.objectContaining({ handle: rest.body.h, sessionId: id, appId: APP_ID, fileName: 'h.png', fileType: 'image/png', size: BYTES.length, sha256: createHash('sha256').update(BYTES).digest('hex') }),
    ]);
    expect(sandbox.sessionCount).toBe(1);
  });

  it.each([
    ['a wrong file_offset', (id: string) => send(id, BYTES, 5), 400, 100],
    ['no file_offset header', (id: string) => send(id, BYTES, undefined), 400, 100],
    ['a wrong token', (id: string) => send(id, BYTES, 0, 'OAuth wrong-token-123'), 401, 190],
    ['a wrong token in a Bearer header', (id: string) => send(id, BYTES, 0, 'Bearer wrong-token-123'), 401, 190],
    ['the token as a query parameter (no token in the header: 104)', (id: string) => call(`/v26.0/${id}&access_token=${TOKEN}`, { method: 'POST', headers: { file_offset: '0' }, body: BYTES }), 401, 104],
    ['no Authorization header (104)', (id: string) => send(id, BYTES, 0, ''), 401, 104],
    ['a wrong sig', (id: string) => send(id.replace(/sig=.*/, 'sig=ARwrong'), BYTES, 0), 400, 104],
    ['no sig', (id: string) => send(id.replace(/\?sig=.*/, ''), BYTES, 0), 400, 104],
    ['the session ID percent-encoded', (id: string) => call(`/v26.0/${encodeURIComponent(id)}`, { method: 'POST', headers: { authorization: `OAuth ${TOKEN}`, file_offset: '0' }, body: BYTES }), 400, 100],
    ['an unknown session', (id: string) => send(id.replace('upload:', 'upload:x'), BYTES, 0), 400, 100],
    ['more bytes than file_length', (id: string) => send(id, Buffer.concat([BYTES, BYTES.subarray(0, 1)]), 0), 400, 100],
  ])('refuses %s, keeping no byte', async (_name, act, status, code) => {
    const id = await startSession();
    const answer = await act(id);
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
    const held = await call(`/v26.0/${id}`, { headers: { authorization: `OAuth ${TOKEN}` } });
    expect(held.body.file_offset).toBe(code === 100 && answer.body.error.message.includes('More bytes') ? BYTES.length : 0);
    expect(sandbox.handles).toEqual([]);
  });

  it('takes a Bearer header on the data call and the status call as well as OAuth', async () => {
    const id = await startSession();
    const first = await send(id, BYTES.subarray(0, 4000), 0, `Bearer ${TOKEN}`);
    expect(first.body.error.message).toContain('file_offset 4000');
    expect(await call(`/v26.0/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).toEqual({ status: 200, body: { id, file_offset: 4000 } });
    const rest = await send(id, BYTES.subarray(4000), 4000, `Bearer ${TOKEN}`);
    expect(rest.status).toBe(200);
    expect(sandbox.handles.map((h) => h.handle)).toEqual([rest.body.h]);
    expect(sandbox.handles[0]!.sha256).toBe(createHash('sha256').update(BYTES).digest('hex'));
  });

  it.each([
    ['an unknown app', `/v26.0/111/uploads?file_name=a.png&file_length=10&file_type=image/png`, 100],
    ['a type the API does not take', `/v26.0/${APP_ID}/uploads?file_name=a.webp&file_length=10&file_type=image/webp`, 100],
    ['no file_name', `/v26.0/${APP_ID}/uploads?file_length=10&file_type=image/png`, 100],
    ['a zero file_length', `/v26.0/${APP_ID}/uploads?file_name=a.png&file_length=0&file_type=image/png`, 100],
  ])('refuses to start a session for %s', async (_name, path, code) => {
    const answer = await call(path, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe(code);
    expect(sandbox.sessionCount).toBe(0);
  });

  it('a cut after K bytes keeps exactly K; a string file_offset sandbox says so as a string', async () => {
    const stringy = await startSandbox({ token: TOKEN, fileOffsetAs: 'string' });
    try {
      const started = await fetch(`${stringy.url}/v26.0/${APP_ID}/uploads?file_name=h.pdf&file_length=${BYTES.length}&file_type=application/pdf&access_token=${TOKEN}`, { method: 'POST' });
      const id = ((await started.json()) as { id: string }).id;
      stringy.injectFault({ dropAfterBytes: 3333 });
      await expect(fetch(`${stringy.url}/v26.0/${id}`, { method: 'POST', headers: { authorization: `OAuth ${TOKEN}`, file_offset: '0' }, body: BYTES })).rejects.toThrow();
      const status = await fetch(`${stringy.url}/v26.0/${id}`, { headers: { authorization: `OAuth ${TOKEN}` } });
      expect(await status.json()).toEqual({ id, file_offset: '3333' });
    } finally {
      await stringy.close();
    }
  });

  it('faults aim at session starts and status calls with match "session" and "status"', async () => {
    sandbox.injectFault({ match: 'session', status: 503, graphCode: 2 });
    const refused = await call(`/v26.0/${APP_ID}/uploads?file_name=a.png&file_length=10&file_type=image/png`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(refused).toMatchObject({ status: 503, body: { error: { code: 2 } } });
    const id = await startSession();
    sandbox.injectFault({ match: 'status', status: 500, graphCode: 1, retryAfter: '0' });
    const status = await call(`/v26.0/${id}`, { headers: { authorization: `OAuth ${TOKEN}` } });
    expect(status).toMatchObject({ status: 500, body: { error: { code: 1 } } });
  });
});
