// uploadMedia(new URL(…)) and createHandle(new URL(…)): the API fetches a URL source like the command, with its result's `source`.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InputError, UsageError, createHandle, uploadMedia } from '../../src/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { sha256Of } from '../helpers/cli-sandbox.js';
import { FIXTURES, TEST_TOKEN } from '../helpers/run-cli.js';
import { useSourceServer } from '../helpers/source-server.js';

const APP_ID = '246813579024680';
const source = useSourceServer();
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ token: TEST_TOKEN, appIds: [APP_ID] });
});
afterAll(async () => {
  await sandbox?.close();
});
beforeEach(() => sandbox.reset());

const options = () => ({ token: TEST_TOKEN, baseUrl: sandbox.url, phoneNumberId: '106540352242922', configFile: false as const, env: {}, retryDelay: 0 });

describe('URL sources in the API', () => {
  it('uploadMedia(new URL(…)) fetches, checks and uploads; the result says where it came from, redacted', async () => {
    const jpeg = await readFile(join(FIXTURES, 'valid/photo.jpg'));
    source.serve('/cdn/photo.jpg', { headers: { 'content-type': 'image/jpeg', etag: '"e1"' }, body: jpeg });
    const media = await uploadMedia(new URL(`${source.url}/cdn/photo.jpg?sig=abcdefghijklmnop`), options());
    expect(media).toMatchObject({ mimeType: 'image/jpeg', filename: 'photo.jpg', bytes: jpeg.length, sha256: sha256Of(jpeg), source: { url: `${source.url}/cdn/photo.jpg?…`, contentType: 'image/jpeg', etag: '"e1"' } });
    expect(sandbox.requests.at(-1)?.file?.sha256).toBe(sha256Of(jpeg));
    expect(source.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('createHandle(new URL(…)) sends the fetched bytes through a Resumable Upload session', async () => {
    const png = await readFile(join(FIXTURES, 'valid/image.png'));
    source.serve('/header', { headers: { 'content-type': 'image/png' }, body: png });
    const created = await createHandle(new URL(`${source.url}/header`), { ...options(), phoneNumberId: undefined, appId: APP_ID });
    expect(created).toMatchObject({ filename: 'header.png', mimeType: 'image/png', sha256: sha256Of(png), source: { url: `${source.url}/header` } });
    expect(sandbox.handles[0]).toMatchObject({ handle: created.handle, sha256: sha256Of(png) });
  });

  it('a source failure is an InputError whose file is the redacted URL; another scheme is a UsageError; nothing is sent', async () => {
    const missing = uploadMedia(new URL(`http://user:pw-secret@${new URL(source.url).host}/gone.pdf`), options());
    await expect(missing).rejects.toBeInstanceOf(InputError);
    await expect(missing).rejects.toMatchObject({ file: `${source.url}/gone.pdf`, message: `the source answered HTTP 404: not found (${source.url}/gone.pdf)` });
    await expect(uploadMedia(new URL('ftp://example.com/a.pdf'), options())).rejects.toBeInstanceOf(UsageError);
    expect(sandbox.requests).toHaveLength(0);
  });
});
