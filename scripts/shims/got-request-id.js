// Build-time stand-in for node:crypto in got's diagnostics-channel.js, whose randomUUID() only labels got's
// diagnostics-channel messages (wa-upload subscribes to none): a version-4 UUID from Math.random, so that a request
// does not load node:crypto (a dozen modules) for a label nobody reads.
const hex = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
module.exports = {
  randomUUID() {
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(Math.random() * 4)]}${hex(3)}-${hex(12)}`;
  },
};
