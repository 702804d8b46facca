// The sandbox as a service on a shared machine: it keeps only the last N requests, and web pages cannot drive it.

import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_RECORDS, startSandbox, type Sandbox } from '../../src/sandbox/server.js';

const TOKEN = 'EAAsharedmachinetoken0123456789';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ token: TOKEN });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A request with node:http, which (unlike fetch) lets a test set Host and Origin as a browser would. */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${sandbox.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One cheap recorded API request: media info of `/v21.0/<n>` (an unknown ID: 400), so each record names its number. */
function info(n: number): Promise<RawReply> {
  return raw('GET', `/v21.0/${n}`, { authorization: `Bearer ${TOKEN}` });
}

describe('the record of requests', () => {
  it(`keeps the last ${DEFAULT_MAX_RECORDS} by default: after ${DEFAULT_MAX_RECORDS} + 50 requests the 50 oldest are gone and /_sandbox/requests still answers`, async () => {
    expect(DEFAULT_MAX_RECORDS).toBe(1000);
    const total = DEFAULT_MAX_RECORDS + 50;
    for (let n = 1; n <= total; n += 1) expect((await info(n)).status).toBe(400);
    const kept = await sandbox.waitForRequests(total);
    expect(kept).toHaveLength(DEFAULT_MAX_RECORDS);
    expect(kept[0]!.path).toBe('/v21.0/51');
    expect(kept.at(-1)!.path).toBe(`/v21.0/${total}`);
    expect(sandbox.requests).toHaveLength(DEFAULT_MAX_RECORDS);
    expect(sandbox.droppedRequests).toBe(50);

    const listed = await raw('GET', '/_sandbox/requests');
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(DEFAULT_MAX_RECORDS);
    expect(listed.body[0].path).toBe('/v21.0/51');
    expect(listed.body.at(-1).path).toBe(`/v21.0/${total}`);
    expect(listed.headers['x-sandbox-dropped-requests']).toBe('50');

    sandbox.reset();
    expect(sandbox.droppedRequests).toBe(0);
    expect((await info(7)).status).toBe(400);
    expect((await sandbox.waitForRequests(1)).map((r) => r.path)).toEqual(['/v21.0/7']);
  });

  it('takes another limit with maxRecords, and refuses one that is not a whole number of at least 1', async () => {
    const small = await startSandbox({ maxRecords: 3 });
    try {
      for (let n = 1; n <= 5; n += 1) await fetch(`${small.url}/v21.0/${n}`, { headers: { authorization: 'Bearer any' } });
      expect((await small.waitForRequests(5)).map((r) => r.path)).toEqual(['/v21.0/3', '/v21.0/4', '/v21.0/5']);
      expect(small.droppedRequests).toBe(2);
    } finally {
      await small.close();
    }
    await expect(startSandbox({ maxRecords: 0 })).rejects.toThrow(TypeError);
    await expect(startSandbox({ maxRecords: 1.5 })).rejects.toThrow(/maxRecords/);
  });
});

describe('the control endpoints and web pages', () => {
  const fault = JSON.stringify({ status: 503, graphCode: 2 });

  it.each([
    ['POST /_sandbox/faults', 'POST', '/_sandbox/faults', fault],
    ['DELETE /_sandbox/faults', 'DELETE', '/_sandbox/faults', undefined],
    ['GET /_sandbox/requests', 'GET', '/_sandbox/requests', undefined],
    ['POST /_sandbox/webhook-media', 'POST', '/_sandbox/webhook-media', '{"mimeType":"image/jpeg"}'],
  ])('%s with an Origin header (any web page, cross-site) is 403 with a Graph error, and does nothing', async (_name, method, path, body) => {
    await info(1);
    sandbox.injectFault({ status: 500, graphCode: 1, match: 'any' });
    for (const origin of ['https://attacker.example', 'null', `${sandbox.url}`]) {
      const refused = await raw(method, path, { origin, 'content-type': 'text/plain' }, body);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ type: 'OAuthException', code: 10, fbtrace_id: expect.stringMatching(/^A/) });
      expect(refused.body.error.message).toContain('Origin header');
      expect(JSON.stringify(refused.body)).not.toContain('/v21.0/1');
    }
    // The queued fault is still the one answer, and still once: nothing was added, cleared or listed.
    expect((await info(2)).status).toBe(500);
    expect((await info(3)).status).toBe(400);
    expect(sandbox.requests.map((r) => r.path)).toEqual(['/v21.0/1', '/v21.0/2', '/v21.0/3']);
  });

  it('a request whose Host is not loopback (a page that rebound its name to 127.0.0.1) is 403 too', async () => {
    const refused = await raw('GET', '/_sandbox/requests', { host: 'attacker.example:8089' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe(10);
    expect(refused.body.error.message).toContain('loopback');
  });

  it('curl-like requests (no Origin, a loopback Host) keep working', async () => {
    for (const host of [undefined, 'localhost:8089', 'sandbox.localhost', '127.0.0.1', '[::1]:8089']) {
      const queued = await raw('POST', '/_sandbox/faults', host === undefined ? {} : { host }, fault);
      expect(queued).toMatchObject({ status: 200, body: { queued: true } });
    }
    expect((await raw('DELETE', '/_sandbox/faults')).body).toEqual({ cleared: 5 });
    const listed = await raw('GET', '/_sandbox/requests', { 'user-agent': 'curl/8.5.0', accept: '*/*' });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([]);
  });

  it('API requests are not affected by the Origin rule (they need a token)', async () => {
    const answer = await raw('GET', '/v21.0/5', { authorization: `Bearer ${TOKEN}`, origin: 'https://attacker.example' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.error_subcode).toBe(33);
  });
});
