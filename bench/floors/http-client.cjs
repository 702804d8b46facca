// Floor: a hand-written node:http multipart upload of one file (streamed from disk, no library); prints the media ID.
'use strict';
const { createReadStream, statSync } = require('node:fs');
const http = require('node:http');
const { basename } = require('node:path');

const file = process.argv[2];
const boundary = `----bench${process.pid}${Date.now()}`;
const head = Buffer.from(
  `--${boundary}\r\nContent-Disposition: form-data; name="messaging_product"\r\n\r\nwhatsapp\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\napplication/pdf\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${basename(file)}"\r\nContent-Type: application/pdf\r\n\r\n`,
);
const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
const url = new URL(`${process.env.WA_BASE_URL}/v27.0/${process.env.WA_PHONE_NUMBER_ID}/media`);
const request = http.request(url, {
  method: 'POST',
  headers: {
    authorization: `Bearer ${process.env.WA_TOKEN}`,
    'content-type': `multipart/form-data; boundary=${boundary}`,
    'content-length': head.length + statSync(file).size + tail.length,
  },
});
request.on('response', (response) => {
  let body = '';
  response.setEncoding('utf8').on('data', (chunk) => (body += chunk));
  response.on('end', () => {
    const id = response.statusCode === 200 ? JSON.parse(body).id : undefined;
    if (!id) {
      process.stderr.write(`HTTP ${response.statusCode}: ${body}\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${id}\n`);
  });
});
request.on('error', (error) => {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
request.write(head);
createReadStream(file, { highWaterMark: 256 * 1024 })
  .on('end', () => request.end(tail))
  .pipe(request, { end: false });
