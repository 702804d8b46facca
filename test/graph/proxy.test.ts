// Table tests of which requests go through a proxy (building an agent connects nowhere).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { proxyAgentsFor, proxyRouteFor } from '../../src/graph/proxy.js';

describe('which requests go through a proxy', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  // Building an agent connects nowhere: these only decide.
  it.each([
    ['https target, proxy anywhere: tunnelled', 'https://graph.facebook.com', { HTTPS_PROXY: 'http://proxy.corp.example:3128' }, 'https'],
    ['http loopback target, loopback proxy: proxied', 'http://127.0.0.1:8089', { HTTP_PROXY: 'http://127.0.0.1:3128' }, 'http'],
    ['http loopback target, proxy elsewhere: never (it would see the token)', 'http://127.0.0.1:8089', { HTTP_PROXY: 'http://proxy.corp.example:3128' }, undefined],
    ['NO_PROXY match: direct', 'https://graph.facebook.com', { HTTPS_PROXY: 'http://proxy.corp.example:3128', NO_PROXY: '.facebook.com' }, undefined],
    ['no proxy variables: direct', 'https://graph.facebook.com', {}, undefined],
  ] as [string, string, Record<string, string>, 'http' | 'https' | undefined][])('%s', async (_name, target, env, expected) => {
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'ALL_PROXY', 'https_proxy', 'http_proxy', 'no_proxy', 'all_proxy']) vi.stubEnv(name, '');
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    const agents = await proxyAgentsFor(target);
    expect(agents ? Object.keys(agents) : undefined).toEqual(expected ? [expected] : undefined);
  });
});

describe('a URL source\'s fetch carries no token', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  it('so a plain-http source goes through a proxy elsewhere (the API\'s plain http never would)', async () => {
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'ALL_PROXY', 'https_proxy', 'http_proxy', 'no_proxy', 'all_proxy']) vi.stubEnv(name, '');
    vi.stubEnv('HTTP_PROXY', 'http://proxy.corp.example:3128');
    const source = await proxyRouteFor('http://files.example.com/a.pdf', 1000, { carriesToken: false });
    expect(source?.name).toBe('http://proxy.corp.example:3128');
    expect(Object.keys(source!.agents)).toEqual(['http']);
    expect(await proxyRouteFor('http://127.0.0.1:8089', 1000)).toBeUndefined();
  });
});
