// The User-Agent of every build against the grammar of Meta's OpenAPI description (its pattern read from the fixture).

import { describe, expect, it } from 'vitest';
import { specAt } from './helpers/meta-openapi.js';
import { USER_AGENT, VERSION, userAgentFor } from '../src/version.js';

/** Meta's pattern for `User-Agent`, as the fixture states it (components.parameters.UserAgent). */
const PATTERN = new RegExp(specAt('components', 'parameters', 'UserAgent', 'schema', 'pattern') as string);

describe('the User-Agent', () => {
  it.each([
    ['0.1.0', 'wa-upload/0.1.0'],
    ['0.0.0-dev', 'wa-upload/0.0.0;pre=dev'],
    ['1.2.3-beta.1', 'wa-upload/1.2.3;pre=beta.1'],
    ['10.20.30', 'wa-upload/10.20.30'],
    ['2.0.0-rc-1', 'wa-upload/2.0.0;pre=rc-1'],
    ['1.2.3+build.7', 'wa-upload/1.2.3'],
    ['1.2.3-alpha.2+sha.5114f85', 'wa-upload/1.2.3;pre=alpha.2'],
    ['not a version', 'wa-upload/0.0.0;pre=unknown'],
  ])('for version %s is %s, which Meta\'s pattern accepts', (version, expected) => {
    expect(userAgentFor(version)).toBe(expected);
    expect(userAgentFor(version)).toMatch(PATTERN);
  });

  it('the pattern is the same on every path of the excerpt, and refuses the old `name/0.0.0-dev` form', () => {
    const patterns = new Set<string>();
    const paths = specAt('paths') as Record<string, Record<string, { parameters?: { $ref?: string; name?: string; schema?: { pattern?: string } }[] }>>;
    for (const item of Object.values(paths)) {
      for (const operation of Object.values(item)) {
        for (const parameter of (operation as { parameters?: { $ref?: string; name?: string; schema?: { pattern?: string } }[] }).parameters ?? []) {
          const resolved = parameter.$ref ? specAt(...parameter.$ref.slice(2).split('/')) : parameter;
          if (resolved.name === 'User-Agent') patterns.add(resolved.schema.pattern);
        }
      }
    }
    expect([...patterns]).toEqual([PATTERN.source]);
    expect('wa-upload/0.0.0-dev').not.toMatch(PATTERN);
    expect('wa-upload/1.2.3-beta.1').not.toMatch(PATTERN);
  });

  it('of this build (run from source: 0.0.0-dev) fits the pattern too', () => {
    expect(USER_AGENT).toBe(userAgentFor(VERSION));
    expect(USER_AGENT).toMatch(PATTERN);
  });
});
