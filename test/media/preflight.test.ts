// Unit tests of the content checks: each fixture's verdict, bounded reads, and robustness on damaged files.
import { mkdtemp, open, readFile, rm, stat, writeFile, readdir, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mediaTypeForExtension, mediaTypeForMime, type MediaType } from '../../src/media/media-types.js';
import { CONTENT_RULES } from '../../src/media/content-rules.js';
import { examineContent, HEAD_BYTES, READ_BUDGET_BYTES, type ContentVerdict } from '../../src/media/preflight.js';
import { paddedWebp } from '../helpers/padded-webp.js';
import {
  boxesIn,
  findBox,
  readFixture,
  withCompositionOffsets,
  withEmptySampleDescription,
  withoutTracks,
} from '../helpers/iso-boxes.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';

function typeOf(file: string): MediaType {
  const type = mediaTypeForExtension(extname(file));
  if (!type) throw new Error(`no media type for ${file}`);
  return type;
}

function mimeType(mime: string): MediaType {
  const type = mediaTypeForMime(mime);
  if (!type) throw new Error(`no media type for ${mime}`);
  return type;
}

async function examine(path: string, declared: MediaType = typeOf(path)): Promise<Omit<ContentVerdict, 'findings'>> {
  const { size } = await stat(path);
  const { findings, ...verdict } = await examineContent(path, size, declared);
  // The structured findings (what --fix acts on) are the warnings and the refusal, each with its rule.
  expect(findings.map((finding) => finding.text).sort()).toEqual([...verdict.warnings, ...(verdict.refusal ? [verdict.refusal] : [])].sort());
  for (const finding of findings) expect(Object.keys(CONTENT_RULES)).toContain(finding.rule);
  return verdict;
}

/** Sums the bytes every FileHandle.read() returns while `run` runs. */
async function countBytesRead(run: () => Promise<unknown>): Promise<number> {
  const probe = await open(join(FIXTURES, 'valid/notes.txt'), 'r');
  const prototype = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<{ bytesRead: number }> };
  await probe.close();
  const original = prototype.read;
  let total = 0;
  const spy = vi.spyOn(prototype, 'read').mockImplementation(async function (this: unknown, ...args: unknown[]) {
    const result = await original.apply(this, args);
    total += result.bytesRead;
    return result;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return total;
}

interface Expected {
  file: string;
  detected?: string;
  animated?: boolean;
  /** Substrings, one per expected warning, in order; [] for none. */
  warnings: string[];
  /** Every warning is advice that --strict lets through (ContentVerdict.advisories); otherwise none is. */
  advisory?: true;
  refusal?: RegExp;
}

// Why each kind of problem matters, as src/media/preflight.ts words it.
const MONO_OPUS = '(WhatsApp plays mono Opus only; mix down to one channel)';
const ANDROID = '(does not play on Android WhatsApp; re-encode as Main without B-frames or Baseline)';
const FASTSTART = '(WhatsApp wants the index first: move the index to the front (ffmpeg -movflags +faststart))';
const STICKER_RULE =
  "(advice: the size Meta's WhatsApp SDK docs ask for; the Cloud API reference does not state it, but sending may fail)";
const UNCONFIRMED = ': its content could not be confirmed (WhatsApp may fail to deliver it)';
const MISLABELLED = '(a mislabelled file uploads but fails to send: error 131053)';

const VALID: Expected[] = [
  { file: 'photo.jpg', warnings: [] },
  { file: 'photo.jpeg', warnings: [] },
  { file: 'image.png', warnings: [] },
  { file: 'sticker.webp', animated: false, warnings: [] },
  { file: 'sticker-lossless.webp', animated: false, warnings: [] },
  { file: 'sticker-animated.webp', animated: true, warnings: [] },
  { file: 'audio.aac', warnings: [] },
  { file: 'audio.amr', warnings: [] },
  { file: 'audio.mp3', warnings: [] },
  { file: 'audio.m4a', warnings: [] },
  // The index-first rule is Meta's for video: M4A audio with its moov at the end (ffmpeg's default) is fine.
  { file: 'audio-moov-at-end.m4a', warnings: [] },
  { file: 'voice-memo-moov-at-end.m4a', warnings: [] },
  { file: 'voice.ogg', warnings: [] },
  { file: 'voice.opus', warnings: [] },
  { file: 'video.mp4', warnings: [] },
  { file: 'video-high-no-bframes.mp4', warnings: [] },
  { file: 'video.3gp', warnings: [] },
  { file: 'document.pdf', warnings: [] },
  { file: 'notes.txt', warnings: [] },
  { file: 'document.doc', warnings: [] },
  { file: 'document.docx', warnings: [] },
  { file: 'sheet.xls', warnings: [] },
  { file: 'sheet.xlsx', warnings: [] },
  { file: 'sheet-large.xlsx', warnings: [] },
  { file: 'slides.ppt', warnings: [] },
  { file: 'slides.pptx', warnings: [] },
];

const PROBLEM: Expected[] = [
  {
    file: 'vorbis.ogg',
    warnings: ['Ogg audio is Vorbis, not Opus (WhatsApp accepts the upload but fails to deliver it: error 131053)'],
  },
  { file: 'opus-with-video.ogg', warnings: ['Ogg file holds 2 streams, Theora video and Opus, not one Opus stream ('] },
  { file: 'voice-stereo.ogg', warnings: [`Opus audio has 2 channels, not 1 ${MONO_OPUS}`] },
  {
    file: 'sticker-600x600.webp',
    animated: false,
    warnings: [`sticker is 600x600, not 512x512 ${STICKER_RULE}`],
    advisory: true,
  },
  {
    file: 'sticker-static-big.webp',
    animated: false,
    warnings: [],
    refusal: /^static sticker is 1\d\d\.\d KB, over the 100 KB limit for static stickers$/,
  },
  { file: 'sticker-animated-big.webp', animated: true, warnings: [] },
  { file: 'image-16bit.png', warnings: ['PNG is 16-bit, not 8-bit ('] },
  { file: 'video-hevc.mp4', warnings: ['video is HEVC (hvc1), not H.264 ('] },
  { file: 'video-high-bframes.mp4', warnings: [`video is H.264 High profile with B-frames ${ANDROID}`] },
  { file: 'video-fragmented-high-bframes.mp4', warnings: [`video is H.264 High profile with B-frames ${ANDROID}`] },
  {
    file: 'video-moov-at-end.mp4',
    warnings: [`MP4 video has its index (moov) after the media data (mdat) ${FASTSTART}`],
  },
  {
    file: 'video-moov-at-end.3gp',
    warnings: [`3GP video has its index (moov) after the media data (mdat) ${FASTSTART}`],
  },
  { file: 'subtitles-only.mp4', warnings: [`MP4 video holds no audio or video track, only 'sbtl'${UNCONFIRMED}`] },
  { file: 'video-two-audio.mp4', warnings: ['video has 2 audio tracks, not at most one ('] },
  { file: 'video-mp3-audio.mp4', warnings: ['audio is MP3 (mp4a, object type 0x6B), not AAC ('] },
  { file: 'audio-only.mp4', detected: 'audio/mp4', warnings: ['content is MP4 audio (M4A), not MP4 video ('] },
  {
    file: 'png-named.jpg',
    detected: 'image/png',
    warnings: ['content is PNG, not JPEG (sent as image/png, the type its content has)'],
    advisory: true,
  },
  {
    file: 'webp-named.png',
    detected: 'image/webp',
    animated: false,
    warnings: [`content is WebP, not PNG ${MISLABELLED}`],
  },
  { file: 'ogg-named.mp4', detected: 'audio/ogg', warnings: [`content is Ogg audio, not MP4 video ${MISLABELLED}`] },
  {
    file: 'docx-named.doc',
    detected: DOCX,
    warnings: [`content is Word document (.docx), not Word 97-2003 document (.doc) (sent as ${DOCX}, the type`],
    advisory: true,
  },
  { file: 'text-named.pdf', detected: 'text/plain', warnings: [`content is plain text, not PDF ${MISLABELLED}`] },
  { file: 'gif-named.jpg', warnings: ['content is GIF (image/gif), not JPEG ('] },
];

function expectVerdict(verdict: Omit<ContentVerdict, 'findings'>, expected: Expected): void {
  expect(verdict.detected?.mimeType).toBe(expected.detected);
  expect(verdict.animated).toBe(expected.animated);
  if (expected.refusal) expect(verdict.refusal).toMatch(expected.refusal);
  else expect(verdict.refusal).toBeUndefined();
  expect(verdict.warnings).toHaveLength(expected.warnings.length);
  for (const [index, text] of expected.warnings.entries()) expect(verdict.warnings[index]).toContain(text);
  expect(verdict.advisories ?? []).toEqual(expected.advisory ? verdict.warnings : []);
  for (const warning of verdict.warnings) {
    // "<what> (<why it matters>)", one line.
    expect(warning).toMatch(/^[^\n]+ \([^\n]+\)$/);
  }
  if (verdict.detected) expect(mediaTypeForMime(verdict.detected.mimeType)).toBe(verdict.detected);
}

describe('examineContent on fixtures/valid', () => {
  it.each(VALID)('$file: no warning, no refusal, nothing detected', async (expected) => {
    expectVerdict(await examine(join(FIXTURES, 'valid', expected.file)), expected);
  });

  it('covers every supported extension', async () => {
    const files = await readdir(join(FIXTURES, 'valid'));
    const extensions = new Set(files.map((file) => extname(file)));
    for (const extension of ['.jpg', '.jpeg', '.png', '.webp', '.aac', '.amr', '.mp3', '.m4a', '.ogg', '.opus']) {
      expect(extensions).toContain(extension);
    }
    for (const extension of ['.mp4', '.3gp', '.pdf', '.txt', '.doc', '.docx', '.xls', '.xlsx', '.ppt', '.pptx']) {
      expect(extensions).toContain(extension);
    }
    expect(VALID.map((entry) => entry.file).sort()).toEqual(files.filter((file) => file !== 'README.md').sort());
  });
});

describe('examineContent on fixtures/problem', () => {
  it.each(PROBLEM)('$file', async (expected) => {
    expectVerdict(await examine(join(FIXTURES, 'problem', expected.file)), expected);
  });

  it('has a table row for every problem fixture', async () => {
    const files = await readdir(join(FIXTURES, 'problem'));
    expect(PROBLEM.map((entry) => entry.file).sort()).toEqual(files.sort());
  });
});

describe('examineContent on files built on the fly', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wa-upload-preflight-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });


  it('refuses an animated sticker over 500 KB, naming the animated limit', async () => {
    const path = await paddedWebp('problem/sticker-animated-big.webp', 612_300, dir, 'animated-huge.webp');
    const verdict = await examine(path);
    expect(verdict.animated).toBe(true);
    expect(verdict.refusal).toBe('animated sticker is 612.3 KB, over the 500 KB limit for animated stickers');
  });

  it('takes a static sticker of exactly 100,000 bytes and refuses one a byte pair over, in exact bytes', async () => {
    const atLimit = await examine(await paddedWebp('valid/sticker.webp', 100_000, dir, 'static-100000.webp'));
    expect(atLimit).toEqual({ warnings: [], animated: false });
    const over = await examine(await paddedWebp('valid/sticker.webp', 100_002, dir, 'static-100002.webp'));
    expect(over.refusal).toBe('static sticker is 100,002 bytes, over the 100 KB limit for static stickers');
  });

  it('takes an animated sticker of 400 KB: the static limit does not apply to it', async () => {
    const verdict = await examine(await paddedWebp('valid/sticker-animated.webp', 400_000, dir, 'animated-400k.webp'));
    expect(verdict).toEqual({ warnings: [], animated: true });
  });

  /** The top-level boxes of an MP4 fixture, by type. */
  async function mp4Boxes(fixture: string): Promise<Map<string, Buffer>> {
    const file = await readFixture(fixture);
    return new Map(boxesIn(file).map((box) => [box.type, file.subarray(box.start, box.end)]));
  }

  it('walks past a 4.5 GB sparse mdat with a 64-bit largesize to the moov after it, reading a few KB', async () => {
    const boxes = await mp4Boxes('problem/video-moov-at-end.mp4');
    const ftyp = boxes.get('ftyp')!;
    const moov = boxes.get('moov')!;
    const mdatSize = 4_500_000_000; // over 2^32: needs the largesize form
    const mdatHeader = Buffer.alloc(16);
    mdatHeader.writeUInt32BE(1, 0);
    mdatHeader.write('mdat', 4, 'latin1');
    mdatHeader.writeBigUInt64BE(BigInt(mdatSize), 8);
    const path = join(dir, 'huge.mp4');
    const handle = await open(path, 'w');
    try {
      await handle.write(Buffer.concat([ftyp, mdatHeader]), 0, undefined, 0);
      await handle.write(moov, 0, moov.length, ftyp.length + mdatSize);
    } finally {
      await handle.close();
    }
    const size = ftyp.length + mdatSize + moov.length;
    expect((await stat(path)).size).toBe(size);

    let verdict: ContentVerdict | undefined;
    const bytes = await countBytesRead(async () => {
      verdict = await examineContent(path, size, typeOf(path));
    });
    // Found beyond the 4.5 GB: moov comes after mdat.
    const text = `MP4 video has its index (moov) after the media data (mdat) ${FASTSTART}`;
    expect(verdict).toEqual({ warnings: [text], findings: [{ rule: 'index-first', text }] });
    // The 64 KB head (ftyp and zeros here), then 16-byte box headers and the few small boxes inside moov.
    expect(bytes).toBeLessThan(HEAD_BYTES + 4096);
  });

  describe('the index-first rule applies to video only, as its source (Meta\'s video messages page) says', () => {
    it.each([
      ['valid/audio-moov-at-end.m4a', 'clip.m4a', []],
      ['valid/voice-memo-moov-at-end.m4a', 'memo.m4a', []],
      // Named .mp4, the M4A is audio all the same: only the mismatch is said, not the index.
      ['valid/audio-moov-at-end.m4a', 'song.mp4', [`content is MP4 audio (M4A), not MP4 video ${MISLABELLED}`]],
      // A video named .m4a is video: the index rule holds.
      ['problem/video-moov-at-end.mp4', 'film.m4a', [
        `content is MP4 video, not MP4 audio (M4A) ${MISLABELLED}`,
        `MP4 video has its index (moov) after the media data (mdat) ${FASTSTART}`,
      ]],
      ['problem/video-moov-at-end.mp4', 'film.mp4', [`MP4 video has its index (moov) after the media data (mdat) ${FASTSTART}`]],
    ] as const)('%s named %s', async (fixture, name, warnings) => {
      const path = join(dir, name);
      await writeFile(path, await readFixture(fixture));
      const verdict = await examine(path);
      expect(verdict.warnings).toEqual(warnings);
      expect(verdict.advisories).toBeUndefined(); // a video's index warning is refused by --strict
    });

    it('the M4A fixtures really have their moov after mdat (the box order the rule looks at)', async () => {
      for (const fixture of ['valid/audio-moov-at-end.m4a', 'valid/voice-memo-moov-at-end.m4a']) {
        const types = (await mp4Boxes(fixture)).keys();
        const order = [...types].filter((type) => type === 'moov' || type === 'mdat');
        expect(order).toEqual(['mdat', 'moov']);
      }
    });
  });

  it('reads an mdat of size 0 as running to the end of the file', async () => {
    const boxes = await mp4Boxes('valid/video.mp4'); // moov first
    const mdat = Buffer.from(boxes.get('mdat')!);
    mdat.writeUInt32BE(0, 0);
    const path = join(dir, 'mdat-to-end.mp4');
    await writeFile(path, Buffer.concat([boxes.get('ftyp')!, boxes.get('moov')!, mdat]));
    expect(await examine(path)).toEqual({ warnings: [] });
  });

  it('warns when an MP4 was cut short: before its moov, inside it, or inside mdat', async () => {
    const atEnd = await readFixture('problem/video-moov-at-end.mp4');
    const moovSize = (await mp4Boxes('problem/video-moov-at-end.mp4')).get('moov')!.length;
    const path = join(dir, 'cut.mp4');
    await writeFile(path, atEnd.subarray(0, atEnd.length - moovSize));
    expect((await examine(path)).warnings).toEqual([expect.stringContaining('MP4 has no moov box')]);
    await writeFile(path, atEnd.subarray(0, atEnd.length - 100));
    expect((await examine(path)).warnings).toEqual([
      expect.stringContaining('MP4 is cut short: its moov box runs past the end of the file'),
      expect.stringContaining('has its index (moov) after the media data (mdat)'),
    ]);
    const first = await readFile(join(FIXTURES, 'valid/video.mp4'));
    await writeFile(path, first.subarray(0, first.length - 100));
    expect((await examine(path)).warnings).toEqual([
      expect.stringContaining('MP4 is cut short: its mdat box runs past the end of the file'),
    ]);
  });

  // A movie whose tracks say nothing about its content must not pass --strict.
  it.each([
    ['valid/video.mp4', 'no-tracks.mp4', withoutTracks, `MP4 video holds no track${UNCONFIRMED}`],
    ['valid/video.3gp', 'no-tracks.3gp', withoutTracks, `3GP video holds no track${UNCONFIRMED}`],
    ['valid/audio.m4a', 'no-tracks.m4a', withoutTracks, `MP4 audio (M4A) holds no track${UNCONFIRMED}`],
    ['valid/audio.m4a', 'no-codec.m4a', withEmptySampleDescription, `MP4 audio (M4A) names no codec for its tracks (no sample description)${UNCONFIRMED}`],
  ] as const)('%s made into %s: the content could not be confirmed', async (fixture, name, edit, warning) => {
    const path = join(dir, name);
    await writeFile(path, edit(await readFixture(fixture)));
    expect(await examine(path)).toEqual({ warnings: [warning] });
  });

  it('a video track without a sample description is named as such beside a good audio track', async () => {
    const path = join(dir, 'no-video-codec.mp4');
    await writeFile(path, withEmptySampleDescription(await readFixture('valid/video.mp4'))); // the first track is video
    expect((await examine(path)).warnings).toEqual([
      expect.stringMatching(/^video is an unreadable codec \(no sample description\), not H\.264 \(/),
    ]);
  });

  describe('B-frames from the composition offsets (ctts), reading at most 2 KB of it', () => {
    const runs = 1_000_000; // an 8 MB ctts, as a long film has
    it.each([
      ['a High-profile ctts whose first run reorders', 'valid/video-high-no-bframes.mp4', () => 1024, true],
      ['the B-frames fixture with its ctts all zero', 'problem/video-high-bframes.mp4', () => 0, false],
      ['a ctts that reorders only after its first 254 runs (not conclusive: nothing said)', 'problem/video-high-bframes.mp4', (i: number) => (i < 300 ? 0 : 512), false],
      ['a Main-profile file given reordering offsets (the rule is High with B-frames)', 'valid/video.mp4', () => 1024, false],
    ] as const)('%s', async (_name, fixture, offsetOf, warns) => {
      const path = join(dir, 'ctts.mp4');
      await writeFile(path, withCompositionOffsets(await readFixture(fixture), runs, offsetOf));
      let verdict: Omit<ContentVerdict, 'findings'> | undefined;
      const bytes = await countBytesRead(async () => {
        verdict = await examine(path);
      });
      expect(verdict).toEqual({ warnings: warns ? [`video is H.264 High profile with B-frames ${ANDROID}`] : [] });
      expect(bytes).toBeLessThanOrEqual(HEAD_BYTES + 4096);
    });
  });

  it('a fragmented High-profile MP4 whose first trun has only zero composition offsets: no B-frames, no warning', async () => {
    const file = Buffer.from(await readFixture('problem/video-fragmented-high-bframes.mp4'));
    const [, , trun] = findBox(file, ['moof', 'traf', 'trun']); // the first traf is the video track's
    // trun: header (8), version+flags (4), sample_count (4), then the optional fields its flags name.
    const flags = file.readUInt32BE(trun!.start + 8) & 0xffffff;
    expect(flags & 0x800).toBe(0x800); // composition offsets present, as x264 with B-frames writes them
    const samples = file.readUInt32BE(trun!.start + 12);
    let offset = trun!.start + 16 + (flags & 0x1 ? 4 : 0) + (flags & 0x4 ? 4 : 0);
    const fields = [0x100, 0x200, 0x400, 0x800].filter((field) => flags & field).length;
    for (let sample = 0; sample < samples; sample += 1, offset += 4 * fields) file.writeUInt32BE(0, offset + 4 * (fields - 1));
    const path = join(dir, 'fragmented-no-reordering.mp4');
    await writeFile(path, file);
    expect(await examine(path)).toEqual({ warnings: [] });
  });

  describe('a mismatch inside one kind is sent as the true type (advice); across kinds it stays a warning', () => {
    // fixture, declared type, the warning, whether --strict lets it through
    const table: [fixture: string, declared: string, warning: string, advisory: boolean][] = [
      ['valid/image.png', 'image/jpeg', 'content is PNG, not JPEG (sent as image/png, the type its content has)', true],
      ['valid/photo.jpg', 'image/png', 'content is JPEG, not PNG (sent as image/jpeg, the type its content has)', true],
      ['valid/audio.mp3', 'audio/aac', 'content is MP3 audio, not ADTS AAC audio (sent as audio/mpeg, the type its content has)', true],
      ['valid/voice.ogg', 'audio/mp4', 'content is Ogg audio, not MP4 audio (M4A) (sent as audio/ogg, the type its content has)', true],
      ['valid/video.3gp', 'video/mp4', 'content is 3GP video, not MP4 video (sent as video/3gpp, the type its content has)', true],
      ['valid/sheet.xlsx', 'application/vnd.ms-excel', `content is Excel workbook (.xlsx), not Excel 97-2003 workbook (.xls) (sent as ${XLSX}, the type its content has)`, true],
      ['valid/sticker.webp', 'image/png', `content is WebP, not PNG ${MISLABELLED}`, false],
      ['valid/voice.ogg', 'video/mp4', `content is Ogg audio, not MP4 video ${MISLABELLED}`, false],
      ['problem/audio-only.mp4', 'video/mp4', `content is MP4 audio (M4A), not MP4 video ${MISLABELLED}`, false],
      ['valid/document.pdf', DOCX, `content is PDF, not Word document (.docx) ${MISLABELLED}`, false],
      ['valid/sheet.xlsx', PPTX, `content is Excel workbook (.xlsx), not PowerPoint presentation (.pptx) ${MISLABELLED}`, false],
      ['problem/text-named.pdf', 'application/pdf', `content is plain text, not PDF ${MISLABELLED}`, false],
    ];
    it.each(table)('%s declared %s', async (fixture, declared, warning, advisory) => {
      const verdict = await examine(join(FIXTURES, fixture), mimeType(declared));
      expect(verdict.warnings).toEqual([warning]);
      expect(verdict.advisories).toEqual(advisory ? [warning] : undefined);
    });

    it('under --type (typeForced) nothing is corrected: the mismatch says what it costs and is no advice', async () => {
      const path = join(FIXTURES, 'problem/png-named.jpg');
      const verdict = await examineContent(path, (await stat(path)).size, mimeType('image/jpeg'), { typeForced: true });
      expect(verdict.warnings).toEqual([`content is PNG, not JPEG ${MISLABELLED}`]);
      expect(verdict.advisories).toBeUndefined();
    });
  });

  it('warns about an empty file', async () => {
    const path = join(dir, 'empty.pdf');
    await writeFile(path, '');
    expect((await examine(path)).warnings).toEqual([expect.stringContaining('file is empty')]);
  });

  it('names what it found when the bytes are nothing it knows', async () => {
    const path = join(dir, 'noise.mp3');
    await writeFile(path, Buffer.from(Array.from({ length: 2000 }, (_, index) => (index * 7919 + 13) % 251)));
    expect((await examine(path)).warnings).toEqual([
      expect.stringMatching(/^content is not recognisable as MP3 audio \(/),
    ]);
  });

  it('takes any UTF-8 text as .txt, and UTF-16 (NUL bytes) not', async () => {
    const xml = join(dir, 'data.txt');
    await writeFile(xml, '<?xml version="1.0"?>\n<root>é</root>\n');
    expect(await examine(xml)).toEqual({ warnings: [] });
    const id3 = join(dir, 'id3.txt');
    await writeFile(id3, 'ID3 tags explained: a text file that starts like an MP3 tag.\n');
    expect(await examine(id3)).toEqual({ warnings: [] });
    const utf16 = join(dir, 'utf16.txt');
    // Its byte order mark FF FE is also an MPEG audio frame sync: no second frame follows, so it is not MP3 either.
    await writeFile(utf16, Buffer.from('\ufeffhello, this is UTF-16 text', 'utf16le'));
    expect(await examine(utf16)).toEqual({
      warnings: [expect.stringMatching(/^content is not recognisable as plain text \(/)],
    });
  });

  it('accepts any OLE2 file for .doc, .xls and .ppt, and warns for it under another extension', async () => {
    const doc = join(FIXTURES, 'valid/document.doc');
    for (const mime of ['application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint']) {
      expect(await examine(doc, mimeType(mime))).toEqual({ warnings: [] });
    }
    const asDocx = await examine(doc, mimeType(DOCX));
    expect(asDocx.detected).toBeUndefined();
    expect(asDocx.warnings).toEqual([expect.stringContaining('content is an OLE2 compound file')]);
  });

  it('checks the detected type, not the declared one (Vorbis bytes named .mp3)', async () => {
    const verdict = await examine(join(FIXTURES, 'problem/vorbis.ogg'), mimeType('audio/mpeg'));
    expect(verdict.detected?.mimeType).toBe('audio/ogg');
    expect(verdict.warnings).toEqual([
      expect.stringContaining('content is Ogg audio, not MP3 audio'),
      expect.stringContaining('Ogg audio is Vorbis, not Opus'),
    ]);
  });

  it('lets I/O errors through instead of turning them into warnings', async () => {
    await expect(examineContent(join(dir, 'missing.jpg'), 10, mimeType('image/jpeg'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    const subdir = join(dir, 'a-directory.jpg');
    await mkdir(subdir);
    await expect(examineContent(subdir, 4096, mimeType('image/jpeg'))).rejects.toMatchObject({ code: 'EISDIR' });
  });
});

describe('bounded reads', () => {
  const all = [
    ...VALID.map((entry) => join(FIXTURES, 'valid', entry.file)),
    ...PROBLEM.map((entry) => join(FIXTURES, 'problem', entry.file)),
  ];

  it.each(all)('%s: reads at most the head and a few headers', async (path) => {
    const { size } = await stat(path);
    const bytes = await countBytesRead(() => examine(path));
    expect(bytes).toBeLessThanOrEqual(READ_BUDGET_BYTES);
    // Everything but the zip fallback stays within the 64 KB head plus box/segment headers.
    if (!path.endsWith('sheet-large.xlsx')) expect(bytes).toBeLessThanOrEqual(Math.min(size, 64 * 1024) + 4096);
  });
});

describe('robustness: damaged files never throw', () => {
  const all = [
    ...VALID.map((entry) => `valid/${entry.file}`),
    ...PROBLEM.map((entry) => `problem/${entry.file}`),
  ];
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wa-upload-preflight-damaged-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(all)('%s cut short or with bytes flipped gives a verdict', async (fixture) => {
    const original = await readFile(join(FIXTURES, fixture));
    const cuts = [1, 2, 3, 4, 7, 8, 11, 12, 16, 20, 27, 28, 30, 33, 40, 64, 100, 300, 1000, 4096, 8192];
    cuts.push(Math.floor(original.length / 2), original.length - 1);
    const variants: Buffer[] = cuts.filter((cut) => cut < original.length).map((cut) => original.subarray(0, cut));
    // Deterministic byte flips in the first 512 bytes, where every header lives.
    let seed = original.length;
    for (let round = 0; round < 8; round += 1) {
      const copy = Buffer.from(original);
      for (let flip = 0; flip < 6; flip += 1) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const at = seed % Math.min(copy.length, 512);
        copy[at] = (copy[at] ?? 0) ^ ((seed >>> 8) & 0xff || 1);
      }
      variants.push(copy);
    }
    // The signature and header start, then noise: every parser past the signature meets garbage.
    for (const keep of [12, 16, 40, 64]) {
      const noise = Buffer.alloc(3000);
      for (let i = 0; i < noise.length; i += 1) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        noise[i] = seed >>> 16;
      }
      variants.push(Buffer.concat([original.subarray(0, keep), noise]));
    }
    const path = join(dir, `damaged${extname(fixture)}`);
    for (const bytes of variants) {
      await writeFile(path, bytes);
      const verdict = await examine(path, typeOf(fixture));
      expect(Array.isArray(verdict.warnings)).toBe(true);
      // No check crashed into the catch-all.
      expect(verdict.warnings.join('\n')).not.toContain('could not be examined');
    }
  });
});
