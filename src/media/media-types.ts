// The WhatsApp media table (media-api.md section 2): extension → MIME type, category and size limit.

/** What WhatsApp does with a file: the category decides the size limit and how a message sends it. */
export type MediaCategory = 'image' | 'sticker' | 'audio' | 'video' | 'document';

/** One MIME type WhatsApp accepts for upload, with the extensions that carry it. */
export interface MediaType {
  /** The MIME type sent as the `type` field and as the file part's Content-Type. */
  readonly mimeType: string;
  readonly category: MediaCategory;
  /** Extensions (lower case, with the dot); the first one is the canonical one for part filenames. */
  readonly extensions: readonly string[];
  /** Largest accepted size in decimal bytes (for stickers: the animated limit; see STATIC_STICKER_MAX_BYTES). */
  readonly maxBytes: number;
}

/** A static WebP sticker may be at most this big; an animated one may reach the sticker's maxBytes. */
export const STATIC_STICKER_MAX_BYTES = 100_000;

const MB = 1_000_000;

/** Every type WhatsApp accepts and delivers. `audio/opus` is left out on purpose: it uploads but fails to send. */
export const MEDIA_TYPES: readonly MediaType[] = [
  { mimeType: 'image/jpeg', category: 'image', extensions: ['.jpg', '.jpeg'], maxBytes: 5 * MB },
  { mimeType: 'image/png', category: 'image', extensions: ['.png'], maxBytes: 5 * MB },
  { mimeType: 'image/webp', category: 'sticker', extensions: ['.webp'], maxBytes: 500_000 },
  { mimeType: 'audio/aac', category: 'audio', extensions: ['.aac'], maxBytes: 16 * MB },
  { mimeType: 'audio/amr', category: 'audio', extensions: ['.amr'], maxBytes: 16 * MB },
  { mimeType: 'audio/mpeg', category: 'audio', extensions: ['.mp3'], maxBytes: 16 * MB },
  { mimeType: 'audio/mp4', category: 'audio', extensions: ['.m4a'], maxBytes: 16 * MB },
  { mimeType: 'audio/ogg', category: 'audio', extensions: ['.ogg'], maxBytes: 16 * MB },
  { mimeType: 'video/mp4', category: 'video', extensions: ['.mp4'], maxBytes: 16 * MB },
  { mimeType: 'video/3gpp', category: 'video', extensions: ['.3gp'], maxBytes: 16 * MB },
  { mimeType: 'application/pdf', category: 'document', extensions: ['.pdf'], maxBytes: 100 * MB },
  { mimeType: 'text/plain', category: 'document', extensions: ['.txt'], maxBytes: 100 * MB },
  { mimeType: 'application/msword', category: 'document', extensions: ['.doc'], maxBytes: 100 * MB },
  {
    mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    category: 'document',
    extensions: ['.docx'],
    maxBytes: 100 * MB,
  },
  { mimeType: 'application/vnd.ms-excel', category: 'document', extensions: ['.xls'], maxBytes: 100 * MB },
  {
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    category: 'document',
    extensions: ['.xlsx'],
    maxBytes: 100 * MB,
  },
  { mimeType: 'application/vnd.ms-powerpoint', category: 'document', extensions: ['.ppt'], maxBytes: 100 * MB },
  {
    mimeType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    category: 'document',
    extensions: ['.pptx'],
    maxBytes: 100 * MB,
  },
];

/** Other spellings people pass to --type, mapped onto the accepted one. */
const MIME_ALIASES: Readonly<Record<string, string>> = {
  'video/3gp': 'video/3gpp',
  'audio/opus': 'audio/ogg',
  'audio/x-aac': 'audio/aac',
  'audio/mp3': 'audio/mpeg',
  'audio/x-m4a': 'audio/mp4',
  'image/jpg': 'image/jpeg',
};

/**
 * Extensions whose content is an accepted type but which must not be sent under their own name:
 * .opus is Ogg/Opus and goes up as audio/ogg with a .ogg part filename (audio/opus uploads but fails to send).
 */
const EXTENSION_ALIASES: Readonly<Record<string, string>> = { '.opus': 'audio/ogg' };

/** The accepted type for an extension such as `.JPG` or `jpg` (any case), or undefined. */
export function mediaTypeForExtension(extension: string): MediaType | undefined {
  const ext = (extension.startsWith('.') ? extension : `.${extension}`).toLowerCase();
  const alias = EXTENSION_ALIASES[ext];
  return MEDIA_TYPES.find((type) => (alias ? type.mimeType === alias : type.extensions.includes(ext)));
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
  const canonical = MIME_ALIASES[bare] ?? bare;
  return MEDIA_TYPES.find((type) => type.mimeType === canonical);
}

/** The accepted MIME types, for messages that list what WhatsApp takes. */
export function acceptedMimeTypes(): string[] {
  return MEDIA_TYPES.map((type) => type.mimeType);
}

/** The accepted extensions, for messages that list what WhatsApp takes. */
export function acceptedExtensions(): string[] {
  return [...MEDIA_TYPES.flatMap((type) => type.extensions), ...Object.keys(EXTENSION_ALIASES)];
}

/** The size limit that applies to a file of this type (stickers: static or animated). */
export function maxBytesFor(type: MediaType, options: { animated?: boolean } = {}): number {
  if (type.category === 'sticker' && options.animated === false) return STATIC_STICKER_MAX_BYTES;
  return type.maxBytes;
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
