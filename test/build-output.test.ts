// The built code as shipped: names survive minification, a source map beside each code file maps it to src/, and no import() is left but the launcher's bridge.

import { readFile, readdir } from 'node:fs/promises';
import { SourceMap, createRequire } from 'node:module';
import { join, resolve } from 'node:path';
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
    const map = JSON.parse(await readFile(join(dist, url!), 'utf8')) as { version: number; file: string; sources: string[]; sourcesContent: (string | null)[]; mappings: string };
    expect(map).toMatchObject({ version: 3, file });
    // The sources, relative to the map, each with its text (the package ships no src/).
    expect(map.sources.some((source) => /^\.\.\/src\/.+\.ts$/.test(source))).toBe(true);
    expect(map.sourcesContent).toHaveLength(map.sources.length);
    for (const [i, source] of map.sources.entries()) expect(typeof map.sourcesContent[i], source).toBe('string');
    expect(map.mappings.length).toBeGreaterThan(1000);
    const files = (JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] }).files;
    expect(files).toContain('dist/');
    expect(files).not.toContain('src/');
  });

  it.each([
    ['cli.cjs', 'buildProgram', 'src/cli.ts'],
    ['main.cjs', 'runSandboxCommand', 'src/commands/sandbox-command.ts'],
    ['main.cjs', 'uploadFile', 'src/graph/graph-client.ts'],
    ['extras.cjs', 'startSandbox', 'src/sandbox/server.ts'],
  ])('the map of dist/%s resolves where %s is named in the bundle to the line of %s that declares it', async (file, name, source) => {
    const text = await readFile(join(dist, file), 'utf8');
    // keepNames writes each function's name after it, `(0,x.__name)(fn,"name")`: the function is the last one named fn before that.
    const call = new RegExp(`__name\\)\\(([\\w$]+),"${name}"\\)`).exec(text);
    expect(call, `${name} in dist/${file}`).not.toBeNull();
    const at = text.lastIndexOf(`function ${call![1]}(`, call!.index);
    expect(at).toBeGreaterThan(-1);
    const before = text.slice(0, at).split('\n');
    const map = JSON.parse(await readFile(join(dist, `${file}.map`), 'utf8')) as { sources: string[]; sourcesContent: string[] };
    const entry = new SourceMap(map as unknown as ConstructorParameters<typeof SourceMap>[0]).findEntry(before.length - 1, before.at(-1)!.length) as { originalSource: string; originalLine: number };
    expect(entry.originalSource).toBeTypeOf('string');
    expect(resolve(dist, entry.originalSource)).toBe(join(REPO_ROOT, source));
    const line = map.sourcesContent[map.sources.indexOf(entry.originalSource)]!.split('\n')[entry.originalLine]!;
    expect(line).toMatch(new RegExp(`function ${name}\\b`));
    // And the text it carries is the source's own.
    expect(line).toBe((await readFile(join(REPO_ROOT, source), 'utf8')).split('\n')[entry.originalLine]);
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
