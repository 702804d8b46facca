// Build-time stand-in for `debug` (file-type reaches it through @tokenizer/inflate): wa-upload never enables its
// namespaces, and loading it reads the environment, tty and supports-color at start-up. Every logger is a no-op.
function createDebug() {
  const log = () => {};
  log.enabled = false;
  log.extend = createDebug;
  return log;
}
createDebug.enable = () => {};
createDebug.disable = () => '';
createDebug.enabled = () => false;
module.exports = createDebug;
