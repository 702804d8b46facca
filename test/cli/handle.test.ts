// `wa-upload handle` as users meet it: the built CLI against the sandbox's Resumable Upload API, resumptions and refusals.

import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256OfFile, useCliSandbox } from '../helpers/cli-sandbox.js';
import { runInProcess } from '../helpers/in-process.js';
import { FIXTURES, TEST_TOKEN, leaksToken, runOnTerminal, sandboxEnv } from '../helpers/run-cli.js';
import { startSandbox, type RecordedRequest, type SandboxFault } from '../../src/sandbox/server.js';
import { DEFAULT_API_VERSION } from '../../src/settings/config.js';

const APP_ID = '246813579024680';
const cli = useCliSandbox({ appIds: [APP_ID] }, { inProcess: true });
const png = join(FIXTURES, 'valid/image.png');
const jpeg = join(FIXTURES, 'valid/photo.jpg');
const pdf = join(FIXTURES, 'valid/document.pdf');

/** The environment of a user with a token and an app ID, and no phone number ID (handles need none). */
const handleEnv = { WA_APP_ID: APP_ID, WA_PHONE_NUMBER_ID: undefined };
const run = (args: string[], env: Record<string, string | undefined> = {}) => cli.run(['handle', ...args], { env: { ...handleEnv, ...env } });

/** A real PDF grown to about 3 MB by a trailing comment of varied bytes, in this test's folder. */
async function bigPdf(): Promise<string> {
  const padding = Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => 0x20 + ((i * 7 + (i >> 9)) % 90)));
  const path = join(cli.dirs.cwd, 'brochure.pdf');
  await writeFile(path, Buffer.concat([await readFile(pdf), Buffer.from('\n%'), padding, Buffer.from('\n')]));
  return path;
}

const starts = (requests: RecordedRequest[]) => requests.filter((r) => r.path.endsWith('/uploads'));
const bytePosts = (requests: RecordedRequest[]) => requests.filter((r) => r.method === 'POST' && r.path.includes('/upload:'));
const statusGets = (requests: RecordedRequest[]) => requests.filter((r) => r.method === 'GET' && r.path.includes('/upload:'));

describe('the protocol, as the sandbox received it', () => {
  it('starts a session on the app, POSTs the raw bytes to the session ID as given with OAuth and file_offset 0, prints exactly the handle', async () => {
    const result = await run([png]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [start, send] = cli.sandbox.requests;
    expect(cli.sandbox.requests).toHaveLength(2);
    expect(start).toMatchObject({ method: 'POST', path: `/${DEFAULT_API_VERSION}/${APP_ID}/uploads`, bearerToken: TEST_TOKEN, status: 200 });
    const size = (await stat(png)).size;
    expect(start!.query).toEqual({ file_name: 'image.png', file_length: String(size), file_type: 'image/png' });
    // The session ID goes into the URL as it is: its `?sig=` is the query of the byte POST, nothing percent-encoded.
    const sessionId = (start!.responseBody as { id: string }).id;
    expect(sessionId).toMatch(/^upload:[^?]+\?sig=.+$/);
    const [sessionPath, sig] = sessionId.split('?sig=') as [string, string];
    expect(send).toMatchObject({ method: 'POST', path: `/${DEFAULT_API_VERSION}/${sessionPath}`, query: { sig }, oauthToken: TEST_TOKEN, bearerToken: undefined, status: 200 });
    expect(send!.headers.file_offset).toBe('0');
    expect(send!.headers['content-type']).toBe('application/octet-stream');
    expect(send!.headers['content-length']).toBe(String(size));
    expect(send!.bytesReceived).toBe(size);
    // Raw bytes, not multipart: what the session holds is exactly the file.
    expect(cli.sandbox.handles).toEqual([expect.objectContaining({ sessionId, appId: APP_ID, fileName: 'image.png', fileType: 'image/png', size, sha256: await sha256OfFile(png) })]);
    expect(result.stdout).toBe(`${(send!.responseBody as { h: string }).h}\n`);
    expect(result.stdout).toBe(`${cli.sandbox.handles[0]!.handle}\n`);
  });

  it('several files: `<handle>\\t<path>` lines in input order, one session each', async () => {
    const result = await run([pdf, png, jpeg]);
    expect(result.code).toBe(0);
    const byName = new Map(cli.sandbox.handles.map((h) => [h.fileName, h.handle]));
    expect(result.stdout).toBe(`${byName.get('document.pdf')}\t${pdf}\n${byName.get('image.png')}\t${png}\n${byName.get('photo.jpg')}\t${jpeg}\n`);
    expect(cli.sandbox.sessionCount).toBe(3);
  });

  it('--json: one object per file with file, handle, filename, mimeType, bytes and sha256, and errors as objects', async () => {
    const webp = join(FIXTURES, 'valid/sticker.webp');
    const result = await run(['--json', png, webp, pdf]);
    expect(result.code).toBe(4);
    const lines = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    const held = (name: string) => cli.sandbox.handles.find((h) => h.fileName === name)!;
    expect(lines[0]).toMatchObject({ file: png, handle: held('image.png').handle, filename: 'image.png', mimeType: 'image/png', bytes: (await stat(png)).size, sha256: await sha256OfFile(png) });
    expect(lines[0]).not.toHaveProperty('id');
    expect(lines[1]).toMatchObject({ file: webp, error: { kind: 'input', exitCode: 4 } });
    expect(lines[2]).toMatchObject({ file: pdf, handle: held('document.pdf').handle, mimeType: 'application/pdf', sha256: held('document.pdf').sha256 });
    expect(held('document.pdf').sha256).toBe(await sha256OfFile(pdf));
  });

  it('a PNG named .jpg is sent as image/png (the content decides, like uploads)', async () => {
    const misnamed = join(cli.dirs.cwd, 'header.jpg');
    await copyFile(png, misnamed);
    const result = await run([misnamed]);
    expect(result.code).toBe(0);
    expect(starts(cli.sandbox.requests)[0]!.query).toMatchObject({ file_type: 'image/png', file_name: 'header.png' });
  });
});

describe('the content checks of uploads', () => {
  it.each([
    ['video-high-bframes.mp4', /warning: .*video-high-bframes\.mp4: video is H\.264 High profile with B-frames/],
    ['image-16bit.png', /warning: .*image-16bit\.png: /],
    ['gif-named.jpg', /warning: .*gif-named\.jpg: content is GIF/],
  ])('header media that will not display warns (%s), is sent anyway, and --strict refuses it with nothing sent', async (fixture, warning) => {
    const path = join(FIXTURES, 'problem', fixture);
    const sent = await run([path]);
    expect(sent.code).toBe(0);
    expect(sent.stderr).toMatch(warning);
    expect(cli.sandbox.handles).toHaveLength(1);
    cli.sandbox.reset();
    const strict = await run(['--strict', path]);
    expect(strict.code).toBe(4);
    expect(strict.stderr).toMatch(/error: refused under --strict/);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('a WebP named .png: the bytes decide, and image/webp is not a type the API takes (exit 4, nothing sent)', async () => {
    const result = await run([join(FIXTURES, 'problem', 'webp-named.png')]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('error: image/webp is not a type the Resumable Upload API (handles) takes');
    expect(cli.sandbox.requests).toHaveLength(0);
  });
});

describe('resumable for real', () => {
  it('a cut at a third of the file resumes from the offset the server reports, in the same session, and the server ends with exactly the file', async () => {
    const file = await bigPdf();
    const size = (await stat(file)).size;
    const third = Math.floor(size / 3);
    cli.sandbox.injectFault({ dropAfterBytes: third });
    const result = await run(['--retry-delay', '0', '--verbose', file]);
    expect(result.code).toBe(0);
    const requests = cli.sandbox.requests;
    expect(starts(requests)).toHaveLength(1);
    expect(cli.sandbox.sessionCount).toBe(1);
    const [cut, rest] = bytePosts(requests);
    expect(bytePosts(requests)).toHaveLength(2);
    expect(cut).toMatchObject({ status: 'dropped' });
    expect(cut!.headers.file_offset).toBe('0');
    // The client asked where to go on, and sent only the rest from there.
    expect(statusGets(requests)).toHaveLength(1);
    expect(statusGets(requests)[0]).toMatchObject({ oauthToken: TEST_TOKEN, status: 200, responseBody: { file_offset: third } });
    expect(rest!.headers.file_offset).toBe(String(third));
    expect(rest!.headers['content-length']).toBe(String(size - third));
    expect(rest!.bytesReceived).toBe(size - third);
    expect(cli.sandbox.handles).toEqual([expect.objectContaining({ size, sha256: await sha256OfFile(file) })]);
    expect(result.stdout).toBe(`${cli.sandbox.handles[0]!.handle}\n`);
    expect(result.stderr).toContain(`GET ${cli.sandbox.url}/${DEFAULT_API_VERSION}/upload:`);
    expect(result.stderr).toContain('(authorization: OAuth [REDACTED])');
    expect(leaksToken(result)).toBe(false);
  });

  it('a server that stops reading at a third: the idle timeout mid-file resumes from the offset it kept, in the same session', async () => {
    const file = await bigPdf();
    const size = (await stat(file)).size;
    const third = Math.floor(size / 3);
    cli.sandbox.injectFault({ stallAfterBytes: third });
    const result = await run(['--retry-delay', '0', '--timeout', '1', file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/waiting 0\.0 s before try 2 of .*brochure\.pdf: no answer within 1 s/);
    // The stalled POST is recorded once the sandbox sees its connection close, which may come after the rest.
    const requests = await cli.sandbox.waitForRequests(4);
    const posts = bytePosts(requests).sort((a, b) => Number(a.headers.file_offset) - Number(b.headers.file_offset));
    expect(posts.map((p) => [p.status, p.headers.file_offset])).toEqual([
      ['aborted', '0'],
      [200, String(third)],
    ]);
    expect(posts[1]!.bytesReceived).toBe(size - third);
    expect(statusGets(requests)).toHaveLength(1);
    expect(cli.sandbox.sessionCount).toBe(1);
    expect(cli.sandbox.handles).toEqual([expect.objectContaining({ size, sha256: await sha256OfFile(file) })]);
  });

  it('a server that keeps every byte but never answers: after the timeout no byte is sent again (file_offset = size, empty body)', async () => {
    cli.sandbox.injectFault({ hang: true });
    const result = await run(['--retry-delay', '0', '--timeout', '1', pdf]);
    expect(result.code).toBe(0);
    const size = (await stat(pdf)).size;
    const posts = bytePosts(cli.sandbox.requests);
    expect(posts.map((p) => [p.headers.file_offset, p.bytesReceived])).toEqual([
      ['0', size],
      [String(size), 0],
    ]);
    expect(cli.sandbox.sessionCount).toBe(1);
    expect(cli.sandbox.handles).toEqual([expect.objectContaining({ size, sha256: await sha256OfFile(pdf) })]);
  });

  it('on a terminal, progress counts the whole file across the resumption, up to 100 %', async () => {
    const file = await bigPdf();
    cli.sandbox.injectFault({ dropAfterBytes: 1_000_000 });
    // The resumed POST is answered a second late, so the spinner (shown after 300 ms) has drawn the whole file sent.
    cli.sandbox.injectFault({ delayMs: 1000 });
    const result = await runOnTerminal(['handle', '--retry-delay', '0', file], { columns: 100, cwd: cli.dirs.cwd, env: { HOME: cli.dirs.home, ...sandboxEnv(cli.sandbox.url), ...handleEnv } });
    expect(result.code).toBe(0);
    // Counted against the whole file: the resumed POST carries 2 MB, the bar ends at 3.0 of 3.0.
    expect(result.stdout).toMatch(/uploading 3\.0 MB of 3\.0 MB \(100 %\)/);
    expect(result.stdout).toMatch(/waiting 0\.0 s before try 2 of .*brochure\.pdf/);
    expect(result.stdout).toContain(cli.sandbox.handles[0]!.handle);
    expect(leaksToken(result)).toBe(false);
  });

  it('a file_offset given as a string (Meta\'s placeholder) is read as the number it holds', async () => {
    const sandbox = await startSandbox({ token: TEST_TOKEN, fileOffsetAs: 'string' });
    try {
      const file = await bigPdf();
      const size = (await stat(file)).size;
      sandbox.injectFault({ dropAfterBytes: 1_000_003 });
      const result = await runInProcess(['handle', '--retry-delay', '0', file], { cwd: cli.dirs.cwd, env: { HOME: cli.dirs.home, ...sandboxEnv(sandbox.url), ...handleEnv } });
      expect(result.code).toBe(0);
      expect(statusGets(sandbox.requests)[0]!.responseBody).toMatchObject({ file_offset: '1000003' });
      expect(bytePosts(sandbox.requests)[1]!.headers.file_offset).toBe('1000003');
      expect(sandbox.handles).toEqual([expect.objectContaining({ size, sha256: await sha256OfFile(file) })]);
    } finally {
      await sandbox.close();
    }
  });
});

describe('retries, Retry-After and exit 7, as for uploads', () => {
  const table: [name: string, fault: SandboxFault, extra: (requests: RecordedRequest[]) => void][] = [
    ['HTTP 503 code 2 on the bytes', { status: 503, graphCode: 2 }, (r) => expect(bytePosts(r).map((p) => p.headers.file_offset)).toEqual(['0', '0'])],
    ['throttling (code 4) on the session start', { match: 'session', status: 400, graphCode: 4 }, (r) => expect(starts(r).map((s) => s.status)).toEqual([400, 200])],
    ['HTTP 500 on the status GET after a cut', { match: 'status', status: 500, graphCode: 1 }, () => {}],
  ];
  it.each(table)('%s is retried and the handle comes back', async (name, fault, extra) => {
    if (name.includes('status GET')) cli.sandbox.injectFault({ dropAfterBytes: 5000 });
    cli.sandbox.injectFault(fault);
    const result = await run(['--retry-delay', '0', pdf]);
    expect(result.code).toBe(0);
    expect(cli.sandbox.sessionCount).toBe(1);
    expect(cli.sandbox.handles).toEqual([expect.objectContaining({ sha256: await sha256OfFile(pdf) })]);
    expect(result.stdout).toBe(`${cli.sandbox.handles[0]!.handle}\n`);
    expect(result.stderr).toMatch(/waiting \d+\.\d s before try 2 of .*document\.pdf/);
    extra(cli.sandbox.requests);
  });

  it('Retry-After is honoured on a session call', async () => {
    cli.sandbox.injectFault({ status: 429, graphCode: 4, retryAfter: '1' });
    const result = await run(['--retry-delay', '0', png]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/waiting 1\.0 s before try 2/);
  });

  it('a persistent 500 gives up with exit 7 after the retries, in one session, naming the tries', async () => {
    cli.sandbox.injectFault({ status: 500, graphCode: 1, times: 10 });
    const result = await run(['--retries', '2', '--retry-delay', '0', png]);
    expect(result.code).toBe(7);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error: gave up after 3 tries');
    expect(cli.sandbox.sessionCount).toBe(1);
    expect(bytePosts(cli.sandbox.requests)).toHaveLength(3);
  });

  it('a refused token is exit 6, tried once, and never printed even with --verbose', async () => {
    const result = await run(['--verbose', png], { WA_TOKEN: 'EAAwrongtoken98765432100000' });
    expect(result.code).toBe(6);
    expect(starts(cli.sandbox.requests)).toHaveLength(1);
    expect(result.stderr).toContain('hint: the access token is invalid or expired');
    expect(result.stderr).not.toContain('EAAwrongtoken98765432100000');
  });
});

describe('settings and refusals before any request', () => {
  it('no app ID: exit 3 naming --app-id and every variable, nothing sent', async () => {
    const result = await run([png], { WA_APP_ID: undefined });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: no app ID\nhint: set WA_APP_ID, WHATSAPP_APP_ID, M4D_APP_ID, pass --app-id, or put "appId" in \.waupload\.json/);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('no token and no app ID are named together', async () => {
    const result = await run([png], { WA_APP_ID: undefined, WA_TOKEN: undefined });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: no access token and no app ID\nhint: set WA_TOKEN and WA_APP_ID, WHATSAPP_APP_ID, M4D_APP_ID/);
  });

  it.each([
    ['--app-id beats WA_APP_ID', ['--app-id', APP_ID], { WA_APP_ID: '1' }],
    ['M4D_APP_ID (the official SDK\'s name)', [], { WA_APP_ID: undefined, M4D_APP_ID: APP_ID }],
    ['WHATSAPP_APP_ID', [], { WA_APP_ID: undefined, WHATSAPP_APP_ID: APP_ID }],
  ])('the app ID from %s', async (_name, args, env) => {
    const result = await run([...args, png], env);
    expect(result.code).toBe(0);
    expect(starts(cli.sandbox.requests)[0]!.path).toBe(`/${DEFAULT_API_VERSION}/${APP_ID}/uploads`);
  });

  it('the config key appId', async () => {
    await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify({ appId: APP_ID }));
    const result = await run([png], { WA_APP_ID: undefined });
    expect(result.code).toBe(0);
    expect(starts(cli.sandbox.requests)[0]!.path).toBe(`/${DEFAULT_API_VERSION}/${APP_ID}/uploads`);
  });

  it.each([
    ['valid/sticker.webp', 'image/webp'],
    ['valid/notes.txt', 'text/plain'],
    ['valid/audio.mp3', 'audio/mpeg'],
    ['valid/video.3gp', 'video/3gpp'],
  ])('%s (%s) is exit 4 before any request', async (fixture, mime) => {
    const result = await run([join(FIXTURES, fixture)]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`error: ${mime} is not a type the Resumable Upload API (handles) takes`);
    expect(result.stderr).toContain('hint: convert it to one of application/pdf, image/jpeg, image/png, video/mp4');
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('--sandbox works with no account at all', async () => {
    const result = await cli.run(['handle', '--sandbox', png], { env: { WA_TOKEN: undefined, WA_PHONE_NUMBER_ID: undefined, WA_BASE_URL: undefined } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^4::[^\n]+\n$/);
    expect(result.stderr).toContain('sandbox: uploading to a local stand-in');
  });

  it.each([
    [['--sandbox', '--base-url', 'http://127.0.0.1:9', png], /^error: --sandbox and --base-url both say where to upload/],
    [['-q', '-v', png], /^error: --quiet and --verbose ask for opposite things/],
  ])('contradicting flags are refused as for uploads: %j', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('--help says what a handle is for and which settings it needs, with no account', async () => {
    const help = await cli.run(['handle', '--help'], { env: { WA_TOKEN: undefined, WA_PHONE_NUMBER_ID: undefined } });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: wa-upload handle/);
    expect(help.stdout).toContain('example.header_handle');
    expect(help.stdout).toContain('--app-id, then WA_APP_ID, WHATSAPP_APP_ID, M4D_APP_ID');
  });

  it('--phone-number-id means nothing here: refused by name, wherever it stands (exit 2, nothing sent)', async () => {
    for (const args of [['handle', '--phone-number-id', '1', png], ['--phone-number-id', '1', 'handle', png]]) {
      const result = await cli.run(args, { env: handleEnv });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: handle does not take --phone-number-id\nhint: --phone-number-id belongs to uploads/);
    }
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('no file, or stdin: exit 2 with a hint', async () => {
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: no file given\nhint: name one or more files: wa-upload handle header\.png/);
    const stdin = await run(['-']);
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toMatch(/^error: handle reads files, not stdin/);
    expect(cli.sandbox.requests).toHaveLength(0);
  });
});
