// The batch under a shortage of descriptors: a file that fails for want of them is tried again with fewer files in
// flight, and a shortage that never ends is temporary (exit 7) with the remedy, never the input's fault (exit 4).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TemporaryError } from '../../src/errors.js';
import type { GraphSettings } from '../../src/graph/graph-client.js';
import { runBatch, type BatchItem, type SendFile } from '../../src/upload/batch.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wa-batch-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function items(count: number): Promise<BatchItem[]> {
  const list: BatchItem[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `f${i}.txt`);
    await writeFile(path, `file ${i}\n`);
    list.push({ file: path, path });
  }
  return list;
}

const shortage = () => new TemporaryError('connect EMFILE 127.0.0.1:9 - Local (undefined:undefined) (after 4 tries)');
const options = (concurrency: number, send: SendFile) => ({ concurrency, dryRun: false, prepare: {}, hash: false, graph: {} as GraphSettings, send });

describe('runBatch out of descriptors', () => {
  it('the first 6 sends fail with EMFILE: every file still uploads, in fewer at once', async () => {
    let calls = 0;
    let inFlight = 0;
    const inFlightAfterShortage: number[] = [];
    const send: SendFile = async () => {
      const call = ++calls;
      inFlight += 1;
      try {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (call <= 6) throw shortage();
        inFlightAfterShortage.push(inFlight);
        return { id: String(1000 + call), sha256: undefined, attempts: 1 };
      } finally {
        inFlight -= 1;
      }
    };
    const list = await items(20);
    const outcomes = await runBatch(list, options(8, send));
    expect(outcomes.map((o) => [o.file, o.ok])).toEqual(list.map((i) => [i.file, true]));
    expect(calls).toBe(26);
    // After the shortage the pool shrank: never again 8 files in flight.
    expect(Math.max(...inFlightAfterShortage)).toBeLessThan(8);
  });

  it('EMFILE every time: each failure is exit 7 with the remedy; once one file alone fails, the rest are not tried', async () => {
    let calls = 0;
    const send: SendFile = async () => {
      calls += 1;
      throw shortage();
    };
    const outcomes = await runBatch(await items(12), options(4, send));
    for (const outcome of outcomes) {
      expect(outcome.ok).toBe(false);
      if (outcome.ok) continue;
      expect(outcome.error.exitCode).toBe(7);
      expect(outcome.error.kind).toBe('temporary');
      expect(outcome.error.hint).toBe('lower --concurrency (4 now) or raise the open-files limit (ulimit -n)');
    }
    const messages = outcomes.map((o) => (o.ok ? '' : o.error.message));
    expect(messages.filter((m) => m.startsWith('not tried: the open-files limit leaves no room for one file (EMFILE')).length).toBeGreaterThan(0);
    expect(messages.filter((m) => m.endsWith('after 9 tries with fewer files in flight')).length).toBeGreaterThan(0);
    // Bounded: at most 9 tries for each of the files in flight when the shortage began.
    expect(calls).toBeLessThanOrEqual(4 * 9);
  });
});
