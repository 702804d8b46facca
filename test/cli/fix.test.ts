// --fix as users meet it: each conversion checked from what the sandbox received, with ffprobe and with the project's own checks.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mediaTypeForMime } from '../../src/media/media-types.js';
import { examineContent } from '../../src/media/preflight.js';
import { pngHeader, webpHeader } from '../../src/media/preflight/images.js';
import { sha256OfFile, useCliSandbox } from '../helpers/cli-sandbox.js';
import { ffprobe, receivedFile, topLevelBoxes, videoPacketSizes, type ProbedStream } from '../helpers/media-probe.js';
import { FIXTURES, TEST_PHONE_NUMBER_ID } from '../helpers/run-cli.js';

const cli = useCliSandbox({ phoneNumberIds: [TEST_PHONE_NUMBER_ID] }, { inProcess: true });

/** Each test's own TMPDIR: the private folder of a run goes there, and must be gone when the run ends. */
let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'wa-fix-tmp-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const run = (args: string[], env: Record<string, string | undefined> = {}) => cli.run(args, { env: { TMPDIR: tmp, ...env } });
const jsonLines = (stdout: string) => stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Outcome);
const fixture = (path: string) => join(FIXTURES, path);
const ffmpegOnPath = spawnSync('sh', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).stdout.trim();

interface Bytes {
  mimeType: string;
  bytes: number;
  sha256: string;
}
interface Outcome {
  file: string;
  id?: string;
  handle?: string;
  filename: string;
  mimeType: string;
  category: string;
  bytes: number;
  sha256: string;
  warnings: string[];
  reused?: boolean;
  dryRun?: boolean;
  fixed?: { from: Bytes; to?: Bytes; reasons: string[]; command?: string[] };
  error?: { kind: string; message: string; exitCode: number; hint?: string };
}

/** What one converted file came to: its JSON line, the bytes the sandbox holds (saved to a file), ffprobe's streams. */
interface Converted {
  line: Outcome;
  path: string;
  streams: ProbedStream[];
  format: string;
}

/**
 * Sends `file` with --fix --json (and `args`) and checks what every conversion must hold: exit 0, the original
 * untouched, `fixed` naming the original's and the sent bytes' hashes, the sandbox holding exactly those bytes, the
 * project's own checks finding nothing in them, and no private folder left.
 */
async function convert(file: string, args: string[] = []): Promise<Converted> {
  const before = await sha256OfFile(file);
  const result = await run(['--fix', '--json', ...args, file]);
  // stderr: one line saying what was converted, nothing else (no warning: the converted file has none).
  expect(result.stderr).toMatch(new RegExp(`^converted ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(.+\\) to .+ \\([\\d.]+ (bytes|KB|MB) → [\\d.]+ (bytes|KB|MB)\\)\\n$`));
  expect(result.code).toBe(0);
  const [line] = jsonLines(result.stdout);
  expect(line!.fixed).toBeDefined();
  expect(await sha256OfFile(file)).toBe(before);
  expect(line!.fixed!.from).toEqual({ mimeType: expect.any(String), bytes: (await stat(file)).size, sha256: before });
  expect(line!.fixed!.to).toEqual({ mimeType: line!.mimeType, bytes: line!.bytes, sha256: line!.sha256 });
  expect(line!.fixed!.reasons.length).toBeGreaterThan(0);
  const request = cli.sandbox.requests.at(-1)!;
  expect(request.fields.type).toBe(line!.mimeType);
  expect(request.file?.contentType).toBe(line!.mimeType);
  expect(request.file?.filename).toBe(line!.filename);
  expect(request.file?.sha256).toBe(line!.sha256);
  expect(request.file?.size).toBe(line!.bytes);
  const path = await receivedFile(cli.sandbox.url, line!.id!, cli.dirs.cwd, `received-${line!.filename}`);
  expect(await sha256OfFile(path)).toBe(line!.sha256);
  const verdict = await examineContent(path, line!.bytes, mediaTypeForMime(line!.mimeType)!);
  expect(verdict.warnings).toEqual([]);
  expect(verdict.refusal).toBeUndefined();
  expect(await readdir(tmp)).toEqual([]);
  const probed = ffprobe(path);
  return { line: line!, path, streams: probed.streams, format: probed.format };
}

const videoOf = (c: Converted) => c.streams.filter((s) => s.codec_type === 'video');
const audioOf = (c: Converted) => c.streams.filter((s) => s.codec_type === 'audio');

/** A video WhatsApp plays everywhere: one H.264 Main track without B-frames, yuv420p, even dimensions, at most one AAC track, the index first. */
async function expectDeliverableVideo(c: Converted, audio: 'aac' | 'none'): Promise<void> {
  expect(c.line.mimeType).toBe('video/mp4');
  expect(c.line.filename).toMatch(/\.mp4$/);
  const [video, ...moreVideo] = videoOf(c);
  expect(moreVideo).toEqual([]);
  expect(video).toMatchObject({ codec_name: 'h264', profile: 'Main', pix_fmt: 'yuv420p', has_b_frames: 0 });
  expect(video!.width! % 2).toBe(0);
  expect(video!.height! % 2).toBe(0);
  expect(audioOf(c).map((s) => s.codec_name)).toEqual(audio === 'aac' ? ['aac'] : []);
  const boxes = await topLevelBoxes(c.path);
  expect(boxes.indexOf('moov')).toBeGreaterThan(-1);
  expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
}

describe('audio: Vorbis, stereo and multichannel Opus become mono Opus in Ogg', () => {
  it.each([
    ['problem/vorbis.ogg', 'Ogg audio is Vorbis, not Opus'],
    ['problem/voice-stereo.ogg', 'Opus audio has 2 channels, not 1'],
    ['problem/opus-with-video.ogg', 'Ogg file holds 2 streams, Theora video and Opus, not one Opus stream'],
    ['fix/surround.ogg', 'Opus audio has 6 channels, not 1'],
  ])('%s → one mono Opus stream, audio/ogg, same name', async (file, reason) => {
    const c = await convert(fixture(file));
    expect(c.line).toMatchObject({ mimeType: 'audio/ogg', category: 'audio', filename: basename(file) });
    expect(c.line.fixed!.reasons[0]).toContain(reason);
    expect(c.format).toBe('ogg');
    expect(c.streams).toHaveLength(1);
    expect(c.streams[0]).toMatchObject({ codec_type: 'audio', codec_name: 'opus', channels: 1 });
  });
});

describe('--voice: any audio becomes a mono Opus voice note named .ogg', () => {
  it.each(['valid/audio.mp3', 'valid/audio.m4a', 'valid/audio.aac', 'valid/audio.amr', 'fix/voice.wav', 'fix/voice.flac', 'problem/vorbis.ogg', 'problem/voice-stereo.ogg'])(
    '%s → audio/ogg, mono Opus, named .ogg',
    async (file) => {
      const c = await convert(fixture(file), ['--voice']);
      expect(c.line).toMatchObject({ mimeType: 'audio/ogg', category: 'audio', filename: basename(file).replace(/\.\w+$/, '.ogg') });
      expect(c.line.fixed!.reasons).toContain('sent as a voice note (--voice)');
      expect(c.format).toBe('ogg');
      expect(c.streams).toEqual([expect.objectContaining({ codec_name: 'opus', channels: 1 })]);
    },
  );

  it('a mono Opus voice note already is one: sent untouched, byte for byte, no `fixed`', async () => {
    const path = fixture('valid/voice.ogg');
    const result = await run(['--voice', '--json', path]);
    expect(result.code).toBe(0);
    const [line] = jsonLines(result.stdout);
    expect(line!.fixed).toBeUndefined();
    expect(cli.sandbox.requests[0]!.file?.sha256).toBe(await sha256OfFile(path));
  });

  it('without --voice a WAV is refused (exit 4), its hint naming --voice; the good file beside it goes up', async () => {
    const result = await run(['--fix', fixture('fix/voice.wav'), fixture('valid/photo.jpg')]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`error: WAV (audio/wav) is not a type WhatsApp takes (${fixture('fix/voice.wav')})`);
    expect(result.stderr).toContain('hint: add --voice to send it as a voice note (mono Opus in Ogg)');
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(cli.sandbox.requests[0]!.file?.sha256).toBe(await sha256OfFile(fixture('valid/photo.jpg')));
  });
});

describe('video: re-encoded as H.264 Main without B-frames, yuv420p, even dimensions, AAC, index first', () => {
  it.each([
    ['problem/video-hevc.mp4', 'aac', 'video is HEVC (hvc1), not H.264'],
    ['problem/video-high-bframes.mp4', 'aac', 'video is H.264 High profile with B-frames'],
    ['problem/video-fragmented-high-bframes.mp4', 'aac', 'video is H.264 High profile with B-frames'],
    ['problem/video-two-audio.mp4', 'aac', 'video has 2 audio tracks, not at most one'],
    ['problem/video-mp3-audio.mp4', 'aac', 'audio is MP3 (mp4a, object type 0x6B), not AAC'],
    ['fix/video-av1.mp4', 'none', 'video is AV1 (av01), not H.264'],
    ['fix/video-hevc-odd-size.mp4', 'aac', 'video is HEVC (hvc1), not H.264'],
    ['fix/clip.mov', 'aac', 'MOV (video/quicktime) is not a type WhatsApp takes'],
    ['fix/clip.webm', 'aac', 'WebM (video/webm) is not a type WhatsApp takes'],
  ] as const)('%s → a deliverable MP4', async (file, audio, reason) => {
    const c = await convert(fixture(file));
    await expectDeliverableVideo(c, audio);
    expect(c.line.filename).toBe(basename(file).replace(/\.\w+$/, '.mp4'));
    expect(c.line.fixed!.reasons[0]).toContain(reason);
  });

  it('odd dimensions (161x121) come out even (160x120)', async () => {
    const c = await convert(fixture('fix/video-hevc-odd-size.mp4'));
    expect(videoOf(c)[0]).toMatchObject({ width: 160, height: 120 });
  });

  it('a GIF becomes such an MP4, without audio, at its own size', async () => {
    const c = await convert(fixture('fix/animation.gif'));
    await expectDeliverableVideo(c, 'none');
    expect(videoOf(c)[0]).toMatchObject({ width: 120, height: 90 });
    expect(c.line).toMatchObject({ filename: 'animation.mp4', category: 'video' });
  });

  it('GIF bytes named .jpg are converted the same way', async () => {
    const c = await convert(fixture('problem/gif-named.jpg'));
    await expectDeliverableVideo(c, 'none');
    expect(c.line.filename).toBe('gif-named.mp4');
  });

  it.each([
    ['problem/video-moov-at-end.mp4', 'video/mp4', 'mp4'],
    ['problem/video-moov-at-end.3gp', 'video/3gpp', '3gp'],
  ])('%s: the index moved to the front, the streams copied (no re-encode)', async (file, mimeType, ext) => {
    const original = fixture(file);
    expect((await topLevelBoxes(original)).indexOf('moov')).toBeGreaterThan((await topLevelBoxes(original)).indexOf('mdat'));
    const c = await convert(original);
    expect(c.line).toMatchObject({ mimeType, filename: `video-moov-at-end.${ext}` });
    const boxes = await topLevelBoxes(c.path);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    expect(videoPacketSizes(c.path)).toEqual(videoPacketSizes(original));
    expect(videoOf(c)[0]!.codec_name).toBe('h264');
  });

  it('over 16 MB: re-encoded at a bitrate that fits, checked after encoding', async () => {
    const big = join(cli.dirs.cwd, 'big.mp4');
    const made = spawnSync(ffmpegOnPath, ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'nullsrc=s=400x300:r=25:d=5,geq=random(1)*255:128:128', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', big]);
    expect(made.status).toBe(0);
    expect((await stat(big)).size).toBeGreaterThan(16_000_000);
    // Without --fix: refused, the hint naming --fix.
    const plain = await run([big]);
    expect(plain.code).toBe(4);
    expect(plain.stderr).toContain('hint: pass --fix to re-encode it at a bitrate that fits');
    const c = await convert(big);
    await expectDeliverableVideo(c, 'none');
    expect(c.line.bytes).toBeLessThanOrEqual(16_000_000);
    expect(c.line.fixed!.reasons).toContain('is 23.6 MB, over the 16 MB limit'.replace('23.6', (Math.round((await stat(big)).size / 100_000) / 10).toFixed(1)));
  }, 60_000);
});

describe('images: 8-bit, and within 5 MB', () => {
  it('a 16-bit PNG → an 8-bit PNG of the same size', async () => {
    const c = await convert(fixture('problem/image-16bit.png'));
    expect(c.line).toMatchObject({ mimeType: 'image/png', filename: 'image-16bit.png' });
    expect(pngHeader(await readFile(c.path))).toMatchObject({ bitDepth: 8, width: 200, height: 150 });
    expect(c.streams[0]).toMatchObject({ codec_name: 'png', width: 200, height: 150 });
    expect(['rgb24', 'rgba']).toContain(c.streams[0]!.pix_fmt);
  });

  it.each([
    ['noise.jpg', 'image/jpeg', ['-q:v', '1'], 2400],
    ['noise.png', 'image/png', [], 1600],
  ] as const)('%s over 5 MB → recompressed or scaled until it fits', async (name, mimeType, quality, side) => {
    const path = join(cli.dirs.cwd, name);
    const made = spawnSync(ffmpegOnPath, ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', `nullsrc=s=${side}x${side},geq=random(1)*255:random(1)*255:random(1)*255`, '-frames:v', '1', ...quality, path]);
    expect(made.status).toBe(0);
    expect((await stat(path)).size).toBeGreaterThan(5_000_000);
    const c = await convert(path);
    expect(c.line).toMatchObject({ mimeType, filename: name });
    expect(c.line.bytes).toBeLessThanOrEqual(5_000_000);
    expect(c.streams[0]!.width).toBeLessThanOrEqual(side);
  }, 60_000);
});

describe('stickers: 512x512 WebP, padded with transparency, within 100 KB (static) or 500 KB (animated)', () => {
  it('a 600x600 sticker → 512x512', async () => {
    const c = await convert(fixture('problem/sticker-600x600.webp'));
    expect(c.line).toMatchObject({ mimeType: 'image/webp', category: 'sticker', filename: 'sticker-600x600.webp' });
    expect(webpHeader(await readFile(c.path))).toMatchObject({ width: 512, height: 512, animated: false });
    expect(c.line.bytes).toBeLessThanOrEqual(100_000);
  });

  it('a static sticker over 100 KB → the quality lowered until it fits (refused without --fix)', async () => {
    const path = fixture('problem/sticker-static-big.webp');
    const plain = await run([path]);
    expect(plain.code).toBe(4);
    expect(plain.stderr).toContain('hint: pass --fix and wa-upload re-encodes it, lowering the quality step by step until it fits');
    const c = await convert(path);
    expect(webpHeader(await readFile(c.path))).toMatchObject({ width: 512, height: 512, animated: false });
    expect(c.line.bytes).toBeLessThanOrEqual(100_000);
  });

  it('a 300x200 PNG sent as a sticker (--type image/webp) → fitted to 512 wide, padded with transparency', async () => {
    const c = await convert(fixture('fix/sticker.png'), ['--type', 'image/webp']);
    expect(c.line).toMatchObject({ mimeType: 'image/webp', filename: 'sticker.webp' });
    const header = webpHeader(await readFile(c.path));
    expect(header).toMatchObject({ width: 512, height: 512, animated: false });
    expect(c.streams[0]!.pix_fmt).toBe('yuva420p');
    // The padding is transparent: the picture's corner (padded, 512x512 from 300x200) has alpha 0.
    const corner = spawnSync(ffmpegOnPath, ['-v', 'error', '-i', c.path, '-vf', 'format=rgba,crop=2:2:0:0', '-f', 'rawvideo', '-'], { encoding: 'buffer' });
    expect(corner.stdout[3]).toBe(0);
  });

  it('a GIF sent as a sticker → an animated 512x512 WebP within 500 KB', async () => {
    const c = await convert(fixture('fix/animation.gif'), ['--type', 'image/webp']);
    expect(c.line).toMatchObject({ mimeType: 'image/webp', filename: 'animation.webp' });
    expect(webpHeader(await readFile(c.path))).toMatchObject({ width: 512, height: 512, animated: true });
    expect(c.line.bytes).toBeLessThanOrEqual(500_000);
  });
});

describe('files that need nothing are sent untouched', () => {
  it('a batch of well-formed files with --fix: each byte for byte, no `fixed`, nothing converted', async () => {
    const files = ['photo.jpg', 'image.png', 'sticker.webp', 'audio.mp3', 'voice.ogg', 'video.mp4', 'video.3gp', 'document.pdf', 'audio-moov-at-end.m4a'].map((f) => fixture(`valid/${f}`));
    const result = await run(['--fix', '--json', '--verbose', ...files]);
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    for (const line of lines) expect(line.fixed).toBeUndefined();
    expect(result.stderr).not.toContain('-protocol_whitelist');
    const sent = new Map(cli.sandbox.requests.map((r) => [r.file!.sha256, r]));
    for (const file of files) expect(sent.has(await sha256OfFile(file))).toBe(true);
    expect(await readdir(tmp)).toEqual([]);
  });
});

describe('what cannot be fixed is that file\'s failure (exit 4), never sent; the others still go', () => {
  it('a damaged MOV: ffmpeg fails, exit 4 naming it; ffmpeg\'s stderr only under --verbose, cut to its last lines', async () => {
    const damaged = join(cli.dirs.cwd, 'damaged.mov');
    const bytes = await readFile(fixture('fix/clip.mov'));
    await writeFile(damaged, Buffer.concat([bytes.subarray(0, 64), Buffer.alloc(4096, 7)]));
    const good = fixture('valid/photo.jpg');
    const result = await run(['--fix', damaged, good]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^error: could not be converted: ffmpeg exited with code \d+: .+ \(.*damaged\.mov\)$/m);
    expect(result.stderr).not.toMatch(/^verbose:/m);
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(cli.sandbox.requests[0]!.file?.sha256).toBe(await sha256OfFile(good));
    const verbose = await run(['--fix', '--verbose', damaged]);
    const tail = verbose.stderr.split('\n').filter((l) => l.startsWith('verbose: ffmpeg: ') && !l.includes(' -nostdin ') && !l.includes('(version '));
    expect(tail.length).toBeGreaterThan(0);
    expect(tail.length).toBeLessThanOrEqual(12);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('a conversion whose result still fails the checks is not sent: exit 4 naming what is still wrong', async () => {
    // An ffmpeg that answers like the real one but "converts" by copying a Vorbis file: the check after it finds Vorbis.
    const fake = join(cli.dirs.cwd, 'copying-ffmpeg');
    await writeFile(
      fake,
      `#!/bin/sh\ncase "$*" in *-encoders*) exec "${ffmpegOnPath}" "$@";; esac\nfor last; do :; done\ncp "${fixture('problem/vorbis.ogg')}" "\${last#file:}"\n`,
    );
    await chmod(fake, 0o755);
    const result = await run(['--fix', '--ffmpeg', fake, fixture('problem/voice-stereo.ogg')]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('error: could not be fixed: after converting to mono Opus in Ogg, Ogg audio is Vorbis, not Opus');
    expect(cli.sandbox.requests).toHaveLength(0);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('handle --fix: audio cannot become a type handles take (exit 4); a WebP becomes a PNG, a 3GP and an HEVC MP4 an H.264 MP4', async () => {
    const files = ['valid/sticker.webp', 'valid/video.3gp', 'problem/video-hevc.mp4', 'valid/audio.mp3'].map(fixture);
    const result = await run(['handle', '--fix', '--json', ...files], { WA_APP_ID: '246813579024680' });
    expect(result.code).toBe(4);
    const [png, mp4, hevc, audio] = jsonLines(result.stdout);
    expect(png).toMatchObject({ mimeType: 'image/png', filename: 'sticker.png', fixed: { from: { mimeType: 'image/webp' } } });
    expect(mp4).toMatchObject({ mimeType: 'video/mp4', filename: 'video.mp4', fixed: { from: { mimeType: 'video/3gpp' } } });
    expect(hevc).toMatchObject({ mimeType: 'video/mp4', filename: 'video-hevc.mp4' });
    expect(audio!.error).toMatchObject({ kind: 'input', exitCode: 4, message: 'MP3 audio cannot be converted to a type the Resumable Upload API (handles) takes' });
    const handles = cli.sandbox.handles;
    expect(handles.map((h) => h.fileType).sort()).toEqual(['image/png', 'video/mp4', 'video/mp4']);
    for (const line of [png, mp4, hevc]) {
      const handle = handles.find((h) => h.sha256 === line!.sha256)!;
      expect(handle).toMatchObject({ size: line!.bytes, fileName: line!.filename });
      expect(line!.fixed!.to!.sha256).toBe(line!.sha256);
    }
  });
});

describe('ffmpeg is found, not bundled: missing, too old or without an encoder is exit 3 before anything is sent', () => {
  /** A stand-in ffmpeg that prints this version and these encoders. */
  async function fakeFfmpeg(version: string, encoders: string[]): Promise<string> {
    const path = join(cli.dirs.cwd, `ffmpeg-${version}`);
    const listing = encoders.map((name) => ` V....D ${name}  ${name}`).join('\\n');
    await writeFile(path, `#!/bin/sh\necho "ffmpeg version ${version} Copyright" >&2\ncase "$*" in *-encoders*) printf 'Encoders:\\n ------\\n${listing}\\n';; esac\n`);
    await chmod(path, 0o755);
    return path;
  }
  const ALL = ['libopus', 'libx264', 'aac', 'libwebp', 'libwebp_anim', 'png', 'mjpeg'];
  const HOW = /apt-get install ffmpeg.*brew install ffmpeg.*npm install @ffmpeg-installer\/ffmpeg/;

  it('none on PATH: exit 3, the hint names Debian/Ubuntu, Homebrew and an npm package; nothing sent', async () => {
    const result = await run(['--fix', fixture('problem/vorbis.ogg'), fixture('valid/photo.jpg')], { PATH: join(cli.dirs.cwd, 'empty') });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('error: --fix needs ffmpeg, and none is on PATH');
    expect(result.stderr).toMatch(HOW);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it.each([
    ['--ffmpeg that does not exist', async () => ['--ffmpeg', join(cli.dirs.cwd, 'nowhere/ffmpeg')], /error: ffmpeg \S+nowhere\/ffmpeg from --ffmpeg does not exist/],
    ['a version older than 4.4', async () => ['--ffmpeg', await fakeFfmpeg('4.1.11', ALL)], /error: ffmpeg 4\.1\.11 \(\S+\) is too old for --fix: it needs 4\.4 or later/],
    ['no libopus', async () => ['--ffmpeg', await fakeFfmpeg('6.1.1', ALL.filter((e) => e !== 'libopus'))], /error: ffmpeg 6\.1\.1 \(\S+\) has no libopus encoder, which --fix needs/],
    ['no libx264 nor libwebp', async () => ['--ffmpeg', await fakeFfmpeg('7.0', ALL.filter((e) => e !== 'libx264' && e !== 'libwebp'))], /has no libx264, libwebp encoders, which --fix needs/],
  ])('%s: exit 3, nothing sent (also under --dry-run)', async (_name, flags, message) => {
    const args = await flags();
    for (const extra of [[], ['--dry-run']]) {
      const result = await run(['--fix', ...extra, ...args, fixture('valid/photo.jpg')]);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(HOW);
      expect(result.stdout).toBe('');
    }
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('the check is kept per binary: a second run asks it nothing before converting; a changed binary is asked again', async () => {
    const calls = join(cli.dirs.cwd, 'calls.txt');
    const counting = join(cli.dirs.cwd, 'counting-ffmpeg');
    const write = (extra: string) => writeFile(counting, `#!/bin/sh\n# ${extra}\ncase "$*" in *-encoders*) echo encoders >> "${calls}";; esac\nexec "${ffmpegOnPath}" "$@"\n`, { mode: 0o755 });
    await write('first');
    const photo = fixture('valid/photo.jpg');
    const count = async () => (await readFile(calls, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    expect((await run(['--fix', '--ffmpeg', counting, photo])).code).toBe(0);
    expect(await count()).toBe(1);
    expect((await run(['--fix', '--ffmpeg', counting, photo])).code).toBe(0);
    expect(await count()).toBe(1);
    await write('replaced by a longer one');
    expect((await run(['--fix', '--ffmpeg', counting, photo])).code).toBe(0);
    expect(await count()).toBe(2);
    // WA_UPLOAD_NO_CACHE: asked every time.
    expect((await run(['--fix', '--ffmpeg', counting, photo], { WA_UPLOAD_NO_CACHE: '1' })).code).toBe(0);
    expect(await count()).toBe(3);
  });

  it('FFMPEG_PATH and config ffmpegPath name it too (the flag beats both); --verbose names the one used and its version', async () => {
    const fromEnv = await run(['--fix', '--verbose', fixture('valid/photo.jpg')], { FFMPEG_PATH: ffmpegOnPath, PATH: join(cli.dirs.cwd, 'empty') });
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stderr).toMatch(new RegExp(`verbose: ffmpeg: ${ffmpegOnPath} \\(version \\S+, from environment FFMPEG_PATH\\)`));
    await writeFile(join(cli.dirs.cwd, '.waupload.json'), JSON.stringify({ ffmpegPath: ffmpegOnPath }));
    const fromFile = await run(['--fix', '--verbose', fixture('valid/photo.jpg')], { PATH: join(cli.dirs.cwd, 'empty') });
    expect(fromFile.code).toBe(0);
    expect(fromFile.stderr).toMatch(/verbose: ffmpeg: \S+ \(version \S+, from config file \S+\.waupload\.json\)/);
    const old = await fakeFfmpeg('3.4', ALL);
    const flagWins = await run(['--fix', '--ffmpeg', ffmpegOnPath, fixture('valid/photo.jpg')], { FFMPEG_PATH: old });
    expect(flagWins.code).toBe(0);
  });
});

describe('safe: private folder, local files only, names that start with -', () => {
  it('the conversion runs in a 0700 folder under TMPDIR, removed at the end; ffmpeg gets no token and no shell', async () => {
    // An ffmpeg wrapper that records its output folder's mode and whether it sees the token, then runs the real one.
    const record = join(cli.dirs.cwd, 'record.txt');
    const wrapper = join(cli.dirs.cwd, 'recording-ffmpeg');
    const calls = join(cli.dirs.cwd, 'calls.txt');
    await writeFile(wrapper, `#!/bin/sh\necho "$2 token:\${WA_TOKEN:-none}" >> "${calls}"\nfor last; do :; done\nout="\${last#file:}"\ncase "$*" in *-protocol_whitelist*-y*) stat -c '%a %n' "$(dirname "$out")" >> "${record}"; echo "token:\${WA_TOKEN:-none}" >> "${record}";; esac\nexec "${ffmpegOnPath}" "$@"\n`);
    await chmod(wrapper, 0o755);
    // In-process, this worker's own environment stands for the process's: a child given no env of its own inherits it.
    const before = process.env.WA_TOKEN;
    process.env.WA_TOKEN = 'worker-token-that-must-not-reach-ffmpeg';
    let c: Converted;
    try {
      c = await convert(fixture('problem/vorbis.ogg'), ['--ffmpeg', wrapper]);
    } finally {
      if (before === undefined) delete process.env.WA_TOKEN;
      else process.env.WA_TOKEN = before;
    }
    expect(c.line.mimeType).toBe('audio/ogg');
    const [modeLine, tokenLine] = (await readFile(record, 'utf8')).trim().split('\n');
    expect(modeLine).toMatch(new RegExp(`^700 ${tmp}/wa-upload-fix-\\w+$`));
    expect(tokenLine).toBe('token:none');
    // Every run of it, the -encoders check before the conversion too, goes without the token.
    const seen = (await readFile(calls, 'utf8')).trim().split('\n');
    expect(seen).toContain('-encoders token:none');
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const call of seen) expect(call).toMatch(/ token:none$/);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('a kept ffmpeg check that another user could have written is not believed: the binary is asked again', async () => {
    // Not ffmpeg at all: only a planted "it is ffmpeg 7.0 with every encoder" answer would let it pass.
    const fake = join(cli.dirs.cwd, 'not-ffmpeg');
    await writeFile(fake, '#!/bin/sh\nexit 1\n');
    await chmod(fake, 0o755);
    const info = await stat(fake);
    const key = `${fake}\0${info.size}\0${info.ino}\0${info.mtimeMs}\0${info.ctimeMs}`;
    const folder = join(cli.dirs.home, '.cache', 'wa-upload', 'ffmpeg');
    await mkdir(folder, { recursive: true });
    await chmod(folder, 0o777);
    const planted = join(folder, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
    await writeFile(planted, JSON.stringify({ version: '7.0', encoders: ['libopus', 'libx264', 'aac', 'libwebp', 'libwebp_anim', 'png', 'mjpeg'] }));
    await chmod(planted, 0o666);
    const shared = await run(['--fix', '--ffmpeg', fake, fixture('valid/photo.jpg')]);
    expect(shared.code).toBe(3);
    expect(shared.stderr).toMatch(/^error: ffmpeg \S+not-ffmpeg from --ffmpeg failed to run -encoders/m);
    // The same answer in a private folder and file of the user's own is the kept check it stands for.
    await chmod(folder, 0o700);
    await chmod(planted, 0o600);
    const own = await run(['--fix', '--ffmpeg', fake, fixture('valid/photo.jpg')]);
    expect(own.code).toBe(0);
    expect(cli.sandbox.requests).toHaveLength(1);
  });

  it('a file named -clip.mov (after --) is read as a file, not an option', async () => {
    const dashed = join(cli.dirs.cwd, '-clip.mov');
    await copyFile(fixture('fix/clip.mov'), dashed);
    const result = await cli.run(['--fix', '--json', '--', '-clip.mov'], { env: { TMPDIR: tmp } });
    expect(result.code).toBe(0);
    const [line] = jsonLines(result.stdout);
    expect(line).toMatchObject({ file: '-clip.mov', filename: '-clip.mp4', mimeType: 'video/mp4' });
    expect(line!.fixed!.from.sha256).toBe(await sha256OfFile(dashed));
  });

  it('a playlist named .mov that points at a URL: ffmpeg opens no URL (local files only), exit 4', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const playlist = join(cli.dirs.cwd, 'crafted.mov');
      await writeFile(playlist, `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nhttp://127.0.0.1:${port}/segment.ts\n#EXT-X-ENDLIST\n`);
      const result = await run(['--fix', playlist]);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain('error: could not be converted: ffmpeg exited with code');
      expect(requests).toBe(0);
      expect(cli.sandbox.requests).toHaveLength(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a conversion that runs past --fix-timeout is stopped and reported (exit 4), its folder removed', async () => {
    const long = join(cli.dirs.cwd, 'long.mov');
    const made = spawnSync(ffmpegOnPath, ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=s=640x360:r=25:d=30', '-c:v', 'mpeg4', '-q:v', '31', long]);
    expect(made.status).toBe(0);
    const result = await run(['--fix', '--fix-timeout', '0.5', long]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('error: could not be converted within 0.5 s: ffmpeg was stopped');
    expect(result.stderr).toContain('hint: raise --fix-timeout');
    expect(cli.sandbox.requests).toHaveLength(0);
    expect(await readdir(tmp)).toEqual([]);
    // No ffmpeg of ours is left running.
    const children = spawnSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).stdout;
    expect(children).not.toMatch(/ffmpeg/);
  }, 60_000);
});

describe('visible: --dry-run, --json, --reuse', () => {
  it('--dry-run --fix says what would be converted and prints the ffmpeg command; nothing converted or sent', async () => {
    const path = fixture('problem/video-hevc.mp4');
    const result = await run(['--fix', '--dry-run', path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const line = result.stderr.split('\n').find((l) => l.startsWith('would convert '))!;
    expect(line).toContain(`would convert ${path} (video is HEVC (hvc1), not H.264`);
    expect(line).toContain(`: ${ffmpegOnPath} -nostdin -hide_banner -nostats -loglevel info -progress pipe:1 -protocol_whitelist file,pipe -i file:${path} -map 0:v:0`);
    expect(line).toContain('-c:v libx264');
    expect(line).toContain('-profile:v main -bf 0 -pix_fmt yuv420p');
    expect(result.stderr).toContain(`would upload ${path} as video/mp4`);
    expect(cli.sandbox.requests).toHaveLength(0);
    expect(await readdir(tmp)).toEqual([]);
    const json = await run(['--fix', '--dry-run', '--json', path]);
    const [object] = jsonLines(json.stdout);
    expect(object).toMatchObject({ dryRun: true, mimeType: 'video/mp4', fixed: { from: { mimeType: 'video/mp4', sha256: await sha256OfFile(path) } } });
    expect(object!.fixed!.command!.slice(0, 2)).toEqual([ffmpegOnPath, '-nostdin']);
    expect(object!.fixed!.command).toContain('-protocol_whitelist');
  });

  it('text output is the ID alone on stdout; a line on stderr says what was converted', async () => {
    const path = fixture('problem/vorbis.ogg');
    const result = await run(['--fix', path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${(cli.sandbox.requests[0]!.responseBody as { id: string }).id}\n`);
    expect(result.stderr).toMatch(new RegExp(`^converted ${path} \\(Ogg audio is Vorbis, not Opus .*\\) to mono Opus in Ogg \\(7\\.0 KB → [\\d.]+ KB\\)\\n$`));
  });

  it('--reuse keys a fixed file by the original and the recipe: a second run neither converts nor uploads', async () => {
    const path = fixture('problem/video-high-bframes.mp4');
    const first = await run(['--fix', '--reuse', '--json', '--verbose', path]);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(' -protocol_whitelist file,pipe ');
    const [sent] = jsonLines(first.stdout);
    expect(cli.sandbox.requests).toHaveLength(1);
    const second = await run(['--fix', '--reuse', '--json', '--verbose', path]);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain(' -protocol_whitelist ');
    const [again] = jsonLines(second.stdout);
    expect(again).toMatchObject({ id: sent!.id, reused: true, sha256: sent!.sha256, bytes: sent!.bytes, fixed: { from: sent!.fixed!.from, to: sent!.fixed!.to } });
    expect(cli.sandbox.requests).toHaveLength(1);
    // Without --fix the same file is another upload: the key of a fixed file is not the original's own.
    const plain = await run(['--reuse', '--json', path]);
    expect(jsonLines(plain.stdout)[0]!.reused).toBeUndefined();
    expect(cli.sandbox.requests).toHaveLength(2);
  });
});
