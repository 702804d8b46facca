// Meta's API as it is in late 2026 through the CLI: the pinned version, webhook media, User-Agent, new error codes, TTL.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, REPO_ROOT, TEST_PHONE_NUMBER_ID, TEST_TOKEN, leaksToken } from '../helpers/run-cli.js';
import { FAULT_KEYS } from '../../src/sandbox/faults.js';
import { CONFIG_KEYS, TTL_MINUTES, settingsFromConfigObject } from '../../src/settings/config.js';
import { RETRYABLE_GRAPH_CODES } from '../../src/graph/retry-policy.js';
import { NOT_A_BUSINESS_NUMBER_MESSAGE, type SandboxFault } from '../../src/sandbox/server.js';

const cli = useCliSandbox({ phoneNumberIds: [TEST_PHONE_NUMBER_ID] }, { inProcess: true });
const photo = join(FIXTURES, 'valid/photo.jpg');

describe('API version', () => {
  it('is v27.0 by default, for uploads and lookups alike, and --help says it is pinned', async () => {
    const uploaded = await cli.run([photo]);
    expect(uploaded.code).toBe(0);
    const id = uploaded.stdout.trim();
    expect((await cli.run(['info', id])).code).toBe(0);
    expect(cli.sandbox.requests.map((r) => r.path)).toEqual([`/v27.0/${TEST_PHONE_NUMBER_ID}/media`, `/v27.0/${id}`]);
    const help = await cli.run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('default v27.0, pinned');
    // The commands name the flag and point at that text (described once, in wa-upload --help).
    for (const args of [['info', '--help'], ['download', '--help'], ['delete', '--help']]) {
      const shown = await cli.run(args);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/Inherited flags \(described in wa-upload --help\):\n {2}connection {2}[^\n]*--api-version/);
    }
  });
});

describe('User-Agent', () => {
  it('every request carries wa-upload/<version>: upload, info, the media URL download, delete', async () => {
    const { version } = JSON.parse(await readFile(join(FIXTURES, '..', 'package.json'), 'utf8')) as { version: string };
    const uploaded = await cli.run([photo]);
    expect(uploaded.code).toBe(0);
    const id = uploaded.stdout.trim();
    for (const args of [['info', id], ['download', id, '-o', 'copy.jpg'], ['delete', id]]) expect((await cli.run(args)).code).toBe(0);
    const seen = cli.sandbox.requests.map((r) => `${r.method} ${r.path.startsWith('/sandbox-media/') ? 'media URL' : r.path}`);
    expect(seen).toEqual([
      `POST /v27.0/${TEST_PHONE_NUMBER_ID}/media`,
      `GET /v27.0/${id}`,
      `GET /v27.0/${id}`,
      'GET media URL',
      `DELETE /v27.0/${id}`,
    ]);
    for (const request of cli.sandbox.requests) expect(request.headers['user-agent']).toBe(`wa-upload/${version}`);
  });
});

describe('error codes of 2026', () => {
  const temporary: [name: string, fault: SandboxFault, hint: string][] = [
    ['131057 (maintenance mode) as the sandbox sends it', { graphCode: 131057 }, 'maintenance mode'],
    ['131057 arriving as HTTP 400', { status: 400, graphCode: 131057 }, 'maintenance mode'],
    ['133004 (server temporarily unavailable) as the sandbox sends it', { graphCode: 133004 }, 'temporarily unavailable'],
    ['133004 arriving as HTTP 400', { status: 400, graphCode: 133004 }, 'temporarily unavailable'],
  ];
  it.each(temporary)('%s is retried with backoff and the upload succeeds', async (_name, fault) => {
    cli.sandbox.injectFault(fault);
    const result = await cli.run(['--retry-delay', '0', photo]);
    expect(result.code).toBe(0);
    expect(cli.sandbox.requests.map((r) => r.status)).toEqual([fault.status ?? (fault.graphCode === 133004 ? 503 : 500), 200]);
    expect(result.stdout).toBe(`${(cli.sandbox.requests[1]!.responseBody as { id: string }).id}\n`);
    expect(result.stderr).toMatch(/waiting \d+\.\d s before try 2 of .*photo\.jpg/);
  });

  it.each(temporary)('%s that persists ends in exit 7 after the retries, with a plain hint', async (_name, fault, hint) => {
    cli.sandbox.injectFault({ ...fault, times: 10 });
    const result = await cli.run(['--retries', '2', '--retry-delay', '0', photo]);
    expect(result.code).toBe(7);
    expect(cli.sandbox.requests).toHaveLength(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`error: gave up after 3 tries: (#${fault.graphCode})`);
    expect(result.stderr).toMatch(new RegExp(`hint: .*${hint}.*retry later`));
    expect(leaksToken(result)).toBe(false);
  });

  it('top-level code 33 (the phone number was deleted) is permanent: one try, exit 5, a plain hint', async () => {
    cli.sandbox.injectFault({ graphCode: 33, times: 5 });
    const result = await cli.run(['--retry-delay', '0', photo]);
    expect(result.code).toBe(5);
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(cli.sandbox.requests[0]!.status).toBe(400);
    expect(result.stderr).toContain('(#33) Parameter value is not valid');
    expect(result.stderr).toContain(`hint: the business phone number with ID ${TEST_PHONE_NUMBER_ID} has been deleted`);
    // Even when it arrives as a 5xx.
    cli.sandbox.reset();
    cli.sandbox.injectFault({ status: 500, graphCode: 33, times: 5 });
    const json = await cli.run(['--json', '--retry-delay', '0', photo]);
    expect(json.code).toBe(5);
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { kind: 'api', exitCode: 5, graph: { code: 33 } } });
  });

  it('code 100 "Object with ID ... does not exist" without error_subcode (deprecated) still gets the phone number ID hint', async () => {
    const message = `(#100) Unsupported post request. Object with ID '${TEST_PHONE_NUMBER_ID}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`;
    cli.sandbox.injectFault({ status: 400, graphCode: 100, message });
    const result = await cli.run([photo]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`hint: is ${TEST_PHONE_NUMBER_ID} the phone number ID?`);
  });

  it('and on info, the same text without a subcode says the media ID is unknown', async () => {
    cli.sandbox.injectFault({ status: 400, graphCode: 100, match: 'any', message: "(#100) Unsupported get request. Object with ID '1234567890' does not exist" });
    const result = await cli.run(['info', '1234567890']);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('hint: media ID 1234567890 is unknown');
  });
});

describe('lookups retry at most twice (Meta blocks media lookups for 30 minutes after 20 errors in an hour)', () => {
  it('info with --retries 5 against a persistent 500 makes 3 tries, then exit 7', async () => {
    cli.sandbox.injectFault({ status: 500, graphCode: 1, match: 'any', times: 20 });
    const result = await cli.run(['info', '--verbose', '--retries', '5', '--retry-delay', '0', '1234567890']);
    expect(result.code).toBe(7);
    expect(cli.sandbox.requests).toHaveLength(3);
    expect(result.stderr).toContain('gave up after 3 tries');
    expect(result.stderr).toContain('retries 5 (2 for info and download)');
  });

  it('download: the lookup and the fetch of the media URL make 3 tries each at most', async () => {
    const uploaded = await cli.run([photo]);
    const id = uploaded.stdout.trim();
    cli.sandbox.reset();
    cli.sandbox.injectFault({ status: 500, graphCode: 2, match: 'any', times: 20 });
    const lookup = await cli.run(['download', id, '-o', 'a.jpg', '--retries', '5', '--retry-delay', '0']);
    expect(lookup.code).toBe(7);
    expect(cli.sandbox.requests.map((r) => r.path)).toEqual([`/v27.0/${id}`, `/v27.0/${id}`, `/v27.0/${id}`]);
    cli.sandbox.reset();
    // The lookup passes (a fault that only delays), then the media URL fails every time.
    cli.sandbox.injectFault({ delayMs: 0, match: 'any' });
    cli.sandbox.injectFault({ status: 500, graphCode: 2, match: 'any', times: 20 });
    const fetch = await cli.run(['download', id, '-o', 'b.jpg', '--retries', '5', '--retry-delay', '0']);
    expect(fetch.code).toBe(7);
    const paths = cli.sandbox.requests.map((r) => (r.path.startsWith('/sandbox-media/') ? 'media URL' : r.path));
    expect(paths).toEqual([`/v27.0/${id}`, 'media URL', 'media URL', 'media URL']);
  });

  it('an upload still takes every retry --retries allows', async () => {
    cli.sandbox.injectFault({ status: 500, graphCode: 1, times: 20 });
    const result = await cli.run(['--retries', '4', '--retry-delay', '0', photo]);
    expect(result.code).toBe(7);
    expect(cli.sandbox.requests).toHaveLength(5);
  });
});

describe('wa-upload sandbox --help', () => {
  it('lists every fault property, the temporary codes, 33, and how to inject them', async () => {
    const result = await cli.run(['sandbox', '--help']);
    expect(result.code).toBe(0);
    const faults = result.stdout.slice(result.stdout.indexOf('Faults:'));
    for (const key of FAULT_KEYS) expect(faults).toMatch(new RegExp(`\\b${key}\\b`));
    for (const code of RETRYABLE_GRAPH_CODES) expect(faults).toContain(String(code));
    expect(faults).toContain('33 (phone number deleted)');
    expect(faults).toContain('/_sandbox/faults');
  });
});

describe('No-Storage TTL: --ttl-minutes and ttlMinutes', () => {
  const fieldsSent = (): Record<string, string> => cli.sandbox.requests[0]!.fields;

  it.each([['60'], ['1440'], ['43200']])('--ttl-minutes %s sends the ttl_minutes form field, wherever the option stands', async (minutes) => {
    for (const args of [['--ttl-minutes', minutes, photo], [photo, '--ttl-minutes', minutes]]) {
      cli.sandbox.reset();
      const result = await cli.run(args);
      expect(result.code).toBe(0);
      expect(fieldsSent()).toEqual({ messaging_product: 'whatsapp', type: 'image/jpeg', ttl_minutes: minutes });
      expect(cli.sandbox.requests[0]!.status).toBe(200);
    }
  });

  it('without it no field is sent', async () => {
    expect((await cli.run([photo])).code).toBe(0);
    expect(fieldsSent()).toEqual({ messaging_product: 'whatsapp', type: 'image/jpeg' });
  });

  it('the config key ttlMinutes sends it too, and the flag beats it', async () => {
    await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify({ ttlMinutes: 120 }));
    expect((await cli.run([photo])).code).toBe(0);
    expect((await cli.run(['--ttl-minutes', '90', photo])).code).toBe(0);
    expect(cli.sandbox.requests.map((r) => r.fields.ttl_minutes)).toEqual(['120', '90']);
  });

  it.each([['59'], ['43201'], ['0'], ['-60'], ['1.5'], ['an hour'], ['']])('--ttl-minutes %j is a usage error: exit 2, nothing sent', async (value) => {
    const result = await cli.run(['--ttl-minutes', value, photo]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: .*--ttl-minutes/);
    expect(result.stderr).toContain('60 to 43200');
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('ttlMinutes out of range in the config file is exit 3 naming the file, nothing sent', async () => {
    await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify({ ttlMinutes: 30 }));
    const result = await cli.run([photo]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/error: ttlMinutes 30 from config file .*\.waupload\.json must be a whole number from 60 to 43200/);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('with --reuse, a TTL upload is neither taken from nor put in the cache, and a warning says why', async () => {
    const env = { XDG_CACHE_HOME: join(cli.dirs.home, 'cache') };
    expect((await cli.run(['--reuse', photo], { env })).code).toBe(0);
    const withTtl = await cli.run(['--reuse', '--ttl-minutes', '60', photo], { env });
    expect(withTtl.code).toBe(0);
    expect(withTtl.stderr).toContain('warning: --reuse is ignored with a TTL');
    expect(cli.sandbox.requests).toHaveLength(2);
    expect(cli.sandbox.requests[1]!.fields.ttl_minutes).toBe('60');
    expect(withTtl.stdout).toBe(`${(cli.sandbox.requests[1]!.responseBody as { id: string }).id}\n`);
  });

  it('the sandbox refuses a ttl_minutes Meta would refuse, like the server (code 100)', async () => {
    for (const [ttl, status] of [['1440', 200], ['59', 400], ['x', 400]] as const) {
      const form = new FormData();
      form.append('messaging_product', 'whatsapp');
      form.append('type', 'image/jpeg');
      form.append('ttl_minutes', ttl);
      form.append('file', new Blob([await readFile(photo)], { type: 'image/jpeg' }), 'photo.jpg');
      const response = await fetch(`${cli.sandbox.url}/v27.0/${TEST_PHONE_NUMBER_ID}/media`, { method: 'POST', body: form, headers: { authorization: `Bearer ${TEST_TOKEN}` } });
      expect(response.status).toBe(status);
      if (status === 400) expect(((await response.json()) as { error: { code: number; message: string } }).error).toMatchObject({ code: 100, message: expect.stringContaining('ttl_minutes') });
    }
  });

  it('--help, the README and .waupload.example.json name the option and the key', async () => {
    const help = await cli.run(['--help']);
    expect(help.stdout).toContain('--ttl-minutes <n>');
    expect(help.stdout).toMatch(/keys [\s\S]*ttlMinutes/i);
    expect(help.stdout).toContain(`${TTL_MINUTES.min} to ${TTL_MINUTES.max}`);
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('`--ttl-minutes <n>`');
    expect(readme).toContain('`ttlMinutes`');
    const example = JSON.parse(await readFile(join(REPO_ROOT, '.waupload.example.json'), 'utf8')) as unknown;
    const { settings, warnings } = settingsFromConfigObject(example, '.waupload.example.json');
    expect(warnings).toEqual([]);
    // Copied as is, the example turns nothing on that only some numbers want, and holds no placeholder taken for a value.
    expect(settings.ttlMinutes).toBeUndefined();
    expect(settings.token).toBeUndefined();
    expect(settings.phoneNumberId).toBeUndefined();
    expect(settings.appId).toBeUndefined();
    expect(Object.keys(example as object)).toContain('//ttlMinutes');
    expect(CONFIG_KEYS).toContain('ttlMinutes');
  });
});

describe('media a customer sent (an ID from a webhook) and the business\'s own media', () => {
  const jpeg = async (): Promise<Buffer> => readFile(photo);
  const ownMedia = async (): Promise<string> => {
    const uploaded = await cli.run([photo]);
    expect(uploaded.code).toBe(0);
    return uploaded.stdout.trim();
  };
  const webhookMedia = async (): Promise<string> => cli.sandbox.addWebhookMedia(await jpeg(), 'image/jpeg');
  const kinds: [string, () => Promise<string>][] = [
    ['webhook media', webhookMedia],
    ['media uploaded on the business number', ownMedia],
  ];
  const phoneSettings: [string, Record<string, string | undefined>][] = [
    ['with a phone number ID configured', {}],
    ['with no phone number ID at all', { WA_PHONE_NUMBER_ID: undefined }],
  ];
  const cases = kinds.flatMap(([kind, make]) => phoneSettings.map(([setting, env]) => ({ label: `${kind}, ${setting}`, make, env })));

  it.each(cases)('$label: info, download and delete work with only the token', async ({ make, env }) => {
    const id = await make();
    const bytes = await jpeg();
    cli.sandbox.reset();
    const info = await cli.run(['info', '--json', id], { env });
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ id, mimeType: 'image/jpeg', bytes: bytes.length });
    const download = await cli.run(['download', id, '-o', 'copy.jpg'], { env });
    expect(download.code).toBe(0);
    expect(await readFile(join(cli.dirs.cwd, 'copy.jpg'))).toEqual(bytes);
    const deleted = await cli.run(['delete', id], { env });
    expect(deleted.code).toBe(0);
    expect(deleted.stderr).toContain(`deleted ${id}`);
    // Gone for real: the next lookup is unknown (exit 5).
    expect((await cli.run(['info', id], { env })).code).toBe(5);
    // Never a phone_number_id, so never Meta's refusal, and no error answer to count against the lookup throttle.
    expect(cli.sandbox.requests.every((r) => r.query.phone_number_id === undefined)).toBe(true);
    expect(cli.sandbox.requests.filter((r) => r.status !== 200).map((r) => r.method)).toEqual(['GET']);
  });

  it('an upload still needs the phone number ID (exit 3 naming the variables), and sends it in the path', async () => {
    const result = await cli.run([photo], { env: { WA_PHONE_NUMBER_ID: undefined } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('error: no phone number ID');
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('info without a token is still exit 3, naming only the token', async () => {
    const result = await cli.run(['info', '1234567890'], { env: { WA_TOKEN: undefined, WA_PHONE_NUMBER_ID: undefined } });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: no access token\b/);
    expect(result.stderr).not.toContain('phone number ID');
  });

  it('the sandbox refuses phone_number_id for webhook media, and for another number\'s media, like the server', async () => {
    const webhook = await webhookMedia();
    const own = await ownMedia();
    const get = async (id: string, phone?: string) => {
      const response = await fetch(`${cli.sandbox.url}/v27.0/${id}${phone ? `?phone_number_id=${phone}` : ''}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
      return { status: response.status, body: (await response.json()) as { error?: { code: number; message: string } } };
    };
    expect(await get(webhook, TEST_PHONE_NUMBER_ID)).toMatchObject({ status: 400, body: { error: { code: 100, message: NOT_A_BUSINESS_NUMBER_MESSAGE } } });
    expect(NOT_A_BUSINESS_NUMBER_MESSAGE).toContain('Param phone_number_id is not a valid whatsapp business phone number id');
    expect((await get(webhook)).status).toBe(200);
    expect((await get(own, TEST_PHONE_NUMBER_ID)).status).toBe(200);
    expect((await get(own)).status).toBe(200);
    await cli.restart({ phoneNumberIds: [TEST_PHONE_NUMBER_ID, '106540352240001'] });
    const ownAgain = await ownMedia();
    expect(await get(ownAgain, '106540352240001')).toMatchObject({ status: 400, body: { error: { message: NOT_A_BUSINESS_NUMBER_MESSAGE } } });
    const deleted = await fetch(`${cli.sandbox.url}/v27.0/${await webhookMedia()}?phone_number_id=${TEST_PHONE_NUMBER_ID}`, { method: 'DELETE', headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect(deleted.status).toBe(400);
  });

  it('webhook media can be made through the control endpoint, as a shell user would', async () => {
    const bytes = await jpeg();
    const made = await fetch(`${cli.sandbox.url}/_sandbox/webhook-media`, { method: 'POST', body: JSON.stringify({ mimeType: 'image/jpeg', base64: bytes.toString('base64') }) });
    expect(made.status).toBe(200);
    const { id } = (await made.json()) as { id: string };
    expect(id).toMatch(/^\d+$/);
    const download = await cli.run(['download', id, '-o', '-']);
    expect(download.code).toBe(0);
    expect(Buffer.from(download.stdout, 'latin1').length).toBeGreaterThan(0);
    const info = await cli.run(['info', '--json', id]);
    expect(JSON.parse(info.stdout)).toMatchObject({ id, bytes: bytes.length });
    const refused = await fetch(`${cli.sandbox.url}/_sandbox/webhook-media`, { method: 'POST', body: JSON.stringify({ mimeType: 'image/gif' }) });
    expect(refused.status).toBe(400);
    const help = await cli.run(['sandbox', '--help']);
    expect(help.stdout).toContain('/_sandbox/webhook-media');
  });
});
