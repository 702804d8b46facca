// A URL source's type and part filename: Content-Type, else the URL path's extension; Content-Disposition, else the path's last segment, else media.<ext>.

import { extname } from 'node:path';
import { safeFilename } from '../graph/server-values.js';
import { MEDIA_TYPES, mediaTypeForExtension, mediaTypeForMime, partFilename, type MediaType } from '../media/media-types.js';

/** The largest limit of any type: what a source of a type not known yet may send before it is stopped. */
export const LARGEST_LIMIT = Math.max(...MEDIA_TYPES.map((type) => type.maxBytes));

/**
 * The filename of a Content-Disposition header: `filename*` (RFC 8187, UTF-8 percent-encoded) first, then `filename`
 * (quoted or a token); made safe (server-values.ts safeFilename). Undefined when the header names none.
 */
function contentDispositionFilename(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const extended = /(?:^|;)\s*filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (extended) {
    try {
      const charset = extended[1]!.trim().toLowerCase();
      const bytes = Buffer.from(extended[2]!.trim().replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))), 'latin1');
      const decoded = charset === 'iso-8859-1' ? bytes.toString('latin1') : bytes.toString('utf8');
      const name = safeFilename(decoded);
      if (name) return name;
    } catch {
      // A malformed extended value: the plain one, if any, is used.
    }
  }
  const plain = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
  if (!plain) return undefined;
  const value = plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2]!;
  return safeFilename(value);
}

/** The last segment of a URL's path, percent-decoded and made safe; undefined for `/` or a path ending in `/`. */
function urlPathFilename(url: URL): string | undefined {
  const segment = url.pathname.split('/').pop() ?? '';
  if (segment === '') return undefined;
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // Kept as it is: a stray % is still a name.
  }
  return safeFilename(decoded);
}

/** The type a source's answer names: its Content-Type when WhatsApp takes it, else its URL path's extension; undefined if neither does. */
export function sourceTypeFor(contentType: string | undefined, url: URL): MediaType | undefined {
  const byHeader = contentType ? mediaTypeForMime(contentType) : undefined;
  if (byHeader) return byHeader;
  const segment = urlPathFilename(url);
  return segment ? mediaTypeForExtension(extname(segment)) : undefined;
}

/**
 * The part filename of a source: `--filename`, else Content-Disposition, else the URL path's last segment, else
 * `media`; its extension made the type's when the type is known (`download` sent as a PDF → `download.pdf`).
 */
export function sourceFilename(options: { given?: string | undefined; contentDisposition?: string | undefined; url: URL; type: MediaType | undefined }): string {
  const name = (options.given !== undefined ? safeFilename(options.given) : undefined) ?? contentDispositionFilename(options.contentDisposition) ?? urlPathFilename(options.url) ?? 'media';
  return options.type ? partFilename(name, options.type) : name;
}
