// API versions as Meta's grammar and calendar have them: a version Meta does not release or no longer serves warns, and an answer served by another version than asked warns once.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli-sandbox.js';
import { useHostileServers } from '../helpers/hostile-server.js';
import { FIXTURES, sandboxEnv } from '../helpers/run-cli.js';

const cli = useCliSandbox({}, { inProcess: true });
const servers = useHostileServers();
const photo = join(FIXTURES, 'valid/photo.jpg');

describe('the version asked for', () => {
  it.each([
    ['v27.1', /warning: API version v27\.1 \(from --api-version\) is not one Meta releases \(they are vNN\.0\)/],
    ['v19.0', /warning: API version v19\.0 \(from --api-version\) is older than Meta still serves \(v21\.0 and later\)/],
  ])('%s warns and is still sent as asked', async (version, warning) => {
    const run = await cli.run(['--api-version', version, photo]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(warning);
    expect(cli.sandbox.requests[0]!.path.startsWith(`/${version}/`)).toBe(true);
  });

  it('the default and a current version say nothing', async () => {
    const run = await cli.run(['--api-version', 'v25.0', photo]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });
});

describe('the version that served the call', () => {
  it('an answer from another version than asked (an expired one is served by a newer) warns once over a batch and over IDs', async () => {
    let count = 0;
    const base = await servers.start((req, res) => {
      count += 1;
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'facebook-api-version': 'v23.0' });
        res.end(req.method === 'GET' ? JSON.stringify({ id: '123', url: `${'https'}://example.invalid/x`, mime_type: 'image/jpeg', sha256: 'a'.repeat(64), file_size: 1, messaging_product: 'whatsapp' }) : JSON.stringify({ id: String(1000 + count) }));
      });
    });
    const run = await cli.run([photo, join(FIXTURES, 'valid/image.png')], { env: sandboxEnv(base) });
    expect(run.code).toBe(0);
    const warnings = run.stderr.split('\n').filter((l) => l.includes('Graph answered with v23.0'));
    expect(warnings).toEqual(['warning: asked for API version v27.0, but Graph answered with v23.0 (the version asked for may have expired): set --api-version to a current one']);
  });
});
