// Builds dist/: the CLI and the API as CommonJS chunks (bin/wa-upload.cjs loads them through a V8 code cache) with a
// CommonJS front for the API (require and import), every runtime dependency inside, one types file, the notices.

import { generateDtsBundle } from 'dts-bundle-generator';
import ts from 'typescript';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { build, transform } from 'esbuild';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chainSourceMaps, sourceMapOf } from './source-maps.js';
import { startupShims } from './startup-shims.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));


await rm(join(root, 'dist'), { recursive: true, force: true });
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: process.env.WA_UPLOAD_BUILD_DEBUG !== '1',
  // Functions and classes keep their names (stack traces, error.name = new.target.name) though identifiers are minified.
  keepNames: true,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  define: { __WA_UPLOAD_VERSION__: JSON.stringify(pkg.version) },
  // cosmiconfig loads TypeScript configs through the typescript package: never bundle it (it is 11 MB).
  external: ['typescript'],
  logLevel: 'warning',
  plugins: [startupShims],
};
// The CLI and the API as CommonJS chunks: esbuild splits the code at each dynamic import (ES modules only can be split),
// then each chunk becomes CommonJS. --help loads only the front (cli.cjs: commander and the program, ~60 KB) instead of
// parsing everything; an upload loads the chunks it needs; modules used by several chunks live in one shared chunk, so
// each exists once (its classes, its state). src/launch.ts loads the chunks through one V8 code cache per kind of run.
// The first line of cli.cjs names the build (version and a hash of every chunk): the code cache is keyed by it.
const entry = {
  name: 'wa-upload-entry',
  setup(b) {
    b.onResolve({ filter: /^wa-upload-entry$/ }, () => ({ path: 'wa-upload-entry', namespace: 'wa-upload-entry' }));
    b.onLoad({ filter: /.*/, namespace: 'wa-upload-entry' }, () => ({
      contents: "export { main } from './src/cli.ts'; export const loadApi = () => import('./src/index.ts');",
      resolveDir: root,
      loader: 'ts',
    }));
  },
};
const cli = await build({
  ...common,
  plugins: [entry, ...common.plugins],
  entryPoints: { cli: 'wa-upload-entry' },
  outdir: join(root, 'dist'),
  format: 'esm',
  splitting: true,
  chunkNames: 'chunk-[hash]',
  outExtension: { '.js': '.cjs' },
  write: false,
  // Minified once, at the end (below); each step keeps a source map, chained at the end into one from dist/ to src/.
  minify: false,
  sourcemap: 'external',
});
// Each chunk as CommonJS code (not yet minified), by file name, and the maps from it back to src/: CommonJS to the
// ES-module chunk, that chunk to the sources (the import() rewriting below keeps every line where it was).
const chunkCode = new Map();
const chunkMaps = new Map();
const esmMaps = new Map(cli.outputFiles.filter((output) => output.path.endsWith('.map')).map((output) => [basename(output.path, '.map'), sourceMapOf(output.text)]));
for (const output of cli.outputFiles) {
  if (output.path.endsWith('.map')) continue;
  // A chunk's import() of another chunk becomes a require() (served by cli.cjs's chunk loader below); any other import()
  // (a user's JavaScript or TypeScript config file, cosmiconfig's import of typescript) becomes a call of the launcher's
  // bridge: code run from a vm.Script has no import() of its own, and the code must do the same with and without the cache.
  const code = withoutDynamicImports(output.text, basename(output.path));
  const converted = await transform(code, { format: 'cjs', loader: 'js', platform: 'node', target: 'node20', legalComments: 'none', logLevel: 'warning', sourcemap: 'external', sourcefile: basename(output.path) });
  // A default import of a Node module became __toESM(require(...)), which copies every property of the module onto a new
  // object (process, zlib, fs: hundreds of getters, ~0.7 ms of each start-up): a view that reads through to the module
  // does the same job.
  const nodeModuleView = 'var __waNodeModule = (m) => Object.create(m, { default: { value: m, enumerable: true } });\n';
  const viewed = converted.code.replace(/__toESM\((require\("node:[\w/]+"\))(, 1)?\)/g, '__waNodeModule($1)');
  chunkCode.set(basename(output.path), viewed.includes('__waNodeModule(') ? nodeModuleView + viewed : viewed);
  // (The view's line, when there is one, comes before the mapped code.)
  chunkMaps.set(basename(output.path), { prefixLines: viewed.includes('__waNodeModule(') ? 1 : 0, maps: [sourceMapOf(converted.map), esmMaps.get(basename(output.path))] });
}
// The chunks go into three files, because npx pays for every file it unpacks (~2.5 ms each here) and V8 compiles only the
// functions that run: cli.cjs holds the front (what --help needs) and the loader; main.cjs what an upload or any other
// command needs; extras.cjs what only some runs load (the sandbox, config-file parsers, the spinner, the API...).
const graph = new Map();
for (const [path, output] of Object.entries(cli.metafile.outputs)) {
  const own = (kind) => output.imports.filter((i) => i.kind === kind && !i.external).map((i) => basename(i.path));
  graph.set(basename(path), { imports: own('import-statement'), dynamic: own('dynamic-import') });
}
const closure = (names) => {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const next of graph.get(name).imports) visit(next);
  };
  for (const name of names) visit(name);
  return seen;
};
const front = closure(['cli.cjs']);
const commands = [...graph.get('cli.cjs').dynamic].filter((name) => !front.has(name));
const main = new Set([...closure(commands)].filter((name) => !front.has(name)));
const packOf = new Map([...chunkCode.keys()].map((name) => [name, front.has(name) ? 'cli.cjs' : main.has(name) ? 'main.cjs' : 'extras.cjs']));
const defineChunk = (name) => `${JSON.stringify(name)}: function (exports, require, module, __filename, __dirname) {\n${chunkCode.get(name)}\n}`;
const chunksIn = (pack) => [...chunkCode.keys()].filter((name) => packOf.get(name) === pack).sort();
const fill = (template, marker, value) => {
  if (!template.includes(marker)) throw new Error(`scripts/chunk-loader.cjs lost its ${marker} marker`);
  return template.replace(marker, () => value);
};
const loader = await readFile(join(root, 'scripts', 'chunk-loader.cjs'), 'utf8');
const packs = new Map([
  [
    'cli.cjs',
    fill(
      fill(loader, '/* FILE_OF */ {}', JSON.stringify(Object.fromEntries([...packOf].filter(([, pack]) => pack !== 'cli.cjs')))),
      '/* CHUNKS */ {}',
      `{\n${chunksIn('cli.cjs').map(defineChunk).join(',\n')}\n}`,
    ),
  ],
  ...['main.cjs', 'extras.cjs'].map((pack) => [pack, `module.exports = {\n${chunksIn(pack).map(defineChunk).join(',\n')}\n};\n`]),
]);
const packCode = new Map();
// Each file's source map (dist/<file>.map, in the package): from the shipped minified code to the lines of src/*.ts (and
// of the bundled packages) it came from, with their text (the package ships no src/) and the names of its functions and
// classes, so that a stack trace under --enable-source-maps or a bug report names src/ lines.
const packMaps = new Map();
const loaderLines = loader.split('\n');
const chunksMarkerLine = loaderLines.findIndex((line) => line.includes('/* CHUNKS */ {}'));
/** Which part of a code file's unminified text a line is in: a chunk's line and its maps, or a line of the loader. */
const placesIn = (pack, text) => {
  const starts = chunksIn(pack).map((name) => {
    const header = `${JSON.stringify(name)}: function (exports, require, module, __filename, __dirname) {\n`;
    const line = text.slice(0, text.indexOf(header)).split('\n').length;
    return { name, line, end: line + chunkCode.get(name).split('\n').length };
  });
  const chunkLines = pack === 'cli.cjs' ? starts.at(-1).end + 1 - chunksMarkerLine : 0;
  return (line) => {
    const chunk = starts.find((c) => line >= c.line && line < c.end);
    if (chunk) {
      const { prefixLines, maps } = chunkMaps.get(chunk.name);
      return line - chunk.line < prefixLines ? undefined : { line: line - chunk.line - prefixLines, maps };
    }
    if (pack !== 'cli.cjs') return undefined;
    if (line < chunksMarkerLine) return { line, source: '../scripts/chunk-loader.cjs' };
    if (line > chunksMarkerLine + chunkLines) return { line: line - chunkLines, source: '../scripts/chunk-loader.cjs' };
    return undefined;
  };
};
const readSourceOf = (name) => (name === '../scripts/chunk-loader.cjs' ? loader : undefined);
for (const [pack, code] of packs) {
  const out = await transform(code, {
    loader: 'js',
    platform: 'node',
    target: 'node20',
    // (Names are kept already: the first step's keepNames set each one in the code.)
    minify: common.minify,
    legalComments: 'none',
    logLevel: 'warning',
    sourcemap: 'external',
    sourcesContent: false,
    sourcefile: pack,
  });
  packCode.set(pack, `${out.code}//# sourceMappingURL=${pack}.map\n`);
  packMaps.set(pack, chainSourceMaps(JSON.parse(out.map), placesIn(pack, code), readSourceOf));
}
// Every bundled package's licence, as line comments at the end of dist/extras.cjs (where a bundler puts legal comments)
// rather than a file of their own: npx pays ~2.5 ms for every file a package has.
const packages = new Map();
for (const input of Object.keys(cli.metafile.inputs)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) packages.set(match[1], input.slice(0, match.index + 'node_modules/'.length + match[1].length));
}
const sections = [];
for (const [name, dir] of [...packages].sort(([a], [b]) => a.localeCompare(b))) {
  const meta = JSON.parse(await readFile(join(root, dir, 'package.json'), 'utf8'));
  const files = (await readdir(join(root, dir))).filter((f) => /^(licen[cs]e|copying)/i.test(f));
  const text = files.length ? await readFile(join(root, dir, files[0]), 'utf8') : `License: ${meta.license ?? 'see package'}`;
  sections.push(`${name}@${meta.version} (${meta.license ?? 'unknown'})\n${'-'.repeat(60)}\n${text.trim()}\n`);
}
const notices = `THIRD-PARTY NOTICES: wa-upload bundles the following packages into dist/. Their licences follow.\n\n${sections.join('\n')}`;
packCode.set('extras.cjs', `${packCode.get('extras.cjs')}\n${notices.split('\n').map((line) => `// ${line}`.trimEnd()).join('\n')}\n`);
const buildHash = createHash('sha256');
for (const [pack, code] of packCode) buildHash.update(`${pack}\0${code}\0`);
const buildId = buildHash.digest('hex').slice(0, 16);
await mkdir(join(root, 'dist'), { recursive: true });
for (const [pack, code] of packCode) {
  await writeFile(join(root, 'dist', pack), pack === 'cli.cjs' ? `// wa-upload ${pkg.version} build ${buildId}\n${code}` : code);
  const map = packMaps.get(pack);
  // cli.cjs's first line (the build's name) comes before the mapped code.
  if (pack === 'cli.cjs') map.mappings = `;${map.mappings}`;
  await writeFile(join(root, 'dist', `${pack}.map`), JSON.stringify({ ...map, file: pack }));
}
// What bin/wa-upload.cjs requires: the code-cache loader on its own, compiled by Node's own loader (not from the cache),
// so that its import() works for the bundle (see src/launch.ts). Node built-ins only.
// Node 16 syntax: an older Node must get as far as the version check in it (src/node-floor.ts) to say why it stops.
await build({ ...common, plugins: [], metafile: false, target: 'node16', entryPoints: [join(root, 'src', 'launch.ts')], outfile: join(root, 'dist', 'launch.cjs'), format: 'cjs' });
// The shipped code has one import(), the bridge in launch.cjs: any other in the code run from the cache would fail there
// ("A dynamic import callback was not specified") and work without the cache.
for (const [file, allowed] of [['cli.cjs', 0], ['main.cjs', 0], ['extras.cjs', 0], ['launch.cjs', 1]]) {
  const found = dynamicImportsIn(await readFile(join(root, 'dist', file), 'utf8'), file).length;
  if (found !== allowed) throw new Error(`dist/${file} has ${found} import() call(s) where ${allowed} ${allowed === 1 ? 'is' : 'are'} allowed: code run from the code cache has no import() of its own (route it through src/launch.ts's importModule)`);
}
// ---- The programmatic API (dist/index.cjs, dist/index.d.cts) ----------------------------------------------------------
// One CommonJS file for require() and import alike, so that both get the same module (one ErrorClass each, one state):
// it takes src/index.ts's chunk through dist/cli.cjs's chunk loader (the bundle the CLI runs: the package holds the code
// once) and names each export as `exports.NAME =`, which Node reads to give an ES module importing it named exports.
const apiChunk = Object.entries(cli.metafile.outputs).find(([, output]) => output.entryPoint === 'src/index.ts')?.[0];
if (!apiChunk) throw new Error('the bundle has no chunk for src/index.ts (the API)');
const apiChunkName = basename(apiChunk);
const api = createRequire(import.meta.url)(join(root, 'dist', 'cli.cjs')).__waChunk(apiChunkName);
const apiNames = Object.keys(api).filter((name) => name !== 'default' && name !== '__esModule').sort();
if (!apiNames.includes('uploadMedia')) throw new Error(`${apiChunkName} is not the API: it exports ${apiNames.join(', ')}`);
await writeFile(
  join(root, 'dist', 'index.cjs'),
  `// wa-upload's programmatic API, for require() and import (types: index.d.cts).\n'use strict';\n` +
    `const api = require('./cli.cjs').__waChunk(${JSON.stringify(apiChunkName)});\n` +
    apiNames.map((name) => `exports.${name} = api.${name};\n`).join(''),
);
// Its types in one file (dist/index.d.cts): what src/index.ts exposes, nothing else, needing neither @types/node nor the
// DOM library (a consumer's TypeScript without them compiles against it; test/cli/package.test.ts checks).
const [declarations] = generateDtsBundle([{ filePath: join(root, 'src', 'index.ts'), output: { noBanner: true } }], { preferredConfigPath: join(root, 'tsconfig.json') });
if (/\bNodeJS\.|\bBuffer\b|from "node:/.test(declarations)) throw new Error('the API\'s types name a Node.js type: a consumer without @types/node could not compile against them');
await writeFile(join(root, 'dist', 'index.d.cts'), `// Types of wa-upload's programmatic API (generated from src/index.ts).\n${declarations}`);
// ---- end of the programmatic API --------------------------------------------------------------------------------------

// WA_UPLOAD_BUILD_ANALYZE=1 shows what each large output holds, package by package (start-up work starts here).
if (process.env.WA_UPLOAD_BUILD_ANALYZE === '1') {
  for (const [out, output] of Object.entries(cli.metafile.outputs)) {
    if (output.bytes < 20_000) continue;
    const byPackage = new Map();
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = match ? match[1] : input.replace(/\/[^/]+$/, '');
      byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
    }
    const top = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 16);
    console.log(`${out} ${(output.bytes / 1024).toFixed(0)} KiB: ${top.map(([k, v]) => `${k} ${(v / 1024).toFixed(0)}`).join(', ')}`);
  }
}

const bytes = Object.entries(cli.metafile.outputs).reduce((n, [path, o]) => (path.endsWith('.map') ? n : n + o.bytes), 0);
console.log(`built dist/ (${(bytes / 1024).toFixed(0)} KiB, ${packages.size} bundled packages)`);

/** Where `code` calls import(): the start of each `import` keyword of a dynamic import, found by TypeScript's parser (so
 * never a word in a string or a comment). */
function dynamicImportsIn(code, file) {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const found = [];
  const visit = (node) => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) found.push(node.expression.getStart(source));
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The chunk's code with each import() of a chunk turned into a require() of it, and every other import() into a call of
 * the launcher's import bridge (dist/launch.cjs's importModule, which Node's own loader compiled). */
function withoutDynamicImports(code, file) {
  let out = code;
  for (const at of dynamicImportsIn(code, file).reverse()) {
    const chunk = /^import\("(\.\/chunk-[\w-]+\.cjs)"\)/.exec(out.slice(at));
    out = chunk
      ? `${out.slice(0, at)}Promise.resolve().then(()=>require("${chunk[1]}"))${out.slice(at + chunk[0].length)}`
      : `${out.slice(0, at)}require("./launch.cjs").importModule${out.slice(at + 'import'.length)}`;
  }
  return out;
}
