// Preflight content checks of one file: is it what its extension says, and will WhatsApp deliver it?
//
// Signatures come from file-type on the first 64 KB of the file. The hand-written readers under preflight/ cover
// what no library reads without decoding or buffering the file: Ogg stream codecs and Opus channels, PNG/JPEG depth,
// WebP size and animation flag, MP4 box order, track codecs and H.264 profile and B-frames, and the zip central
// directory. Every read is positional and bounded (preflight/reader.ts), so a 95 MB file costs no more than a small one.
// Which checks run is the type's record's contentCheck (media-types.ts); each finding names its rule (content-rules.ts),
// and is reported only when the rule's source names the file's category.
// file-type's core: its default (Node) entry adds file and stream readers that load node:fs/promises at start-up.
import { fileTypeFromBuffer, type FileTypeResult } from 'file-type/core';
import { openForReading } from '../files.js';
import { CONTENT_RULES, ruleApplies, strictAllows, type RuleId } from './content-rules.js';
import {
  formatBytes,
  maxBytesFor,
  mediaType,
  mediaTypeForMime,
  recipientKind,
  type AcceptedMimeType,
  type MediaType,
} from './media-types.js';
import {
  avcProfileName,
  describeCodec,
  examineIsoBmff,
  isAac,
  isH264,
  type IsoInfo,
} from './preflight/isobmff.js';
import { jpegFrame, pngHeader, webpHeader } from './preflight/images.js';
import { confirmsFrameSync, hasId3v2Header } from './preflight/mpeg.js';
import { oggStreams } from './preflight/ogg.js';
import { ascii, BoundedReader, printableFourcc } from './preflight/reader.js';
import { ooxmlTypeFromCentralDirectory } from './preflight/zip.js';

// The read bounds, for callers and tests that want to state them.
export { HEAD_BYTES, READ_BUDGET_BYTES } from './preflight/reader.js';

/** What the content checks found for one file. */
export interface ContentVerdict {
  /**
   * The supported type the bytes really are, when it differs from `declared` (e.g. PNG bytes in a .jpg). The caller
   * then sends detected.mimeType with a part filename whose extension is detected.extensions[0], and shows the
   * warning that comes with it.
   */
  detected?: MediaType;
  /** For WebP: whether the VP8X animation flag is set (static otherwise). */
  animated?: boolean;
  /**
   * Each one line of the form "<what> (<why it matters>)", e.g. "Ogg audio is Vorbis, not Opus (WhatsApp accepts
   * the upload but fails to deliver it: error 131053)". The caller prints `warning: <file>: <text>`.
   */
  warnings: string[];
  /**
   * The warnings (each also in `warnings`) that `--strict` lets through: those of a rule whose strength is a
   * correction (a mismatch the caller corrects by sending the type the content has) or advice (a rule from a weaker
   * source than Meta's reference, such as stickers of 512x512; its message says "advice").
   */
  advisories?: string[];
  /**
   * Set when the file must not be sent at all (exit 4), e.g. "static sticker is 123.4 KB, over the 100 KB limit for
   * static stickers". Only rules of strength refusal (the sticker sizes) refuse; the rest warn.
   */
  refusal?: string;
  /** Every finding reported above (warnings and the refusal), with the rule that made it, for code that acts on them (--fix). */
  findings: ContentFinding[];
  /** For content of a type WhatsApp does not take: file-type's name for it (`gif`), for code that can convert it. */
  otherFormat?: string;
}

/** One reported finding: the rule, and the text shown for it (the warning's or the refusal's). */
export interface ContentFinding {
  rule: RuleId;
  text: string;
}

const UNDELIVERABLE = 'WhatsApp accepts the upload but fails to deliver it: error 131053';
const MISLABELLED = 'a mislabelled file uploads but fails to send: error 131053';
const CORRECTED = (type: MediaType) => `sent as ${type.mimeType}, the type its content has`;
const UNSUPPORTED = 'WhatsApp does not deliver this type: the upload passes on the declared type, sending fails';
const EIGHT_BIT = 'WhatsApp takes 8-bit RGB or RGBA images; others can fail to send';
const DAMAGED = 'WhatsApp may fail to deliver it';
const STEREO_OPUS = 'WhatsApp plays mono Opus only; mix down to one channel';
const HIGH_WITH_B_FRAMES = 'does not play on Android WhatsApp; re-encode as Main without B-frames or Baseline';
const INDEX_LAST = 'WhatsApp wants the index first: move the index to the front (ffmpeg -movflags +faststart)';
const STICKER_RULE =
  "the size Meta's WhatsApp SDK docs ask for; the Cloud API reference does not state it, but sending may fail";

/** Stickers must be exactly this many pixels wide and high. */
const STICKER_SIDE = 512;

/** file-type extensions of ISO base media files that may be MP4 video, M4A audio or 3GP (by brand and tracks). */
const ISO_BMFF_EXTENSIONS = new Set(['mp4', 'm4v', 'm4a', 'm4b', 'm4p', 'f4v', 'f4p', 'f4a', 'f4b', '3gp', '3g2']);
/** Of those, the brands (as file-type names them) that say "audio only" when the tracks cannot be read. */
const AUDIO_BRAND_EXTENSIONS = new Set(['m4a', 'm4b', 'm4p', 'f4a', 'f4b']);

/** file-type extensions it gives from an MPEG audio or ADTS frame sync alone. */
const FRAME_SYNC_EXTENSIONS = new Set(['mp1', 'mp2', 'mp3', 'aac']);

/** What the bytes are, before they are compared with the declared type. */
type Content =
  | { kind: 'supported'; type: MediaType; iso?: IsoInfo }
  | { kind: 'ole2' }
  | { kind: 'other'; label: string; format: string }
  | { kind: 'unknown' }
  | { kind: 'empty' };

/** How the caller sends the file. */
export interface ExamineOptions {
  /**
   * The caller sends `declared` whatever the content (--type): a mismatch is then not corrected by sending the
   * detected type, and its warning says what that costs.
   */
  typeForced?: boolean;
}

/**
 * Reads a bounded number of bytes of the file (never the whole file: MP4 walks boxes with positional reads and never
 * reads mdat; no decoding) and judges it against the declared type. `size` is the file size from stat.
 *
 * Never throws for what the bytes are (truncated or garbage files give warnings); only I/O errors such as EACCES
 * from opening or reading the file are thrown.
 */
export async function examineContent(
  path: string,
  size: number,
  declared: MediaType,
  options: ExamineOptions = {},
): Promise<ContentVerdict> {
  const handle = await openForReading(path);
  try {
    const reader = new BoundedReader(handle, size);
    try {
      return await judge(reader, declared, options);
    } catch (error) {
      if (reader.ioError !== undefined && error === reader.ioError) throw error;
      // A bug or a file shape no check foresaw: say so rather than stop the upload for it (rule well-formed, every type).
      const message = error instanceof Error ? error.message : String(error);
      return { warnings: [`content could not be examined: ${message} (its problems, if any, go unchecked)`], findings: [] };
    }
  } finally {
    await handle.close();
  }
}

/** Where the findings of one examination go: each is reported under its rule, for the type the content is. */
interface Findings {
  verdict: ContentVerdict;
  /** The type the checks judge: the content's when it is an accepted type, else the declared one. */
  type: MediaType;
}

/**
 * Records a finding of `rule` as "<what> (<why>)", unless the rule's source does not name the file's category (then
 * the finding is not the file's problem). Advice says so in its text and, like a correction, is let through by
 * --strict (ContentVerdict.advisories); a refusal stops the file.
 */
function report(findings: Findings, rule: RuleId, what: string, why?: string): void {
  if (!ruleApplies(rule, findings.type.category)) return;
  const { verdict } = findings;
  const strength = CONTENT_RULES[rule].strength;
  if (strength === 'refusal') {
    verdict.refusal = what;
    verdict.findings.push({ rule, text: what });
    return;
  }
  const text = why === undefined ? what : `${what} (${strength === 'advice' ? `advice: ${why}` : why})`;
  verdict.warnings.push(text);
  verdict.findings.push({ rule, text });
  if (strictAllows(rule)) (verdict.advisories ??= []).push(text);
}

async function judge(reader: BoundedReader, declared: MediaType, options: ExamineOptions): Promise<ContentVerdict> {
  const verdict: ContentVerdict = { warnings: [], findings: [] };
  const head = await reader.loadHead();
  const content = await classify(reader, head);
  const findings: Findings = { verdict, type: declared };
  let iso: IsoInfo | undefined;

  switch (content.kind) {
    case 'supported': {
      let effective = content.type;
      iso = content.iso;
      if (iso && !iso.tracks.some(isMediaTrack) && declared.contentCheck === 'iso-bmff') {
        effective = declared; // without an audio or video track, a brand alone does not prove the name wrong
      }
      findings.type = effective;
      if (effective.mimeType !== declared.mimeType) {
        verdict.detected = effective;
        const what = `content is ${effective.label}, not ${declared.label}`;
        if (!options.typeForced && recipientKind(effective) === recipientKind(declared)) {
          report(findings, 'type-corrected', what, CORRECTED(effective));
        } else {
          report(findings, 'declared-type', what, MISLABELLED);
        }
      }
      break;
    }
    case 'ole2':
      // Any OLE2 file passes for any of .doc, .xls and .ppt; nothing else can be checked inside it.
      if (declared.contentCheck !== 'ole2') {
        report(
          findings,
          'declared-type',
          `content is an OLE2 compound file (a .doc, .xls or .ppt, or a password-protected Office file), not ${declared.label}`,
          MISLABELLED,
        );
      }
      return verdict;
    case 'other':
      verdict.otherFormat = content.format;
      report(findings, 'declared-type', `content is ${content.label}, not ${declared.label}`, UNSUPPORTED);
      return verdict;
    case 'unknown':
      report(findings, 'declared-type', `content is not recognisable as ${declared.label}`, MISLABELLED);
      return verdict;
    case 'empty':
      report(findings, 'declared-type', 'file is empty', 'there is nothing to deliver');
      return verdict;
  }

  switch (findings.type.contentCheck) {
    case 'png':
      checkPng(head, findings);
      break;
    case 'jpeg':
      await checkJpeg(reader, findings);
      break;
    case 'webp':
      checkSticker(head, reader.size, findings);
      break;
    case 'ogg':
      checkOgg(head, findings);
      break;
    case 'iso-bmff':
      // The codec rules name video only; report() drops them for M4A audio, as it drops the index-first rule.
      if (iso && checkIsoStructure(iso, findings)) checkTrackCodecs(iso, findings);
      break;
    default:
      break; // the signature is the whole check: MP3, ADTS, AMR, PDF, text, OLE2 and OOXML documents
  }
  return verdict;
}

/** Decides what the bytes are: a supported type, an OLE2 file, a known unsupported type, or unknown. */
async function classify(reader: BoundedReader, head: Buffer): Promise<Content> {
  if (reader.size === 0 || head.length === 0) return { kind: 'empty' };
  let fileType: FileTypeResult | undefined;
  try {
    fileType = await fileTypeFromBuffer(head);
  } catch {
    fileType = undefined; // its parsers give up on some damaged inputs by throwing: treat as unrecognised
  }
  // A bare MPEG/ADTS frame sync is two bytes: believe it only when a second frame follows (an ID3 tag is enough).
  const id3 = hasId3v2Header(head);
  if (fileType && FRAME_SYNC_EXTENSIONS.has(fileType.ext) && !id3 && !confirmsFrameSync(head, fileType.ext === 'aac')) {
    fileType = undefined;
  }
  const ext = fileType?.ext;

  if (ext !== undefined && ISO_BMFF_EXTENSIONS.has(ext)) {
    const iso = await examineIsoBmff(reader);
    return { kind: 'supported', type: isoBmffType(ext, iso), iso };
  }
  // Ogg is recognised here rather than by file-type's codec guess: the codec is judged by checkOgg.
  if (ascii(head, 0, 4) === 'OggS') return supported('audio/ogg');
  if (ext === 'cfb') return { kind: 'ole2' };
  if (ext === 'zip' || (fileType === undefined && ascii(head, 0, 4) === 'PK\x03\x04')) {
    const ooxml = await ooxmlTypeFromCentralDirectory(reader);
    if (ooxml !== undefined) return { kind: 'supported', type: ooxml };
    return fileType ? { kind: 'other', label: describeFileType(fileType), format: fileType.ext } : { kind: 'unknown' };
  }
  if (fileType) {
    const type = supportedFileType(fileType);
    if (type) return { kind: 'supported', type };
  } else if (id3) {
    // An ID3 tag whose audio file-type could not find in the head (a tag larger than the head, or damaged frames).
    return supported('audio/mpeg');
  }
  if (isPlainText(head, head.length === reader.size)) return supported('text/plain');
  if (fileType) return { kind: 'other', label: describeFileType(fileType), format: fileType.ext };
  return { kind: 'unknown' };
}

/**
 * MP4, M4A or 3GP. A 3GPP/3GPP2 brand makes it 3GP. Otherwise the tracks decide, since brands are set loosely
 * (ffmpeg writes `isom` on audio-only files and `M4A ` only when the file is named .m4a): a video track makes it
 * MP4 video, audio tracks alone make it MP4 audio (M4A). When the tracks cannot be read, the brand decides.
 */
function isoBmffType(ext: string, iso: IsoInfo): MediaType {
  if (ext === '3gp' || ext === '3g2') return mediaType('video/3gpp');
  const handlers = new Set(iso.tracks.map((track) => track.handler));
  if (handlers.has('vide')) return mediaType('video/mp4');
  if (handlers.has('soun')) return mediaType('audio/mp4');
  return mediaType(AUDIO_BRAND_EXTENSIONS.has(ext) ? 'audio/mp4' : 'video/mp4');
}

/** The supported type for a file-type result outside the ISO, Ogg, OLE2 and zip families, if it is one. */
function supportedFileType(fileType: FileTypeResult): MediaType | undefined {
  switch (fileType.ext) {
    case 'apng':
      return mediaType('image/png'); // an animated PNG is a PNG to every viewer that does not animate it
    case 'ai':
      return mediaType('application/pdf'); // Illustrator files are PDFs with extra private data
    default:
      return mediaTypeForMime(fileType.mime);
  }
}

/** Valid UTF-8 without NUL bytes. `complete` says whether `bytes` is the whole file (else a cut character is fine). */
function isPlainText(bytes: Buffer, complete: boolean): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

function checkPng(head: Buffer, findings: Findings): void {
  const header = pngHeader(head);
  if (!header) {
    report(findings, 'well-formed', 'PNG header (IHDR) is missing or damaged', DAMAGED);
  } else if (header.bitDepth !== 8) {
    report(findings, 'eight-bit-image', `PNG is ${header.bitDepth}-bit, not 8-bit`, EIGHT_BIT);
  }
}

async function checkJpeg(reader: BoundedReader, findings: Findings): Promise<void> {
  const frame = await jpegFrame(reader);
  if (frame === undefined) return; // walked too far to conclude: say nothing
  if ('damaged' in frame) {
    report(findings, 'well-formed', `JPEG has no readable frame header: ${frame.damaged}`, DAMAGED);
  } else if (frame.precision !== 8) {
    report(findings, 'eight-bit-image', `JPEG is ${frame.precision}-bit, not 8-bit`, EIGHT_BIT);
  }
}

function checkSticker(head: Buffer, size: number, findings: Findings): void {
  const header = webpHeader(head);
  if (!header) {
    report(findings, 'well-formed', 'WebP header is damaged: its size and animation are unknown', DAMAGED);
    return;
  }
  findings.verdict.animated = header.animated;
  if (header.width !== STICKER_SIDE || header.height !== STICKER_SIDE) {
    const what = `sticker is ${header.width}x${header.height}, not ${STICKER_SIDE}x${STICKER_SIDE}`;
    report(findings, 'sticker-512', what, STICKER_RULE);
  }
  const kind = header.animated ? 'animated' : 'static';
  const limit = maxBytesFor(findings.type, { animated: header.animated });
  if (size > limit) {
    const limitText = formatBytes(limit);
    report(findings, 'sticker-bytes', `${kind} sticker is ${sizeOver(size, limit)}, over the ${limitText} limit for ${kind} stickers`);
  }
}

/** formatBytes, or exact bytes when rounding would print the same number as the limit ("100.0 KB" over "100 KB"). */
function sizeOver(size: number, limit: number): string {
  const shown = formatBytes(size);
  return parseFloat(shown) === parseFloat(formatBytes(limit)) ? `${size.toLocaleString('en-US')} bytes` : shown;
}

function checkOgg(head: Buffer, findings: Findings): void {
  const streams = oggStreams(head);
  if (streams.length === 0) {
    report(findings, 'well-formed', 'Ogg file has no readable stream header', DAMAGED);
  } else if (streams.length > 1) {
    const found = streams.map((stream) => stream.codec).join(' and ');
    report(findings, 'ogg-opus', `Ogg file holds ${streams.length} streams, ${found}, not one Opus stream`, UNDELIVERABLE);
  } else if (streams[0]!.codec !== 'Opus') {
    report(findings, 'ogg-opus', `Ogg audio is ${streams[0]!.codec}, not Opus`, UNDELIVERABLE);
  } else if (streams[0]!.channels !== undefined && streams[0]!.channels !== 1) {
    report(findings, 'opus-mono', `Opus audio has ${streams[0]!.channels} channels, not 1`, STEREO_OPUS);
  }
}

/**
 * Reports an MP4/M4A/3GP that cannot play or not as WhatsApp wants: no moov, cut short, the index (moov) after the
 * media data (a rule for video only), no audio or video track whose codec could be read. True when its tracks can be
 * judged.
 */
function checkIsoStructure(iso: IsoInfo, findings: Findings): boolean {
  const { label } = findings.type;
  if (!iso.moovFound) {
    if (!iso.incomplete) {
      report(findings, 'well-formed', 'MP4 has no moov box: the file is cut short or was never finished', DAMAGED);
    }
    return false;
  }
  if (iso.truncatedBox !== undefined) {
    report(findings, 'well-formed', `MP4 is cut short: its ${iso.truncatedBox} box runs past the end of the file`, DAMAGED);
  }
  if (iso.moovAfterMdat) {
    report(findings, 'index-first', `${label} has its index (moov) after the media data (mdat)`, INDEX_LAST);
  }
  const media = iso.tracks.filter(isMediaTrack);
  if (media.some((track) => track.codec !== undefined)) return true;
  let what: string;
  if (iso.tracks.length === 0) {
    what = 'holds no track';
  } else if (media.length === 0) {
    const others = [...new Set(iso.tracks.map((track) => `'${printableFourcc(track.handler)}'`))].join(', ');
    what = `holds no audio or video track, only ${others}`;
  } else {
    what = 'names no codec for its tracks (no sample description)';
  }
  report(findings, 'media-track', `${label} ${what}: its content could not be confirmed`, DAMAGED);
  return false;
}

/** An audio or video track: the only kinds WhatsApp plays. */
function isMediaTrack(track: IsoInfo['tracks'][number]): boolean {
  return track.handler === 'vide' || track.handler === 'soun';
}

/** The codec rules of MP4/3GP video: H.264 (not High with B-frames), AAC, at most one audio track. */
function checkTrackCodecs(iso: IsoInfo, findings: Findings): void {
  const problems = new Map<string, RuleId>();
  const audio = iso.tracks.filter((track) => track.handler === 'soun');
  for (const track of iso.tracks) {
    if (track.handler === 'vide' && !isH264(track)) problems.set(`video is ${describeCodec(track)}, not H.264`, 'h264-video');
    // reordersFrames is only looked for in the High family, where B-frames do not play on Android.
    if (track.handler === 'vide' && track.reordersFrames && track.avcProfile !== undefined) {
      const profile = avcProfileName(track.avcProfile);
      report(findings, 'high-b-frames', `video is H.264 ${profile} profile with B-frames`, HIGH_WITH_B_FRAMES);
    }
    if (track.handler === 'soun' && !isAac(track)) problems.set(`audio is ${describeCodec(track)}, not AAC`, 'aac-audio-in-video');
  }
  if (audio.length > 1) problems.set(`video has ${audio.length} audio tracks, not at most one`, 'one-audio-stream');
  for (const [problem, rule] of problems) report(findings, rule, problem, UNDELIVERABLE);
}

function supported(mimeType: AcceptedMimeType): Content {
  return { kind: 'supported', type: mediaType(mimeType) };
}

/** "GIF (image/gif)": a recognised but unsupported type, for messages. */
function describeFileType(fileType: FileTypeResult): string {
  return `${fileType.ext.toUpperCase()} (${fileType.mime})`;
}
