// The content rules: what each content check asserts, the kinds of media its source names, its public source and how hard it is.
//
// A finding is reported only for a file whose category the rule names (preflight.ts `report`), so a rule its source
// states for video (the index before the media data) never fires on M4A audio. The strength follows the source:
//   warning    Meta's reference (or the format's own specification, for a damaged file): shown, refused by --strict;
//   advice     a weaker source (an SDK's docs): shown with "advice:" in the message, never refused by --strict;
//   correction wa-upload corrected the problem itself (sent the type the content has): shown, never refused;
//   refusal    a limit Meta's reference states: the file is not sent, with or without --strict.
// docs/content-checks.md is the same table for people; test/media/content-rules.test.ts keeps the two in step.

import type { MediaCategory } from './media-types.js';

type RuleStrength = 'warning' | 'advice' | 'correction' | 'refusal';

/** A public page a rule rests on, and what it says there (in our words). */
interface RuleSource {
  readonly url: string;
  readonly says: string;
}

/** One content rule. */
export interface ContentRule {
  /** What the rule checks, in one line. */
  readonly checks: string;
  /** The categories the rule's source names: a finding on a file of any other category is not reported. */
  readonly kinds: readonly MediaCategory[];
  readonly strength: RuleStrength;
  /** At least one public source. */
  readonly sources: readonly [RuleSource, ...RuleSource[]];
  /** What `--fix` does about a finding of this rule (src/fix/recipe.ts), when it mends it: said in the hint without --fix. */
  readonly fix?: string;
}

const EVERY_KIND: readonly MediaCategory[] = ['image', 'sticker', 'audio', 'video', 'document'];

/** Meta's pages the rules rest on. */
const META_MEDIA_TYPES =
  'https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media#supported-media-types';
const META_VIDEO_MESSAGES = 'https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/video-messages';
const META_AUDIO_MESSAGES = 'https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/audio-messages';
const META_STICKER_MESSAGES = 'https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/sticker-messages';
const SDK_STICKER_MESSAGES = 'https://whatsapp.github.io/WhatsApp-Nodejs-SDK/api-reference/messages/sticker';

const SUPPORTED_TYPES: RuleSource = {
  url: META_MEDIA_TYPES,
  says: 'the types WhatsApp takes, each with its MIME type; the upload names the type of the file it sends',
};

/** Every content rule, by id. */
export const CONTENT_RULES = {
  'type-corrected': {
    checks: 'the content is the declared type; when it is another accepted type of the same kind (an image for an image, a Word file for a Word file), wa-upload sends the true type with a matching part filename',
    kinds: EVERY_KIND,
    strength: 'correction',
    sources: [SUPPORTED_TYPES],
  },
  'declared-type': {
    checks: 'the content is the declared type: not another kind of media (Ogg audio named .mp4, text named .pdf), not a type WhatsApp does not take (GIF named .jpg), not unrecognisable; with --type nothing is corrected, so any mismatch',
    kinds: EVERY_KIND,
    strength: 'warning',
    sources: [SUPPORTED_TYPES],
  },
  'well-formed': {
    checks: "the headers a player needs are there and readable: PNG IHDR, a JPEG frame header, the WebP header, an Ogg stream header, an MP4/M4A/3GP moov box, no box running past the end of the file; and for every file, that the checks could read it at all",
    kinds: EVERY_KIND,
    strength: 'warning',
    sources: [
      { url: 'https://www.w3.org/TR/png-3/', says: 'PNG: IHDR is the first chunk' },
      { url: 'https://www.w3.org/Graphics/JPEG/itu-t81.pdf', says: 'JPEG: a frame header (SOFn) precedes the scan' },
      { url: 'https://www.rfc-editor.org/rfc/rfc9649', says: 'WebP: the RIFF container and its first chunk' },
      { url: 'https://www.rfc-editor.org/rfc/rfc3533', says: 'Ogg: each stream starts with a beginning-of-stream page' },
      { url: 'https://www.iso.org/standard/83102.html', says: 'ISO base media file format (MP4, M4A, 3GP): a file holds a moov box' },
    ],
  },
  'media-track': {
    checks: 'an MP4, M4A or 3GP holds an audio or video track whose codec can be read (not only subtitles, not an empty sample description)',
    kinds: ['audio', 'video'],
    strength: 'warning',
    sources: [{ url: META_MEDIA_TYPES, says: 'MP4 audio and MP4/3GP video carry AAC audio and H.264 video' }],
  },
  'eight-bit-image': {
    checks: 'PNG and JPEG images are 8-bit (PNG IHDR bit depth, JPEG frame precision)',
    kinds: ['image'],
    strength: 'warning',
    fix: 'converts it to an 8-bit image',
    sources: [{ url: META_MEDIA_TYPES, says: 'images must be 8-bit, RGB or RGBA' }],
  },
  'sticker-bytes': {
    checks: 'a static sticker is at most 100,000 bytes, an animated one at most 500,000 (the VP8X animation flag tells them apart)',
    kinds: ['sticker'],
    strength: 'refusal',
    fix: 're-encodes it, lowering the quality step by step until it fits',
    sources: [{ url: META_STICKER_MESSAGES, says: 'static stickers up to 100 KB, animated stickers up to 500 KB' }],
  },
  'sticker-512': {
    checks: 'a sticker is 512x512 pixels',
    kinds: ['sticker'],
    strength: 'advice',
    fix: 'scales it to fit 512x512 and pads it with transparency',
    sources: [{ url: SDK_STICKER_MESSAGES, says: "Meta's (archived) Node.js SDK docs: a sticker needs to be 512x512 pixels; the Cloud API reference does not say so" }],
  },
  'ogg-opus': {
    checks: 'an Ogg file holds one stream, and it is Opus (OpusHead), not Vorbis, Speex, FLAC or video',
    kinds: ['audio'],
    strength: 'warning',
    fix: 'converts it to mono Opus in Ogg',
    sources: [
      { url: META_MEDIA_TYPES, says: 'audio/ogg: Opus codecs only; base audio/ogg is not supported' },
      { url: META_AUDIO_MESSAGES, says: 'voice messages require .ogg files encoded with Opus' },
    ],
  },
  'opus-mono': {
    checks: 'Ogg Opus is mono (the OpusHead channel count is 1)',
    kinds: ['audio'],
    strength: 'warning',
    fix: 'mixes it down to mono Opus',
    sources: [{ url: META_MEDIA_TYPES, says: 'audio/ogg: mono input only' }],
  },
  'h264-video': {
    checks: "an MP4 or 3GP video's video track is H.264 (avc1/avc3), not HEVC, AV1, VP9…",
    kinds: ['video'],
    strength: 'warning',
    fix: 're-encodes it as H.264 Main without B-frames, with AAC audio',
    sources: [{ url: META_VIDEO_MESSAGES, says: 'only the H.264 video codec and the AAC audio codec are supported' }],
  },
  'aac-audio-in-video': {
    checks: "an MP4 or 3GP video's audio track is AAC (mp4a with an AAC object type), not MP3, AC-3, Opus…",
    kinds: ['video'],
    strength: 'warning',
    fix: 're-encodes its audio as AAC',
    sources: [{ url: META_VIDEO_MESSAGES, says: 'only the H.264 video codec and the AAC audio codec are supported' }],
  },
  'one-audio-stream': {
    checks: 'an MP4 or 3GP video has at most one audio track',
    kinds: ['video'],
    strength: 'warning',
    fix: 'keeps its first audio track, as AAC',
    sources: [{ url: META_VIDEO_MESSAGES, says: 'single audio stream or no audio stream only' }],
  },
  'high-b-frames': {
    checks: 'H.264 video is not High profile (or High 10, 4:2:2, 4:4:4) with B-frames (the avcC profile; composition offsets in the first 2 KB of ctts, or in the first fragment\'s trun)',
    kinds: ['video'],
    strength: 'warning',
    fix: 're-encodes it as H.264 Main without B-frames',
    sources: [{ url: META_VIDEO_MESSAGES, says: 'H.264 High profile with B-frames is not supported by Android WhatsApp; use Main without B-frames, or Baseline' }],
  },
  'index-first': {
    checks: 'an MP4 or 3GP video has its index first (moov before mdat)',
    kinds: ['video'],
    strength: 'warning',
    fix: 'moves the index to the front (no re-encode)',
    sources: [{ url: META_VIDEO_MESSAGES, says: 'place moov boxes before mdat boxes (ffmpeg -movflags faststart)' }],
  },
} as const satisfies Record<string, ContentRule>;

export type RuleId = keyof typeof CONTENT_RULES;

/** The rules in the table's order, with their ids. */
export const RULES: ReadonlyArray<ContentRule & { readonly id: RuleId }> = (Object.keys(CONTENT_RULES) as RuleId[]).map(
  (id) => ({ id, ...(CONTENT_RULES[id] as ContentRule) }),
);

/** True when the rule's source names this category. */
export function ruleApplies(id: RuleId, category: MediaCategory): boolean {
  return (CONTENT_RULES[id].kinds as readonly MediaCategory[]).includes(category);
}

/** True when --strict lets a finding of this rule through. */
export function strictAllows(id: RuleId): boolean {
  const strength: RuleStrength = CONTENT_RULES[id].strength;
  return strength === 'advice' || strength === 'correction';
}

/** What --fix does about a finding of this rule, or undefined when it does not mend it. */
function fixOf(id: RuleId): string | undefined {
  return (CONTENT_RULES[id] as ContentRule).fix;
}

/** The hint for findings --fix would mend, without --fix: "--fix converts it to mono Opus in Ogg", or undefined. */
export function fixHint(findings: readonly { rule: RuleId }[]): string | undefined {
  const what = [...new Set(findings.map((f) => fixOf(f.rule)).filter((text): text is string => text !== undefined))];
  return what.length === 0 ? undefined : `pass --fix and wa-upload ${what.join('; ')}`;
}
