// Build-time stand-in for cacheable-lookup: got builds one only for its `dnsCache: true` option, which wa-upload never
// sets; loading the real one pulls node:dns's resolver at start-up.
export default class CacheableLookup {
  constructor() {
    throw new Error('DNS caching is not included in the wa-upload bundle');
  }
}
