// Peer: uploads files with @great-detail/whatsapp the way its README shows (readFileSync, media.upload); prints one media ID a line.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import Client from '@great-detail/whatsapp';
import { uploadAllAndPrint } from './pool.js';

// `prefixUrl` is the client's documented base-URL option (default https://graph.facebook.com).
const sdk = new Client({
  prefixUrl: process.env.WA_BASE_URL,
  graphVersion: 'v26.0',
  request: { headers: { Authorization: `Bearer ${process.env.WA_TOKEN}` } },
});
const phoneNumberID = process.env.WA_PHONE_NUMBER_ID;
const files = process.argv.slice(2);
const concurrency = Math.max(1, Math.min(64, Number(process.env.BENCH_CONCURRENCY ?? 1) || 1));

async function uploadOne(path) {
  // The README passes readFileSync's Buffer; the typed API asks for a Blob, so the same bytes go in one.
  const fileBuffer = readFileSync(path);
  const result = await sdk.media.upload({
    phoneNumberID,
    mimeType: 'application/pdf',
    file: new Blob([fileBuffer], { type: 'application/pdf' }),
    filename: basename(path),
  });
  const { id } = await result.json();
  if (typeof id !== 'string') throw new Error(`no media ID for ${path}`);
  return id;
}

await uploadAllAndPrint(files, concurrency, uploadOne);
