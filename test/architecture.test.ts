// The layout as a test: no import cycle anywhere in src/, and imports flow one way between the folders.

import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-cli.js';

const SRC = join(REPO_ROOT, 'src');

/** Every .ts file under src/, as a path relative to src/ with forward slashes. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative(SRC, path).split('\\').join('/')] : [];
  });
}

/** The relative imports of one file (static, type-only, re-exports and dynamic import()), resolved to src/ paths. */
export function importsOf(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]!);
  return specifiers.map((spec) => posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts'));
}

/** The import graph of src/: file → the files it imports. */
function importGraph(): Map<string, string[]> {
  return new Map(sourceFiles().map((file) => [file, importsOf(file, readFileSync(join(SRC, file), 'utf8'))]));
}

/** Every cycle found by a depth-first walk, each as the chain of files that closes it. */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

/** The layer a file belongs to: its folder under src/, or its name for the files at the top. */
function layerOf(file: string): string {
  return file.includes('/') ? file.split('/')[0]! : file.replace(/\.ts$/, '');
}

/**
 * Which layers each layer may import (besides itself). Data flows one way:
 * cli → commands → (sources, upload, settings, media, graph, output, sandbox) → errors, version, files.
 */
const ALLOWED: Record<string, string[]> = {
  cli: ['command-line', 'commands', 'media', 'settings', 'errors', 'version'],
  'command-line': [],
  launch: ['node-floor'],
  'node-floor': [],
  index: ['upload', 'settings', 'media', 'graph', 'sources', 'fix', 'errors', 'version'],
  commands: ['upload', 'settings', 'media', 'graph', 'fix', 'output', 'sandbox', 'sources', 'errors', 'version', 'files'],
  sources: ['upload', 'graph', 'media', 'fix', 'settings', 'errors', 'version', 'files'],
  upload: ['graph', 'media', 'fix', 'settings', 'errors', 'files'],
  output: ['upload', 'media', 'fix', 'errors'],
  fix: ['media', 'settings', 'errors', 'files'],
  graph: ['settings', 'media', 'errors', 'version', 'files'],
  sandbox: ['media', 'errors'],
  media: ['errors', 'files'],
  settings: ['errors', 'files'],
  errors: [],
  version: [],
  files: [],
};

describe('architecture', () => {
  const graph = importGraph();

  it('finds the files and their imports (the check below has something to check)', () => {
    expect(graph.size).toBeGreaterThan(30);
    expect(graph.get('cli.ts')).toContain('commands/definitions.ts');
    // Each command's definition loads its implementation on first use, not at start-up.
    expect(graph.get('commands/upload-definition.ts')).toContain('commands/index.ts');
    expect([...graph.values()].flat().every((target) => graph.has(target))).toBe(true);
  });

  it('has no import cycle in src/', () => {
    expect(findCycles(graph).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('the cycle finder finds a cycle when there is one', () => {
    const cyclic = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(findCycles(cyclic)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });

  it('every folder imports only the layers below it', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      const from = layerOf(file);
      const allowed = ALLOWED[from];
      if (!allowed) {
        wrong.push(`${file}: folder ${from} has no place in the layer table (test/architecture.test.ts)`);
        continue;
      }
      for (const target of targets) {
        const to = layerOf(target);
        if (to !== from && !allowed.includes(to)) wrong.push(`${file} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('reads every kind of import', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "const d = await import('./d.js');",
      "import './e.js';",
      "import { x } from 'node:fs';",
    ].join('\n');
    expect(importsOf('commands/x.ts', text)).toEqual(['commands/a.ts', 'b.ts', 'commands/c.ts', 'commands/d.ts', 'commands/e.ts']);
  });
});

