// Peer: uploads files with whatsapp-api-js the way its uploadMedia docs show (whole file in a Blob); prints one media ID a line.

import { readFileSync } from 'node:fs';
import { WhatsAppAPI } from 'whatsapp-api-js';
import { uploadAllAndPrint } from './pool.js';

// The library always calls https://graph.facebook.com; its documented `ponyfill.fetch` option is the only way to
// send it elsewhere, so this fetch rewrites that origin to the local sandbox and changes nothing else.
const GRAPH = 'https://graph.facebook.com';
const base = process.env.WA_BASE_URL;
const toSandbox = (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  return fetch(url.startsWith(GRAPH) ? base + url.slice(GRAPH.length) : input, init);
};

const Whatsapp = new WhatsAppAPI({ token: process.env.WA_TOKEN, appSecret: 'bench-app-secret', v: 'v26.0', ponyfill: { fetch: toSandbox } });
const phoneID = process.env.WA_PHONE_NUMBER_ID;
const files = process.argv.slice(2);
const concurrency = Math.max(1, Math.min(64, Number(process.env.BENCH_CONCURRENCY ?? 1) || 1));

async function uploadOne(path) {
  // "If you don't mind reading the whole file into memory" (the documented example): a Blob of the file's bytes.
  const form = new FormData();
  form.set('file', new Blob([readFileSync(path)], { type: 'application/pdf' }));
  const result = await Whatsapp.uploadMedia(phoneID, form);
  if (typeof result?.id !== 'string') throw new Error(`no media ID for ${path}: ${JSON.stringify(result)}`);
  return result.id;
}

await uploadAllAndPrint(files, concurrency, uploadOne);
