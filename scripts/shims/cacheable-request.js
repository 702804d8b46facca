// Build-time stand-in for cacheable-request (and with it keyv and http-cache-semantics): got uses it only when its
// `cache` option is set, which wa-upload never does; got still imports it and tests errors against CacheError.
export class CacheError extends Error {}
export default class CacheableRequest {
  constructor() {
    throw new Error('HTTP caching is not included in the wa-upload bundle');
  }
}
