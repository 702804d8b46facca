// Reads a config file with cosmiconfig (loaded only when a candidate exists; see loadConfigFile in config.ts).

import { readFile, stat } from 'node:fs/promises';
import { cosmiconfig } from 'cosmiconfig';
import { CONFIG_SEARCH_PLACES } from './config-places.js';
import { ConfigError } from '../errors.js';

/**
 * The config file's parsed content and path: the one named by --config, or the first found searching upward from
 * `cwd` to the home folder, then the user's config folder. Undefined when none or empty; ConfigError naming the file
 * when it is missing, a folder or malformed.
 */
export async function readConfigFile(options: { explicitPath?: string | undefined; cwd: string }): Promise<{ config: unknown; filepath: string } | undefined> {
  const explorer = cosmiconfig('waupload', { searchPlaces: CONFIG_SEARCH_PLACES, searchStrategy: 'global', cache: false });
  let result: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  try {
    if (options.explicitPath) {
      try {
        const info = await stat(options.explicitPath);
        if (info.isDirectory()) throw new ConfigError(`config file ${options.explicitPath} is a folder`, 'name a file with --config');
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        throw new ConfigError(`config file ${options.explicitPath} does not exist or cannot be read`, 'check the path given to --config');
      }
      result = await explorer.load(options.explicitPath);
    } else {
      result = await explorer.search(options.cwd);
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const file = (error as { filepath?: string }).filepath ?? options.explicitPath ?? fileNamedIn(error) ?? 'the config file';
    const text = await readFile(file, 'utf8').catch(() => undefined);
    throw new ConfigError(`config file ${file} ${whyUnreadable(error, text)}`, 'fix it or remove it (see .waupload.example.json)');
  }
  if (!result || result.isEmpty || result.config === undefined) return undefined;
  return { config: result.config, filepath: result.filepath };
}

function fileNamedIn(error: unknown): string | undefined {
  const text = String((error as { message?: unknown })?.message ?? '');
  return /(\/[^\s:'"]+)/.exec(text)?.[1];
}

/**
 * Why a config file could not be loaded, with where when the parser says (line and column), in the parser's words but
 * never quoting the file: it may hold the token. JSON and YAML say where; a JavaScript config's syntax error says its
 * line; one that throws gives its error.
 */
export function whyUnreadable(error: unknown, fileText: string | undefined): string {
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
