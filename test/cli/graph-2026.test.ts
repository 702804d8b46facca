// Meta's API as it is in late 2026 (issue 11) through the CLI: the pinned version, webhook media, User-Agent, new error codes, TTL.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, TEST_PHONE_NUMBER_ID, leaksToken } from '../helpers/run-cli.js';
import { FAULT_KEYS } from '../../src/sandbox/faults.js';
import { RETRYABLE_GRAPH_CODES } from '../../src/graph/retry-policy.js';
import type { SandboxFault } from '../../src/sandbox/server.js';

const cli = useCliSandbox({ phoneNumberIds: [TEST_PHONE_NUMBER_ID] });
const photo = join(FIXTURES, 'valid/photo.jpg');

describe('API version', () => {
  it('is v27.0 by default, for uploads and lookups alike, and --help says it is pinned', async () => {
    const uploaded = await cli.run([photo]);
    expect(uploaded.code).toBe(0);
    const id = uploaded.stdout.trim();
    expect((await cli.run(['info', id])).code).toBe(0);
    expect(cli.sandbox.requests.map((r) => r.path)).toEqual([`/v27.0/${TEST_PHONE_NUMBER_ID}/media`, `/v27.0/${id}`]);
    for (const args of [['--help'], ['info', '--help'], ['download', '--help'], ['delete', '--help']]) {
      const help = await cli.run(args);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('default v27.0, pinned');
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
    const result = await cli.run(['info', '--retries', '5', '--retry-delay', '0', '1234567890']);
    expect(result.code).toBe(7);
    expect(cli.sandbox.requests).toHaveLength(3);
    expect(result.stderr).toContain('gave up after 3 tries');
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
