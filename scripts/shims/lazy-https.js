// Build-time stand-in for node:https in got, form-data and hpagent: the real module (with TLS and node:crypto, a
// millisecond or two of start-up) loads when a request first uses it, so a run that sends nothing over https never does.
let https;
const load = () => (https ??= require('node:https'));
module.exports = {
  get request() {
    return load().request;
  },
  get get() {
    return load().get;
  },
  get Agent() {
    return load().Agent;
  },
  get globalAgent() {
    return load().globalAgent;
  },
};
