// Build-time stand-in for http2-wrapper: got imports it eagerly, and loading it builds a TLS context (30-45 ms of
// start-up) even for plain http. wa-upload never sets got's `http2` option, so got never reaches these members.
const unsupported = () => {
  throw new Error('HTTP/2 is not included in the wa-upload bundle');
};
export default { auto: unsupported, globalAgent: undefined, Agent: class {} };
