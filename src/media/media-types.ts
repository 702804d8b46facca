// The WhatsApp media table: one record per accepted MIME type, from which every lookup, label, limit and check is derived.
//
// The types, extensions and limits are Meta's "Supported media types"
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media#supported-media-types).
// Adding a type is one record here (plus a fixture under fixtures/valid/); the compiler refuses a record without a
// label, a limit or a content check, and test/media/media-types.test.ts checks every table derived from the records.

/** What WhatsApp does with a file: the category decides the size limit and how a message sends it. */
export type MediaCategory = 'image' | 'sticker' | 'audio' | 'video' | 'document';

/** The kind of document a recipient gets: a mismatch inside one kind is corrected, across kinds it is not. */
export type DocumentKind = 'PDF' | 'text' | 'Word' | 'Excel' | 'PowerPoint';

/**
 * The format whose content check the bytes of this type go through (src/media/preflight.ts): how the content is
 * recognised, and which header checks follow (bit depth for PNG and JPEG, sticker size for WebP, codecs for Ogg and
 * ISO base media files). Which of those checks' rules apply is decided by the type's category (content-rules.ts).
 */
type ContentCheck =
  | 'jpeg'
  | 'png'
  | 'webp'
  | 'adts'
  | 'amr'
  | 'mpeg-audio'
  | 'iso-bmff'
  | 'ogg'
  | 'pdf'
  | 'text'
  | 'ole2'
  | 'ooxml';

/** The fields every record has, whatever its category. */
interface RecordFields {
  readonly category: MediaCategory;
  /** Extensions (lower case, with the dot); the first one is the canonical one for part filenames. */
  readonly extensions: readonly string[];
  /**
   * Extensions whose content is this type but which are never sent under their own name: `.opus` is Ogg Opus and goes
   * up as audio/ogg named `.ogg` (audio/opus uploads but fails to send).
   */
  readonly extensionAliases: readonly string[];
  /** Other spellings people pass to --type (`image/jpg`), read as this type. */
  readonly mimeAliases: readonly string[];
  /** Largest accepted size in decimal bytes (for stickers: the animated limit; see staticMaxBytes). */
  readonly maxBytes: number;
  /** How messages name the type: "PNG", "MP4 audio (M4A)", "Word document (.docx)". */
  readonly label: string;
  readonly contentCheck: ContentCheck;
  /** For documents, the kind of document; null for every other category. */
  readonly documentKind: DocumentKind | null;
  /** For stickers, the limit of a static (not animated) one; null for every other category. */
  readonly staticMaxBytes: number | null;
}

/** A record as the table holds it: documents must name their kind, stickers their static limit, others neither. */
export type MediaTypeRecord = RecordFields &
  (
    | { readonly category: 'document'; readonly documentKind: DocumentKind; readonly staticMaxBytes: null }
    | { readonly category: 'sticker'; readonly documentKind: null; readonly staticMaxBytes: number }
    | { readonly category: 'image' | 'audio' | 'video'; readonly documentKind: null; readonly staticMaxBytes: null }
  );

/** One MIME type WhatsApp accepts for upload: its record, with the MIME type it is keyed by. */
export type MediaType = MediaTypeRecord & {
  /** The MIME type sent as the `type` field and as the file part's Content-Type. */
  readonly mimeType: string;
};

const MB = 1_000_000;

/** Defaults shared by most records, spelt out in each record that differs. */
const plain = { extensionAliases: [], mimeAliases: [], documentKind: null, staticMaxBytes: null } as const;
const document = (kind: DocumentKind, label: string, extension: string, contentCheck: ContentCheck) =>
  ({
    category: 'document',
    extensions: [extension],
    extensionAliases: [],
    mimeAliases: [],
    maxBytes: 100 * MB,
    label,
    contentCheck,
    documentKind: kind,
    staticMaxBytes: null,
  }) as const;

/**
 * Every type WhatsApp accepts and delivers, keyed by MIME type. `audio/opus` is left out on purpose: it uploads but
 * fails to send, so it is an alias of audio/ogg.
 */
const RECORDS = {
  'image/jpeg': { ...plain, category: 'image', extensions: ['.jpg', '.jpeg'], mimeAliases: ['image/jpg'], maxBytes: 5 * MB, label: 'JPEG', contentCheck: 'jpeg' },
  'image/png': { ...plain, category: 'image', extensions: ['.png'], maxBytes: 5 * MB, label: 'PNG', contentCheck: 'png' },
  'image/webp': { ...plain, category: 'sticker', extensions: ['.webp'], maxBytes: 500_000, staticMaxBytes: 100_000, label: 'WebP', contentCheck: 'webp' },
  'audio/aac': { ...plain, category: 'audio', extensions: ['.aac'], mimeAliases: ['audio/x-aac'], maxBytes: 16 * MB, label: 'ADTS AAC audio', contentCheck: 'adts' },
  'audio/amr': { ...plain, category: 'audio', extensions: ['.amr'], maxBytes: 16 * MB, label: 'AMR audio', contentCheck: 'amr' },
  'audio/mpeg': { ...plain, category: 'audio', extensions: ['.mp3'], mimeAliases: ['audio/mp3'], maxBytes: 16 * MB, label: 'MP3 audio', contentCheck: 'mpeg-audio' },
  'audio/mp4': { ...plain, category: 'audio', extensions: ['.m4a'], mimeAliases: ['audio/x-m4a'], maxBytes: 16 * MB, label: 'MP4 audio (M4A)', contentCheck: 'iso-bmff' },
  'audio/ogg': { ...plain, category: 'audio', extensions: ['.ogg'], extensionAliases: ['.opus'], mimeAliases: ['audio/opus'], maxBytes: 16 * MB, label: 'Ogg audio', contentCheck: 'ogg' },
  'video/mp4': { ...plain, category: 'video', extensions: ['.mp4'], maxBytes: 16 * MB, label: 'MP4 video', contentCheck: 'iso-bmff' },
  'video/3gpp': { ...plain, category: 'video', extensions: ['.3gp'], mimeAliases: ['video/3gp'], maxBytes: 16 * MB, label: '3GP video', contentCheck: 'iso-bmff' },
  'application/pdf': document('PDF', 'PDF', '.pdf', 'pdf'),
  'text/plain': document('text', 'plain text', '.txt', 'text'),
  'application/msword': document('Word', 'Word 97-2003 document (.doc)', '.doc', 'ole2'),
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': document('Word', 'Word document (.docx)', '.docx', 'ooxml'),
  'application/vnd.ms-excel': document('Excel', 'Excel 97-2003 workbook (.xls)', '.xls', 'ole2'),
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': document('Excel', 'Excel workbook (.xlsx)', '.xlsx', 'ooxml'),
  'application/vnd.ms-powerpoint': document('PowerPoint', 'PowerPoint 97-2003 presentation (.ppt)', '.ppt', 'ole2'),
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': document('PowerPoint', 'PowerPoint presentation (.pptx)', '.pptx', 'ooxml'),
} as const satisfies Record<string, MediaTypeRecord>;

/** An accepted MIME type, as the table spells it. */
export type AcceptedMimeType = keyof typeof RECORDS;

/** Every type WhatsApp accepts and delivers, in the table's order. */
export const MEDIA_TYPES: readonly MediaType[] = Object.entries(RECORDS).map(
  ([mimeType, record]): MediaType => Object.freeze({ mimeType, ...(record as MediaTypeRecord) }),
);

const BY_MIME = new Map<string, MediaType>(MEDIA_TYPES.map((type) => [type.mimeType, type]));
const BY_MIME_ALIAS = new Map<string, MediaType>(MEDIA_TYPES.flatMap((type) => type.mimeAliases.map((alias) => [alias, type] as const)));
const BY_EXTENSION = new Map<string, MediaType>(
  MEDIA_TYPES.flatMap((type) => [...type.extensions, ...type.extensionAliases].map((ext) => [ext, type] as const)),
);

/** The record of a MIME type the table holds (compile-time checked), for code that names one. */
export function mediaType(mimeType: AcceptedMimeType): MediaType {
  return BY_MIME.get(mimeType)!;
}

/** A static WebP sticker may be at most this big; an animated one may reach the sticker's maxBytes. */
export const STATIC_STICKER_MAX_BYTES: number = RECORDS['image/webp'].staticMaxBytes;

/** The accepted type for an extension such as `.JPG` or `jpg` (any case), or undefined. */
export function mediaTypeForExtension(extension: string): MediaType | undefined {
  const ext = (extension.startsWith('.') ? extension : `.${extension}`).toLowerCase();
  return BY_EXTENSION.get(ext);
}

/**
 * The filename the file part carries: the basename, with its extension replaced by the type's own when it is not
 * one of the type's (`voice.opus` → `voice.ogg`, `photo` sent as image/png → `photo.png`).
 */
export function partFilename(basename: string, type: MediaType): string {
  const dot = basename.lastIndexOf('.');
  const ext = dot > 0 ? basename.slice(dot).toLowerCase() : '';
  if (type.extensions.includes(ext)) return basename;
  const stem = dot > 0 ? basename.slice(0, dot) : basename;
  return `${stem}${type.extensions[0]}`;
}

/** The accepted type for a MIME string (parameters and case ignored, common aliases folded), or undefined. */
export function mediaTypeForMime(mime: string): MediaType | undefined {
  const bare = mime.split(';')[0]!.trim().toLowerCase();
  return BY_MIME.get(bare) ?? BY_MIME_ALIAS.get(bare);
}

/** The accepted MIME types, for messages that list what WhatsApp takes. */
export function acceptedMimeTypes(): string[] {
  return MEDIA_TYPES.map((type) => type.mimeType);
}

/** The accepted extensions, for messages that list what WhatsApp takes: every type's own, then the aliases. */
export function acceptedExtensions(): string[] {
  return [...MEDIA_TYPES.flatMap((type) => type.extensions), ...MEDIA_TYPES.flatMap((type) => type.extensionAliases)];
}

/** The size limit that applies to a file of this type (stickers: static or animated). */
export function maxBytesFor(type: MediaType, options: { animated?: boolean } = {}): number {
  if (type.staticMaxBytes !== null && options.animated === false) return type.staticMaxBytes;
  return type.maxBytes;
}

/**
 * What a recipient gets, for deciding whether a mismatch is corrected by sending the true type: the category, and for
 * documents the kind of document (plain text in a .pdf is not the document its name promises; a .docx in a .doc is).
 */
export function recipientKind(type: MediaType): string {
  return type.documentKind ?? type.category;
}

/** Bytes as people read limits: "5 MB", "100 KB", "16 MB" (decimal units, like WhatsApp's own table). */
export function formatBytes(bytes: number): string {
  if (bytes >= MB) return `${trimNumber(bytes / MB)} MB`;
  if (bytes >= 1000) return `${trimNumber(bytes / 1000)} KB`;
  return `${bytes} bytes`;
}

function trimNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
