// Reads a config file found by findConfigFile (config.ts) or named by --config, with cosmiconfig's parsers.

import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultLoaders } from 'cosmiconfig';
import { ConfigError } from '../errors.js';

/**
 * A config file's parsed content. Undefined when empty; ConfigError naming the file when it is missing, a folder,
 * malformed (where and why), or a JS config that throws. cosmiconfig's parsers are used, not its explorer:
 * constructing one reads the working folder's package.json, and a broken one there would stop every run.
 */
export async function readConfigFile(path: string, named: boolean): Promise<{ config: unknown; filepath: string } | undefined> {
  let text: string;
  try {
    if ((await stat(path)).isDirectory()) throw new ConfigError(`config file ${path} is a folder`, 'name a file with --config');
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`config file ${path} does not exist or cannot be read`, named ? 'check the path given to --config' : undefined);
  }
  if (text.trim() === '') return undefined;
  const extension = extname(path);
  let config: unknown;
  try {
    if (basename(path) === 'package.json') config = ((await defaultLoaders['.json'](path, text)) as Record<string, unknown> | null)?.waupload;
    else if (['.js', '.cjs', '.mjs'].includes(extension)) config = await loadScript(path);
    else config = await defaultLoaders[(extension || 'noExt') as keyof typeof defaultLoaders](path, text);
  } catch (error) {
    throw new ConfigError(`config file ${path} ${whyUnreadable(error, text)}`, 'fix it or remove it (see .waupload.example.json)');
  }
  if (config === undefined || config === null) return undefined;
  return { config, filepath: path };
}

/**
 * import() as the bin hands it in: the bin runs the bundle from a V8 code cache (vm.Script), whose code has no working
 * import() of its own. Loaded the ordinary way (the programmatic API, tests), the bundle's own import() serves.
 */
function importModule(url: string): Promise<unknown> {
  const fromBin = (globalThis as Record<symbol, unknown>)[Symbol.for('wa-upload.import')];
  return typeof fromBin === 'function' ? (fromBin as (url: string) => Promise<unknown>)(url) : import(url);
}

/** A JS config through import() (cosmiconfig's JS loader needs __filename, which the ESM bundle has not): its default export, else the module. */
async function loadScript(path: string): Promise<unknown> {
  const module = (await importModule(pathToFileURL(path).href)) as { default?: unknown };
  return module.default ?? module;
}

/**
 * Why a config file could not be loaded, with where when the parser says (line and column), in the parser's words but
 * never quoting the file: it may hold the token. JSON and YAML say where; a JavaScript config's syntax error says its
 * line; one that throws gives its error.
 */
function whyUnreadable(error: unknown, fileText: string | undefined): string {
  const e = error as { name?: string; message?: string; reason?: string; mark?: { line: number; column: number }; stack?: string };
  const message = String(e?.message ?? error);
  if (e?.name === 'YAMLException' && e.mark) {
    return `is not valid YAML: line ${e.mark.line + 1}, column ${e.mark.column + 1}: ${scrub(e.reason ?? 'syntax error')}`;
  }
  if (e?.name === 'JSONError' || /^JSON Error in /.test(message)) {
    const line = message.split('\n').find((l) => / in JSON at position \d+|JSON/.test(l) && !l.startsWith('JSON Error in')) ?? '';
    // "Unexpected end of JSON input" names no position: it is the end of the file.
    const position = /end of JSON input/.test(line) && fileText !== undefined ? fileText.length : Number(/at position (\d+)/.exec(line)?.[1]);
    const reason = scrub(line.replace(/ while parsing .*$/, '').replace(/,\s*(\.\.\.)?".*$/, '').replace(/ in JSON at position \d+.*$/, '').replace(/ at position \d+.*$/, '').trim());
    const where = Number.isFinite(position) && fileText !== undefined ? `${lineAndColumn(fileText, position)}: ` : '';
    return `is not valid JSON: ${where}${reason || 'syntax error'}`;
  }
  if (e?.name === 'SyntaxError') {
    const line = /:(\d+)\n/.exec(e.stack ?? '')?.[1];
    return `is not valid JavaScript: ${line ? `line ${line}: ` : ''}${scrub(message.split('\n')[0]!)}`;
  }
  if (/^Cannot require\(\) ES Module/.test(message)) return 'could not be loaded as a JavaScript module (check it with node --check)';
  return `failed when loaded: ${scrub(message.split('\n')[0]!.trim())}`;
}

/** `line L, column C` (from 1) of a character position in a text. */
function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** A parser's words without anything long enough to be (part of) a token or a quote of the file. */
function scrub(text: string): string {
  return text.replace(/[A-Za-z0-9_\-.+/=]{16,}/g, '…');
}
