// Loader hooks registered by load-trace.js: append the URL of every ESM module loaded to the log file.

import { appendFileSync } from 'node:fs';

let log;

export function initialize(data) {
  log = data?.log;
}

export async function load(url, context, nextLoad) {
  if (log) appendFileSync(log, `esm ${url}\n`);
  return nextLoad(url, context);
}
