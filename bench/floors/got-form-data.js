// Floor: the design's HTTP stack alone, got + form-data posting one file (streamed), and nothing else; prints the media ID.
// The bench bundles it the way dist/ is bundled (esbuild, minified, the same build-time trims).
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import got from 'got';
import FormData from 'form-data';

const file = process.argv[2];
const form = new FormData();
form.append('messaging_product', 'whatsapp');
form.append('type', 'application/pdf');
form.append('file', createReadStream(file), { filename: basename(file), contentType: 'application/pdf' });
const answer = await got
  .post(`${process.env.WA_BASE_URL}/v27.0/${process.env.WA_PHONE_NUMBER_ID}/media`, {
    body: form,
    headers: { authorization: `Bearer ${process.env.WA_TOKEN}` },
    retry: { limit: 0 },
  })
  .json();
if (!answer.id) process.exit(1);
process.stdout.write(`${answer.id}\n`);
