// Table tests of the content rules: each has a public source, the kinds it names and a strength; docs/content-checks.md lists them all.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTENT_RULES, RULES, ruleApplies, strictAllows, type RuleId } from '../../src/media/content-rules.js';
import { MEDIA_TYPES, type MediaCategory } from '../../src/media/media-types.js';

const CATEGORIES: readonly MediaCategory[] = ['image', 'sticker', 'audio', 'video', 'document'];
const META_REFERENCE = /^https:\/\/developers\.facebook\.com\/documentation\/business-messaging\/whatsapp\//;
const DOCS = fileURLToPath(new URL('../../docs/content-checks.md', import.meta.url));

/** The docs' table row of a rule: the line that starts with its id in backticks. */
async function docsRow(id: RuleId): Promise<string> {
  const text = await readFile(DOCS, 'utf8');
  const rows = text.split('\n').filter((line) => line.startsWith(`| \`${id}\` |`));
  expect(rows, `docs/content-checks.md has one row for ${id}`).toHaveLength(1);
  return rows[0]!;
}

describe('content rules', () => {
  it.each(RULES.map((rule) => [rule.id, rule] as const))('%s: what it checks, its kinds, its strength, public sources', (_id, rule) => {
    expect(rule.checks.length).toBeGreaterThan(10);
    expect(rule.kinds.length).toBeGreaterThan(0);
    for (const kind of rule.kinds) expect(CATEGORIES).toContain(kind);
    expect(['warning', 'advice', 'correction', 'refusal']).toContain(rule.strength);
    expect(rule.sources.length).toBeGreaterThan(0);
    for (const source of rule.sources) {
      const url = new URL(source.url);
      expect(url.protocol).toBe('https:');
      expect(url.hostname).not.toMatch(/localhost|^127\.|^\[?::1/);
      expect(source.says.length).toBeGreaterThan(5);
    }
  });

  it('advice never rests on Meta\'s reference, and every warning or refusal but a damaged file\'s does', () => {
    for (const rule of RULES) {
      const fromMeta = rule.sources.some((source) => META_REFERENCE.test(source.url));
      if (rule.strength === 'advice') expect(fromMeta, rule.id).toBe(false);
      if ((rule.strength === 'warning' || rule.strength === 'refusal') && rule.id !== 'well-formed') expect(fromMeta, rule.id).toBe(true);
    }
  });

  it('--strict lets advice and corrections through, and nothing else', () => {
    for (const rule of RULES) expect(strictAllows(rule.id)).toBe(rule.strength === 'advice' || rule.strength === 'correction');
  });

  it('a rule applies to exactly the kinds it names', () => {
    for (const rule of RULES) {
      for (const category of CATEGORIES) expect(ruleApplies(rule.id, category)).toBe(rule.kinds.includes(category));
    }
  });

  it("the video rules of Meta's video messages page name video only: not M4A audio", () => {
    for (const id of ['index-first', 'high-b-frames', 'h264-video', 'aac-audio-in-video', 'one-audio-stream'] as const) {
      expect(CONTENT_RULES[id].kinds).toEqual(['video']);
      expect(ruleApplies(id, 'audio')).toBe(false);
    }
    const m4a = MEDIA_TYPES.find((type) => type.mimeType === 'audio/mp4')!;
    expect(ruleApplies('index-first', m4a.category)).toBe(false);
    for (const mime of ['video/mp4', 'video/3gpp']) {
      expect(ruleApplies('index-first', MEDIA_TYPES.find((type) => type.mimeType === mime)!.category)).toBe(true);
    }
  });

  it('every rule that a type\'s content check can report applies to at least one accepted type', () => {
    for (const rule of RULES) expect(MEDIA_TYPES.some((type) => rule.kinds.includes(type.category)), rule.id).toBe(true);
  });
});

describe('docs/content-checks.md', () => {
  const STRENGTH_WORDS: Record<string, string> = { warning: 'warning', advice: 'advice', correction: 'correction', refusal: 'refusal' };

  it.each(RULES.map((rule) => [rule.id, rule] as const))('has a row for %s with its strength and every source', async (id, rule) => {
    const cells = (await docsRow(id)).split(' | ');
    // | `id` | what it checks | applies to | strength | source |
    expect(cells).toHaveLength(5);
    expect(cells[3]).toBe(STRENGTH_WORDS[rule.strength]);
    for (const source of rule.sources) expect(cells[4]).toContain(`](${source.url})`);
    if (rule.kinds.length === CATEGORIES.length) expect(cells[2]).toBe('every type');
    else for (const kind of rule.kinds) expect(cells[2]).toContain(kind);
  });

  it('lists no rule the code does not have', async () => {
    const text = await readFile(DOCS, 'utf8');
    const ids = [...text.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((match) => match[1]);
    expect(ids).toEqual(RULES.map((rule) => rule.id));
  });
});
