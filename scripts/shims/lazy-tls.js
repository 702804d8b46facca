// Build-time stand-in for node:tls in got, which passes tls.checkServerIdentity with every request (http ones too):
// the same check, with node:tls (and node:crypto under it) loaded when a TLS connection first calls it.
module.exports = {
  checkServerIdentity(hostname, certificate) {
    return require('node:tls').checkServerIdentity(hostname, certificate);
  },
};
