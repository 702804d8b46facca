// Reads a config file with cosmiconfig (loaded only when a candidate exists; see loadConfigFile in config.ts).

import { stat } from 'node:fs/promises';
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
    const file = options.explicitPath ?? fileNamedIn(error) ?? 'the config file';
    throw new ConfigError(`config file ${file} is malformed: ${firstLine(error)}`, 'fix its syntax or remove it (see .waupload.example.json)');
  }
  if (!result || result.isEmpty || result.config === undefined) return undefined;
  return { config: result.config, filepath: result.filepath };
}

function fileNamedIn(error: unknown): string | undefined {
  const text = String((error as { message?: unknown })?.message ?? '');
  return /(\/[^\s:'"]+)/.exec(text)?.[1];
}

function firstLine(error: unknown): string {
  const text = String((error as { message?: unknown })?.message ?? error);
  return text.split('\n')[0]!.trim();
}
