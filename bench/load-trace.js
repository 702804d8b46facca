// Preloaded with `node --import`: logs every module the process loads (ESM through a loader hook, CommonJS through Module._load) to WA_BENCH_LOAD_LOG.

import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const log = process.env.WA_BENCH_LOAD_LOG;
if (log) {
  register('./load-hooks.js', import.meta.url, { data: { log } });
  // Bundled CommonJS code reaches node: builtins and externals through createRequire; those never pass the ESM hooks.
  const load = Module._load;
  Module._load = function tracedLoad(request, parent, isMain) {
    appendFileSync(log, `cjs ${request}\n`);
    return load.call(this, request, parent, isMain);
  };
}
