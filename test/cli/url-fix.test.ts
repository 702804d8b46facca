// URL sources with --fix and --voice: a fetched file is converted like a local one, fetched once, and the converted bytes are what the sandbox receives.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Of, sha256OfFile, useCliSandbox } from '../helpers/cli-sandbox.js';
import { ffprobe, receivedFile } from '../helpers/media-probe.js';
import { FIXTURES, TEST_PHONE_NUMBER_ID, TEST_TOKEN } from '../helpers/run-cli.js';
import { uploadMedia } from '../../src/index.js';
import { useSourceServer } from '../helpers/source-server.js';

const cli = useCliSandbox({}, { inProcess: true });
const source = useSourceServer();

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'wa-url-fix-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const uploads = () => cli.sandbox.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/media'));

describe('a URL source with --fix', () => {
  it('--voice: a WAV behind a URL is fetched once, sent as a mono Opus voice note (audio/ogg, .ogg), no private folder left', async () => {
    const wav = await readFile(join(FIXTURES, 'fix/voice.wav'));
    source.serve('/notes/hello.wav', { headers: { 'content-type': 'audio/wav' }, body: wav });
    const result = await cli.run(['--voice', '--json', `${source.url}/notes/hello.wav`], { env: { TMPDIR: tmp } });
    expect(result.code).toBe(0);
    const line = JSON.parse(result.stdout) as { id: string; mimeType: string; filename: string; sha256: string; fixed: { from: { sha256: string }; to: { sha256: string } }; source: { url: string } };
    expect(line).toMatchObject({ mimeType: 'audio/ogg', filename: 'hello.ogg', source: { url: `${source.url}/notes/hello.wav` } });
    expect(line.fixed.from.sha256).toBe(sha256Of(wav));
    expect(line.fixed.to.sha256).toBe(line.sha256);
    expect(source.requests).toHaveLength(1);
    expect(uploads()).toHaveLength(1);
    expect(uploads()[0]!.file).toMatchObject({ contentType: 'audio/ogg', filename: 'hello.ogg', sha256: line.sha256 });
    const received = await receivedFile(cli.sandbox.url, line.id, cli.dirs.cwd, 'received.ogg');
    expect(await sha256OfFile(received)).toBe(line.sha256);
    const audio = ffprobe(received).streams.filter((s) => s.codec_type === 'audio');
    expect(audio).toHaveLength(1);
    expect(audio[0]).toMatchObject({ codec_name: 'opus', channels: 1 });
    expect(await readdir(tmp)).toEqual([]);
  });

  it('a MOV behind a URL becomes H.264 in MP4; a deliverable JPEG beside it is sent byte for byte', async () => {
    const mov = await readFile(join(FIXTURES, 'fix/clip.mov'));
    const jpeg = await readFile(join(FIXTURES, 'valid/photo.jpg'));
    source.serve('/clip.mov', { headers: { 'content-type': 'video/quicktime' }, body: mov });
    source.serve('/photo.jpg', { headers: { 'content-type': 'image/jpeg' }, body: jpeg });
    const result = await cli.run(['--fix', '--json', `${source.url}/clip.mov`, `${source.url}/photo.jpg`], { env: { TMPDIR: tmp } });
    expect(result.code).toBe(0);
    const [clip, photo] = result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; mimeType: string; filename: string; sha256: string; fixed?: unknown });
    expect(clip).toMatchObject({ mimeType: 'video/mp4', filename: 'clip.mp4' });
    expect(photo).toMatchObject({ mimeType: 'image/jpeg', filename: 'photo.jpg', sha256: sha256Of(jpeg) });
    expect(photo!.fixed).toBeUndefined();
    const received = await receivedFile(cli.sandbox.url, clip!.id, cli.dirs.cwd, 'received.mp4');
    const video = ffprobe(received).streams.filter((s) => s.codec_type === 'video');
    expect(video[0]).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p' });
    expect(source.requests).toHaveLength(2);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('without --fix a WAV behind a URL is exit 4 whose hint names --fix; a Content-Type alone (no extension) is enough for --voice', async () => {
    const wav = await readFile(join(FIXTURES, 'fix/voice.wav'));
    source.serve('/notes/hello.wav', { headers: { 'content-type': 'audio/wav' }, body: wav });
    source.serve('/download', { headers: { 'content-type': 'audio/x-wav' }, body: wav });
    const refused = await cli.run([`${source.url}/notes/hello.wav`]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`error: the source's type is unknown: its content-type is audio/wav`);
    expect(refused.stderr).toContain('hint: --fix converts it to one WhatsApp takes (--voice for a voice note)');
    expect(uploads()).toHaveLength(0);
    const voiced = await cli.run(['--voice', '--json', `${source.url}/download`], { env: { TMPDIR: tmp } });
    expect(voiced.code).toBe(0);
    expect(JSON.parse(voiced.stdout)).toMatchObject({ mimeType: 'audio/ogg', filename: 'download.ogg' });
    expect(uploads()).toHaveLength(1);
  });
});

describe('a URL source with --fix and --reuse', () => {
  it('an unchanged source (304) uploaded before without --voice is converted with --voice, never answered with the plain upload\'s ID; the voice note is then reused', async () => {
    const mp3 = await readFile(join(FIXTURES, 'valid/audio.mp3'));
    const etag = '"mp3-1"';
    source.serve('/song.mp3', (req, res) => {
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': mp3.length, etag });
      res.end(mp3);
    });
    const url = `${source.url}/song.mp3`;
    const plain = await cli.run(['--reuse', '--json', url], { env: { TMPDIR: tmp } });
    expect(plain.code).toBe(0);
    const plainLine = JSON.parse(plain.stdout) as { id: string; mimeType: string };
    expect(plainLine.mimeType).toBe('audio/mpeg');
    const voiced = await cli.run(['--reuse', '--voice', '--json', url], { env: { TMPDIR: tmp } });
    expect(voiced.code).toBe(0);
    const voicedLine = JSON.parse(voiced.stdout) as { id: string; mimeType: string; reused?: boolean; fixed?: unknown };
    expect(voicedLine).toMatchObject({ mimeType: 'audio/ogg' });
    expect(voicedLine.id).not.toBe(plainLine.id);
    expect(voicedLine.reused).toBeUndefined();
    expect(uploads().map((u) => u.file!.contentType)).toEqual(['audio/mpeg', 'audio/ogg']);
    const again = await cli.run(['--reuse', '--voice', '--json', url], { env: { TMPDIR: tmp } });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ id: voicedLine.id, reused: true, mimeType: 'audio/ogg' });
    expect(uploads()).toHaveLength(2);
    expect(await readdir(tmp)).toEqual([]);
  });
});

describe('the API with a URL and fix', () => {
  it('uploadMedia(new URL(…), { voice: true }) sends the WAV as a mono Opus voice note and says so in `fixed` and `source`', async () => {
    const wav = await readFile(join(FIXTURES, 'fix/voice.wav'));
    source.serve('/api/voice.wav', { headers: { 'content-type': 'audio/wav' }, body: wav });
    const media = await uploadMedia(new URL(`${source.url}/api/voice.wav`), {
      token: TEST_TOKEN,
      baseUrl: cli.sandbox.url,
      phoneNumberId: TEST_PHONE_NUMBER_ID,
      configFile: false,
      env: { PATH: process.env.PATH, TMPDIR: tmp },
      voice: true,
    });
    expect(media).toMatchObject({ mimeType: 'audio/ogg', filename: 'voice.ogg', source: { url: `${source.url}/api/voice.wav` }, fixed: { from: { sha256: sha256Of(wav) } } });
    expect(uploads().at(-1)!.file).toMatchObject({ contentType: 'audio/ogg', sha256: media.sha256 });
  });

  it('uploadMedia(new URL(…), { fix: true }) with no usable ffmpeg fails before anything is fetched or sent', async () => {
    source.serve('/api/clip.mov', { headers: { 'content-type': 'video/quicktime' }, body: await readFile(join(FIXTURES, 'fix/clip.mov')) });
    const attempt = uploadMedia(new URL(`${source.url}/api/clip.mov`), {
      token: TEST_TOKEN,
      baseUrl: cli.sandbox.url,
      phoneNumberId: TEST_PHONE_NUMBER_ID,
      configFile: false,
      env: { PATH: process.env.PATH, TMPDIR: tmp },
      fix: true,
      ffmpegPath: join(tmp, 'no-ffmpeg-here'),
    });
    await expect(attempt).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('does not exist') });
    expect(source.requests).toHaveLength(0);
    expect(uploads()).toHaveLength(0);
  });
});
