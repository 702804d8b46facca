// Build-time trims of bundled dependencies that cost start-up time or package size for nothing wa-upload uses.

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** esbuild plugin: trims what the bundle loads and ships, where wa-upload never uses what is trimmed (see each note). */
export const startupShims = {
  name: 'startup-shims',
  setup(b) {
    const shim = (file) => ({ path: join(root, 'scripts', 'shims', file) });
    // Whole packages wa-upload never reaches (each shim's first line says why).
    const replaced = { 'http2-wrapper': 'http2-wrapper.js', 'cacheable-request': 'cacheable-request.js', 'cacheable-lookup': 'cacheable-lookup.js', debug: 'debug.js' };
    b.onResolve({ filter: /^(http2-wrapper|cacheable-request|cacheable-lookup|debug)$/ }, (args) => shim(replaced[args.path]));
    // form-data's helpers: the get-intrinsic chain and hasown, for what Object.defineProperty and Object.hasOwn do.
    b.onResolve({ filter: /^(es-set-tostringtag|hasown)$/ }, (args) =>
      /node_modules[\\/]form-data[\\/]/.test(args.importer) ? shim(`${args.path}.js`) : undefined,
    );
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /node_modules[\\/]commander[\\/]/.test(args.importer) ? shim('child-process-for-commander.js') : undefined,
    );
    // node:https and node:tls (which loads node:crypto) on first use, for the packages that import them at the top.
    b.onResolve({ filter: /^(node:)?(https|tls)$/ }, (args) =>
      /node_modules[\\/](got|form-data|hpagent)[\\/]/.test(args.importer) ? shim(`lazy-${args.path.replace('node:', '')}.js`) : undefined,
    );
    b.onResolve({ filter: /^node:crypto$/ }, (args) =>
      /node_modules[\\/]got[\\/]dist[\\/]source[\\/]core[\\/]diagnostics-channel\.js$/.test(args.importer) ? shim('got-request-id.js') : undefined,
    );
    // form-data's crypto makes its boundary, but src/graph/multipart-body.ts always sets one: load it only if asked.
    b.onResolve({ filter: /^crypto$/ }, (args) => (/node_modules[\\/]form-data[\\/]/.test(args.importer) ? shim('lazy-crypto.js') : undefined));
    b.onResolve({ filter: /^cli-spinners$/ }, (args) => (/node_modules[\\/]ora[\\/]/.test(args.importer) ? shim('cli-spinners.js') : undefined));
    b.onResolve({ filter: /^mime-types$/ }, (args) =>
      /node_modules[\\/]form-data[\\/]/.test(args.importer) ? shim('form-data-mime-types.js') : undefined,
    );
    // mime-types (which only names the types wa-upload refuses) needs of mime-db just each type's extensions and source:
    // the rest (charsets, compressibility, 1,500 types without extensions) is 90 KB the package need not ship.
    b.onLoad({ filter: /node_modules[\\/]mime-db[\\/]db\.json$/ }, async (args) => {
      const db = JSON.parse(await readFile(args.path, 'utf8'));
      const pruned = Object.fromEntries(
        Object.entries(db)
          .filter(([, entry]) => entry.extensions)
          .map(([type, entry]) => [type, { source: entry.source, extensions: entry.extensions }]),
      );
      return { contents: JSON.stringify(pruned), loader: 'json' };
    });
    // @sindresorhus/is (got's) builds two Intl.ListFormat objects at import: initialising ICU costs ~30 ms of every
    // start-up, for messages of argument errors wa-upload never triggers. Build them on first use instead.
    b.onLoad({ filter: /node_modules[\\/]@sindresorhus[\\/]is[\\/]distribution[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const lazy = source.replace(
        /const (andFormatter|orFormatter) = new Intl\.ListFormat\(([^)]*)\);/g,
        (_, name, options) => `let ${name}Instance; const ${name} = { format: (list) => (${name}Instance ??= new Intl.ListFormat(${options})).format(list) };`,
      );
      if (lazy === source) throw new Error('@sindresorhus/is changed: review the lazy Intl.ListFormat patch in scripts/build.js');
      return { contents: lazy, loader: 'js' };
    });
  },
};
