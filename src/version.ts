// The package version, written into the bundle at build time (scripts/build.js defines __WA_UPLOAD_VERSION__).

declare const __WA_UPLOAD_VERSION__: string | undefined;

/** wa-upload's version, e.g. "0.1.0" ("0.0.0-dev" when run from source). */
export const VERSION: string = typeof __WA_UPLOAD_VERSION__ === 'string' ? __WA_UPLOAD_VERSION__ : '0.0.0-dev';

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * The User-Agent for a version, in the grammar of Meta's OpenAPI description of the Cloud API
 * (https://github.com/facebook/openapi, `components.parameters.UserAgent`): `name/x.y.z` with at most one
 * `;key=value` suffix. A pre-release goes there (`1.2.3-beta.1` → `wa-upload/1.2.3;pre=beta.1`, `0.0.0-dev` →
 * `wa-upload/0.0.0;pre=dev`); build metadata (`+…`) is left out, and a version that is not semver reads as
 * `0.0.0;pre=unknown`.
 */
export function userAgentFor(version: string): string {
  const m = SEMVER.exec(version.trim());
  if (!m) return 'wa-upload/0.0.0;pre=unknown';
  const core = `${m[1]}.${m[2]}.${m[3]}`;
  return m[4] === undefined ? `wa-upload/${core}` : `wa-upload/${core};pre=${m[4]}`;
}

/** The User-Agent every request carries, media downloads included: some clients could not download media without one. */
export const USER_AGENT = userAgentFor(VERSION);
