// Meta's API as it is in late 2026 (issue 11) through the CLI: the pinned version, webhook media, User-Agent, new error codes, TTL.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, TEST_PHONE_NUMBER_ID } from '../helpers/run-cli.js';

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
