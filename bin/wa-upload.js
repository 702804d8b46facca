#!/usr/bin/env node
// The wa-upload command: hands argv to the bundled CLI.
import { main } from '../dist/cli.js';
main(process.argv.slice(2));
