// Chooses the conversion of one file from what the content checks found: the target type, the reasons, and ffmpeg's options for each try.

import { extname } from 'node:path';
import { InputError } from '../errors.js';
import type { RuleId } from '../media/content-rules.js';
import { formatBytes, maxBytesFor, mediaType, type MediaType } from '../media/media-types.js';
import type { ContentFinding } from '../media/preflight.js';

/** What is known of a file before it is converted. */
export interface Diagnosis {
  /** The type the checks judged it as (the content's, or --type's), for an accepted type; undefined for a foreign format. */
  type: MediaType | undefined;
  /** Set when --type named the type (then `detected` is what the content really is, if that is an accepted type). */
  forced: boolean;
  detected: MediaType | undefined;
  /** A format WhatsApp does not take, by the file's extension (`.mov`) or by its content (GIF bytes in a .jpg). */
  foreign: ForeignFormat | undefined;
  findings: readonly ContentFinding[];
  size: number;
  /** For WebP: whether it is animated. */
  animated: boolean | undefined;
}

/** A format ffmpeg reads that WhatsApp does not take, and what it becomes. */
export interface ForeignFormat {
  /** How messages name it: "MOV (video/quicktime)". */
  label: string;
  mimeType: string;
  kind: 'video' | 'gif' | 'audio';
}

/** What the run asks for. */
export interface RecipeOptions {
  /** --voice: audio becomes a mono Opus voice note. */
  voice: boolean;
  /** Only these types may come out (handles: PDF, JPEG, PNG, MP4), and who takes them, for messages. */
  accepted?: { mimeTypes: readonly string[]; by: string } | undefined;
}

/** One conversion: what comes out, why, and ffmpeg's output options for each try, best first. */
export interface Recipe {
  /** Names the conversion and its version: part of the --reuse key of the converted file. */
  id: string;
  target: MediaType;
  /** What the result is, for people: "mono Opus in Ogg". */
  result: string;
  /** What was wrong: the findings' texts and any size or format problem. */
  reasons: string[];
  /** The converted file's size limit: a try whose output is larger is followed by the next. */
  limit: number;
  /** Whether the first try needs the input's duration (a bitrate that fits), found before converting. */
  needsDuration: boolean;
  /** ffmpeg's output options per try, given the input's duration in seconds (when known: asked again once a run said it). */
  tries(durationSeconds: number | undefined): string[][];
}

/** Formats named by an extension WhatsApp does not take that --fix converts. */
const FOREIGN_EXTENSIONS: Record<string, ForeignFormat> = {
  '.gif': { label: 'GIF (image/gif)', mimeType: 'image/gif', kind: 'gif' },
  '.mov': { label: 'MOV (video/quicktime)', mimeType: 'video/quicktime', kind: 'video' },
  '.qt': { label: 'MOV (video/quicktime)', mimeType: 'video/quicktime', kind: 'video' },
  '.webm': { label: 'WebM (video/webm)', mimeType: 'video/webm', kind: 'video' },
  '.mkv': { label: 'Matroska (video/x-matroska)', mimeType: 'video/x-matroska', kind: 'video' },
  '.m4v': { label: 'M4V (video/x-m4v)', mimeType: 'video/x-m4v', kind: 'video' },
  '.avi': { label: 'AVI (video/x-msvideo)', mimeType: 'video/x-msvideo', kind: 'video' },
  '.wav': { label: 'WAV (audio/wav)', mimeType: 'audio/wav', kind: 'audio' },
  '.flac': { label: 'FLAC (audio/flac)', mimeType: 'audio/flac', kind: 'audio' },
  '.oga': { label: 'Ogg audio (audio/ogg)', mimeType: 'audio/ogg', kind: 'audio' },
  '.aif': { label: 'AIFF (audio/aiff)', mimeType: 'audio/aiff', kind: 'audio' },
  '.aiff': { label: 'AIFF (audio/aiff)', mimeType: 'audio/aiff', kind: 'audio' },
};

/** file-type's names of content in a format WhatsApp does not take that --fix converts (GIF bytes named .jpg). */
const FOREIGN_CONTENT: Record<string, ForeignFormat> = Object.fromEntries(
  ['gif', 'mov', 'webm', 'mkv', 'avi', 'wav', 'flac'].map((name) => [name, FOREIGN_EXTENSIONS[`.${name}`]!]),
);

/** The foreign format an extension names, when --fix converts it. */
export function foreignByExtension(name: string): ForeignFormat | undefined {
  return FOREIGN_EXTENSIONS[extname(name).toLowerCase()];
}

/** The extension of the foreign format a Content-Type names (`audio/wav` → `.wav`), when --fix converts it. */
export function foreignExtensionForMime(contentType: string): string | undefined {
  const mimeType = contentType.split(';')[0]!.trim().toLowerCase();
  const aliases: Record<string, string> = { 'audio/x-wav': 'audio/wav', 'audio/wave': 'audio/wav', 'audio/x-flac': 'audio/flac', 'audio/x-aiff': 'audio/aiff' };
  const wanted = aliases[mimeType] ?? mimeType;
  return Object.entries(FOREIGN_EXTENSIONS).find(([, format]) => format.mimeType === wanted)?.[0];
}

/** The foreign format content in an accepted-looking file is (file-type's name), when --fix converts it. */
export function foreignByContent(format: string | undefined): ForeignFormat | undefined {
  return format === undefined ? undefined : FOREIGN_CONTENT[format];
}

/** The rules whose findings a video re-encode mends. */
const VIDEO_CODEC_RULES: readonly RuleId[] = ['h264-video', 'aac-audio-in-video', 'one-audio-stream', 'high-b-frames', 'index-first'];

/** Seconds of AAC at this many kb/s are set aside from a size budget. */
const VIDEO_AUDIO_KBPS = 128;
/** The share of the limit a bitrate aims at: containers and rate control overshoot a little. */
const FIT_MARGIN = 0.92;

/** An even width and height (H.264 in 4:2:0 needs them), the picture otherwise as it is. */
const EVEN_DIMENSIONS = 'scale=trunc(iw/2)*2:trunc(ih/2)*2';
/** A sticker: fit within 512x512, then pad with transparency to exactly 512x512. */
const STICKER_FILTER = 'scale=512:512:force_original_aspect_ratio=decrease:flags=lanczos,format=rgba,pad=512:512:(ow-iw)/2:(oh-ih)/2:color=black@0';
/** 8-bit RGB or RGBA, whichever keeps what the picture has (ffmpeg picks the one closest to the input). */
const EIGHT_BIT_RGB = 'format=pix_fmts=rgba|rgb24';

/**
 * The conversion a file needs, or undefined when it needs none (it is sent untouched, byte for byte). Throws
 * InputError when it needs one that --fix cannot make (audio for a handle, a foreign audio file without --voice).
 */
export function chooseRecipe(d: Diagnosis, options: RecipeOptions): Recipe | undefined {
  const recipe = recipeFor(d, options);
  const accepted = options.accepted;
  const sent = recipe?.target ?? d.type;
  if (accepted && sent && !accepted.mimeTypes.includes(sent.mimeType)) {
    throw new InputError(`${sent.label} cannot be converted to a type ${accepted.by} takes`, `send a file of one of ${accepted.mimeTypes.join(', ')}`);
  }
  return recipe;
}

function recipeFor(d: Diagnosis, options: RecipeOptions): Recipe | undefined {
  const forHandle = options.accepted !== undefined;
  const foreign = d.foreign;
  const stickerWanted = d.forced && d.type?.category === 'sticker';
  if (foreign) {
    const reason = `${foreign.label} is not a type WhatsApp takes`;
    if (stickerWanted && foreign.kind !== 'audio') return sticker(true, [reason]);
    if (foreign.kind === 'audio') {
      if (forHandle) throw new InputError(`${foreign.label} is audio, which ${options.accepted!.by} does not take`, `send a file of one of ${options.accepted!.mimeTypes.join(', ')}`);
      if (!options.voice) throw new InputError(`${foreign.label} is not a type WhatsApp takes`, 'add --voice to send it as a voice note (mono Opus in Ogg)');
      return opus('voice', [reason, 'sent as a voice note (--voice)']);
    }
    return h264(foreign.kind === 'gif' ? 'gif' : 'video', [reason], false);
  }
  const type = d.type;
  if (!type) return undefined;
  const limit = maxBytesFor(type, d.animated === undefined ? {} : { animated: d.animated });
  const over = d.size > limit;
  const overText = `is ${formatBytes(d.size)}, over the ${formatBytes(limit)} limit`;
  const mended = (rules: readonly RuleId[]): string[] => d.findings.filter((f) => rules.includes(f.rule)).map((f) => f.text);

  if (stickerWanted && d.detected && d.detected.category === 'image') {
    return sticker(false, [`content is ${d.detected.label}, not a WebP sticker`]);
  }
  switch (type.category) {
    case 'audio': {
      const fixed = mended(['ogg-opus', 'opus-mono']);
      const monoOpus = type.mimeType === 'audio/ogg' && fixed.length === 0;
      if (options.voice && !monoOpus) return opus('voice', [...fixed, 'sent as a voice note (--voice)']);
      if (fixed.length > 0) return opus('mono', fixed);
      return undefined;
    }
    case 'video': {
      const reasons = mended(VIDEO_CODEC_RULES);
      const reencode = d.findings.some((f) => VIDEO_CODEC_RULES.includes(f.rule) && f.rule !== 'index-first');
      const toMp4 = forHandle && type.mimeType !== 'video/mp4';
      if (toMp4) reasons.push(`${type.label} is not a type ${options.accepted!.by} takes`);
      if (over) reasons.push(overText);
      if (reencode || over || toMp4) return h264('video', reasons, over);
      if (reasons.length > 0) return faststart(type, reasons);
      return undefined;
    }
    case 'image': {
      const eightBit = mended(['eight-bit-image']);
      if (eightBit.length === 0 && !over) return undefined;
      return image(type, [...eightBit, ...(over ? [overText] : [])], over);
    }
    case 'sticker': {
      if (forHandle) return pngFromWebp(d.animated === true, [`${type.label} is not a type ${options.accepted!.by} takes`]);
      const reasons = mended(['sticker-512', 'sticker-bytes']);
      if (over && !d.findings.some((f) => f.rule === 'sticker-bytes')) reasons.push(overText);
      if (reasons.length === 0) return undefined;
      return sticker(d.animated === true, reasons);
    }
    default:
      return undefined;
  }
}

/** Mono Opus in Ogg: a voice note (speech settings) or any audio mixed down; a second, lower try if it does not fit. */
function opus(kind: 'voice' | 'mono', reasons: string[]): Recipe {
  const target = mediaType('audio/ogg');
  const options = (kbps: number): string[] => [
    '-map', '0:a:0', '-vn', '-sn', '-dn', '-map_metadata', '-1',
    '-ac', '1', '-ar', '48000', '-c:a', 'libopus', '-b:a', `${kbps}k`, '-application', kind === 'voice' ? 'voip' : 'audio',
    '-f', 'ogg',
  ];
  return {
    id: `${kind === 'voice' ? 'voice' : 'opus-mono'}/1`,
    target,
    result: kind === 'voice' ? 'a mono Opus voice note in Ogg' : 'mono Opus in Ogg',
    reasons,
    limit: target.maxBytes,
    needsDuration: false,
    tries: () => [options(kind === 'voice' ? 24 : 32), options(12)],
  };
}

/** The same streams, the index (moov) moved before the media data: no re-encode. */
function faststart(type: MediaType, reasons: string[]): Recipe {
  return {
    id: 'faststart/1',
    target: type,
    result: `${type.label} with its index first`,
    reasons,
    limit: type.maxBytes,
    needsDuration: false,
    tries: () => [['-map', '0:v', '-map', '0:a?', '-c', 'copy', '-movflags', '+faststart', '-f', type.mimeType === 'video/3gpp' ? '3gp' : 'mp4']],
  };
}

/**
 * H.264 Main without B-frames, yuv420p, even dimensions, AAC (none from a GIF), the index first. Over the limit (or when
 * the first try comes out over it), tries at a bitrate that fits the input's duration, then one lower.
 */
function h264(source: 'video' | 'gif', reasons: string[], over: boolean): Recipe {
  const target = mediaType('video/mp4');
  const audio = source !== 'gif';
  const options = (rate: { crf: number } | { kbps: number }): string[] => [
    '-map', '0:v:0', ...(audio ? ['-map', '0:a:0?', '-c:a', 'aac', '-b:a', `${VIDEO_AUDIO_KBPS}k`] : ['-an']), '-sn', '-dn', '-map_metadata', '-1',
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-bf', '0', '-pix_fmt', 'yuv420p', '-vf', EVEN_DIMENSIONS,
    ...('crf' in rate ? ['-crf', String(rate.crf)] : ['-b:v', `${rate.kbps}k`, '-maxrate', `${rate.kbps}k`, '-bufsize', `${rate.kbps * 2}k`]),
    '-movflags', '+faststart', '-f', 'mp4',
  ];
  return {
    id: source === 'gif' ? 'gif-mp4/1' : 'h264/1',
    target,
    result: source === 'gif' ? 'H.264 MP4 video without audio' : 'H.264 Main (no B-frames) and AAC in MP4, index first',
    reasons,
    limit: target.maxBytes,
    // Over the limit, the first try's bitrate comes from the duration; else ffmpeg's own run says it, for any later try.
    needsDuration: over,
    tries: (duration) => {
      const fitting = duration && duration > 0 ? [1, 0.7].map((share) => options({ kbps: fitKbps(target.maxBytes, duration, audio, share) })) : [];
      return over && fitting.length > 0 ? fitting : [options({ crf: 23 }), ...fitting];
    },
  };
}

/** The video bitrate in kb/s that fits `limit` bytes over `duration` seconds (with the audio's share taken out). */
function fitKbps(limit: number, duration: number, audio: boolean, share: number): number {
  const total = (limit * 8 * FIT_MARGIN) / duration / 1000;
  return Math.max(50, Math.floor((total - (audio ? VIDEO_AUDIO_KBPS : 0)) * share));
}

/** An 8-bit PNG or JPEG; over the limit, recompressed, then scaled down step by step until it fits. */
function image(type: MediaType, reasons: string[], over: boolean): Recipe {
  const png = type.mimeType === 'image/png';
  const scale = (factor: number): string[] => (factor === 1 ? [] : [`scale=trunc(iw*${factor}):-1:flags=lanczos`]);
  const options = (factor: number, quality: number): string[] =>
    png
      ? ['-map', '0:v:0', '-frames:v', '1', '-vf', [...scale(factor), EIGHT_BIT_RGB].join(','), '-c:v', 'png', '-pred', 'mixed', '-compression_level', '9', '-f', 'image2', '-update', '1']
      : ['-map', '0:v:0', '-frames:v', '1', ...(factor === 1 ? [] : ['-vf', scale(factor)[0]!]), '-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-q:v', String(quality), '-f', 'image2', '-update', '1'];
  const steps: [number, number][] = over ? [[1, 4], [1, 8], [0.75, 6], [0.5, 6], [0.35, 6], [0.25, 6]] : [[1, 2]];
  return {
    id: png ? 'png8/1' : 'jpeg8/1',
    target: type,
    result: over ? `a smaller 8-bit ${type.label}` : `an 8-bit ${type.label}`,
    reasons,
    limit: type.maxBytes,
    needsDuration: false,
    tries: () => steps.map(([factor, quality]) => options(factor, quality)),
  };
}

/** A 512x512 WebP sticker (fitted, padded with transparency), the quality lowered step by step until it fits. */
function sticker(animated: boolean, reasons: string[]): Recipe {
  const target = mediaType('image/webp');
  const limit = maxBytesFor(target, { animated });
  const qualities = animated ? [75, 50, 30, 15, 5] : [80, 60, 40, 25, 10];
  const options = (quality: number): string[] =>
    animated
      ? ['-map', '0:v:0', '-an', '-vf', STICKER_FILTER, '-c:v', 'libwebp_anim', '-lossless', '0', '-q:v', String(quality), '-loop', '0', '-f', 'webp']
      : ['-map', '0:v:0', '-frames:v', '1', '-vf', STICKER_FILTER, '-c:v', 'libwebp', '-lossless', '0', '-q:v', String(quality), '-f', 'webp'];
  return {
    id: animated ? 'sticker-animated/1' : 'sticker/1',
    target,
    result: `a 512x512 ${animated ? 'animated' : 'static'} WebP sticker within ${formatBytes(limit)}`,
    reasons,
    limit,
    needsDuration: false,
    tries: () => qualities.map(options),
  };
}

/** A handle takes no WebP: the sticker's picture as a PNG. */
function pngFromWebp(animated: boolean, reasons: string[]): Recipe {
  const target = mediaType('image/png');
  return {
    id: 'png-from-webp/1',
    target,
    result: animated ? 'the first frame as an 8-bit PNG' : 'an 8-bit PNG',
    reasons,
    limit: target.maxBytes,
    needsDuration: false,
    tries: () => [['-map', '0:v:0', '-frames:v', '1', '-vf', EIGHT_BIT_RGB, '-c:v', 'png', '-f', 'image2', '-update', '1']],
  };
}
