// The start of dist/cli.cjs (scripts/build.js fills in the two tables): each chunk runs once, on first require; a chunk
// outside cli.cjs is taken from its file (main.cjs or extras.cjs), which Node's require loads (--help, the API) or
// src/launch.ts does through the code cache (its require serves ./<name>.cjs).
const __waFileOf = /* FILE_OF */ {};
const __waChunks = /* CHUNKS */ {};
const __waModules = new Map();
function __waRequire(id) {
  const chunk = /^\.\/(chunk-[\w-]+\.cjs)$/.exec(id);
  return chunk ? __waChunk(chunk[1]) : require(id);
}
__waRequire.resolve = require.resolve;
function __waChunk(name) {
  const loaded = __waModules.get(name);
  if (loaded) return loaded.exports;
  const define = __waChunks[name] ?? require(`./${__waFileOf[name]}`)[name];
  const chunk = { exports: {} };
  __waModules.set(name, chunk);
  define.call(chunk.exports, chunk.exports, __waRequire, chunk, __filename, __dirname);
  return chunk.exports;
}
module.exports = __waChunk('cli.cjs');
// dist/index.cjs (the programmatic API) takes its chunk through this same loader, so each module exists once.
Object.defineProperty(module.exports, '__waChunk', { value: __waChunk });
