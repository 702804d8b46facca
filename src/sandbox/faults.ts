// Misbehaviour the sandbox can be told to show (errors, throttling, resets, hangs): checking and queueing.

/** One injected misbehaviour; it applies to the next `times` requests it matches. */
export interface SandboxFault {
  /** HTTP status of the error answer (default 500 when only Graph fields are given, 400 for code 33, 503 for 133004; 502 for `html`). */
  status?: number;
  /** Graph `error.code` (default 1 when only `status` is given). */
  graphCode?: number;
  /** Graph `error.error_subcode`. */
  graphSubcode?: number;
  /** Graph `error.is_transient`; left out of the body when unset. */
  isTransient?: boolean;
  /** Graph `error.message` (default: the usual text for the code). */
  message?: string;
  /** Graph `error.error_data.details` (for example the text of a 131053 media error). */
  details?: string;
  /** Sent verbatim as a `Retry-After` header. */
  retryAfter?: string;
  /** Minutes; sent as `estimated_time_to_regain_access` in an `X-Business-Use-Case-Usage` header. */
  estimatedTimeToRegainAccess?: number;
  /** Answer with an HTML error page (text/html), like a proxy in front of Graph would. */
  html?: boolean;
  /** Answer with this text as the body instead (status from `status`, default 502): a hostile or broken server's own words. */
  body?: string;
  /** Destroy the socket once this many body bytes arrived (0: as soon as the headers arrived). */
  dropAfterBytes?: number;
  /** Stop reading the body once this many bytes arrived (keeping them), and never answer: a client's idle timeout mid-file. */
  stallAfterBytes?: number;
  /** Read the body, then never answer (until the sandbox closes). */
  hang?: boolean;
  /** Answer after this many extra milliseconds (normally, unless the fault also makes it an error). */
  delayMs?: number;
  /** Answer 307 with this `Location`. */
  redirectTo?: string;
  /** How many matching requests this fault applies to (default 1). */
  times?: number;
  /**
   * Which requests it applies to. `upload` (default): requests that carry file bytes (`POST /{version}/{id}/media` and a
   * Resumable Upload session's byte POST); `session`: starting a Resumable Upload session; `status`: a session's
   * offset GET; `any`: every API request, downloads included.
   */
  match?: FaultTarget | 'any';
}

/** The kinds of requests a fault can be aimed at. */
export type FaultTarget = 'upload' | 'session' | 'status';
const FAULT_TARGETS: readonly string[] = ['upload', 'session', 'status', 'any'];

const NUMBER_KEYS = ['status', 'graphCode', 'graphSubcode', 'estimatedTimeToRegainAccess', 'dropAfterBytes', 'stallAfterBytes', 'delayMs', 'times'] as const;
const STRING_KEYS = ['message', 'details', 'retryAfter', 'redirectTo', 'body'] as const;
const BOOLEAN_KEYS = ['isTransient', 'html', 'hang'] as const;
/** Every property a fault may have (the sandbox command's --help lists them all). */
export const FAULT_KEYS: readonly string[] = [...NUMBER_KEYS, ...STRING_KEYS, ...BOOLEAN_KEYS, 'match'];
const KNOWN_KEYS = new Set<string>(FAULT_KEYS);

/**
 * Checks a fault given by a test or posted to `/_sandbox/faults` and returns a copy.
 * Throws a TypeError naming the first problem (unknown key, wrong type, value out of range).
 */
export function parseFault(value: unknown): SandboxFault {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('A fault must be a JSON object');
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) throw new TypeError(`Unknown fault property '${key}'`);
  }
  const fault: SandboxFault = {};
  for (const key of NUMBER_KEYS) {
    const v = input[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) {
      throw new TypeError(`Fault property '${key}' must be a number >= 0`);
    }
    fault[key] = v;
  }
  for (const key of STRING_KEYS) {
    const v = input[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new TypeError(`Fault property '${key}' must be a string`);
    fault[key] = v;
  }
  for (const key of BOOLEAN_KEYS) {
    const v = input[key];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new TypeError(`Fault property '${key}' must be a boolean`);
    fault[key] = v;
  }
  if (input.match !== undefined) {
    if (typeof input.match !== 'string' || !FAULT_TARGETS.includes(input.match)) {
      throw new TypeError(`Fault property 'match' must be one of ${FAULT_TARGETS.map((t) => `'${t}'`).join(', ')}`);
    }
    fault.match = input.match as FaultTarget | 'any';
  }
  if (fault.status !== undefined && (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599)) {
    throw new TypeError("Fault property 'status' must be an HTTP status between 200 and 599");
  }
  if (fault.times !== undefined && !(fault.times >= 1 && (Number.isInteger(fault.times) || fault.times === Infinity))) {
    throw new TypeError("Fault property 'times' must be a whole number >= 1");
  }
  if (fault.redirectTo !== undefined && /[\r\n]/.test(fault.redirectTo)) {
    throw new TypeError("Fault property 'redirectTo' must not contain line breaks");
  }
  if (fault.retryAfter !== undefined && /[\r\n]/.test(fault.retryAfter)) {
    throw new TypeError("Fault property 'retryAfter' must not contain line breaks");
  }
  return fault;
}

/** True when the fault answers with an error of its own instead of the normal answer. */
export function faultAnswersWithError(fault: SandboxFault): boolean {
  return (
    fault.status !== undefined ||
    fault.graphCode !== undefined ||
    fault.graphSubcode !== undefined ||
    fault.message !== undefined ||
    fault.details !== undefined ||
    fault.isTransient !== undefined
  );
}

/** True when the fault takes over the answer (anything beyond extra delay and extra headers). */
export function faultTakesOver(fault: SandboxFault): boolean {
  return (
    faultAnswersWithError(fault) ||
    fault.html === true ||
    fault.body !== undefined ||
    fault.hang === true ||
    fault.dropAfterBytes !== undefined ||
    fault.stallAfterBytes !== undefined ||
    fault.redirectTo !== undefined
  );
}

interface QueuedFault {
  fault: SandboxFault;
  remaining: number;
}

/** Faults in the order they were injected; each request takes the first one that matches it. */
export class FaultQueue {
  #queue: QueuedFault[] = [];

  /** Queues a fault (already checked by parseFault). */
  push(fault: SandboxFault): void {
    this.#queue.push({ fault, remaining: fault.times ?? 1 });
  }

  /** Forgets every queued fault; returns how many there were. */
  clear(): number {
    const count = this.#queue.length;
    this.#queue = [];
    return count;
  }

  /** How many faults are still queued. */
  get size(): number {
    return this.#queue.length;
  }

  /** Takes one use of the first fault that matches a request of this kind (undefined: any other API request). */
  take(target: FaultTarget | undefined): SandboxFault | undefined {
    const index = this.#queue.findIndex((entry) => {
      const match = entry.fault.match ?? 'upload';
      return match === 'any' || match === target;
    });
    if (index < 0) return undefined;
    const entry = this.#queue[index]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#queue.splice(index, 1);
    return entry.fault;
  }
}
