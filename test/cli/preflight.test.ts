// The content checks as users meet them: the built CLI against the sandbox on loopback. Each verdict of
// src/media/preflight.ts is pinned through what the CLI prints, its exit code, and what the server received (or not).

import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256OfFile, useCliSandbox } from '../helpers/cli-sandbox.js';
import { readFixture, withEmptySampleDescription, withoutTracks } from '../helpers/iso-boxes.js';
import { paddedWebp } from '../helpers/padded-webp.js';
import { FIXTURES, TEST_PHONE_NUMBER_ID } from '../helpers/run-cli.js';

const cli = useCliSandbox({ phoneNumberIds: [TEST_PHONE_NUMBER_ID] }, { inProcess: true });

const sha256 = sha256OfFile;
const run = (args: string[], env: Record<string, string | undefined> = {}) => cli.run(args, { env });
const jsonLines = (stdout: string) => stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const warningLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning: '));
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A copy of a fixture under another name in the test's working folder. */
async function copyAs(fixture: string, name: string): Promise<string> {
  const path = join(cli.dirs.cwd, name);
  await copyFile(join(FIXTURES, fixture), path);
  return path;
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';

// Why each kind of problem matters, as src/media/preflight.ts words it.
const UNDELIVERABLE = '(WhatsApp accepts the upload but fails to deliver it: error 131053)';
const MISLABELLED = '(a mislabelled file uploads but fails to send: error 131053)';
const UNSUPPORTED = '(WhatsApp does not deliver this type: the upload passes on the declared type, sending fails)';
const EIGHT_BIT = '(WhatsApp takes 8-bit RGB or RGBA images; others can fail to send)';
const MONO_OPUS = '(WhatsApp plays mono Opus only; mix down to one channel)';
const ANDROID = '(does not play on Android WhatsApp; re-encode as Main without B-frames or Baseline)';
const FASTSTART = '(WhatsApp wants the index first: move the index to the front (ffmpeg -movflags +faststart))';
const STICKER_RULE = "(advice: the size Meta's WhatsApp SDK docs ask for; the Cloud API reference does not state it, but sending may fail)";
const UNCONFIRMED = ': its content could not be confirmed (WhatsApp may fail to deliver it)';
const CORRECTED = (mimeType: string) => `(sent as ${mimeType}, the type its content has)`;

/** The hint line a warning that --fix mends brings (in text mode, not under --quiet), by problem fixture. */
const FIX_HINTS: Record<string, string> = {
  'sticker-600x600.webp': 'pass --fix and wa-upload scales it to fit 512x512 and pads it with transparency',
  'vorbis.ogg': 'pass --fix and wa-upload converts it to mono Opus in Ogg',
  'opus-with-video.ogg': 'pass --fix and wa-upload converts it to mono Opus in Ogg',
  'voice-stereo.ogg': 'pass --fix and wa-upload mixes it down to mono Opus',
  'image-16bit.png': 'pass --fix and wa-upload converts it to an 8-bit image',
  'video-hevc.mp4': 'pass --fix and wa-upload re-encodes it as H.264 Main without B-frames, with AAC audio',
  'video-high-bframes.mp4': 'pass --fix and wa-upload re-encodes it as H.264 Main without B-frames',
  'video-fragmented-high-bframes.mp4': 'pass --fix and wa-upload re-encodes it as H.264 Main without B-frames',
  'video-moov-at-end.mp4': 'pass --fix and wa-upload moves the index to the front (no re-encode)',
  'video-moov-at-end.3gp': 'pass --fix and wa-upload moves the index to the front (no re-encode)',
  'video-two-audio.mp4': 'pass --fix and wa-upload keeps its first audio track, as AAC',
  'video-mp3-audio.mp4': 'pass --fix and wa-upload re-encodes its audio as AAC',
};
/** stderr of a file that warns once: the warning, then the --fix hint when --fix mends it. */
const warnedOnce = (path: string, file: string, warning: string): string =>
  `warning: ${path}: ${warning}\n${FIX_HINTS[file] ? `hint: ${path}: ${FIX_HINTS[file]}\n` : ''}`;

describe('well-formed files: no warning, even under --strict', () => {
  const table: [file: string, mimeType: string, filename: string][] = [
    ['photo.jpg', 'image/jpeg', 'photo.jpg'],
    ['photo.jpeg', 'image/jpeg', 'photo.jpeg'],
    ['image.png', 'image/png', 'image.png'],
    ['sticker.webp', 'image/webp', 'sticker.webp'],
    ['sticker-lossless.webp', 'image/webp', 'sticker-lossless.webp'],
    ['sticker-animated.webp', 'image/webp', 'sticker-animated.webp'],
    ['audio.aac', 'audio/aac', 'audio.aac'],
    ['audio.amr', 'audio/amr', 'audio.amr'],
    ['audio.mp3', 'audio/mpeg', 'audio.mp3'],
    ['audio.m4a', 'audio/mp4', 'audio.m4a'],
    ['audio-moov-at-end.m4a', 'audio/mp4', 'audio-moov-at-end.m4a'],
    ['voice-memo-moov-at-end.m4a', 'audio/mp4', 'voice-memo-moov-at-end.m4a'],
    ['voice.ogg', 'audio/ogg', 'voice.ogg'],
    ['voice.opus', 'audio/ogg', 'voice.ogg'],
    ['video.mp4', 'video/mp4', 'video.mp4'],
    ['video-high-no-bframes.mp4', 'video/mp4', 'video-high-no-bframes.mp4'],
    ['video.3gp', 'video/3gpp', 'video.3gp'],
    ['document.pdf', 'application/pdf', 'document.pdf'],
    ['notes.txt', 'text/plain', 'notes.txt'],
    ['document.doc', 'application/msword', 'document.doc'],
    ['document.docx', DOCX, 'document.docx'],
    ['sheet.xls', 'application/vnd.ms-excel', 'sheet.xls'],
    ['sheet.xlsx', XLSX, 'sheet.xlsx'],
    ['sheet-large.xlsx', XLSX, 'sheet-large.xlsx'],
    ['slides.ppt', 'application/vnd.ms-powerpoint', 'slides.ppt'],
    ['slides.pptx', PPTX, 'slides.pptx'],
  ];

  it('the table names every file in fixtures/valid', async () => {
    expect(table.map(([file]) => file).sort()).toEqual((await readdir(join(FIXTURES, 'valid'))).sort());
  });

  it.each(table)('valid/%s uploads under --strict as %s named %s, stderr empty', async (file, mimeType, filename) => {
    const path = join(FIXTURES, 'valid', file);
    const result = await run(['--strict', path]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(cli.sandbox.requests).toHaveLength(1);
    const request = cli.sandbox.requests[0]!;
    expect(result.stdout).toBe(`${(request.responseBody as { id: string }).id}\n`);
    expect(request.fields).toEqual({ messaging_product: 'whatsapp', type: mimeType });
    expect(request.file?.contentType).toBe(mimeType);
    expect(request.file?.filename).toBe(filename);
    expect(request.file?.sha256).toBe(await sha256(path));
  });

  it('all of them in one batch without --strict: no warning, every one sent unchanged', async () => {
    const paths = table.map(([file]) => join(FIXTURES, 'valid', file));
    const result = await run(['--json', ...paths]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(cli.sandbox.requests).toHaveLength(paths.length);
    const lines = jsonLines(result.stdout);
    expect(lines.map((l) => l.file)).toEqual(paths);
    for (const line of lines) expect(line.warnings).toEqual([]);
    const received = cli.sandbox.requests.map((r) => r.file?.sha256).sort();
    expect(received).toEqual((await Promise.all(paths.map(sha256))).sort());
  });
});

// Problem fixtures whose warning is advice: shown, never a refusal, not even under --strict.
const ADVICE: [file: string, warning: string, mimeType: string, filename: string][] = [
  ['sticker-600x600.webp', `sticker is 600x600, not 512x512 ${STICKER_RULE}`, 'image/webp', 'sticker-600x600.webp'],
  ['png-named.jpg', `content is PNG, not JPEG ${CORRECTED('image/png')}`, 'image/png', 'png-named.png'],
  ['docx-named.doc', `content is Word document (.docx), not Word 97-2003 document (.doc) ${CORRECTED(DOCX)}`, DOCX, 'docx-named.docx'],
];

describe('advice: a warning that --strict lets through (a mismatch corrected in its own kind, the sticker size rule)', () => {
  it.each(ADVICE)('problem/%s warns and is sent, exit 0, with and without --strict', async (file, warning, mimeType, filename) => {
    const path = join(FIXTURES, 'problem', file);
    for (const args of [[path], ['--strict', path]]) {
      const result = await run(args);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe(warnedOnce(path, file, warning));
      expect(result.stdout).toBe(`${(cli.sandbox.requests.at(-1)!.responseBody as { id: string }).id}\n`);
    }
    expect(cli.sandbox.requests).toHaveLength(2);
    for (const request of cli.sandbox.requests) {
      expect(request.fields.type).toBe(mimeType);
      expect(request.file?.contentType).toBe(mimeType);
      expect(request.file?.filename).toBe(filename);
      expect(request.file?.sha256).toBe(await sha256(path));
    }
  });

  it('--strict --json: the advice is in warnings, the file is sent', async () => {
    const path = join(FIXTURES, 'problem/sticker-600x600.webp');
    const result = await run(['--strict', '--json', path]);
    expect(result.code).toBe(0);
    const [line] = jsonLines(result.stdout);
    expect(line).toMatchObject({ file: path, mimeType: 'image/webp', warnings: [`sticker is 600x600, not 512x512 ${STICKER_RULE}`] });
    expect(cli.sandbox.requests).toHaveLength(1);
  });
});

describe('problem fixtures: a warning by default, a refusal under --strict', () => {
  // fixture, the warning text, and what is sent without --strict (the true type and a filename to match it)
  const table: [file: string, warning: string, mimeType: string, filename: string][] = [
    ['vorbis.ogg', `Ogg audio is Vorbis, not Opus ${UNDELIVERABLE}`, 'audio/ogg', 'vorbis.ogg'],
    ['opus-with-video.ogg', `Ogg file holds 2 streams, Theora video and Opus, not one Opus stream ${UNDELIVERABLE}`, 'audio/ogg', 'opus-with-video.ogg'],
    ['voice-stereo.ogg', `Opus audio has 2 channels, not 1 ${MONO_OPUS}`, 'audio/ogg', 'voice-stereo.ogg'],
    ['image-16bit.png', `PNG is 16-bit, not 8-bit ${EIGHT_BIT}`, 'image/png', 'image-16bit.png'],
    ['video-hevc.mp4', `video is HEVC (hvc1), not H.264 ${UNDELIVERABLE}`, 'video/mp4', 'video-hevc.mp4'],
    ['video-high-bframes.mp4', `video is H.264 High profile with B-frames ${ANDROID}`, 'video/mp4', 'video-high-bframes.mp4'],
    ['video-fragmented-high-bframes.mp4', `video is H.264 High profile with B-frames ${ANDROID}`, 'video/mp4', 'video-fragmented-high-bframes.mp4'],
    ['video-moov-at-end.mp4', `MP4 video has its index (moov) after the media data (mdat) ${FASTSTART}`, 'video/mp4', 'video-moov-at-end.mp4'],
    ['video-moov-at-end.3gp', `3GP video has its index (moov) after the media data (mdat) ${FASTSTART}`, 'video/3gpp', 'video-moov-at-end.3gp'],
    ['subtitles-only.mp4', `MP4 video holds no audio or video track, only 'sbtl'${UNCONFIRMED}`, 'video/mp4', 'subtitles-only.mp4'],
    ['video-two-audio.mp4', `video has 2 audio tracks, not at most one ${UNDELIVERABLE}`, 'video/mp4', 'video-two-audio.mp4'],
    ['video-mp3-audio.mp4', `audio is MP3 (mp4a, object type 0x6B), not AAC ${UNDELIVERABLE}`, 'video/mp4', 'video-mp3-audio.mp4'],
    ['audio-only.mp4', `content is MP4 audio (M4A), not MP4 video ${MISLABELLED}`, 'audio/mp4', 'audio-only.m4a'],
    ['webp-named.png', `content is WebP, not PNG ${MISLABELLED}`, 'image/webp', 'webp-named.webp'],
    ['ogg-named.mp4', `content is Ogg audio, not MP4 video ${MISLABELLED}`, 'audio/ogg', 'ogg-named.ogg'],
    ['text-named.pdf', `content is plain text, not PDF ${MISLABELLED}`, 'text/plain', 'text-named.txt'],
    ['gif-named.jpg', `content is GIF (image/gif), not JPEG ${UNSUPPORTED}`, 'image/jpeg', 'gif-named.jpg'],
  ];
  // Problem fixtures whose verdict is not a refusing warning: pinned in the advice and sticker sections below.
  const notWarnings = ['sticker-static-big.webp', 'sticker-animated-big.webp', ...ADVICE.map(([file]) => file)];

  it('the table names every file in fixtures/problem', async () => {
    expect([...table.map(([file]) => file), ...notWarnings].sort()).toEqual((await readdir(join(FIXTURES, 'problem'))).sort());
  });

  it.each(table)('problem/%s warns by default, exit 0, sent', async (file, warning, mimeType, filename) => {
    const path = join(FIXTURES, 'problem', file);
    const result = await run([path]);
    expect(result.code).toBe(0);
    // One line, "warning: <file>: <what> (<why it matters>)", and nothing else on stderr but the --fix hint, if --fix mends it.
    expect(result.stderr).toBe(warnedOnce(path, file, warning));
    expect(warningLines(result.stderr)[0]).toMatch(new RegExp(`^warning: ${escapeRegExp(path)}: [^\\n]+ \\([^\\n]+\\)$`));
    expect(cli.sandbox.requests).toHaveLength(1);
    const request = cli.sandbox.requests[0]!;
    expect(result.stdout).toBe(`${(request.responseBody as { id: string }).id}\n`);
    expect(request.fields.type).toBe(mimeType);
    expect(request.file?.contentType).toBe(mimeType);
    expect(request.file?.filename).toBe(filename);
    expect(request.file?.sha256).toBe(await sha256(path));
  });

  it.each(table)('problem/%s under --strict: exit 4, refused naming the warning, nothing sent', async (file, warning) => {
    const path = join(FIXTURES, 'problem', file);
    const result = await run(['--strict', path]);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`error: refused under --strict: ${warning} (${path})`);
    expect(result.stderr).toContain(`hint: drop --strict to send anyway${FIX_HINTS[file] ? `, or ${FIX_HINTS[file]}` : ''}\n`);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('--strict with two warnings names the first that refuses (not the advice before it) and counts the rest', async () => {
    const path = await copyAs('problem/image-16bit.png', 'deep.jpg'); // PNG bytes (16-bit) named .jpg
    const result = await run(['--strict', path]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`error: refused under --strict: PNG is 16-bit, not 8-bit ${EIGHT_BIT} (${path})`);
    expect(result.stderr).toContain('hint: 1 more warning(s); drop --strict to send anyway');
    expect(cli.sandbox.requests).toHaveLength(0);
    // Without --strict both warnings are shown, in order, and the true type is sent.
    const relaxed = await run([path]);
    expect(relaxed.code).toBe(0);
    expect(warningLines(relaxed.stderr)).toEqual([
      `warning: ${path}: content is PNG, not JPEG ${CORRECTED('image/png')}`,
      `warning: ${path}: PNG is 16-bit, not 8-bit ${EIGHT_BIT}`,
    ]);
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(cli.sandbox.requests[0]?.file?.contentType).toBe('image/png');
    expect(cli.sandbox.requests[0]?.file?.filename).toBe('deep.png');
  });

  it('the index-last rule holds whatever the extension\'s case: CLIP.3GP under --strict is refused, nothing sent', async () => {
    const path = await copyAs('problem/video-moov-at-end.3gp', 'CLIP.3GP');
    const result = await run(['--strict', path]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`error: refused under --strict: 3GP video has its index (moov) after the media data (mdat) ${FASTSTART} (${path})`);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('warnings stay on stderr under --quiet', async () => {
    const path = join(FIXTURES, 'problem/vorbis.ogg');
    const result = await run(['--quiet', path]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`warning: ${path}: Ogg audio is Vorbis, not Opus ${UNDELIVERABLE}\n`);
    expect(cli.sandbox.requests).toHaveLength(1);
  });
});

describe('the index-first rule is Meta\'s for video: M4A audio with its index at the end passes --strict', () => {
  // ffmpeg writes moov after mdat unless told +faststart, and so do many recorders; Meta's video messages page asks
  // for moov first in videos only.
  it.each(['audio-moov-at-end.m4a', 'voice-memo-moov-at-end.m4a'])('valid/%s: --strict uploads it, no warning, sent as audio/mp4', async (file) => {
    const path = join(FIXTURES, 'valid', file);
    const result = await run(['--strict', path]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(cli.sandbox.requests).toHaveLength(1);
    const request = cli.sandbox.requests[0]!;
    expect(result.stdout).toBe(`${(request.responseBody as { id: string }).id}\n`);
    expect(request.fields).toEqual({ messaging_product: 'whatsapp', type: 'audio/mp4' });
    expect(request.file?.contentType).toBe('audio/mp4');
    expect(request.file?.filename).toBe(file);
    expect(request.file?.sha256).toBe(await sha256(path));
  });

  it('in one --strict batch the M4A goes up and the MP4 video with its index at the end is refused (exit 4)', async () => {
    const audio = join(FIXTURES, 'valid/audio-moov-at-end.m4a');
    const video = join(FIXTURES, 'problem/video-moov-at-end.mp4');
    const result = await run(['--strict', '--json', audio, video]);
    expect(result.code).toBe(4);
    const [sent, refused] = jsonLines(result.stdout);
    expect(sent).toMatchObject({ file: audio, mimeType: 'audio/mp4', warnings: [] });
    expect(refused).toMatchObject({
      file: video,
      error: { kind: 'input', exitCode: 4, message: `refused under --strict: MP4 video has its index (moov) after the media data (mdat) ${FASTSTART}` },
    });
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(cli.sandbox.requests[0]?.file?.sha256).toBe(await sha256(audio));
    expect(cli.sandbox.requests[0]?.fields.type).toBe('audio/mp4');
  });

  it('the MP4 video with its index at the end still warns without --strict, and is sent', async () => {
    const video = join(FIXTURES, 'problem/video-moov-at-end.mp4');
    const result = await run([video]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(warnedOnce(video, 'video-moov-at-end.mp4', `MP4 video has its index (moov) after the media data (mdat) ${FASTSTART}`));
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(cli.sandbox.requests[0]?.file?.contentType).toBe('video/mp4');
  });

  it('an M4A named .mp4 is judged as the audio it is: the mismatch is said, the index is not', async () => {
    const path = await copyAs('valid/audio-moov-at-end.m4a', 'song.mp4');
    const result = await run([path]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`warning: ${path}: content is MP4 audio (M4A), not MP4 video ${MISLABELLED}\n`);
    expect(cli.sandbox.requests[0]?.file?.contentType).toBe('audio/mp4');
    expect(cli.sandbox.requests[0]?.file?.filename).toBe('song.m4a');
  });
});

describe('advice says so, and --strict never refuses it', () => {
  it('the sticker size rule (from an SDK\'s docs, not the API reference) reads "advice:" on stderr and in --json', async () => {
    const path = join(FIXTURES, 'problem/sticker-600x600.webp');
    const result = await run(['--strict', '--json', path]);
    expect(result.code).toBe(0);
    const [line] = jsonLines(result.stdout);
    const warnings = line!.warnings as string[];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^sticker is 600x600, not 512x512 \(advice: /);
    expect(warningLines(result.stderr)).toEqual([`warning: ${path}: ${warnings[0]}`]);
    expect(cli.sandbox.requests).toHaveLength(1);
  });
});

describe('content of another supported type is sent as what it is, with a filename to match', () => {
  // fixture, name it is given, the true type, the part filename, the warning's "<what>", and whether the true type is
  // of the same kind as the name's (an image for an image, a Word document for a Word document): then wa-upload's
  // correction is the whole story and --strict lets it through; across kinds the message that sends it will not fit.
  const table: [fixture: string, name: string, mimeType: string, category: string, filename: string, what: string, sameKind: boolean][] = [
    ['problem/png-named.jpg', 'png-named.jpg', 'image/png', 'image', 'png-named.png', 'content is PNG, not JPEG', true],
    ['problem/webp-named.png', 'webp-named.png', 'image/webp', 'sticker', 'webp-named.webp', 'content is WebP, not PNG', false],
    ['problem/ogg-named.mp4', 'ogg-named.mp4', 'audio/ogg', 'audio', 'ogg-named.ogg', 'content is Ogg audio, not MP4 video', false],
    ['problem/docx-named.doc', 'docx-named.doc', DOCX, 'document', 'docx-named.docx', 'content is Word document (.docx), not Word 97-2003 document (.doc)', true],
    ['problem/text-named.pdf', 'text-named.pdf', 'text/plain', 'document', 'text-named.txt', 'content is plain text, not PDF', false],
    ['problem/audio-only.mp4', 'audio-only.mp4', 'audio/mp4', 'audio', 'audio-only.m4a', 'content is MP4 audio (M4A), not MP4 video', false],
    ['valid/image.png', 'HOLIDAY.JPG', 'image/png', 'image', 'HOLIDAY.png', 'content is PNG, not JPEG', true],
    ['valid/photo.jpg', 'scan.png', 'image/jpeg', 'image', 'scan.jpg', 'content is JPEG, not PNG', true],
    ['valid/document.pdf', 'report.docx', 'application/pdf', 'document', 'report.pdf', 'content is PDF, not Word document (.docx)', false],
    ['valid/sheet.xlsx', 'deck.pptx', XLSX, 'document', 'deck.xlsx', 'content is Excel workbook (.xlsx), not PowerPoint presentation (.pptx)', false],
    ['valid/audio.mp3', 'song.aac', 'audio/mpeg', 'audio', 'song.mp3', 'content is MP3 audio, not ADTS AAC audio', true],
    ['valid/voice.ogg', 'memo.m4a', 'audio/ogg', 'audio', 'memo.ogg', 'content is Ogg audio, not MP4 audio (M4A)', true],
    ['valid/video.3gp', 'clip.mp4', 'video/3gpp', 'video', 'clip.3gp', 'content is 3GP video, not MP4 video', true],
  ];
  const warningOf = (what: string, mimeType: string, sameKind: boolean) => `${what} ${sameKind ? CORRECTED(mimeType) : MISLABELLED}`;

  it.each(table)('%s named %s goes up as %s', async (fixture, name, mimeType, category, filename, what, sameKind) => {
    const path = await copyAs(fixture, name);
    const result = await run(['--json', path]);
    expect(result.code).toBe(0);
    const warning = warningOf(what, mimeType, sameKind);
    expect(warningLines(result.stderr)).toEqual([`warning: ${path}: ${warning}`]);
    expect(cli.sandbox.requests).toHaveLength(1);
    const request = cli.sandbox.requests[0]!;
    expect(request.fields).toEqual({ messaging_product: 'whatsapp', type: mimeType });
    expect(request.file?.contentType).toBe(mimeType);
    expect(request.file?.filename).toBe(filename);
    expect(request.file?.sha256).toBe(await sha256(path));
    const [line] = jsonLines(result.stdout);
    expect(line).toEqual({
      file: path,
      id: (request.responseBody as { id: string }).id,
      filename,
      mimeType,
      category,
      bytes: (await readFile(path)).length,
      sha256: await sha256(path),
      warnings: [warning],
    });
  });

  it.each(table)('%s named %s under --strict: sent when of the same kind, refused otherwise', async (fixture, name, mimeType, _category, filename, what, sameKind) => {
    const path = await copyAs(fixture, name);
    const result = await run(['--strict', path]);
    const warning = warningOf(what, mimeType, sameKind);
    if (sameKind) {
      expect(result.code).toBe(0);
      expect(result.stderr).toBe(`warning: ${path}: ${warning}\n`);
      expect(cli.sandbox.requests).toHaveLength(1);
      expect(cli.sandbox.requests[0]?.file?.contentType).toBe(mimeType);
      expect(cli.sandbox.requests[0]?.file?.filename).toBe(filename);
      expect(result.stdout).toBe(`${(cli.sandbox.requests[0]!.responseBody as { id: string }).id}\n`);
    } else {
      expect(result.code).toBe(4);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`error: refused under --strict: ${warning} (${path})`);
      expect(cli.sandbox.requests).toHaveLength(0);
    }
  });

  it('--type image/jpeg on PNG bytes under --strict: not corrected, so refused as a mislabelled file, nothing sent', async () => {
    const path = join(FIXTURES, 'problem/png-named.jpg');
    const result = await run(['--strict', '--type', 'image/jpeg', path]);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`error: refused under --strict: content is PNG, not JPEG ${MISLABELLED} (${path})`);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('--type wins over the detected type: sent as asked, with the warning', async () => {
    const path = join(FIXTURES, 'problem/png-named.jpg');
    const result = await run(['--type', 'image/jpeg', path]);
    expect(result.code).toBe(0);
    expect(warningLines(result.stderr)).toEqual([`warning: ${path}: content is PNG, not JPEG ${MISLABELLED}`]);
    expect(cli.sandbox.requests[0]?.file?.contentType).toBe('image/jpeg');
    expect(cli.sandbox.requests[0]?.file?.filename).toBe('png-named.jpg');
  });
});

describe('a movie whose tracks cannot be confirmed: a warning, a refusal under --strict', () => {
  const table: [fixture: string, name: string, edit: (file: Buffer) => Buffer, warning: string][] = [
    ['valid/video.mp4', 'no-tracks.mp4', withoutTracks, `MP4 video holds no track${UNCONFIRMED}`],
    ['valid/video.3gp', 'no-tracks.3gp', withoutTracks, `3GP video holds no track${UNCONFIRMED}`],
    ['valid/audio.m4a', 'no-tracks.m4a', withoutTracks, `MP4 audio (M4A) holds no track${UNCONFIRMED}`],
    ['valid/audio.m4a', 'no-codec.m4a', withEmptySampleDescription, `MP4 audio (M4A) names no codec for its tracks (no sample description)${UNCONFIRMED}`],
  ];
  it.each(table)('%s made into %s', async (fixture, name, edit, warning) => {
    const path = join(cli.dirs.cwd, name);
    await writeFile(path, edit(await readFixture(fixture)));
    const strict = await run(['--strict', path]);
    expect(strict.code).toBe(4);
    expect(strict.stdout).toBe('');
    expect(strict.stderr).toContain(`error: refused under --strict: ${warning} (${path})`);
    expect(cli.sandbox.requests).toHaveLength(0);
    const relaxed = await run([path]);
    expect(relaxed.code).toBe(0);
    expect(relaxed.stderr).toBe(`warning: ${path}: ${warning}\n`);
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(cli.sandbox.requests[0]?.file?.sha256).toBe(await sha256(path));
  });
});

describe('.opus goes up as audio/ogg named .ogg, never audio/opus', () => {
  const table: [name: string, make: () => Promise<string>, extraArgs: string[], filename: string, warning: string | undefined][] = [
    ['voice.opus', async () => join(FIXTURES, 'valid/voice.opus'), ['--strict'], 'voice.ogg', undefined],
    ['VOICE.OPUS (upper case)', async () => copyAs('valid/voice.opus', 'VOICE.OPUS'), ['--strict'], 'VOICE.ogg', undefined],
    ['--type audio/opus', async () => join(FIXTURES, 'valid/voice.opus'), ['--strict', '--type', 'audio/opus'], 'voice.ogg', undefined],
    ['Vorbis named .opus (warns, still audio/ogg)', async () => copyAs('problem/vorbis.ogg', 'old.opus'), [], 'old.ogg', `Ogg audio is Vorbis, not Opus ${UNDELIVERABLE}`],
    ['stereo Opus named .opus (warns, still audio/ogg)', async () => copyAs('problem/voice-stereo.ogg', 'duet.opus'), [], 'duet.ogg', `Opus audio has 2 channels, not 1 ${MONO_OPUS}`],
  ];
  const sameProblem: Record<string, string> = { 'old.opus': 'vorbis.ogg', 'duet.opus': 'voice-stereo.ogg' };
  it.each(table)('%s', async (_name, make, extraArgs, filename, warning) => {
    const path = await make();
    const result = await run([...extraArgs, path]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(warning === undefined ? '' : warnedOnce(path, sameProblem[basename(path)]!, warning));
    expect(cli.sandbox.requests).toHaveLength(1);
    const request = cli.sandbox.requests[0]!;
    expect(request.fields.type).toBe('audio/ogg');
    expect(request.file?.contentType).toBe('audio/ogg');
    expect(request.file?.filename).toBe(filename);
    expect(request.file?.sha256).toBe(await sha256(path));
  });
});

describe('sticker sizes: the limit follows the VP8X animation flag; over it is a refusal (exit 4)', () => {
  const refused: [name: string, make: () => Promise<string>, message: RegExp][] = [
    ['problem/sticker-static-big.webp (139 KB static)', async () => join(FIXTURES, 'problem/sticker-static-big.webp'), /^static sticker is 1\d\d\.\d KB, over the 100 KB limit for static stickers$/],
    ['a static sticker of 100,002 bytes (exact bytes, not "100.0 KB")', async () => paddedWebp('valid/sticker.webp', 100_002, cli.dirs.cwd, 'static-100002.webp'), /^static sticker is 100,002 bytes, over the 100 KB limit for static stickers$/],
    ['an animated sticker of 612.3 KB', async () => paddedWebp('problem/sticker-animated-big.webp', 612_300, cli.dirs.cwd, 'animated-huge.webp'), /^animated sticker is 612\.3 KB, over the 500 KB limit for animated stickers$/],
    ['a big static sticker named .png (detected WebP: the sticker limit, not the 5 MB image one)', async () => copyAs('problem/sticker-static-big.webp', 'big.png'), /^static sticker is 1\d\d\.\d KB, over the 100 KB limit for static stickers$/],
  ];
  it.each(refused)('refuses %s, nothing sent, even without --strict', async (_name, make, message) => {
    const path = await make();
    const result = await run([path]);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    const errorLine = result.stderr.split('\n').find((l) => l.startsWith('error: '));
    expect(errorLine).toBeDefined();
    expect(errorLine!.slice('error: '.length, -` (${path})`.length)).toMatch(message);
    expect(errorLine!.endsWith(` (${path})`)).toBe(true);
    expect(cli.sandbox.requests).toHaveLength(0);
    // --json names the limit in the error object too.
    const json = await run(['--json', path]);
    expect(json.code).toBe(4);
    const [line] = jsonLines(json.stdout);
    expect(line).toMatchObject({ file: path, error: { kind: 'input', exitCode: 4 } });
    expect((line!.error as { message: string }).message).toMatch(message);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  const accepted: [name: string, make: () => Promise<string>][] = [
    ['problem/sticker-animated-big.webp (218 KB animated: over the static limit, under the animated one)', async () => join(FIXTURES, 'problem/sticker-animated-big.webp')],
    ['a static sticker of exactly 100,000 bytes', async () => paddedWebp('valid/sticker.webp', 100_000, cli.dirs.cwd, 'static-100000.webp')],
    ['an animated sticker of 400 KB', async () => paddedWebp('valid/sticker-animated.webp', 400_000, cli.dirs.cwd, 'animated-400k.webp')],
  ];
  it.each(accepted)('takes %s under --strict, with no warning', async (_name, make) => {
    const path = await make();
    const result = await run(['--strict', path]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(cli.sandbox.requests).toHaveLength(1);
    expect(cli.sandbox.requests[0]?.file?.contentType).toBe('image/webp');
    expect(cli.sandbox.requests[0]?.file?.sha256).toBe(await sha256(path));
  });
});

describe('reporting: --json, --dry-run, and batches', () => {
  const vorbis = join(FIXTURES, 'problem/vorbis.ogg');
  const pngNamedJpg = join(FIXTURES, 'problem/png-named.jpg');
  const photo = join(FIXTURES, 'valid/photo.jpg');
  const pdf = join(FIXTURES, 'valid/document.pdf');
  const vorbisWarning = `Ogg audio is Vorbis, not Opus ${UNDELIVERABLE}`;
  const pngWarning = `content is PNG, not JPEG ${CORRECTED('image/png')}`;

  it('--json: a problem file carries its warnings, a good one an empty array', async () => {
    const result = await run(['--json', vorbis, photo]);
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ file: vorbis, mimeType: 'audio/ogg', filename: 'vorbis.ogg', warnings: [vorbisWarning] });
    expect(lines[1]).toMatchObject({ file: photo, mimeType: 'image/jpeg', warnings: [] });
    expect(warningLines(result.stderr)).toEqual([`warning: ${vorbis}: ${vorbisWarning}`]);
    expect(cli.sandbox.requests).toHaveLength(2);
  });

  it('--dry-run shows the verdicts (warnings, the true type) and sends nothing', async () => {
    const result = await run(['--dry-run', vorbis, pngNamedJpg, photo]);
    expect(result.code).toBe(0);
    expect(warningLines(result.stderr).sort()).toEqual([`warning: ${pngNamedJpg}: ${pngWarning}`, `warning: ${vorbis}: ${vorbisWarning}`].sort());
    expect(result.stderr).toContain(`would upload ${vorbis} as audio/ogg (audio, `);
    expect(result.stderr).toContain(`would upload ${pngNamedJpg} as image/png (image, 520 bytes, filename png-named.png)`);
    expect(result.stderr).toContain(`would upload ${photo} as image/jpeg (image, `);
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('--dry-run --json carries the warnings, sends nothing', async () => {
    const result = await run(['--dry-run', '--json', pngNamedJpg, photo]);
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    expect(lines[0]).toEqual({
      file: pngNamedJpg,
      dryRun: true,
      filename: 'png-named.png',
      mimeType: 'image/png',
      category: 'image',
      bytes: (await readFile(pngNamedJpg)).length,
      warnings: [pngWarning],
    });
    expect(lines[1]).toMatchObject({ file: photo, dryRun: true, warnings: [] });
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('--dry-run --strict refuses a problem file and a too-big sticker with exit 4, sends nothing', async () => {
    const big = join(FIXTURES, 'problem/sticker-static-big.webp');
    const result = await run(['--dry-run', '--strict', '--json', photo, vorbis, big]);
    expect(result.code).toBe(4);
    const lines = jsonLines(result.stdout);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ file: photo, dryRun: true, warnings: [] });
    expect(lines[1]).toMatchObject({ file: vorbis, error: { kind: 'input', exitCode: 4, message: `refused under --strict: ${vorbisWarning}` } });
    expect(lines[2]).toMatchObject({ file: big, error: { kind: 'input', exitCode: 4 } });
    expect((lines[2]!.error as { message: string }).message).toContain('over the 100 KB limit for static stickers');
    expect(cli.sandbox.requests).toHaveLength(0);
  });

  it('a batch of good and --strict-refused files: the good ones go up, in order, exit 4', async () => {
    const result = await run(['--strict', photo, vorbis, pdf]);
    expect(result.code).toBe(4);
    expect(cli.sandbox.requests).toHaveLength(2);
    const sent = await Promise.all([photo, pdf].map(sha256));
    expect(cli.sandbox.requests.map((r) => r.file?.sha256).sort()).toEqual([...sent].sort());
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\d+\\t${escapeRegExp(photo)}$`));
    expect(lines[1]).toMatch(new RegExp(`^\\d+\\t${escapeRegExp(pdf)}$`));
    const ids = cli.sandbox.requests.map((r) => (r.responseBody as { id: string }).id).sort();
    expect(lines.map((l) => l.split('\t')[0]).sort()).toEqual(ids);
    expect(result.stderr).toContain(`error: refused under --strict: ${vorbisWarning} (${vorbis})`);
  });

  it('a batch of good and warned files without --strict: all go up, exit 0, warnings name their file', async () => {
    const result = await run([photo, vorbis, pngNamedJpg]);
    expect(result.code).toBe(0);
    expect(cli.sandbox.requests).toHaveLength(3);
    expect(warningLines(result.stderr).sort()).toEqual([`warning: ${pngNamedJpg}: ${pngWarning}`, `warning: ${vorbis}: ${vorbisWarning}`].sort());
    const png = cli.sandbox.requests.find((r) => r.file?.filename === 'png-named.png');
    expect(png?.file?.contentType).toBe('image/png');
    expect(png?.file?.sha256).toBe(await sha256(pngNamedJpg));
  });
});
