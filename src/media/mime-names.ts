// Names the MIME type of a file WhatsApp will not take (mime-types knows every type; our table only the accepted ones).

import mime from 'mime-types';

/** The MIME type the extension usually means (`.gif` → `image/gif`), or undefined when unknown. */
export function mimeTypeNamedBy(extension: string): string | undefined {
  const type = mime.lookup(extension);
  return type === false ? undefined : type;
}
