// Where config files are looked for: one list shared by the cheap candidate check and the cosmiconfig reader.

/** Config file names searched in each folder, `.waupload.json` first (TypeScript configs are left out: they need the typescript package). */
export const CONFIG_SEARCH_PLACES = [
  '.waupload.json',
  'package.json',
  '.wauploadrc',
  '.wauploadrc.json',
  '.wauploadrc.yaml',
  '.wauploadrc.yml',
  '.wauploadrc.js',
  '.wauploadrc.cjs',
  '.wauploadrc.mjs',
  '.config/wauploadrc',
  '.config/wauploadrc.json',
  '.config/wauploadrc.yaml',
  '.config/wauploadrc.yml',
  '.config/wauploadrc.js',
  '.config/wauploadrc.cjs',
  '.config/wauploadrc.mjs',
  'waupload.config.js',
  'waupload.config.cjs',
  'waupload.config.mjs',
];
