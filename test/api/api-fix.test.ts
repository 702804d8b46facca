// fix and voice in the programmatic API: uploadMedia and createHandle convert with ffmpeg, say so in `fixed`, and leave nothing behind.

import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { AbortError, ConfigError, createHandle, uploadMedia } from '../../src/index.js';
import { ffprobe, receivedFile } from '../helpers/media-probe.js';
import { FIXTURES, TEST_TOKEN } from '../helpers/run-cli.js';

let sandbox: Sandbox;
let dir: string;
let tmp: string;
beforeAll(async () => {
  sandbox = await startSandbox({ token: TEST_TOKEN, appIds: ['246813579024680'] });
});
afterAll(async () => {
  await sandbox?.close();
});
beforeEach(async () => {
  sandbox.reset();
  dir = await mkdtemp(join(tmpdir(), 'wa-api-fix-'));
  tmp = await mkdtemp(join(tmpdir(), 'wa-api-fix-tmp-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(tmp, { recursive: true, force: true });
});

/** Options that read no config file, with an environment that has PATH (to find ffmpeg) and a TMPDIR of the test's own. */
function options<T extends object>(extra: T = {} as T) {
  return { token: TEST_TOKEN, phoneNumberId: '100000000000001', appId: '246813579024680', baseUrl: sandbox.url, configFile: false as const, env: { PATH: process.env.PATH, TMPDIR: tmp }, retryDelay: 0, ...extra };
}
const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

describe('uploadMedia with fix', () => {
  it('converts stereo Opus to mono; `fixed` names both files and the reason; the sandbox holds the converted bytes', async () => {
    const path = join(FIXTURES, 'problem/voice-stereo.ogg');
    const result = await uploadMedia(path, options({ fix: true }));
    expect(result).toMatchObject({ mimeType: 'audio/ogg', filename: 'voice-stereo.ogg', warnings: [] });
    expect(result.fixed).toMatchObject({
      from: { mimeType: 'audio/ogg', bytes: 10_670, sha256: await sha256(path) },
      to: { mimeType: 'audio/ogg', bytes: result.bytes, sha256: result.sha256 },
      reasons: [expect.stringContaining('Opus audio has 2 channels, not 1')],
    });
    const received = await receivedFile(sandbox.url, result.id, dir, 'received.ogg');
    expect(ffprobe(received).streams).toEqual([expect.objectContaining({ codec_name: 'opus', channels: 1 })]);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('voice: an MP3 goes up as a mono Opus voice note named .ogg', async () => {
    const result = await uploadMedia(join(FIXTURES, 'valid/audio.mp3'), options({ voice: true }));
    expect(result).toMatchObject({ mimeType: 'audio/ogg', filename: 'audio.ogg', fixed: { from: { mimeType: 'audio/mpeg' } } });
    expect(await readdir(tmp)).toEqual([]);
  });

  it('a file that needs nothing: sent untouched, no `fixed`', async () => {
    const path = join(FIXTURES, 'valid/photo.jpg');
    const result = await uploadMedia(path, options({ fix: true }));
    expect(result.fixed).toBeUndefined();
    expect(result.sha256).toBe(await sha256(path));
  });

  it('no ffmpeg: a ConfigError in the API\'s words (the ffmpegPath option), before anything is sent', async () => {
    const error = await uploadMedia(join(FIXTURES, 'problem/vorbis.ogg'), options({ fix: true, env: {} })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe('--fix needs ffmpeg, and none is on PATH'.replace('--fix', 'the fix option'));
    expect((error as ConfigError).hint).toContain('the ffmpegPath option');
    expect(sandbox.requests).toHaveLength(0);
  });

  it('an abort during the conversion rejects with an AbortError; ffmpeg and the private folder are gone', async () => {
    const long = join(dir, 'long.mov');
    expect(spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=s=640x360:r=25:d=30', '-c:v', 'mpeg4', '-q:v', '31', long]).status).toBe(0);
    const controller = new AbortController();
    const pending = uploadMedia(long, options({ fix: true, signal: controller.signal }));
    const until = Date.now() + 20_000;
    while (!(await readdir(tmp)).length && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(await readdir(tmp)).toEqual([]);
    expect(spawnSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).stdout).not.toMatch(/ffmpeg/);
    expect(sandbox.requests).toHaveLength(0);
  }, 60_000);
});

describe('createHandle with fix', () => {
  it('a WebP sticker becomes a PNG handle; `fixed` says so', async () => {
    const result = await createHandle(join(FIXTURES, 'valid/sticker.webp'), options({ fix: true }));
    expect(result).toMatchObject({ mimeType: 'image/png', filename: 'sticker.png', fixed: { from: { mimeType: 'image/webp' }, to: { mimeType: 'image/png', sha256: result.sha256 } } });
    expect(sandbox.handles.at(-1)).toMatchObject({ fileType: 'image/png', sha256: result.sha256, size: result.bytes });
    expect(await readdir(tmp)).toEqual([]);
  });
});
