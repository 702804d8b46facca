// The programmatic API as a front of its own: errors in its words, aborts as aborts, the CLI's checks before any request.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import {
  AbortError,
  ConfigError,
  InputError,
  InterruptedError,
  TemporaryError,
  UsageError,
  WaUploadError,
  createHandle,
  deleteMedia,
  downloadMedia,
  getMediaInfo,
  uploadMedia,
  type GraphEvent,
} from '../../src/index.js';
import { FIXTURES, TEST_TOKEN } from '../helpers/run-cli.js';

let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ token: TEST_TOKEN });
});
afterAll(async () => {
  await sandbox?.close();
});
beforeEach(async () => {
  sandbox.reset();
  dir = await mkdtemp(join(tmpdir(), 'wa-api-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Options that read neither the environment nor a config file: only what the test passes. */
function options<T extends object>(extra: T = {} as T) {
  return { token: TEST_TOKEN, phoneNumberId: '100000000000001', baseUrl: sandbox.url, configFile: false as const, env: {}, retryDelay: 0, ...extra };
}

/** What a call rejected with (the test fails if it resolved). */
async function rejection(call: Promise<unknown>): Promise<WaUploadError> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(WaUploadError);
  return outcome as WaUploadError;
}

/** A command-line flag (`--base-url`, `--strict`, `-o PATH`) or the CLI's words for where a setting came from. */
const CLI_WORDS = /(^|[\s(])--?[a-z]|command line|--sandbox/;

describe('errors name the API options, not command-line flags', () => {
  it('a phone number ID that is not digits: "from option phoneNumberId", nothing sent', async () => {
    const error = await rejection(uploadMedia(join(FIXTURES, 'valid/photo.jpg'), options({ phoneNumberId: 'abc' })));
    expect(error).toBeInstanceOf(ConfigError);
    expect([error.kind, error.exitCode]).toEqual(['config', 3]);
    expect(error.message).toBe('phone number ID "abc" from option phoneNumberId is not all digits');
    expect(`${error.message} ${error.hint}`).not.toMatch(CLI_WORDS);
    expect(sandbox.requests).toHaveLength(0);
  });

  it('no token and no phone number ID: the hint names the token and phoneNumberId options and no flag', async () => {
    const error = await rejection(uploadMedia(join(FIXTURES, 'valid/photo.jpg'), { configFile: false, env: {} }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('no access token and no phone number ID');
    expect(error.hint).toContain('pass the token and phoneNumberId options');
    expect(error.hint).toContain('WA_TOKEN and WA_PHONE_NUMBER_ID');
    // The config file is not read (configFile: false), so the hint does not send the user to one.
    expect(error.hint).not.toContain('.waupload.json');
    expect(error.hint).not.toMatch(CLI_WORDS);
  });

  it('a token found, the phone number ID missing; and createHandle without an app ID', async () => {
    const upload = await rejection(uploadMedia(join(FIXTURES, 'valid/photo.jpg'), { token: TEST_TOKEN, env: {}, cwd: dir }));
    expect(upload.message).toBe('no phone number ID');
    expect(upload.hint).toMatch(/^pass the phoneNumberId option, set WA_PHONE_NUMBER_ID \(or WHATSAPP_PHONE_NUMBER_ID\) in the environment or put "phoneNumberId" in \.waupload\.json/);
    const handle = await rejection(createHandle(join(FIXTURES, 'valid/image.png'), { token: TEST_TOKEN, configFile: false, env: {} }));
    expect(handle.message).toBe('no app ID');
    expect(handle.hint).toContain('pass the appId option');
    for (const error of [upload, handle]) expect(`${error.message} ${error.hint}`).not.toMatch(CLI_WORDS);
    expect(sandbox.requests).toHaveLength(0);
  });

  it('a setting from the environment is still named as the environment variable it came from', async () => {
    const error = await rejection(getMediaInfo('123', { configFile: false, env: { WA_TOKEN: TEST_TOKEN, WA_BASE_URL: 'http://example.com' } }));
    expect(error.message).toBe('base URL http://example.com from environment WA_BASE_URL is plain http to a host that is not loopback');
  });

  it('retries and baseUrl out of bounds: "from option retries", "from option baseUrl"', async () => {
    const retries = await rejection(getMediaInfo('123', options({ retries: 99 })));
    expect(retries.message).toBe('retries 99 from option retries must be a whole number from 0 to 20');
    const baseUrl = await rejection(getMediaInfo('123', options({ baseUrl: 'http://example.com' })));
    expect(baseUrl.message).toBe('base URL http://example.com from option baseUrl is plain http to a host that is not loopback');
    expect(sandbox.requests).toHaveLength(0);
  });

  it('a server asking to wait longer than maxRetryWait: the hint says to raise the maxRetryWait option', async () => {
    sandbox.injectFault({ status: 429, graphCode: 4, retryAfter: '600' });
    const error = await rejection(uploadMedia(join(FIXTURES, 'valid/photo.jpg'), options({ maxRetryWait: 1 })));
    expect(error).toBeInstanceOf(TemporaryError);
    expect(error.hint).toBe('retry later, or raise the maxRetryWait option');
    expect(sandbox.requests).toHaveLength(1);
  });

  it('a redirect: the hint points the baseUrl option at the final address', async () => {
    sandbox.injectFault({ redirectTo: 'https://elsewhere.example/media', match: 'any' });
    const error = await rejection(getMediaInfo('123', options()));
    expect(error.hint).toBe('point the baseUrl option at the final address');
  });

  it('strict: "refused under the strict option", "drop the strict option"; a file without extension: "pass the type option"', async () => {
    const strict = await rejection(uploadMedia(join(FIXTURES, 'problem/vorbis.ogg'), options({ strict: true })));
    expect(strict).toBeInstanceOf(InputError);
    expect(strict.message).toContain('refused under the strict option: ');
    expect(strict.hint).toBe('drop the strict option to send anyway, or pass the fix option and wa-upload converts it to mono Opus in Ogg');
    const bare = join(dir, 'photo');
    await writeFile(bare, await readFile(join(FIXTURES, 'valid/photo.jpg')));
    const noExtension = await rejection(uploadMedia(bare, options()));
    expect(noExtension.hint).toMatch(/^rename it or pass the type option \(WhatsApp takes /);
    for (const error of [strict, noExtension]) expect(`${error.message} ${error.hint}`).not.toMatch(CLI_WORDS);
    expect(sandbox.requests).toHaveLength(0);
  });

  it('an unknown type option names the option', async () => {
    const error = await rejection(uploadMedia(join(FIXTURES, 'valid/photo.jpg'), options({ type: 'image/heic' })));
    expect(error.message).toBe('WhatsApp does not accept image/heic (the type option)');
    expect(sandbox.requests).toHaveLength(0);
  });
});

describe('an AbortSignal abort is reported as an abort', () => {
  it('a signal aborted before the call: AbortError (reason "aborted", an InterruptedError), nothing read or sent', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(uploadMedia(join(FIXTURES, 'valid/photo.jpg'), options({ signal: controller.signal })));
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toBeInstanceOf(InterruptedError);
    expect([error.name, (error as AbortError).reason, error.kind, error.exitCode]).toEqual(['AbortError', 'aborted', 'interrupted', 130]);
    expect(error.message).toBe('aborted before the upload finished');
    expect(sandbox.requests).toHaveLength(0);
  });

  it('aborted while the server holds the answer: AbortError naming the request, the signal\'s reason as its cause, no SIGINT', async () => {
    sandbox.injectFault({ hang: true, match: 'any' });
    const controller = new AbortController();
    const call = rejection(getMediaInfo('123', options({ signal: controller.signal })));
    await sandbox.waitForRequests(1);
    const reason = new Error('the caller gave up');
    controller.abort(reason);
    const error = await call;
    expect(error.name).toBe('AbortError');
    expect(error.message).toBe('aborted before the request finished');
    expect(error.cause).toBe(reason);
    expect(`${error.message} ${error.hint}`).not.toMatch(/SIG(INT|TERM)/);
  });

  it('aborted during a retry wait (the server asked for 600 s): AbortError, the one request made', async () => {
    sandbox.injectFault({ status: 429, graphCode: 4, retryAfter: '600' });
    const controller = new AbortController();
    const onEvent = (event: GraphEvent): void => {
      if (event.type === 'wait') controller.abort();
    };
    const error = await rejection(uploadMedia(join(FIXTURES, 'valid/photo.jpg'), options({ signal: controller.signal, onEvent, maxRetryWait: 1000 })));
    expect([error.name, (error as AbortError).reason]).toEqual(['AbortError', 'aborted']);
    expect(error.message).toMatch(/^aborted (before the upload finished|after the file was sent)/);
    expect(sandbox.requests).toHaveLength(1);
  });

  it('a download aborted mid-way names the download', async () => {
    const uploaded = await uploadMedia(join(FIXTURES, 'valid/document.pdf'), options());
    sandbox.injectFault({ hang: true, match: 'any' });
    const controller = new AbortController();
    const call = rejection(downloadMedia(uploaded.id, join(dir, 'copy.pdf'), options({ signal: controller.signal })));
    await sandbox.waitForRequests(2);
    controller.abort();
    const error = await call;
    expect([error.name, error.message]).toEqual(['AbortError', 'aborted before the download finished']);
  });
});

describe('the CLI\'s checks run before any request', () => {
  it.each([
    ['getMediaInfo("abc")', () => getMediaInfo('abc', options()), 'mediaId "abc" is not a media ID (1 to 40 digits)'],
    ['deleteMedia("")', () => deleteMedia('', options()), 'mediaId is empty'],
    ['downloadMedia("12x")', () => downloadMedia('12x', join(dir, 'out.jpg'), options()), 'mediaId "12x" is not a media ID (1 to 40 digits)'],
    ['getMediaInfo(123)', () => getMediaInfo(123 as unknown as string, options()), 'mediaId 123 is not a media ID (1 to 40 digits, as a string)'],
  ])('%s rejects with a UsageError (exit 2), zero requests received', async (_name, call, message) => {
    const error = await rejection(call());
    expect(error).toBeInstanceOf(UsageError);
    expect([error.kind, error.exitCode, error.message]).toEqual(['usage', 2, message]);
    expect(error.hint).toBe('pass the id that uploadMedia resolved with (or that a webhook gave), as a string');
    expect(sandbox.requests).toHaveLength(0);
  });

  it('uploading a missing or an empty file rejects with an InputError naming it, zero requests received', async () => {
    const missing = await rejection(uploadMedia(join(dir, 'missing.jpg'), options()));
    expect([missing.constructor, missing.exitCode, (missing as InputError).file]).toEqual([InputError, 4, join(dir, 'missing.jpg')]);
    await writeFile(join(dir, 'empty.jpg'), '');
    const empty = await rejection(uploadMedia(join(dir, 'empty.jpg'), options()));
    expect(empty.message).toBe(`${join(dir, 'empty.jpg')} is empty (0 bytes)`);
    const handle = await rejection(createHandle(join(dir, 'empty.jpg'), { ...options(), appId: '100000000000002' }));
    expect(handle.message).toBe(`${join(dir, 'empty.jpg')} is empty (0 bytes)`);
    expect(sandbox.requests).toHaveLength(0);
  });

  it('downloading into a folder that does not exist, or onto a folder, rejects before any request', async () => {
    const noFolder = await rejection(downloadMedia('123', join(dir, 'nowhere', 'x.pdf'), options()));
    expect([noFolder.constructor, noFolder.message]).toEqual([InputError, `folder ${join(dir, 'nowhere')} does not exist`]);
    const folder = await rejection(downloadMedia('123', dir, options()));
    expect(folder.message).toBe(`${dir} is a folder`);
    expect(sandbox.requests).toHaveLength(0);
  });
});

describe('downloadMedia keeps an existing file unless overwrite: true', () => {
  it('an existing file: rejected naming the file and the option, its bytes unchanged, no request for the media', async () => {
    const uploaded = await uploadMedia(join(FIXTURES, 'valid/document.pdf'), options());
    const target = join(dir, 'copy.pdf');
    await writeFile(target, 'mine, keep me');
    const error = await rejection(downloadMedia(uploaded.id, target, options()));
    expect(error).toBeInstanceOf(InputError);
    expect([error.exitCode, error.message, error.hint, (error as InputError).file]).toEqual([
      4,
      `${target} already exists`,
      'pass overwrite: true to replace it, or another path',
      target,
    ]);
    expect(await readFile(target, 'utf8')).toBe('mine, keep me');
    expect(sandbox.requests.map((r) => r.method)).toEqual(['POST']);
  });

  it('overwrite: true replaces it with the media\'s bytes', async () => {
    const uploaded = await uploadMedia(join(FIXTURES, 'valid/document.pdf'), options());
    const target = join(dir, 'copy.pdf');
    await writeFile(target, 'old');
    const saved = await downloadMedia(uploaded.id, target, options({ overwrite: true }));
    expect(saved).toEqual({ path: target, mimeType: 'application/pdf', bytes: uploaded.bytes, sha256: uploaded.sha256 });
    expect(await readFile(target)).toEqual(await readFile(join(FIXTURES, 'valid/document.pdf')));
  });

  it('a stream destination gets the bytes and is left open', async () => {
    const uploaded = await uploadMedia(join(FIXTURES, 'valid/photo.jpg'), options());
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const saved = await downloadMedia(uploaded.id, out, options());
    expect(saved).toEqual({ mimeType: 'image/jpeg', bytes: uploaded.bytes, sha256: uploaded.sha256 });
    expect(Buffer.concat(chunks)).toEqual(await readFile(join(FIXTURES, 'valid/photo.jpg')));
    expect(out.writableEnded).toBe(false);
  });
});
