// One ffmpeg run: its arguments (no stdin, local files only, file: paths), progress, no shell, timeout and abort; and the recipes chosen from findings.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, InterruptedError } from '../../src/errors.js';
import { chooseRecipe, type Diagnosis } from '../../src/fix/recipe.js';
import { fixHint } from '../../src/media/content-rules.js';
import { ffmpegArguments, probeDuration, runFfmpeg } from '../../src/fix/run-ffmpeg.js';
import { mediaType } from '../../src/media/media-types.js';
import { FIXTURES } from '../helpers/run-cli.js';

const ffmpeg = spawnSync('sh', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).stdout.trim();
let dir: string;
let clip: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wa-run-ffmpeg-'));
  clip = join(dir, 'clip.mov');
  expect(spawnSync(ffmpeg, ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=s=320x240:r=25:d=4', '-c:v', 'mpeg4', '-q:v', '20', clip]).status).toBe(0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const H264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-f', 'mp4'];

describe('ffmpegArguments', () => {
  it('no stdin, no statistics, progress on stdout, only file and pipe protocols for the input, file: paths, -y before the output', () => {
    const args = ffmpegArguments('/in/-clip.mov', ['-c', 'copy'], '/out/x.mp4');
    expect(args.slice(0, 9)).toEqual(['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'info', '-progress', 'pipe:1', '-protocol_whitelist', 'file,pipe']);
    expect(args.indexOf('-protocol_whitelist')).toBeLessThan(args.indexOf('-i'));
    expect(args[args.indexOf('-i') + 1]).toBe('file:/in/-clip.mov');
    expect(args.slice(-4)).toEqual(['-c', 'copy', '-y', 'file:/out/x.mp4'].slice(-4));
    expect(args.at(-1)).toBe('file:/out/x.mp4');
  });
});

describe('runFfmpeg', () => {
  it('reports progress from -progress, rising to the end, and the duration it read', async () => {
    const fractions: number[] = [];
    const output = join(dir, 'progress.mp4');
    const result = await runFfmpeg({ ffmpeg, input: clip, outputOptions: H264, output, timeoutMs: 60_000, env: process.env, onProgress: (f) => fractions.push(f) });
    expect(result.durationSeconds).toBeCloseTo(4, 1);
    expect(fractions.length).toBeGreaterThan(0);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true);
    expect(fractions.at(-1)!).toBeGreaterThan(0.9);
    expect((await stat(output)).size).toBeGreaterThan(0);
  });

  it('runs no shell: a name holding $(...) and ; is a file name, nothing is executed', async () => {
    const odd = join(dir, 'a $(touch pwned); b.mov');
    await copyFile(clip, odd);
    await runFfmpeg({ ffmpeg, input: odd, outputOptions: H264, output: join(dir, 'odd $(touch pwned).mp4'), timeoutMs: 60_000, env: process.env });
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(existsSync(join(process.cwd(), 'pwned'))).toBe(false);
    expect(existsSync(join(dir, 'odd $(touch pwned).mp4'))).toBe(true);
  });

  it('a run past its time is killed: InputError naming the limit, with the last lines of stderr', async () => {
    const started = Date.now();
    const error = await runFfmpeg({ ffmpeg, input: clip, outputOptions: ['-c:v', 'libx264', '-preset', 'veryslow', '-f', 'mp4'], output: join(dir, 'slow.mp4'), timeoutMs: 200, env: process.env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe('could not be converted within 0.2 s: ffmpeg was stopped');
    expect(Array.isArray((error as { stderrTail?: unknown }).stderrTail)).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('an abort kills it: InterruptedError, and the process is gone', async () => {
    const controller = new AbortController();
    const pending = runFfmpeg({ ffmpeg, input: clip, outputOptions: ['-c:v', 'libx264', '-preset', 'veryslow', '-f', 'mp4'], output: join(dir, 'aborted.mp4'), timeoutMs: 60_000, env: process.env, signal: controller.signal });
    setTimeout(() => controller.abort('SIGINT'), 100);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).message).toBe('interrupted by SIGINT while converting');
    const left = spawnSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).stdout;
    expect(left).not.toMatch(/ffmpeg/);
  });

  it('probeDuration reads the duration ffmpeg prints, and none for an image', async () => {
    expect(await probeDuration(ffmpeg, clip, process.env)).toBeCloseTo(4, 1);
    expect(await probeDuration(ffmpeg, join(FIXTURES, 'valid/image.png'), process.env)).toBeUndefined();
  });

  it('a file name holding a line that looks like a Duration does not set the duration (ffmpeg prints the name first)', async () => {
    const forged = join(dir, 'x\n  Duration: 05:00:00.00, start: 0.000000, bitrate: 1 kbps\ny.mov');
    await copyFile(clip, forged);
    expect(await probeDuration(ffmpeg, forged, process.env)).toBeCloseTo(4, 1);
    const result = await runFfmpeg({ ffmpeg, input: forged, outputOptions: H264, output: join(dir, 'forged-out.mp4'), timeoutMs: 60_000, env: process.env });
    expect(result.durationSeconds).toBeCloseTo(4, 1);
  });
});

describe('chooseRecipe', () => {
  const base: Diagnosis = { type: undefined, forced: false, detected: undefined, foreign: undefined, findings: [], size: 1000, animated: undefined };
  const finding = (rule: Diagnosis['findings'][number]['rule'], text = rule) => ({ rule, text });

  it('no finding, within the limit: no recipe (sent untouched)', () => {
    for (const mime of ['image/jpeg', 'audio/mpeg', 'video/mp4', 'application/pdf'] as const) {
      expect(chooseRecipe({ ...base, type: mediaType(mime) }, { voice: false })).toBeUndefined();
    }
  });

  it('each finding picks its conversion', () => {
    const pick = (d: Partial<Diagnosis>, voice = false) => chooseRecipe({ ...base, ...d }, { voice })?.id;
    expect(pick({ type: mediaType('audio/ogg'), findings: [finding('ogg-opus')] })).toBe('opus-mono/1');
    expect(pick({ type: mediaType('audio/ogg'), findings: [finding('opus-mono')] })).toBe('opus-mono/1');
    expect(pick({ type: mediaType('audio/mpeg') }, true)).toBe('voice/1');
    expect(pick({ type: mediaType('audio/ogg') }, true)).toBeUndefined();
    expect(pick({ type: mediaType('video/mp4'), findings: [finding('index-first')] })).toBe('faststart/1');
    expect(pick({ type: mediaType('video/mp4'), findings: [finding('index-first'), finding('h264-video')] })).toBe('h264/1');
    expect(pick({ type: mediaType('video/mp4'), size: 20_000_000 })).toBe('h264/1');
    expect(pick({ type: mediaType('image/png'), findings: [finding('eight-bit-image')] })).toBe('png8/1');
    expect(pick({ type: mediaType('image/jpeg'), size: 6_000_000 })).toBe('jpeg8/1');
    expect(pick({ type: mediaType('image/webp'), animated: false, findings: [finding('sticker-512')] })).toBe('sticker/1');
    expect(pick({ type: mediaType('image/webp'), animated: true, size: 600_000 })).toBe('sticker-animated/1');
    expect(pick({ foreign: { label: 'GIF (image/gif)', mimeType: 'image/gif', kind: 'gif' } })).toBe('gif-mp4/1');
  });

  it('over 16 MB, the video tries aim at bitrates that fit the duration, the second lower', () => {
    const recipe = chooseRecipe({ ...base, type: mediaType('video/mp4'), size: 20_000_000 }, { voice: false })!;
    const tries = recipe.tries(100);
    expect(tries).toHaveLength(2);
    const rate = (t: string[]) => Number(t[t.indexOf('-b:v') + 1]!.replace('k', ''));
    // 16 MB over 100 s is 1280 kb/s in all; 92 % of it, less 128 kb/s of audio.
    expect(rate(tries[0]!)).toBe(Math.floor((16_000_000 * 8 * 0.92) / 100 / 1000 - 128));
    expect(rate(tries[1]!)).toBeLessThan(rate(tries[0]!));
    expect(tries[0]).toEqual(expect.arrayContaining(['-profile:v', 'main', '-bf', '0', '-pix_fmt', 'yuv420p', '-movflags', '+faststart']));
  });

  it('a handle takes no audio: InputError; a foreign audio file without --voice: InputError naming --voice', () => {
    const accepted = { mimeTypes: ['application/pdf', 'image/jpeg', 'image/png', 'video/mp4'], by: 'handles' };
    expect(() => chooseRecipe({ ...base, type: mediaType('audio/mpeg') }, { voice: false, accepted })).toThrow(InputError);
    let wav: unknown;
    try {
      chooseRecipe({ ...base, foreign: { label: 'WAV (audio/wav)', mimeType: 'audio/wav', kind: 'audio' } }, { voice: false });
    } catch (error) {
      wav = error;
    }
    expect(wav).toBeInstanceOf(InputError);
    expect((wav as InputError).hint).toContain('--voice');
  });

  it('fixHint names what --fix does for the findings it mends, and nothing for the rest', () => {
    expect(fixHint([finding('ogg-opus')])).toBe('pass --fix and wa-upload converts it to mono Opus in Ogg');
    expect(fixHint([finding('well-formed'), finding('declared-type')])).toBeUndefined();
  });
});
