// Edits of real MP4/M4A/3GP fixtures for the content-check tests: drop the tracks, empty a sample description, grow a
// box, each with every enclosing box size kept true, so the result is a well-formed file with one thing changed.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURES } from './run-cli.js';

/** One box: its type, where it starts and where it ends (exclusive), its header size (8, or 16 with a largesize). */
export interface Box {
  type: string;
  start: number;
  end: number;
  headerSize: number;
}

/** The boxes laid end to end in `file` between `from` and `to`. */
export function boxesIn(file: Buffer, from = 0, to = file.length): Box[] {
  const boxes: Box[] = [];
  for (let position = from; position + 8 <= to; ) {
    let size = file.readUInt32BE(position);
    let headerSize = 8;
    if (size === 1) {
      size = Number(file.readBigUInt64BE(position + 8));
      headerSize = 16;
    } else if (size === 0) {
      size = to - position;
    }
    if (size < headerSize) throw new Error(`broken box at ${position}`);
    boxes.push({ type: file.toString('latin1', position + 4, position + 8), start: position, end: position + size, headerSize });
    position += size;
  }
  return boxes;
}

/** The boxes along `path` (e.g. ['moov', 'trak', 'mdia']) from the top level, each the first of its type; throws if one is missing. */
export function findBox(file: Buffer, path: readonly string[]): Box[] {
  const chain: Box[] = [];
  let from = 0;
  let to = file.length;
  for (const type of path) {
    const box = boxesIn(file, from, to).find((candidate) => candidate.type === type);
    if (!box) throw new Error(`no ${path.join('/')} box`);
    chain.push(box);
    from = box.start + box.headerSize;
    to = box.end;
  }
  return chain;
}

/** Replaces bytes [start, end) of `file` by `insert`, adding the change in length to the size of each box in `chain`. */
function splice(file: Buffer, chain: readonly Box[], start: number, end: number, insert: Buffer): Buffer {
  const result = Buffer.concat([file.subarray(0, start), insert, file.subarray(end)]);
  const delta = insert.length - (end - start);
  for (const box of chain) {
    if (box.headerSize !== 8) throw new Error('largesize boxes are not edited here');
    result.writeUInt32BE(box.end - box.start + delta, box.start);
  }
  return result;
}

/** A fixture read from fixtures/. */
export function readFixture(fixture: string): Promise<Buffer> {
  return readFile(join(FIXTURES, fixture));
}

/** The file with every trak box removed from moov: a movie that holds no track. */
export function withoutTracks(file: Buffer): Buffer {
  let result = file;
  for (;;) {
    const [moov] = findBox(result, ['moov']);
    const trak = boxesIn(result, moov!.start + moov!.headerSize, moov!.end).find((box) => box.type === 'trak');
    if (!trak) return result;
    result = splice(result, [moov!], trak.start, trak.end, Buffer.alloc(0));
  }
}

/** The file with the first track's stsd emptied (entry_count 0, no sample entry): no codec can be read. */
export function withEmptySampleDescription(file: Buffer): Buffer {
  const chain = findBox(file, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd']);
  const stsd = chain.pop()!;
  const empty = Buffer.alloc(16);
  empty.writeUInt32BE(16, 0);
  empty.write('stsd', 4, 'latin1'); // then version+flags 0 and entry_count 0
  return splice(file, chain, stsd.start, stsd.end, empty);
}

/**
 * The file with the first video track's ctts replaced by one of `runs` entries (sample_count 1 each) whose offsets
 * `offsetOf(index)` gives: a ctts as large as a long film's, to show how much of it is read.
 */
export function withCompositionOffsets(file: Buffer, runs: number, offsetOf: (index: number) => number): Buffer {
  const moov = findBox(file, ['moov'])[0]!;
  const child = (parent: Box, type: string) =>
    boxesIn(file, parent.start + parent.headerSize, parent.end).find((box) => box.type === type);
  const video = boxesIn(file, moov.start + moov.headerSize, moov.end).find((trak) => {
    const hdlr = trak.type === 'trak' ? child(trak, 'mdia') && child(child(trak, 'mdia')!, 'hdlr') : undefined;
    // hdlr: header (8), version+flags (4), pre_defined (4), handler_type (4).
    return hdlr !== undefined && file.toString('latin1', hdlr.start + 16, hdlr.start + 20) === 'vide';
  });
  if (!video) throw new Error('no video track');
  const chain: Box[] = [moov, video];
  let parent = video;
  for (const type of ['mdia', 'minf', 'stbl']) {
    parent = child(parent, type)!;
    chain.push(parent);
  }
  const stbl = parent;
  const ctts = child(stbl, 'ctts');
  const box = Buffer.alloc(16 + 8 * runs);
  box.writeUInt32BE(box.length, 0);
  box.write('ctts', 4, 'latin1');
  box.writeUInt32BE(runs, 12);
  for (let i = 0; i < runs; i += 1) {
    box.writeUInt32BE(1, 16 + 8 * i);
    box.writeUInt32BE(offsetOf(i), 20 + 8 * i);
  }
  return ctts ? splice(file, chain, ctts.start, ctts.end, box) : splice(file, chain, stbl.end, stbl.end, box);
}
