// The programmatic API's URL sources: uploadMedia(new URL(…)) and createHandle(new URL(…)) fetch into a spool, send it, and remove it.

import { fetchSource, type FetchedSource, type SourceSettings } from './fetch-source.js';
import { convertibleFilename, unknownTypeError } from './batch-source.js';
import { parseSourceUrl, redactedUrl } from './source-url.js';
import type { MediaType } from '../media/media-types.js';
import { InputError } from '../errors.js';

/** What a URL argument must have: a WHATWG URL (Node's or the DOM's), described by the member used. */
export interface UrlLike {
  readonly href: string;
}

/** True when an API argument is a URL object rather than a path. */
export function isUrlArgument(value: unknown): value is UrlLike {
  return value !== null && typeof value === 'object' && typeof (value as { href?: unknown }).href === 'string';
}

/** What the API's result says of its source: the URL redacted (no credentials, no query), its Content-Type and ETag. */
export interface ApiSourceInfo {
  url: string;
  contentType: string;
  etag?: string | undefined;
}

/**
 * Fetches a URL source (http or https: any other scheme is a UsageError) into a spool, runs `send` on it with the
 * redacted URL as its name in messages, and removes the spool whatever happens.
 */
export async function withUrlSource<T>(
  argument: UrlLike,
  settings: SourceSettings,
  request: { typeOverride?: MediaType | undefined; fix?: boolean | undefined },
  send: (spool: { path: string; filename: string; shown: string; source: ApiSourceInfo }) => Promise<T>,
): Promise<T> {
  const url = parseSourceUrl(argument.href);
  const shown = redactedUrl(url);
  let fetched: FetchedSource | undefined;
  try {
    fetched = (await fetchSource({ url, typeOverride: request.typeOverride }, settings)) as FetchedSource;
    const filename = fetched.type || request.typeOverride ? fetched.filename : convertibleFilename(fetched.filename, fetched.contentType, request.fix === true);
    if (filename === undefined) throw unknownTypeError(fetched.contentType, fetched.filename);
    const source = { url: shown, contentType: fetched.contentType, ...(fetched.etag !== undefined ? { etag: fetched.etag } : {}) };
    return await send({ path: fetched.path, filename, shown, source });
  } catch (error) {
    // Named as a file's error is: `error.file` is the URL as messages show it.
    throw error instanceof InputError ? error.about(shown) : error;
  } finally {
    await fetched?.cleanup();
  }
}
