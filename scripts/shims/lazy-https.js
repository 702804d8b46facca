// Build-time stand-in for node:https in got, form-data and hpagent: the real module (with TLS and node:crypto, a
// millisecond or two of start-up) loads when a request first reads any of its members, so a run that sends nothing
// over https never does.
let https;
module.exports = new Proxy({}, { get: (_, name) => (https ??= require('node:https'))[name] });
