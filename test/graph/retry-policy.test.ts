// Table tests of the retry policy: which failures are retried, waits, Retry-After and the business-use-case header.

import { describe, expect, it } from 'vitest';
import {
  LOOKUP_MAX_RETRIES,
  backoffDelayMs,
  classifyFailure,
  nextWaitMs,
  parseBusinessUseCaseWaitMs,
  parseRetryAfterMs,
  retriesFor,
  type TryFailure,
} from '../../src/graph/retry-policy.js';
import { isUnknownObjectError } from '../../src/graph/graph-errors.js';

describe('retry policy', () => {
  const http = (status: number, code?: number, isTransient?: boolean): TryFailure => ({
    kind: 'http',
    status,
    graph: code === undefined && isTransient === undefined ? undefined : { code, isTransient, httpStatus: status },
    bodySnippet: '',
  });
  it.each([
    ['network reset', { kind: 'network', code: 'ECONNRESET', message: 'reset' } as TryFailure, true, 'temporary'],
    ['timeout', { kind: 'timeout', phase: 'response', message: 't' } as TryFailure, true, 'temporary'],
    ['untrusted TLS certificate', { kind: 'network', code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'x' } as TryFailure, false, 'config'],
    ['TLS name mismatch', { kind: 'network', code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: 'x' } as TryFailure, false, 'config'],
    ['HTTP 500 without Graph JSON', http(500), true, 'temporary'],
    ['HTML 502', http(502), true, 'temporary'],
    ['HTTP 500 code 1', http(500, 1), true, 'temporary'],
    ['HTTP 400 code 4', http(400, 4), true, 'temporary'],
    ['HTTP 400 code 130429', http(400, 130429), true, 'temporary'],
    ['HTTP 400 transient', http(400, 12345, true), true, 'temporary'],
    ['HTTP 500 code 3', http(500, 3), false, 'auth'],
    ['HTTP 401 code 190', http(401, 190), false, 'auth'],
    ['HTTP 403 code 200', http(403, 200), false, 'auth'],
    ['HTTP 403 code 299', http(403, 299), false, 'auth'],
    ['HTTP 401 without JSON', http(401), false, 'auth'],
    ['HTTP 400 code 100', http(400, 100), false, 'api'],
    ['HTTP 500 code 100', http(500, 100), false, 'api'],
    ['HTTP 400 code 131053', http(400, 131053), false, 'api'],
    ['HTTP 503 unknown code', http(503, 4242), true, 'temporary'],
    ['HTTP 500 code 131057 (maintenance mode)', http(500, 131057), true, 'temporary'],
    ['HTTP 400 code 131057', http(400, 131057), true, 'temporary'],
    ['HTTP 503 code 133004 (server temporarily unavailable)', http(503, 133004), true, 'temporary'],
    ['HTTP 400 code 133004', http(400, 133004), true, 'temporary'],
    ['HTTP 400 code 33 (phone number deleted)', http(400, 33), false, 'api'],
    ['HTTP 500 code 33', http(500, 33), false, 'api'],
    ['HTTP 307 redirect', { kind: 'http', status: 307, graph: undefined, bodySnippet: '', redirect: 'https://x' } as TryFailure, false, 'api'],
  ])('%s → retryable %s, ends as %s', (_name, failure, retryable, kind) => {
    expect(classifyFailure(failure)).toEqual({ retryable, kind });
  });

  it.each([
    ['upload', 3, 3],
    ['upload', 20, 20],
    ['delete', 5, 5],
    ['lookup', 0, 0],
    ['lookup', 1, 1],
    ['lookup', 2, 2],
    ['lookup', 3, 2],
    ['lookup', 20, 2],
  ] as const)('%s with --retries %d: %d extra tries', (call, configured, expected) => {
    expect(retriesFor(call, configured)).toBe(expected);
    expect(retriesFor(call, configured)).toBeLessThanOrEqual(call === 'lookup' ? LOOKUP_MAX_RETRIES : configured);
  });

  it.each([
    ['code 100, subcode 33', { code: 100, subcode: 33, message: '(#100) Invalid parameter' }, true],
    ['code 100, no subcode, the message names an unknown object', { code: 100, message: "Unsupported get request. Object with ID '123' does not exist, cannot be loaded" }, true],
    ['the same text in other case', { code: 100, message: "object with id '123' DOES NOT EXIST" }, true],
    ['code 100, another message', { code: 100, message: '(#100) The parameter messaging_product is required.' }, false],
    ['top-level code 33 is not the unknown-object error', { code: 33, message: "Object with ID '1' does not exist" }, false],
    ['no Graph error', undefined, false],
  ])('unknown object: %s → %s', (_name, graph, expected) => {
    expect(isUnknownObjectError(graph)).toBe(expected);
  });

  it.each([
    [1, 0.5, 500],
    [2, 0.5, 1000],
    [3, 1, 4000],
    [10, 1, 30000],
    [3, 0, 0],
  ])('backoff try %d with random %d: %d ms (base 1 s, cap 30 s)', (attempt, random, expected) => {
    expect(backoffDelayMs(attempt, 1000, 30_000, () => random)).toBe(expected);
  });

  it.each([
    ['5', 5000],
    ['0.5', 500],
    ['Thu, 26 Nov 2026 12:00:10 GMT', 10_000],
    ['Thu, 26 Nov 2026 11:59:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('Retry-After %s → %s ms', (header, expected) => {
    expect(parseRetryAfterMs(header, Date.parse('Thu, 26 Nov 2026 12:00:00 GMT'))).toBe(expected);
  });

  it.each([
    ['{"123":[{"type":"whatsapp","estimated_time_to_regain_access":3}]}', 180_000],
    ['{"1":[{"estimated_time_to_regain_access":0}],"2":[{"estimated_time_to_regain_access":1}]}', 60_000],
    ['{"1":[{"estimated_time_to_regain_access":0}]}', undefined],
    ['not json', undefined],
    [undefined, undefined],
  ])('X-Business-Use-Case-Usage %s → %s ms', (header, expected) => {
    expect(parseBusinessUseCaseWaitMs(header)).toBe(expected);
  });

  it('a wait the server asks for beats the backoff', () => {
    expect(nextWaitMs({ attempt: 1, baseMs: 1000, retryAfterMs: 7000, random: () => 1 })).toEqual({ waitMs: 7000, reason: 'retry-after' });
    expect(nextWaitMs({ attempt: 1, baseMs: 1000, retryAfterMs: 1000, regainAccessMs: 60_000 })).toEqual({ waitMs: 60_000, reason: 'regain-access' });
    expect(nextWaitMs({ attempt: 2, baseMs: 1000, random: () => 1 })).toEqual({ waitMs: 2000, reason: 'backoff' });
  });
});
