// Clear errors instead of exit 1, and messages that name the right action: malformed
// media info, broken config files elsewhere, and what an interrupt left behind.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useHostileServers } from '../helpers/hostile-server.js';
import { sha256Of, useCliSandbox } from '../helpers/cli-sandbox.js';
import { FIXTURES, TEST_PHONE_NUMBER_ID } from '../helpers/run-cli.js';

const cli = useCliSandbox({}, { inProcess: true });
const photo = join(FIXTURES, 'valid/photo.jpg');
const servers = useHostileServers();

const MEDIA = Buffer.from('the media bytes');

/** A Graph stand-in whose info answer is `info(base)`; its media URL serves MEDIA (or hangs when told to). */
function mediaServer(info: (base: string) => unknown, options: { hangMedia?: () => void } = {}): Promise<string> {
  return servers.start((req, res, base) => {
    req.resume();
    if (req.url?.startsWith('/media-file')) {
      if (options.hangMedia) return options.hangMedia();
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': MEDIA.length });
      res.end(MEDIA);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(info(base)));
  });
}

const goodInfo = (base: string) => ({ id: '123', url: `${base}/media-file`, mime_type: 'image/jpeg', sha256: sha256Of(MEDIA), file_size: String(MEDIA.length) });

describe('download and info check the media info', () => {
  it('a missing sha256 is a warning ("not verified"); the file is written', async () => {
    const base = await mediaServer((b) => ({ ...goodInfo(b), sha256: undefined }));
    const out = join(cli.dirs.cwd, 'out.jpg');
    const result = await cli.run(['download', '123', '-o', out], { env: { WA_BASE_URL: base } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: 123: the media info has no sha256: the download is not verified');
    expect(await readFile(out)).toEqual(MEDIA);
  });

  it('an upper-case sha256 compares equal', async () => {
    const base = await mediaServer((b) => ({ ...goodInfo(b), sha256: sha256Of(MEDIA).toUpperCase() }));
    const result = await cli.run(['download', '123', '-o', join(cli.dirs.cwd, 'out.jpg'), '--retry-delay', '0'], { env: { WA_BASE_URL: base } });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });

  it.each([
    ['a url that is not a URL', { url: 'not a url' }, 'its url is not an http(s) URL'],
    ['a non-numeric size', { file_size: 'twelve' }, 'its file_size is not a whole number of bytes'],
    ['an object for sha256', { sha256: { hex: 'abc' } }, 'its sha256 is not 64 hex digits'],
    ['an id with a newline', { id: '123\nEVIL' }, 'its id is not all digits'],
  ])('%s: info and download end in exit 5 with the reason', async (_name, patch, reason) => {
    const base = await mediaServer((b) => ({ ...goodInfo(b), ...patch }));
    for (const args of [['info', '123'], ['download', '123', '-o', join(cli.dirs.cwd, 'out.jpg')]]) {
      const result = await cli.run([...args, '--retry-delay', '0'], { env: { WA_BASE_URL: base } });
      expect(result.code).toBe(5);
      expect(result.stderr).toContain(`the media info of 123 is malformed: ${reason}`);
      expect(result.stderr).not.toContain('internal error');
      expect(result.stdout).not.toContain('NaN');
    }
  });
});

describe('config files that break', () => {
  it('a broken package.json in the working folder does not stop a run whose config file is elsewhere', async () => {
    await writeFile(join(cli.dirs.cwd, 'package.json'), '{ "name": "someone-else", broken');
    const configDir = join(cli.dirs.home, '.config', 'waupload');
    await mkdir(configDir, { recursive: true });
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ phoneNumberId: TEST_PHONE_NUMBER_ID }));
    const result = await cli.run([photo], { env: { WA_PHONE_NUMBER_ID: undefined } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\n$/);
    expect(cli.sandbox.requests[0]!.path).toContain(`/${TEST_PHONE_NUMBER_ID}/media`);
  });

  it('a broken package.json that holds our key is a config error naming it (exit 3)', async () => {
    await writeFile(join(cli.dirs.cwd, 'package.json'), '{ "waupload": { "retries": 2 }, broken');
    const result = await cli.run([photo]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`error: config file ${join(cli.dirs.cwd, 'package.json')} is not valid JSON: line 1`);
  });

  it('a .wauploadrc.js that throws: exit 3 with its file name and its error', async () => {
    await writeFile(join(cli.dirs.cwd, '.wauploadrc.cjs'), "throw new Error('no config for you');\n");
    const result = await cli.run([photo]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`error: config file ${join(cli.dirs.cwd, '.wauploadrc.cjs')} failed when loaded: no config for you`);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('--config naming a .js config that throws says the same', async () => {
    const file = join(cli.dirs.cwd, 'settings.mjs');
    await writeFile(file, "throw new TypeError('bad settings');\n");
    const result = await cli.run(['--config', file, photo]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`error: config file ${file} failed when loaded: bad settings`);
  });
});

describe('interrupts name the right action', () => {
  it('an interrupted download does not say "upload"', async () => {
    let mediaRequested: () => void = () => {};
    const requested = new Promise<void>((resolve) => (mediaRequested = resolve));
    const base = await mediaServer(goodInfo, { hangMedia: () => mediaRequested() });
    const result = await cli.run(['download', '123', '-o', join(cli.dirs.cwd, 'out.jpg')], {
      env: { WA_BASE_URL: base },
      timeoutMs: 12_000,
      onSpawn: (child) => void requested.then(() => child.kill('SIGINT')),
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('interrupted by SIGINT before the download finished');
    expect(result.stderr).not.toContain('upload');
  });

  it('a file fully sent when the signal came is reported sent but unconfirmed, not "not sent"', async () => {
    cli.sandbox.injectFault({ hang: true });
    const result = await cli.run([photo], {
      timeoutMs: 12_000,
      onSpawn: (child) => void cli.sandbox.waitForRequests(1).then(() => child.kill('SIGTERM')),
    });
    expect(result.code).toBe(143);
    expect(cli.sandbox.requests[0]!.status).toBe('hung');
    expect(cli.sandbox.requests[0]!.file?.sha256).toBe(sha256Of(await readFile(photo)));
    expect(result.stderr).toContain(`sent but not confirmed (the server may hold them): ${photo}`);
    expect(result.stderr).not.toContain('not sent:');
  });
});
