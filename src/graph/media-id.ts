// What a media ID looks like: digits only, checked before one is printed, cached or put into a URL.

/** A media ID as the API hands them out: 1 to 40 digits, nothing else (no sign, exponent, space or escape code). */
export function isMediaId(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,40}$/.test(value);
}
