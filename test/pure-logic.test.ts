// Tables for the pure decisions: media table, settings merge, retry policy, waits, redaction, colour and progress rules.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { proxyAgentsFor } from '../src/proxy.js';
import { isLoopbackHost, mergeSettings, normaliseApiVersion, settingsFromConfigObject, settingsFromEnv, validateBaseUrl } from '../src/config.js';
import { crashReport, type UploadFlags } from '../src/cli.js';
import { usageProblem } from '../src/upload-command.js';
import { ConfigError, redactSecrets, rememberSecret } from '../src/errors.js';
import { formatBytes, maxBytesFor, mediaTypeForExtension, mediaTypeForMime, partFilename } from '../src/media-types.js';
import { colorLevelFor, progressAllowed } from '../src/output.js';
import { backoffDelayMs, classifyFailure, nextWaitMs, parseBusinessUseCaseWaitMs, parseRetryAfterMs, type TryFailure } from '../src/retry-policy.js';

describe('media table', () => {
  it.each([
    ['.jpg', 'image/jpeg', 5_000_000],
    ['.JPEG', 'image/jpeg', 5_000_000],
    ['png', 'image/png', 5_000_000],
    ['.webp', 'image/webp', 500_000],
    ['.aac', 'audio/aac', 16_000_000],
    ['.amr', 'audio/amr', 16_000_000],
    ['.mp3', 'audio/mpeg', 16_000_000],
    ['.m4a', 'audio/mp4', 16_000_000],
    ['.ogg', 'audio/ogg', 16_000_000],
    ['.opus', 'audio/ogg', 16_000_000],
    ['.mp4', 'video/mp4', 16_000_000],
    ['.3gp', 'video/3gpp', 16_000_000],
    ['.pdf', 'application/pdf', 100_000_000],
    ['.txt', 'text/plain', 100_000_000],
    ['.doc', 'application/msword', 100_000_000],
    ['.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 100_000_000],
    ['.pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation', 100_000_000],
  ])('%s → %s, limit %d', (ext, mime, limit) => {
    const type = mediaTypeForExtension(ext);
    expect(type?.mimeType).toBe(mime);
    expect(type?.maxBytes).toBe(limit);
  });

  it.each(['.gif', '.heic', '.wav', '.webm', '.zip', '.mov', ''])('%s is not accepted', (ext) => {
    expect(mediaTypeForExtension(ext)).toBeUndefined();
  });

  it.each([
    ['video/3gp', 'video/3gpp'],
    ['audio/opus', 'audio/ogg'],
    ['audio/ogg; codecs=opus', 'audio/ogg'],
    ['IMAGE/JPEG', 'image/jpeg'],
    ['audio/x-aac', 'audio/aac'],
    ['application/octet-stream', undefined],
  ])('--type %s means %s', (given, expected) => {
    expect(mediaTypeForMime(given)?.mimeType).toBe(expected);
  });

  it.each([
    ['voice.opus', 'audio/ogg', 'voice.ogg'],
    ['voice.OGG', 'audio/ogg', 'voice.OGG'],
    ['photo.jpeg', 'image/jpeg', 'photo.jpeg'],
    ['scan', 'application/pdf', 'scan.pdf'],
    ['image.jpg', 'image/png', 'image.png'],
    ['.hidden', 'text/plain', '.hidden.txt'],
  ])('part filename of %s sent as %s is %s', (name, mime, expected) => {
    expect(partFilename(name, mediaTypeForMime(mime)!)).toBe(expected);
  });

  it('stickers: static 100 KB, animated or unknown 500 KB', () => {
    const webp = mediaTypeForExtension('.webp')!;
    expect(maxBytesFor(webp, { animated: false })).toBe(100_000);
    expect(maxBytesFor(webp, { animated: true })).toBe(500_000);
    expect(maxBytesFor(webp)).toBe(500_000);
  });

  it.each([
    [5_000_000, '5 MB'],
    [100_000, '100 KB'],
    [16_500_000, '16.5 MB'],
    [999, '999 bytes'],
  ])('formatBytes(%d) = %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe('settings', () => {
  const base = { token: 't0ken-abc', phoneNumberId: '123' };
  it('flag > environment > config file > default', () => {
    const config = mergeSettings({
      flags: { phoneNumberId: '1', retries: undefined },
      env: { phoneNumberId: '2', token: 'env-token', apiVersion: 'v25.0' },
      file: { phoneNumberId: '3', token: 'file-token', retries: 5, apiVersion: 'v24.0' },
    });
    expect(config.phoneNumberId).toBe('1');
    expect(config.token).toBe('env-token');
    expect(config.retries).toBe(5);
    expect(config.apiVersion).toBe('v25.0');
    expect(config.concurrency).toBe(4);
    expect(config.baseUrl).toBe('https://graph.facebook.com');
    expect(config.timeoutMs).toBe(60_000);
  });

  it.each([
    [{ phoneNumberId: '123' }, /no access token/],
    [{ token: 'x1234' }, /no phone number ID/],
    [{ ...base, phoneNumberId: '12a' }, /not all digits/],
    [{ ...base, concurrency: 0 }, /concurrency 0 .* from 1 to 64/],
    [{ ...base, retries: 1.5 }, /retries 1.5/],
    [{ ...base, timeout: 0 }, /timeout 0/],
    [{ ...base, token: 'two words' }, /white space/],
    [{ ...base, baseUrl: 'http://10.0.0.5:8080' }, /not loopback/],
    [{ ...base, apiVersion: 'latest' }, /not of the form v26.0/],
  ])('refuses %j', (file, message) => {
    expect(() => mergeSettings({ flags: {}, env: {}, file })).toThrow(ConfigError);
    expect(() => mergeSettings({ flags: {}, env: {}, file })).toThrow(message);
  });

  it.each([
    [{ WA_TOKEN: 'a1', WHATSAPP_TOKEN: 'b2' }, 'a1', 'environment WA_TOKEN'],
    [{ WHATSAPP_ACCESS_TOKEN: 'c3', CLOUD_API_ACCESS_TOKEN: 'd4' }, 'c3', 'environment WHATSAPP_ACCESS_TOKEN'],
    [{ CLOUD_API_ACCESS_TOKEN: 'd4', WA_TOKEN: '  ' }, 'd4', 'environment CLOUD_API_ACCESS_TOKEN'],
  ])('token from environment %j', (env, token, source) => {
    const { settings, sources } = settingsFromEnv(env);
    expect(settings.token).toBe(token);
    expect(sources.token).toBe(source);
  });

  it('config objects: unknown keys warn, numbers as phone IDs are taken, wrong types refused', () => {
    const ok = settingsFromConfigObject({ phoneNumberId: 123, token: 'x', colour: 'red' }, '/p/.waupload.json');
    expect(ok.settings.phoneNumberId).toBe('123');
    expect(ok.warnings).toEqual([expect.stringContaining('unknown key "colour" in /p/.waupload.json')]);
    expect(() => settingsFromConfigObject([], '/p/x.json')).toThrow(/must hold an object/);
    expect(() => settingsFromConfigObject({ timeout: '60' }, '/p/x.json')).toThrow(/"timeout" in \/p\/x.json must be a number/);
  });

  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['[::1]', true],
    ['api.localhost', true],
    ['10.0.0.1', false],
    ['graph.facebook.com', false],
    ['127.0.0.1.nip.io', false],
  ])('loopback %s: %s', (host, expected) => expect(isLoopbackHost(host)).toBe(expected));

  it.each([
    ['https://graph.facebook.com/', 'https://graph.facebook.com'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['https://proxy.example.com/graph/', 'https://proxy.example.com/graph'],
  ])('base URL %s → %s', (given, expected) => expect(validateBaseUrl(given)).toBe(expected));

  it.each(['ftp://x.example', 'not a url', 'https://user:pw@graph.facebook.com', 'http://example.com'])('base URL %s refused', (given) => {
    expect(() => validateBaseUrl(given)).toThrow(ConfigError);
  });

  it.each([
    ['v26.0', 'v26.0'],
    ['26.0', 'v26.0'],
    ['V21.0', 'v21.0'],
  ])('API version %s → %s', (given, expected) => expect(normaliseApiVersion(given)).toBe(expected));
});

describe('retry policy', () => {
  const http = (status: number, code?: number, isTransient?: boolean): TryFailure => ({
    kind: 'http',
    status,
    graph: code === undefined && isTransient === undefined ? undefined : { code, isTransient, httpStatus: status },
    bodySnippet: '',
  });
  it.each([
    ['network reset', { kind: 'network', code: 'ECONNRESET', message: 'reset' } as TryFailure, true, 'temporary'],
    ['timeout', { kind: 'timeout', phase: 'response', message: 't' } as TryFailure, true, 'temporary'],
    ['untrusted TLS certificate', { kind: 'network', code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'x' } as TryFailure, false, 'config'],
    ['TLS name mismatch', { kind: 'network', code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: 'x' } as TryFailure, false, 'config'],
    ['HTTP 500 without Graph JSON', http(500), true, 'temporary'],
    ['HTML 502', http(502), true, 'temporary'],
    ['HTTP 500 code 1', http(500, 1), true, 'temporary'],
    ['HTTP 400 code 4', http(400, 4), true, 'temporary'],
    ['HTTP 400 code 130429', http(400, 130429), true, 'temporary'],
    ['HTTP 400 transient', http(400, 12345, true), true, 'temporary'],
    ['HTTP 500 code 3', http(500, 3), false, 'auth'],
    ['HTTP 401 code 190', http(401, 190), false, 'auth'],
    ['HTTP 403 code 200', http(403, 200), false, 'auth'],
    ['HTTP 403 code 299', http(403, 299), false, 'auth'],
    ['HTTP 401 without JSON', http(401), false, 'auth'],
    ['HTTP 400 code 100', http(400, 100), false, 'api'],
    ['HTTP 500 code 100', http(500, 100), false, 'api'],
    ['HTTP 400 code 131053', http(400, 131053), false, 'api'],
    ['HTTP 503 unknown code', http(503, 4242), true, 'temporary'],
    ['HTTP 307 redirect', { kind: 'http', status: 307, graph: undefined, bodySnippet: '', redirect: 'https://x' } as TryFailure, false, 'api'],
  ])('%s → retryable %s, ends as %s', (_name, failure, retryable, kind) => {
    expect(classifyFailure(failure)).toEqual({ retryable, kind });
  });

  it.each([
    [1, 0.5, 500],
    [2, 0.5, 1000],
    [3, 1, 4000],
    [10, 1, 30000],
    [3, 0, 0],
  ])('backoff try %d with random %d: %d ms (base 1 s, cap 30 s)', (attempt, random, expected) => {
    expect(backoffDelayMs(attempt, 1000, 30_000, () => random)).toBe(expected);
  });

  it.each([
    ['5', 5000],
    ['0.5', 500],
    ['Thu, 26 Nov 2026 12:00:10 GMT', 10_000],
    ['Thu, 26 Nov 2026 11:59:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('Retry-After %s → %s ms', (header, expected) => {
    expect(parseRetryAfterMs(header, Date.parse('Thu, 26 Nov 2026 12:00:00 GMT'))).toBe(expected);
  });

  it.each([
    ['{"123":[{"type":"whatsapp","estimated_time_to_regain_access":3}]}', 180_000],
    ['{"1":[{"estimated_time_to_regain_access":0}],"2":[{"estimated_time_to_regain_access":1}]}', 60_000],
    ['{"1":[{"estimated_time_to_regain_access":0}]}', undefined],
    ['not json', undefined],
    [undefined, undefined],
  ])('X-Business-Use-Case-Usage %s → %s ms', (header, expected) => {
    expect(parseBusinessUseCaseWaitMs(header)).toBe(expected);
  });

  it('a wait the server asks for beats the backoff', () => {
    expect(nextWaitMs({ attempt: 1, baseMs: 1000, retryAfterMs: 7000, random: () => 1 })).toEqual({ waitMs: 7000, reason: 'retry-after' });
    expect(nextWaitMs({ attempt: 1, baseMs: 1000, retryAfterMs: 1000, regainAccessMs: 60_000 })).toEqual({ waitMs: 60_000, reason: 'regain-access' });
    expect(nextWaitMs({ attempt: 2, baseMs: 1000, random: () => 1 })).toEqual({ waitMs: 2000, reason: 'backoff' });
  });
});

describe('redaction, colours and progress', () => {
  it.each([
    ['token EAAsecret123 leaked', ['EAAsecret123'], 'token [REDACTED] leaked'],
    ['Authorization: Bearer abc.def-ghi', [], 'Authorization: Bearer [REDACTED]'],
    ['twice EAAx1 EAAx1', ['EAAx1'], 'twice [REDACTED] [REDACTED]'],
    ['short abc stays', ['abc'], 'short abc stays'],
  ])('redactSecrets(%j)', (text, secrets, expected) => {
    expect(redactSecrets(text, secrets)).toBe(expected);
  });

  const tty = { isTTY: true, getColorDepth: () => 8, columns: 80 };
  it.each([
    [{}, tty, false, 2],
    [{ NO_COLOR: '1' }, tty, false, 0],
    [{}, tty, true, 0],
    [{ FORCE_COLOR: '1' }, { isTTY: false }, false, 1],
    [{ FORCE_COLOR: '0' }, tty, false, 0],
    [{ TERM: 'dumb' }, tty, false, 0],
    [{}, { isTTY: false }, false, 0],
  ])('colour level for env %j, stream %j, --no-color %s: %d', (env, stream, flag, level) => {
    expect(colorLevelFor(env, stream, flag)).toBe(level);
  });

  it.each([
    [{}, tty, false, true],
    [{ CI: 'true' }, tty, false, false],
    [{}, { isTTY: true, columns: 0 }, false, false],
    [{ TERM: 'dumb' }, tty, false, false],
    [{}, tty, true, false],
    [{}, { isTTY: false }, false, false],
  ])('spinner for env %j, stream %j, quiet/json %s: %s', (env, stream, quiet, expected) => {
    expect(progressAllowed(env, stream, quiet)).toBe(expected);
  });
});

describe('crash reports', () => {
  it('print one redacted line and a hint, never the error object (got errors carry the Authorization header)', () => {
    rememberSecret('EAAcrashTOKEN123456');
    const gotLike = Object.assign(new Error('socket exploded while sending EAAcrashTOKEN123456\n    at Request.stack (got)'), {
      options: { headers: { authorization: 'Bearer EAAcrashTOKEN123456' } },
      request: { headers: { authorization: 'Bearer EAAcrashTOKEN123456' } },
    });
    const report = crashReport(gotLike);
    expect(report.exitCode).toBe(1);
    expect(report.text).toBe('error: internal error: socket exploded while sending [REDACTED]\nhint: this is a bug in wa-upload: please report it with --verbose output\n');
  });

  it('keep the exit code and hint of our own errors, redacted', () => {
    const report = crashReport(new ConfigError('token Bearer abc.def.ghi refused', 'set WA_TOKEN'));
    expect(report).toEqual({ text: 'error: token Bearer [REDACTED] refused\nhint: set WA_TOKEN\n', exitCode: 3 });
  });
});

describe('usage problems of the upload command', () => {
  it.each([
    [[], {}, /no file given/],
    [['-', '-'], { type: mediaTypeForExtension('.jpg') }, /named only once/],
    [['-'], { tokenFile: '-' }, /both the token .* and a file/],
    [['a.jpg'], { filename: 'x.jpg' }, /--filename names the part of a stdin upload/],
    [['a.jpg', '-'], { filename: 'x.jpg' }, undefined],
    [['a.jpg'], {}, undefined],
  ] as [string[], UploadFlags, RegExp | undefined][])('%j with %j', (files, flags, message) => {
    const problem = usageProblem(files, flags);
    if (message) expect(problem?.message).toMatch(message);
    else expect(problem).toBeUndefined();
    if (message) expect(problem?.exitCode).toBe(2);
  });
});

describe('which requests go through a proxy', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  // Building an agent connects nowhere: these only decide.
  it.each([
    ['https target, proxy anywhere: tunnelled', 'https://graph.facebook.com', { HTTPS_PROXY: 'http://proxy.corp.example:3128' }, 'https'],
    ['http loopback target, loopback proxy: proxied', 'http://127.0.0.1:8089', { HTTP_PROXY: 'http://127.0.0.1:3128' }, 'http'],
    ['http loopback target, proxy elsewhere: never (it would see the token)', 'http://127.0.0.1:8089', { HTTP_PROXY: 'http://proxy.corp.example:3128' }, undefined],
    ['NO_PROXY match: direct', 'https://graph.facebook.com', { HTTPS_PROXY: 'http://proxy.corp.example:3128', NO_PROXY: '.facebook.com' }, undefined],
    ['no proxy variables: direct', 'https://graph.facebook.com', {}, undefined],
  ] as [string, string, Record<string, string>, 'http' | 'https' | undefined][])('%s', async (_name, target, env, expected) => {
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'ALL_PROXY', 'https_proxy', 'http_proxy', 'no_proxy', 'all_proxy']) vi.stubEnv(name, '');
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    const agents = await proxyAgentsFor(target);
    expect(agents ? Object.keys(agents) : undefined).toEqual(expected ? [expected] : undefined);
  });
});
