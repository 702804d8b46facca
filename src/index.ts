// The programmatic API: upload, inspect, download and delete media from code, with the CLI's settings and typed errors.

export { VERSION } from './version.js';
