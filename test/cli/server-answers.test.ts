// What the CLI does with server answers of the wrong shape: handles, session IDs, offsets, upload and delete answers, Graph's sentence for people.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useHostileServers } from '../helpers/hostile-server.js';
import { runInProcess } from '../helpers/in-process.js';
import { FIXTURES, TEST_TOKEN, isolatedDirs, leaksToken, runCli, sandboxEnv, type CliRun } from '../helpers/run-cli.js';

const servers = useHostileServers();
const photo = join(FIXTURES, 'valid/photo.jpg');
const png = join(FIXTURES, 'valid/image.png');
const APP_ID = '246813579024680';
const VERSION = 'v27.0';

let dirs: Awaited<ReturnType<typeof isolatedDirs>>;
beforeEach(async () => {
  dirs = await isolatedDirs();
});
afterEach(async () => {
  await dirs.cleanup();
});

/** One request as the stand-in saw it. */
interface Seen {
  method: string;
  /** Path and query as received, undecoded. */
  url: string;
  authorization: string | undefined;
  bytes: number;
}

/** A Graph stand-in: records every request (body read whole), then answers with `answer` (status and JSON text). */
async function graphServer(answer: (req: IncomingMessage, seen: Seen[], base: string) => { status: number; body: string; type?: string }): Promise<{ base: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const base = await servers.start((req, res: ServerResponse, url) => {
    const entry: Seen = { method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, bytes: 0 };
    req.on('data', (chunk: Buffer) => (entry.bytes += chunk.length));
    req.on('end', () => {
      seen.push(entry);
      const { status, body, type } = answer(req, seen, url);
      res.writeHead(status, { 'content-type': type ?? 'application/json' });
      res.end(body);
    });
  });
  return { base, seen };
}

/** Runs the CLI in this test's folders against `base` with the test token (no retry waits). */
function run(args: string[], base: string, env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runInProcess([...args, '--retry-delay', '0'], { cwd: dirs.cwd, env: { HOME: dirs.home, ...sandboxEnv(base), ...env } });
}

const isSessionStart = (req: { method?: string | undefined; url?: string | undefined }) => req.method === 'POST' && /\/uploads\?/.test(req.url ?? '');

/** A Resumable Upload stand-in: the session start answers `session`, the byte POST `bytes`, the status GET `status`. */
function resumableServer(answers: { session?: unknown; bytes?: (seen: Seen[]) => { status: number; body: string }; status?: unknown }) {
  return graphServer((req, seen) => {
    if (isSessionStart(req)) return { status: 200, body: JSON.stringify(answers.session ?? { id: 'upload:MTphdHRhY2htZW50OjEyMw==?sig=ARZh5TzJ0WTpFWOsJfc' }) };
    if (req.method === 'GET') return { status: 200, body: JSON.stringify(answers.status ?? { file_offset: 0 }) };
    return answers.bytes?.(seen) ?? { status: 200, body: JSON.stringify({ h: '4::aW1hZ2UvcG5n:ARb1:e:1700000000:1234567890:100001234567890:ARa2' }) };
  });
}

const handleArgs = ['handle', png];
const handleEnv = { WA_APP_ID: APP_ID, WA_PHONE_NUMBER_ID: undefined };

describe('handles are checked before they are printed', () => {
  it("a handle in Meta's shape is printed exactly, one line", async () => {
    const handle = '4::aW1hZ2UvanBlZw==:ARbNZMOEJ1cQrJ0Yx2vQ:e:1700000000:1234567890:100001234567890:ARa_-x9+/Q==';
    const { base } = await resumableServer({ bytes: () => ({ status: 200, body: JSON.stringify({ h: handle }) }) });
    const result = await run(handleArgs, base, handleEnv);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${handle}\n`);
  });

  it.each([
    ['a newline forging a second line', { h: '4::aGVsbG8=:ARb\n123456789012345' }, '\n123456789012345'],
    ['an escape code', { h: '4::\u001b]0;pwned\u0007:ARb' }, '\u001b'],
    ['a space', { h: '4::aGVsbG8= rm -rf' }, undefined],
    ['no h at all', {}, undefined],
    ['an empty h', { h: '' }, undefined],
    ['a number', { h: 42 }, undefined],
    ['5,000 characters', { h: 'A'.repeat(5000) }, 'A'.repeat(100)],
    ['a non-ASCII character', { h: '4::\u202eARb' }, '\u202e'],
  ])('%s: exit 5 naming it, the byte POST made once, nothing raw on stdout or stderr', async (_name, answer, raw) => {
    const { base, seen } = await resumableServer({ bytes: () => ({ status: 200, body: JSON.stringify(answer) }) });
    for (const json of [false, true]) {
      seen.length = 0;
      const result = await run(json ? ['--json', ...handleArgs] : handleArgs, base, handleEnv);
      expect(result.code).toBe(5);
      expect(result.stderr).toContain('error: the server answered with a handle that is not printable ASCII without spaces (1 to 4096 characters)');
      expect(seen.filter((r) => r.method === 'POST' && r.url.includes('/upload:'))).toHaveLength(1);
      expect(seen.filter((r) => r.method === 'GET')).toHaveLength(0);
      if (json) {
        const lines = result.stdout.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(JSON.parse(lines[0]!)).toMatchObject({ error: { kind: 'api', exitCode: 5 } });
        expect(JSON.parse(lines[0]!)).not.toHaveProperty('handle');
      } else {
        expect(result.stdout).toBe('');
      }
      if (raw !== undefined) {
        expect(result.stdout).not.toContain(raw);
        expect(result.stderr).not.toContain(raw);
      }
      expect(leaksToken(result)).toBe(false);
    }
  });
});

describe('upload session IDs never leave the session path', () => {
  it.each([
    ['a climb to another object', 'upload:../../me/accounts'],
    ['a climb out of the API version', 'upload:x/../../../v1/steal'],
    ['a slash', 'upload:abc/def'],
    ['percent-encoded dots', 'upload:%2e%2e%2fme'],
    ['a fragment', 'upload:abc#frag'],
    ['a query of its own', 'upload:abc?access_token=x&sig=y'],
    ['a space', 'upload:abc def'],
    ['a newline', 'upload:abc\r\nX-Evil: 1'],
    ['two dots', 'upload:abc..def'],
    ['another prefix', 'download:abc'],
    ['an absolute URL', 'https://evil.example/upload:abc'],
    ['no id', undefined],
  ])('%s: exit 5 naming the shape, the session start made once, no other request, the token only on the session start', async (_name, id) => {
    const { base, seen } = await resumableServer({ session: id === undefined ? {} : { id } });
    const result = await run(handleArgs, `${base}/prefix`, handleEnv);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^error: the server answered with an upload session ID that is not of the form upload:<id>/m);
    expect(result.stdout).toBe('');
    // One request: the session start, on the prefixed path; no byte ever left.
    expect(seen.map((r) => [r.method, r.url.split('?')[0]])).toEqual([['POST', `/prefix/${VERSION}/${APP_ID}/uploads`]]);
    expect(seen.every((r) => r.bytes === 0)).toBe(true);
    // The value is shown JSON-quoted (a line break as \r\n), never raw.
    if (id !== undefined) expect(result.stderr).toContain(`(got ${JSON.stringify(id)})`);
    expect(result.stderr).not.toContain('\r');
    expect(result.stderr.split('\n')).toHaveLength(3);
    expect(leaksToken(result)).toBe(false);
  });

  it('a good session ID with ?sig=: the bytes and the token go to /prefix/<version>/upload:<id>?sig=<sig>, nowhere else', async () => {
    const { base, seen } = await resumableServer({ session: { id: 'upload:MTphdHRhY2htZW50Ojlk:ZmlsZQ==?sig=ARZh5Tz_-J0WTpF' } });
    const result = await run(handleArgs, `${base}/prefix`, handleEnv);
    expect(result.code).toBe(0);
    expect(seen.map((r) => [r.method, r.url.split('?')[0]])).toEqual([
      ['POST', `/prefix/${VERSION}/${APP_ID}/uploads`],
      ['POST', `/prefix/${VERSION}/upload:MTphdHRhY2htZW50Ojlk:ZmlsZQ==`],
    ]);
    expect(seen[1]!.url).toBe(`/prefix/${VERSION}/upload:MTphdHRhY2htZW50Ojlk:ZmlsZQ==?sig=ARZh5Tz_-J0WTpF`);
    expect(seen[1]!.authorization).toBe(`OAuth ${TEST_TOKEN}`);
    expect(seen[1]!.bytes).toBeGreaterThan(0);
  });
});

describe('file_offset is checked before a resumption', () => {
  it.each([
    ['letters', 'abc'],
    ['a negative number', -1],
    ['a fraction', 1.5],
    ['past the end of the file', 99_999_999],
    ['missing', undefined],
  ])('%s: exit 5, one status GET, no byte POST after it', async (_name, offset) => {
    // The first byte POST fails with a transient error: the client asks the session where to resume.
    const { base, seen } = await resumableServer({
      bytes: () => ({ status: 503, body: JSON.stringify({ error: { message: 'Service temporarily unavailable', code: 2, type: 'OAuthException' } }) }),
      status: offset === undefined ? { id: 'upload:x' } : { file_offset: offset },
    });
    const result = await run(handleArgs, base, handleEnv);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(
      offset === 99_999_999
        ? /^error: the upload session reports 99999999 bytes received, more than the file's \d+ \(/m
        : /^error: the server answered with a file_offset that is not a whole number of bytes/m,
    );
    expect(seen.map((r) => r.method)).toEqual(['POST', 'POST', 'GET']);
    expect(result.stdout).toBe('');
  });
});

describe('a success status with the wrong body is a definite answer, not retried', () => {
  it.each([
    ['{}', '{}', 'a media ID that is not all digits'],
    ['an HTML page', '<html><body>Welcome</body></html>', 'HTTP 200 and a body that is not a JSON object: Welcome'],
    ['an empty body', '', 'HTTP 200 and a body that is not a JSON object (an empty body)'],
    ['a JSON array', '["123"]', 'HTTP 200 and a body that is not a JSON object'],
  ])('upload answered 200 with %s: exit 5, one POST', async (_name, body, message) => {
    const { base, seen } = await graphServer(() => ({ status: 200, body }));
    const result = await run([photo], base);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`error: the server answered with ${message}`);
    expect(seen).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  it('a session start answered 200 {}: exit 5, one request', async () => {
    const { base, seen } = await resumableServer({ session: {} });
    const result = await run(handleArgs, base, handleEnv);
    expect(result.code).toBe(5);
    expect(seen).toHaveLength(1);
  });
});

describe('delete: what "success" says', () => {
  it.each([
    [{ success: false }, 5, 'error: the API says the media was not deleted'],
    [{ success: 'false' }, 5, 'error: the API says the media was not deleted'],
    [{}, 5, 'error: the server answered with a delete answer without "success": true or false'],
    [{ success: 1 }, 5, 'error: the server answered with a delete answer without "success": true or false'],
    [{ success: 'true' }, 0, 'deleted 123'],
    [{ success: true }, 0, 'deleted 123'],
  ])('%j: exit %i, one DELETE', async (answer, code, message) => {
    const { base, seen } = await graphServer(() => ({ status: 200, body: JSON.stringify(answer) }));
    const result = await run(['delete', '123'], base);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(seen.map((r) => r.method)).toEqual(['DELETE']);
  });
});

describe("Graph's sentence for people (error_user_title, error_user_msg)", () => {
  const envelope = {
    error: {
      message: '(#100) Invalid parameter',
      type: 'OAuthException',
      code: 100,
      error_user_title: 'Media upload error',
      error_user_msg: `The file is too large for this type.\u001b[2J Token: ${TEST_TOKEN}`,
      fbtrace_id: 'AXsgnV2Cm3ZMGF3dF_cfYIn',
    },
  };

  it('shown after the Graph text as "title: message", escaped and redacted; kept in --json graph', async () => {
    const { base, seen } = await graphServer(() => ({ status: 400, body: JSON.stringify(envelope) }));
    const text = await run([photo], base);
    expect(text.code).toBe(5);
    expect(text.stderr).toContain('error: the API refused the request: (#100) Invalid parameter — Media upload error: The file is too large for this type.\\x1b[2J Token: [REDACTED] (HTTP 400, code 100)');
    expect(text.stderr).not.toContain('\u001b');
    const json = await run(['--json', photo], base);
    expect(json.code).toBe(5);
    const graph = (JSON.parse(json.stdout) as { error: { graph: Record<string, unknown> } }).error.graph;
    expect(graph).toMatchObject({ code: 100, userTitle: 'Media upload error', userMessage: 'The file is too large for this type.\u001b[2J Token: [REDACTED]' });
    expect(leaksToken(text)).toBe(false);
    expect(leaksToken(json)).toBe(false);
    expect(seen).toHaveLength(2);
  });

  it('a 10,000-character user message is cut in the text and in the JSON', async () => {
    const long = { error: { ...envelope.error, error_user_msg: 'x'.repeat(10_000) } };
    const { base } = await graphServer(() => ({ status: 400, body: JSON.stringify(long) }));
    const json = await run(['--json', photo], base);
    const graph = (JSON.parse(json.stdout) as { error: { graph: { userMessage: string } } }).error.graph;
    expect(graph.userMessage).toBe(`${'x'.repeat(300)}…`);
    expect(json.stderr.length).toBeLessThan(1500);
  });

  it.each([400, 500])('code 104 "An access token is required" at HTTP %i: exit 6 (the token), one request', async (status) => {
    const body = { error: { message: 'An access token is required to request this resource.', type: 'OAuthException', code: 104 } };
    const { base, seen } = await graphServer(() => ({ status, body: JSON.stringify(body) }));
    const result = await run([photo], base);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('error: the API refused the token: An access token is required to request this resource.');
    expect(result.stderr).toContain('hint: no access token reached the API');
    expect(seen).toHaveLength(1);
  });
});

describe('a signal while the server holds the answer stays a signal', () => {
  it('handle: Ctrl-C while the byte POST waits for its answer exits 130, not "the file changed"', async () => {
    const seen: string[] = [];
    const base = await servers.start((req, res) => {
      seen.push(`${req.method} ${req.url?.split('?')[0]}`);
      req.resume();
      if (isSessionStart(req)) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'upload:MTphdHRhY2htZW50OjEyMw==?sig=ARZ' }));
      }
      // The byte POST is never answered.
    });
    let child: import('node:child_process').ChildProcess | undefined;
    let sent = false;
    const result = await runCli(['handle', '--verbose', png], {
      cwd: dirs.cwd,
      env: { HOME: dirs.home, ...sandboxEnv(base), ...handleEnv },
      onSpawn: (c) => (child = c),
      onStderr: (chunk) => {
        if (!sent && chunk.includes('/upload:') && chunk.includes('POST')) {
          sent = true;
          child?.kill('SIGINT');
        }
      },
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('interrupted by SIGINT');
    expect(result.stderr).not.toContain('the file changed');
    expect(seen[0]).toBe(`POST /${VERSION}/${APP_ID}/uploads`);
    expect(seen.slice(1).every((line) => line === `POST /${VERSION}/upload:MTphdHRhY2htZW50OjEyMw==`)).toBe(true);
  });
});
