// A server that only drains each upload's body and answers with a media ID: the 95 MB case measures the client, not a
// server's parsing. GET /<api>/<id> says how many body bytes it received; DELETE forgets it. Loopback only.
'use strict';
const http = require('node:http');

const received = new Map();
let next = 1_000_000_000_000;
const server = http.createServer((request, response) => {
  const answer = (status, body) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const id = /\/(\d+)(?:\?|$)/.exec(request.url ?? '')?.[1];
  if (request.method === 'POST') {
    let bytes = 0;
    request.on('data', (chunk) => (bytes += chunk.length));
    request.on('end', () => {
      const media = String(next++);
      received.set(media, bytes);
      answer(200, { id: media });
    });
    return;
  }
  request.resume();
  if (request.method === 'GET' && id && received.has(id)) return answer(200, { id, file_size: received.get(id), body_bytes: received.get(id) });
  if (request.method === 'DELETE' && id) {
    received.delete(id);
    return answer(200, { success: true });
  }
  answer(404, { error: { message: 'unknown' } });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`WA_BASE_URL=http://127.0.0.1:${server.address().port}\n`));
process.on('SIGINT', () => server.close(() => process.exit(0)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
