// Test preload (`node --import`): a resolver that answers FAKE_DNS_ANSWER for every *.localhost name, and a guard that
// refuses every TCP connection to an address off loopback (reporting it on stderr), so no test ever sends a byte off this machine.

import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';

const answer = process.env.FAKE_DNS_ANSWER ?? '192.0.2.1';
const family = answer.includes(':') ? 6 : 4;
const faked = (hostname) => /\.localhost\.?$/i.test(String(hostname));

const originalLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === 'function') [callback, options] = [options, {}];
  if (typeof options === 'number') options = { family: options };
  if (!faked(hostname)) return originalLookup.call(this, hostname, options, callback);
  process.nextTick(() => (options?.all ? callback(null, [{ address: answer, family }]) : callback(null, answer, family)));
  return {};
};
const originalPromiseLookup = dns.promises.lookup;
dns.promises.lookup = async function lookup(hostname, options) {
  if (!faked(hostname)) return originalPromiseLookup.call(this, hostname, options);
  return options?.all ? [{ address: answer, family }] : { address: answer, family };
};
syncBuiltinESMExports();

// The guard sits below net.Socket: whatever resolved what, a connection off loopback is never opened.
const { TCP } = process.binding('tcp_wrap');
const ECONNREFUSED = -111;
for (const method of ['connect', 'connect6']) {
  const original = TCP.prototype[method];
  TCP.prototype[method] = function guardedConnect(req, address, port) {
    const loopback = address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
    if (!loopback) {
      process.stderr.write(`FAKE-DNS-GUARD: refused a connection to ${address}:${port}\n`);
      return ECONNREFUSED;
    }
    return original.call(this, req, address, port);
  };
}
