// What a command needs from the program: its parsed flags and the process (below both cli.ts and the commands).

import type { WaUploadError } from '../errors.js';
import type { MediaType } from '../media/media-types.js';

/** What the upload command's flags hold (commander gives them no defaults: defaults apply after the merge). */
export interface UploadFlags {
  phoneNumberId?: string;
  tokenFile?: string;
  apiVersion?: string;
  baseUrl?: string;
  type?: MediaType;
  json?: boolean;
  quiet?: boolean;
  config?: string;
  concurrency?: number;
  retries?: number;
  timeout?: number;
  retryDelay?: number;
  maxRetryWait?: number;
  dryRun?: boolean;
  strict?: boolean;
  verbose?: boolean;
  color?: boolean;
  sandbox?: boolean;
  reuse?: boolean;
  ttlMinutes?: number;
  filename?: string;
  /** The Meta app ID (`handle` only). */
  appId?: string;
}

/** The flags every API command understands. */
export interface ConnectionFlags {
  phoneNumberId?: string | undefined;
  tokenFile?: string | undefined;
  apiVersion?: string | undefined;
  baseUrl?: string | undefined;
  config?: string | undefined;
  concurrency?: number | undefined;
  retries?: number | undefined;
  timeout?: number | undefined;
  retryDelay?: number | undefined;
  maxRetryWait?: number | undefined;
  json?: boolean | undefined;
  quiet?: boolean | undefined;
  verbose?: boolean | undefined;
  color?: boolean | undefined;
}

/** Flags of `download`. */
export interface DownloadFlags extends ConnectionFlags {
  output?: string;
  force?: boolean;
}

/** Flags of `delete`. */
export interface DeleteFlags extends ConnectionFlags {
  dryRun?: boolean;
}

/** What the sandbox command's flags hold. */
export interface SandboxFlags {
  port?: number;
  host?: string;
  delay?: number;
  token?: string;
  store?: boolean;
}

/** What commands need from the process, in one place so that tests and the API can supply their own. */
export interface ProcessContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; getColorDepth?: () => number };
  /** Calls back on SIGINT/SIGTERM; returns a function that stops listening. */
  onSignal: (handler: (signal: 'SIGINT' | 'SIGTERM') => void) => () => void;
  /**
   * Calls back once when stdout cannot be written (its reader went away, the disk is full) with the error to report;
   * returns a function that stops listening. A command stops its work: nothing more is sent that nobody can see.
   */
  onStdoutFailure?: (handler: (failure: WaUploadError) => void) => () => void;
  /** Registers a temp file or folder to remove even when the process exits at once (a second Ctrl-C); returns the unregister. */
  removeOnExit?: (path: string) => () => void;
}
