// The built code as shipped: names survive minification, a source map lies beside each code file, and no import() is left but the launcher's bridge.

import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-cli.js';

const dist = join(REPO_ROOT, 'dist');
const codeFiles = ['cli.cjs', 'main.cjs', 'extras.cjs'];

/** The bundle's programmatic API, loaded from dist/ as the package ships it. */
async function builtApi(): Promise<Record<string, new (...args: never[]) => Error>> {
  const bundle = createRequire(import.meta.url)(join(dist, 'cli.cjs')) as { loadApi(): Promise<Record<string, new (...args: never[]) => Error>> };
  return bundle.loadApi();
}

describe('the built code', () => {
  it.each(['WaUploadError', 'UsageError', 'ConfigError', 'InputError', 'ApiError', 'AuthError', 'TemporaryError', 'InterruptedError'])(
    '%s keeps its name: the class, the error, and the first line of its stack',
    async (name) => {
      const api = await builtApi();
      const ErrorClass = api[name] as unknown as new (...args: unknown[]) => Error;
      expect(ErrorClass.name).toBe(name);
      const error = name === 'WaUploadError' ? new ErrorClass('input', 'no such file') : name === 'InterruptedError' ? new ErrorClass('SIGINT') : new ErrorClass('no such file');
      expect(error.name).toBe(name);
      expect(error.stack?.split('\n')[0]).toMatch(new RegExp(`^${name}: `));
    },
  );

  it('functions keep their names too (what a --verbose stack trace shows)', async () => {
    const text = await readFile(join(dist, 'main.cjs'), 'utf8');
    // A function of src/upload, named in the minified code for its .name.
    expect(text).toMatch(/"downloadMediaUnguarded"|"uploadFile"|"runUploadCommand"/);
  });

  it.each(codeFiles)('dist/%s names its source map, which is in dist/ (shipped: package.json "files" holds dist/)', async (file) => {
    const text = await readFile(join(dist, file), 'utf8');
    const url = /\/\/# sourceMappingURL=(\S+)\n/.exec(text)?.[1];
    expect(url).toBe(`${file}.map`);
    const map = JSON.parse(await readFile(join(dist, url!), 'utf8')) as { version: number; file: string; sources: string[]; sourcesContent: string[]; mappings: string };
    expect(map).toMatchObject({ version: 3, file });
    expect(map.sources).toHaveLength(1);
    // The readable code it maps to, with the names the minified code lost.
    expect(map.sourcesContent[0]!.length).toBeGreaterThan(text.length);
    expect(map.mappings.length).toBeGreaterThan(1000);
    const files = (JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] }).files;
    expect(files).toContain('dist/');
  });

  it('holds no import() but the launcher\'s bridge: code run from the code cache has none of its own', async () => {
    const imports = async (file: string) => {
      const source = ts.createSourceFile(file, await readFile(join(dist, file), 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
      let found = 0;
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) found += 1;
        ts.forEachChild(node, visit);
      };
      visit(source);
      return found;
    };
    expect((await readdir(dist)).filter((f) => f.endsWith('.cjs')).sort()).toEqual(['cli.cjs', 'extras.cjs', 'index.cjs', 'launch.cjs', 'main.cjs']);
    for (const file of codeFiles) expect(await imports(file), file).toBe(0);
    expect(await imports('launch.cjs')).toBe(1);
  });
});
