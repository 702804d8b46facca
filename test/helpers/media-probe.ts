// Reads converted media independently of src/: ffprobe's account of the streams, the top-level MP4 boxes, and the bytes a sandbox holds for a media ID.

import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TEST_TOKEN } from './run-cli.js';

/** One stream as ffprobe reports it (the fields the tests read). */
export interface ProbedStream {
  codec_type: 'video' | 'audio' | 'subtitle' | 'data';
  codec_name: string;
  profile?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  channels?: number;
  has_b_frames?: number;
}

/** ffprobe's streams and format name of a file. */
export function ffprobe(path: string): { streams: ProbedStream[]; format: string; duration: number | undefined } {
  const run = spawnSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ffprobe failed on ${path}: ${run.stderr}`);
  const parsed = JSON.parse(run.stdout) as { streams: ProbedStream[]; format: { format_name: string; duration?: string } };
  return { streams: parsed.streams, format: parsed.format.format_name, duration: parsed.format.duration ? Number(parsed.format.duration) : undefined };
}

/** The sizes of the packets of a file's first video stream (equal lists: the stream was copied, not re-encoded). */
export function videoPacketSizes(path: string): number[] {
  const run = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=size', '-of', 'csv=p=0', path], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ffprobe failed on ${path}: ${run.stderr}`);
  return run.stdout.trim().split('\n').map(Number);
}

/** The types of the top-level boxes of an ISO base media file, in file order (moov before mdat: the index first). */
export async function topLevelBoxes(path: string): Promise<string[]> {
  const bytes = await readFile(path);
  const types: string[] = [];
  for (let at = 0; at + 8 <= bytes.length; ) {
    let size = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (size === 1) size = Number(bytes.readBigUInt64BE(at + 8));
    if (size === 0) size = bytes.length - at;
    if (size < 8) break;
    types.push(type);
    at += size;
  }
  return types;
}

/** The bytes a sandbox stored for a media ID (its media URL, fetched with the test token), written to `dir/name`. */
export async function receivedFile(baseUrl: string, id: string, dir: string, name: string): Promise<string> {
  const headers = { authorization: `Bearer ${TEST_TOKEN}` };
  const info = (await (await fetch(`${baseUrl}/v27.0/${id}`, { headers })).json()) as { url: string };
  const response = await fetch(info.url, { headers });
  if (!response.ok) throw new Error(`media ${id}: HTTP ${response.status}`);
  const path = join(dir, name);
  await writeFile(path, Buffer.from(await response.arrayBuffer()));
  return path;
}
