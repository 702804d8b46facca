// The upload command as users meet it: the built CLI against the sandbox on loopback, every type, output and refusal.

import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readFile, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256OfFile, useCliSandbox } from '../helpers/cli-sandbox.js';
import { runInProcess } from '../helpers/in-process.js';
import { SANDBOX_DEFAULT_TOKEN, startSandbox } from '../../src/sandbox/server.js';
import {
  FIXTURES,
  TEST_PHONE_NUMBER_ID,
  TEST_TOKEN,
  leaksToken,
  runCli,
  sandboxEnv,
} from '../helpers/run-cli.js';

const cli = useCliSandbox({ phoneNumberIds: [TEST_PHONE_NUMBER_ID] }, { inProcess: true });

const sha256 = sha256OfFile;
const run = (args: string[], env: Record<string, string | undefined> = {}, input?: string) => cli.run(args, { env, ...(input !== undefined ? { input } : {}) });

describe('every supported type uploads with the right part type, filename and bytes', () => {
  const table: [fixture: string, mimeType: string, filename: string][] = [
    ['valid/photo.jpg', 'image/jpeg', 'photo.jpg'],
    ['valid/photo.jpeg', 'image/jpeg', 'photo.jpeg'],
    ['valid/image.png', 'image/png', 'image.png'],
    ['valid/sticker.webp', 'image/webp', 'sticker.webp'],
    ['valid/sticker-animated.webp', 'image/webp', 'sticker-animated.webp'],
    ['valid/audio.aac', 'audio/aac', 'audio.aac'],
    ['valid/audio.amr', 'audio/amr', 'audio.amr'],
    ['valid/audio.mp3', 'audio/mpeg', 'audio.mp3'],
    ['valid/audio.m4a', 'audio/mp4', 'audio.m4a'],
    ['valid/voice.ogg', 'audio/ogg', 'voice.ogg'],
    ['valid/voice.opus', 'audio/ogg', 'voice.ogg'],
    ['valid/video.mp4', 'video/mp4', 'video.mp4'],
    ['valid/video.3gp', 'video/3gpp', 'video.3gp'],
    ['valid/document.pdf', 'application/pdf', 'document.pdf'],
    ['valid/notes.txt', 'text/plain', 'notes.txt'],
    ['valid/document.doc', 'application/msword', 'document.doc'],
    ['valid/document.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'document.docx'],
    ['valid/sheet.xls', 'application/vnd.ms-excel', 'sheet.xls'],
    ['valid/sheet.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'sheet.xlsx'],
    ['valid/slides.ppt', 'application/vnd.ms-powerpoint', 'slides.ppt'],
    ['valid/slides.pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation', 'slides.pptx'],
  ];
  it.each(table)('%s goes up as %s named %s', async (fixture, mimeType, filename) => {
    const path = join(FIXTURES, fixture);
    const result = await run([path]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(cli.sandbox.requests).toHaveLength(1);
    const request = cli.sandbox.requests[0]!;
    expect(result.stdout).toBe(`${(request.responseBody as { id: string }).id}\n`);
    expect(result.stdout).toMatch(/^\d+\n$/);
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/v27.0/${TEST_PHONE_NUMBER_ID}/media`);
    expect(request.bearerToken).toBe(TEST_TOKEN);
    expect(request.fields).toEqual({ messaging_product: 'whatsapp', type: mimeType });
    expect(request.file?.fieldName).toBe('file');
    expect(request.file?.contentType).toBe(mimeType);
    expect(request.file?.filename).toBe(filename);
    expect(request.file?.sha256).toBe(await sha256(path));
  });

  it('reads the extension in any case', async () => {
    const path = join(cli.dirs.cwd, 'HOLIDAY.JPG');
    await copyFile(join(FIXTURES, 'valid/photo.jpg'), path);
    const result = await run([path]);
    expect(result.code).toBe(0);
    expect(cli.sandbox.requests[0]?.file?.contentType).toBe('image/jpeg');
    expect(cli.sandbox.requests[0]?.file?.filename).toBe('HOLIDAY.JPG');
  });

  it('--type overrides the detected type and keeps the part filename true to it', async () => {
    const path = join(cli.dirs.cwd, 'scan');
    await copyFile(join(FIXTURES, 'valid/document.pdf'), path);
    const result = await run(['--type', 'application/pdf', path]);
    expect(result.code).toBe(0);
    expect(cli.sandbox.requests[0]?.fields.type).toBe('application/pdf');
    expect(cli.sandbox.requests[0]?.file?.contentType).toBe('application/pdf');
    expect(cli.sandbox.requests[0]?.file?.filename).toBe('scan.pdf');
  });

  it('--type video/3gp is read as video/3gpp, the type the server accepts', async () => {
    const result = await run(['--type', 'video/3gp', join(FIXTURES, 'valid/video.3gp')]);
    expect(result.code).toBe(0);
    expect(cli.sandbox.requests[0]?.file?.contentType).toBe('video/3gpp');
  });

  it('--type with a type WhatsApp does not take is a usage error listing the accepted ones', async () => {
    const result = await run(['--type', 'image/gif', join(FIXTURES, 'valid/photo.jpg')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('image/gif');
    expect(result.stderr).toContain('video/3gpp');
    expect(cli.sandbox.requests).toHaveLength(0);
  });
});

describe('settings: flag > environment > config file > default, each seen by the server', () => {
  const photo = join(FIXTURES, 'valid/photo.jpg');
  const other = '106540352242923';
  const third = '106540352242924';

  beforeAll(async () => {
    await cli.restart({ phoneNumberIds: [TEST_PHONE_NUMBER_ID, other, third] });
  });

  it('phone number ID: config file, then environment, then flag', async () => {
    await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify({ phoneNumberId: third }));
    const env = { WA_PHONE_NUMBER_ID: undefined };
    expect((await run([photo], env)).code).toBe(0);
    expect((await run([photo], { WA_PHONE_NUMBER_ID: other })).code).toBe(0);
    expect((await run(['--phone-number-id', TEST_PHONE_NUMBER_ID, photo], { WA_PHONE_NUMBER_ID: other })).code).toBe(0);
    expect(cli.sandbox.requests.map((r) => r.path)).toEqual([
      `/v27.0/${third}/media`,
      `/v27.0/${other}/media`,
      `/v27.0/${TEST_PHONE_NUMBER_ID}/media`,
    ]);
  });

  it('API version: default v27.0, then config file, then environment, then flag', async () => {
    expect((await run([photo])).code).toBe(0);
    await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify({ apiVersion: 'v24.0' }));
    expect((await run([photo])).code).toBe(0);
    expect((await run([photo], { CLOUD_API_VERSION: 'v25.0' })).code).toBe(0);
    expect((await run(['--api-version', '23.0', photo], { WA_API_VERSION: 'v25.0' })).code).toBe(0);
    expect(cli.sandbox.requests.map((r) => r.path.split('/')[1])).toEqual(['v27.0', 'v24.0', 'v25.0', 'v23.0']);
  });

  it('token: config file, then environment (every SDK name), then --token-file, then stdin', async () => {
    const tokens = ['tok-config-1111', 'tok-env-a-2222', 'tok-env-b-3333', 'tok-env-c-4444', 'tok-file-5555', 'tok-stdin-6666'];
    const open = await startSandbox();
    try {
      const base = { WA_TOKEN: undefined, WA_BASE_URL: open.url };
      await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify({ token: tokens[0] }), { mode: 0o600 });
      await run([photo], base);
      await run([photo], { ...base, WHATSAPP_TOKEN: tokens[1] });
      await run([photo], { ...base, WHATSAPP_ACCESS_TOKEN: tokens[2] });
      await run([photo], { ...base, CLOUD_API_ACCESS_TOKEN: tokens[3], WHATSAPP_ACCESS_TOKEN: undefined });
      const tokenFile = join(cli.dirs.cwd, 'token.txt');
      await writeFile(tokenFile, `${tokens[4]}\n`, { mode: 0o600 });
      await run(['--token-file', tokenFile, photo], { ...base, WHATSAPP_TOKEN: tokens[1] });
      const viaStdin = await run(['--token-file', '-', photo], { ...base, WHATSAPP_TOKEN: tokens[1] }, `${tokens[5]}\n`);
      expect(viaStdin.code).toBe(0);
      expect(open.requests.map((r) => r.bearerToken)).toEqual(tokens);
    } finally {
      await open.close();
    }
  });

  it('base URL: config file, then environment, then flag', async () => {
    await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify({ baseUrl: cli.sandbox.url }));
    expect((await run([photo], { WA_BASE_URL: undefined })).code).toBe(0);
    // The environment beats the file: a closed port fails (exit 7) and the sandbox sees nothing new.
    const refused = await run(['--retries', '0', photo], { WA_BASE_URL: 'http://127.0.0.1:9' });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain('connection refused');
    expect((await run(['--base-url', cli.sandbox.url, photo], { WA_BASE_URL: 'http://127.0.0.1:9' })).code).toBe(0);
    expect(cli.sandbox.requests).toHaveLength(2);
  });

  it('finds the config file upward from the working folder, in package.json and in .wauploadrc.yaml', async () => {
    const nested = join(cli.dirs.cwd, 'a', 'b');
    await mkdir(nested, { recursive: true });
    // Outside the home folder the search climbs only to the project root: the working folder is one (a .git in it).
    await mkdir(join(cli.dirs.cwd, '.git'));
    await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify({ phoneNumberId: other }));
    const env = { HOME: cli.dirs.home, ...sandboxEnv(cli.sandbox.url), WA_PHONE_NUMBER_ID: undefined };
    expect((await runInProcess([photo], { cwd: nested, env })).code).toBe(0);
    await writeFile(join(nested, 'package.json'), JSON.stringify({ name: 'x', waupload: { phoneNumberId: third } }));
    expect((await runInProcess([photo], { cwd: nested, env })).code).toBe(0);
    await writeFile(join(cli.dirs.cwd, 'a', '.wauploadrc.yaml'), `phoneNumberId: "${TEST_PHONE_NUMBER_ID}"\n`);
    expect((await runInProcess([photo], { cwd: join(cli.dirs.cwd, 'a'), env })).code).toBe(0);
    expect(cli.sandbox.requests.map((r) => r.path.split('/')[2])).toEqual([other, third, TEST_PHONE_NUMBER_ID]);
  });

  it("falls back to the user's config folder (~/.config/waupload/config.json)", async () => {
    await mkdir(join(cli.dirs.home, '.config', 'waupload'), { recursive: true });
    await writeFile(join(cli.dirs.home, '.config', 'waupload', 'config.json'), JSON.stringify({ phoneNumberId: other }));
    expect((await run([photo], { WA_PHONE_NUMBER_ID: undefined })).code).toBe(0);
    expect(cli.sandbox.requests[0]?.path).toBe(`/v27.0/${other}/media`);
  });

  it('--config names the file to use', async () => {
    const file = join(cli.dirs.home, 'elsewhere.json');
    await writeFile(file, JSON.stringify({ phoneNumberId: other }));
    expect((await run(['--config', file, photo], { WA_PHONE_NUMBER_ID: undefined })).code).toBe(0);
    expect(cli.sandbox.requests[0]?.path).toBe(`/v27.0/${other}/media`);
  });

  it('warns about an unknown config key, naming it, and still uploads', async () => {
    await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify({ phoneNumberID: other }));
    const result = await run([photo]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: unknown key "phoneNumberID" in .*\.waupload\.json/);
  });

  it('warns when a config file holding the token can be read by other users', async () => {
    const file = join(cli.dirs.cwd, '.waupload.json');
    await writeFile(file, JSON.stringify({ token: TEST_TOKEN }), { mode: 0o644 });
    const result = await run([photo], { WA_TOKEN: undefined });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`warning: config file ${file} holds the access token and can be read by other users`);
    expect(leaksToken(result)).toBe(false);
  });

  it('warns when a token file can be read by other users', async () => {
    const tokenFile = join(cli.dirs.cwd, 'token.txt');
    await writeFile(tokenFile, TEST_TOKEN, { mode: 0o644 });
    const result = await run(['--token-file', tokenFile, photo], { WA_TOKEN: undefined });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`warning: token file ${tokenFile} can be read by other users`);
    expect(leaksToken(result)).toBe(false);
  });
});

describe('configuration refusals: exit 3 before any request', () => {
  const photo = join(FIXTURES, 'valid/photo.jpg');
  const table: [name: string, args: string[], env: Record<string, string | undefined>, setup: ((cwd: string) => Promise<void>) | undefined, message: RegExp][] = [
    ['no token', [photo], { WA_TOKEN: undefined }, undefined, /error: no access token[\s\S]*hint: set WA_TOKEN/],
    ['no phone number ID', [photo], { WA_PHONE_NUMBER_ID: undefined }, undefined, /error: no phone number ID[\s\S]*WA_PHONE_NUMBER_ID/],
    ['a phone number ID that is not all digits', [photo], { WA_PHONE_NUMBER_ID: '+1 555 0100' }, undefined, /phone number ID "\+1 555 0100" from environment WA_PHONE_NUMBER_ID is not all digits/],
    ['plain http to a host that is not loopback', [photo], { WA_BASE_URL: 'http://graph.example.com' }, undefined, /plain http to a host that is not loopback[\s\S]*hint: use https/],
    ['a malformed config file', [photo], {}, async (cwd) => writeFile(join(cwd, '.waupload.json'), '{"phoneNumberId": '), /config file .*\.waupload\.json is not valid JSON: line 1, column 19: Unexpected end of JSON input/],
    ['a config file with a wrong value type', [photo], {}, async (cwd) => writeFile(join(cwd, '.waupload.json'), '{"retries": "three"}'), /"retries" in .*\.waupload\.json must be a number/],
    ['--config naming a missing file', ['--config', 'nope.json', photo], {}, undefined, /config file nope.json does not exist/],
    ['a missing token file', ['--token-file', 'missing-token', photo], {}, undefined, /token file missing-token does not exist/],
    ['a malformed API version', [photo], { WA_API_VERSION: 'latest' }, undefined, /API version "latest" from environment WA_API_VERSION/],
  ];
  it.each(table)('%s', async (_name, args, env, setup, message) => {
    await setup?.(cli.dirs.cwd);
    const result = await run(args, env);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    expect(cli.sandbox.requests).toHaveLength(0);
  });
});

describe('input refusals: exit 4 naming the file, before any request', () => {
  const table: [name: string, make: (cwd: string) => Promise<string>, message: RegExp][] = [
    ['a missing file', async (cwd) => join(cwd, 'gone.png'), /error: no such file \(.*gone\.png\)/],
    ['a folder', async (cwd) => { await mkdir(join(cwd, 'album.jpg')); return join(cwd, 'album.jpg'); }, /is a folder, not a file/],
    ['an empty file', async (cwd) => { await writeFile(join(cwd, 'empty.pdf'), ''); return join(cwd, 'empty.pdf'); }, /is empty \(0 bytes\)/],
    ['a type WhatsApp does not take', async (cwd) => { await writeFile(join(cwd, 'anim.gif'), 'GIF89a'); return join(cwd, 'anim.gif'); }, /\.gif files \(image\/gif\) are not a type WhatsApp accepts[\s\S]*hint: convert it to one of .*\.jpg .*\.3gp/],
    ['a file with no extension', async (cwd) => { await writeFile(join(cwd, 'README'), 'hi'); return join(cwd, 'README'); }, /has no extension[\s\S]*--type/],
    ['an image over 5 MB', async (cwd) => { const p = join(cwd, 'huge.png'); await copyFile(join(FIXTURES, 'valid/image.png'), p); await truncate(p, 5_000_001); return p; }, /over the 5 MB limit for images/],
    ['a video over 16 MB', async (cwd) => { const p = join(cwd, 'long.mp4'); await copyFile(join(FIXTURES, 'valid/video.mp4'), p); await truncate(p, 16_000_001); return p; }, /over the 16 MB limit for videos/],
    ['a dangling symlink', async (cwd) => { const p = join(cwd, 'link.jpg'); await symlink(join(cwd, 'nowhere.jpg'), p); return p; }, /no such file/],
  ];
  it.each(table)('%s', async (_name, make, message) => {
    const path = await make(cli.dirs.cwd);
    const result = await run([path]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain(path);
    expect(result.stdout).toBe('');
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('a batch with one missing file uploads the others, reports in input order and exits 4', async () => {
    const a = join(FIXTURES, 'valid/photo.jpg');
    const b = join(FIXTURES, 'valid/document.pdf');
    const result = await run([a, 'missing.jpg', b]);
    expect(result.code).toBe(4);
    expect(cli.sandbox.requests).toHaveLength(2);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\d+\\t${a}$`));
    expect(lines[1]).toMatch(new RegExp(`^\\d+\\t${b}$`));
    const ids = cli.sandbox.requests.map((r) => (r.responseBody as { id: string }).id).sort();
    expect(lines.map((l) => l.split('\t')[0]).sort()).toEqual(ids);
    expect(result.stderr).toContain('error: no such file (missing.jpg)');
  });
});

describe('output formats', () => {
  const photo = join(FIXTURES, 'valid/photo.jpg');
  const pdf = join(FIXTURES, 'valid/document.pdf');

  it('--json prints one object per file, successes and failures, in input order', async () => {
    const result = await run(['--json', photo, 'gone.png', pdf]);
    expect(result.code).toBe(4);
    const lines = result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    const byPath = new Map(cli.sandbox.requests.map((r) => [r.file?.sha256, (r.responseBody as { id: string }).id]));
    expect(lines[0]).toEqual({
      file: photo,
      id: byPath.get(await sha256(photo)),
      filename: 'photo.jpg',
      mimeType: 'image/jpeg',
      category: 'image',
      bytes: (await readFile(photo)).length,
      sha256: await sha256(photo),
      warnings: [],
    });
    expect(lines[1]).toEqual({ file: 'gone.png', error: { kind: 'input', message: 'no such file', exitCode: 4, hint: 'check the path' } });
    expect(lines[2]).toMatchObject({ file: pdf, mimeType: 'application/pdf', category: 'document', id: byPath.get(await sha256(pdf)) });
  });

  it('--json carries the Graph details of an API failure', async () => {
    const result = await run(['--json', '--phone-number-id', '999', photo]);
    expect(result.code).toBe(5);
    const line = JSON.parse(result.stdout) as { error: { kind: string; exitCode: number; graph: { code: number; subcode: number; fbtraceId: string } } };
    expect(line.error.kind).toBe('api');
    expect(line.error.exitCode).toBe(5);
    expect(line.error.graph.code).toBe(100);
    expect(line.error.graph.subcode).toBe(33);
    expect(line.error.graph.fbtraceId).toMatch(/^A/);
  });

  it('--quiet leaves stderr empty on success', async () => {
    const result = await run(['--quiet', photo]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^\d+\n$/);
  });

  it('--dry-run checks every file, says what it would send, and sends nothing', async () => {
    const ok = await run(['--dry-run', photo, pdf]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain(`would upload ${photo} as image/jpeg`);
    expect(ok.stderr).toContain(`would upload ${pdf} as application/pdf`);
    const bad = await run(['--dry-run', '--json', photo, 'gone.png']);
    expect(bad.code).toBe(4);
    const lines = bad.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ file: photo, dryRun: true, mimeType: 'image/jpeg' });
    expect(lines[1]).toMatchObject({ file: 'gone.png', error: { kind: 'input' } });
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('--verbose shows the requests with the token redacted', async () => {
    const result = await run(['--verbose', photo]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`POST ${cli.sandbox.url}/v27.0/${TEST_PHONE_NUMBER_ID}/media`);
    expect(result.stderr).toContain('Bearer [REDACTED]');
    expect(result.stderr).toContain('HTTP 200');
    expect(leaksToken(result)).toBe(false);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(FIXTURES, '..', 'package.json'), 'utf8')) as { version: string };
    const result = await run(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${pkg.version}\n`);
  });

  it('--help lists the environment variables and the exit codes', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const text of ['WA_TOKEN', 'WHATSAPP_ACCESS_TOKEN', 'WA_PHONE_NUMBER_ID', 'WA_BASE_URL', '--concurrency', '--dry-run', 'Exit codes', '7  temporary failure']) {
      expect(result.stdout).toContain(text);
    }
  });

  it.each([
    [['--frobnicate', 'x.jpg'], /^error: unknown option --frobnicate\nhint: run wa-upload --help/],
    [[], /no file given/],
    [['--concurrency', 'lots', 'x.jpg'], /^error: lots is not a valid value for --concurrency: expected a whole number from 1 to 64\n/],
    [['--timeout', '0', 'x.jpg'], /above 0/],
  ])('usage errors exit 2: %j', async (args, message) => {
    const result = await run(args as string[]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('colours stderr only when asked, and never with NO_COLOR', async () => {
    const forced = await run(['gone.png'], { FORCE_COLOR: '1' });
    expect(forced.stderr).toContain('\u001b[');
    const plain = await run(['gone.png'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(plain.stderr).not.toContain('\u001b[');
    const flag = await run(['--no-color', 'gone.png'], { FORCE_COLOR: '1' });
    expect(flag.stderr).not.toContain('\u001b[');
    expect(plain.stderr).toContain('error: no such file (gone.png)');
  });
});

describe('Graph errors map to exit codes with the server message and a hint', () => {
  const photo = join(FIXTURES, 'valid/photo.jpg');

  it('an invalid token: exit 6, "invalid or expired"', async () => {
    const result = await run([photo], { WA_TOKEN: 'EAAwrongtoken987654321' });
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('Invalid OAuth access token');
    expect(result.stderr).toContain('hint: the access token is invalid or expired');
    expect(result.stderr).not.toContain('EAAwrongtoken987654321');
    expect(cli.sandbox.requests).toHaveLength(1);
  });

  it('a permission error (code 200, HTTP 403): exit 6', async () => {
    cli.sandbox.injectFault({ status: 403, graphCode: 200, message: '(#200) Permissions error' });
    const result = await run([photo]);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('(#200) Permissions error');
    expect(result.stderr).toContain('whatsapp_business_messaging');
  });

  it('a phone number ID the server does not know (code 100/33): exit 5, "is it the phone number ID?"', async () => {
    const result = await run(['--phone-number-id', '123456', photo]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("Object with ID '123456' does not exist");
    expect(result.stderr).toContain('hint: is 123456 the phone number ID? (not the WhatsApp Business Account ID or the phone number)');
    expect(cli.sandbox.requests).toHaveLength(1);
  });

  it('a media error (code 131053): exit 5 with the details, tried once', async () => {
    cli.sandbox.injectFault({ status: 400, graphCode: 131053, message: 'Media upload error', details: 'Unsupported audio codec', times: 5 });
    const result = await run([photo]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('Unsupported audio codec');
    expect(cli.sandbox.requests).toHaveLength(1);
  });

  it('a server error that persists: exit 7 after the retries', async () => {
    cli.sandbox.injectFault({ status: 500, graphCode: 2, message: 'Service temporarily unavailable', times: 10 });
    const result = await run(['--retries', '1', '--retry-delay', '0', photo]);
    expect(result.code).toBe(7);
    expect(result.stderr).toContain('gave up after 2 tries');
    expect(result.stderr).toContain('Service temporarily unavailable');
    expect(cli.sandbox.requests).toHaveLength(2);
  });
});

describe('the built-in sandbox', () => {
  it('--sandbox uploads with no token, phone number ID or account', async () => {
    const result = await runInProcess(['--sandbox', join(FIXTURES, 'valid/photo.jpg')], { cwd: cli.dirs.cwd, env: { HOME: cli.dirs.home } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\n$/);
    expect(result.stderr).toMatch(/sandbox: uploading to a local stand-in of the media API at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('--sandbox --dry-run starts nothing and keeps file names whole (no fixed token word to redact)', async () => {
    const path = join(cli.dirs.cwd, 'sandbox-token.jpg');
    await copyFile(join(FIXTURES, 'valid/photo.jpg'), path);
    const result = await runInProcess(['--sandbox', '--dry-run', path], { cwd: cli.dirs.cwd, env: { HOME: cli.dirs.home } });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`would upload ${path} as image/jpeg (image, 11.5 KB, filename sandbox-token.jpg)\n`);
    expect(result.stdout).toBe('');
  });

  it('`wa-upload sandbox` runs alone and prints the settings that point wa-upload at it', async () => {
    let child: import('node:child_process').ChildProcess | undefined;
    let announced: (url: string) => void = () => {};
    const url = new Promise<string>((resolve) => (announced = resolve));
    const server = runCli(['sandbox', '--port', '0'], {
      cwd: cli.dirs.cwd,
      env: { HOME: cli.dirs.home },
      onSpawn: (c) => {
        child = c;
        let out = '';
        c.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /WA_BASE_URL=(\S+)/.exec(out);
          if (match) announced(match[1]!);
        });
      },
    });
    const base = await url;
    const upload = await runInProcess([join(FIXTURES, 'valid/document.pdf')], {
      cwd: cli.dirs.cwd,
      env: { HOME: cli.dirs.home, WA_BASE_URL: base, WA_TOKEN: 'sandbox', WA_PHONE_NUMBER_ID: '100000000000001' },
    });
    expect(upload.code).toBe(0);
    expect(upload.stdout).toMatch(/^\d+\n$/);
    // The README's sandbox flow with the token it printed: no "too short" warning on the way.
    const printed = await runInProcess([join(FIXTURES, 'valid/photo.jpg')], {
      cwd: cli.dirs.cwd,
      env: { HOME: cli.dirs.home, WA_BASE_URL: base, WA_TOKEN: SANDBOX_DEFAULT_TOKEN, WA_PHONE_NUMBER_ID: '100000000000001' },
    });
    expect(printed.code).toBe(0);
    expect(printed.stderr).toBe('');
    child?.kill('SIGINT');
    const stopped = await server;
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain('export WA_PHONE_NUMBER_ID=100000000000001\n');
    expect(stopped.stdout).toContain('export WA_APP_ID=100000000000002\n');
    // Ready to source: a shell that reads the lines gets the settings.
    const sourced = spawnSync('sh', ['-c', 'eval "$LINES"; printf %s "$WA_BASE_URL $WA_TOKEN $WA_PHONE_NUMBER_ID"'], { env: { PATH: process.env.PATH, LINES: stopped.stdout }, encoding: 'utf8' });
    expect(sourced.stdout).toBe(`${base} ${SANDBOX_DEFAULT_TOKEN} 100000000000001`);
    // The pinned API version and webhook media are named for people testing their own pipelines.
    expect(stopped.stderr).toContain('wa-upload sends v27.0, its pinned default');
    expect(stopped.stderr).toContain(`curl -X POST ${base}/_sandbox/webhook-media`);
  });
});
