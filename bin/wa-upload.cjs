#!/usr/bin/env node
// The wa-upload command: dist/launch.cjs loads the bundled CLI (through a V8 code cache) and runs it with these arguments.
require('../dist/launch.cjs').launch(process.argv.slice(2));
