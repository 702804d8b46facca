// The package version, written into the bundle at build time (scripts/build.js defines __WA_UPLOAD_VERSION__).

declare const __WA_UPLOAD_VERSION__: string | undefined;

/** wa-upload's version, e.g. "0.1.0" ("0.0.0-dev" when run from source). */
export const VERSION: string = typeof __WA_UPLOAD_VERSION__ === 'string' ? __WA_UPLOAD_VERSION__ : '0.0.0-dev';

/** The User-Agent every request carries, media downloads included: some clients could not download media without one (media-api.md 3). */
export const USER_AGENT = `wa-upload/${VERSION}`;
