// MP4 / M4A / 3GP (ISO base media) structure: ftyp brands and each track's codec, found by walking box headers.
//
// Hand-written: file-type only reads the ftyp brand, and no maintained library reads sample entries without parsing
// (or buffering) the whole moov. This walker reads box headers with positional reads, jumps over everything it does
// not need (mdat above all, wherever it is), and reads only hdlr, the start of stsd and the ftyp payload.
import { ascii, printableFourcc, type BoundedReader } from './reader.js';

/** One track of the movie: its handler (`vide`, `soun`, ...) and the four-character code of its first sample entry. */
export interface IsoTrack {
  handler: string;
  /** Sample entry type from stsd, such as `avc1`, `hvc1`, `mp4a`; undefined when stsd was missing or unreadable. */
  codec?: string;
  /** For `mp4a`: the esds objectTypeIndication (0x40 = MPEG-4 audio, 0x6B = MP3...), when it could be read. */
  objectType?: number;
}

/** What the box walk found. */
export interface IsoInfo {
  majorBrand: string;
  compatibleBrands: string[];
  moovFound: boolean;
  tracks: IsoTrack[];
  /** The walk stopped at its box-count or byte limit: a missing moov proves nothing then. */
  incomplete: boolean;
  /** The first top-level box that runs past the end of the file (the file was cut short), if any. */
  truncatedBox?: string;
}

interface BoxHeader {
  type: string;
  start: number;
  /** 8, or 16 with a 64-bit largesize. */
  headerSize: number;
  /** Offset just past the box (may lie past the end of a truncated file). */
  end: number;
}

/** Boxes one examination may visit, top level and inside moov together. Real files need a few dozen. */
const MAX_BOXES = 4096;
/** Bytes of stsd read: its header and the first sample entry with its esds, which sit at its start. */
const STSD_READ_BYTES = 4096;

interface Walk {
  reader: BoundedReader;
  boxesLeft: number;
  incomplete: boolean;
}

/**
 * Walks the top-level boxes (jumping over mdat by its size) for ftyp and moov, reads each track's codec in moov, and
 * notes a box that runs past the end of the file.
 */
export async function examineIsoBmff(reader: BoundedReader): Promise<IsoInfo> {
  const info: IsoInfo = { majorBrand: '', compatibleBrands: [], moovFound: false, tracks: [], incomplete: false };
  const walk: Walk = { reader, boxesLeft: MAX_BOXES, incomplete: false };
  for await (const box of children(walk, 0, reader.size)) {
    if (box.end > reader.size && info.truncatedBox === undefined) info.truncatedBox = box.type;
    if (box.type === 'ftyp') {
      // major_brand (4), minor_version (4), compatible_brands (4 each).
      const length = Math.min(box.end - box.start - box.headerSize, 256);
      const payload = await reader.read(box.start + box.headerSize, length);
      info.majorBrand = ascii(payload, 0, 4);
      for (let offset = 8; offset + 4 <= payload.length; offset += 4) {
        info.compatibleBrands.push(ascii(payload, offset, 4));
      }
    } else if (box.type === 'moov' && !info.moovFound) {
      info.moovFound = true;
      for await (const trak of children(walk, box.start + box.headerSize, box.end)) {
        if (trak.type === 'trak') info.tracks.push(await readTrack(walk, trak));
      }
    }
  }
  info.incomplete = walk.incomplete || reader.exhausted;
  return info;
}

async function readTrack(walk: Walk, trak: BoxHeader): Promise<IsoTrack> {
  const track: IsoTrack = { handler: '' };
  const mdia = await child(walk, trak, 'mdia');
  if (!mdia) return track;
  const hdlr = await child(walk, mdia, 'hdlr');
  if (hdlr) {
    // FullBox: version+flags (4), pre_defined (4), handler_type (4).
    const payload = await walk.reader.read(hdlr.start + hdlr.headerSize, 12);
    track.handler = ascii(payload, 8, 4);
  }
  const minf = await child(walk, mdia, 'minf');
  const stbl = minf && (await child(walk, minf, 'stbl'));
  const stsd = stbl && (await child(walk, stbl, 'stsd'));
  if (!stsd) return track;
  const payload = await walk.reader.read(
    stsd.start + stsd.headerSize,
    Math.min(stsd.end - stsd.start - stsd.headerSize, STSD_READ_BYTES),
  );
  // FullBox: version+flags (4), entry_count (4), then sample entries, each a box whose type is the codec.
  if (payload.length < 16 || payload.readUInt32BE(4) === 0) return track;
  track.codec = ascii(payload, 12, 4);
  if (track.codec === 'mp4a') {
    const entrySize = payload.readUInt32BE(8);
    const entry = payload.subarray(8, 8 + Math.max(entrySize, 8));
    const objectType = esdsObjectType(entry);
    if (objectType !== undefined) track.objectType = objectType;
  }
  return track;
}

/** The objectTypeIndication of the esds box inside an `mp4a` sample entry, or undefined if it cannot be read. */
function esdsObjectType(entry: Buffer): number | undefined {
  // The esds box follows the 28 bytes of AudioSampleEntry fields (more in QuickTime's version 1 and 2 entries, where
  // it may also sit inside a `wave` box): look for it instead of computing where it starts.
  const at = entry.indexOf('esds', 8, 'latin1');
  if (at < 0) return undefined;
  let offset = at + 4 + 4; // type, version+flags
  const es = readDescriptor(entry, offset);
  if (!es || es.tag !== 0x03) return undefined;
  offset = es.body + 2; // ES_ID
  const flags = entry[offset];
  if (flags === undefined) return undefined;
  offset += 1;
  if (flags & 0x80) offset += 2; // dependsOn_ES_ID
  if (flags & 0x40) offset += 1 + (entry[offset] ?? 0); // URL
  if (flags & 0x20) offset += 2; // OCR_ES_Id
  const config = readDescriptor(entry, offset);
  if (!config || config.tag !== 0x04) return undefined;
  return entry[config.body];
}

/** An MPEG-4 descriptor header: tag byte and a length of one to four 7-bit groups. */
function readDescriptor(buffer: Buffer, offset: number): { tag: number; body: number } | undefined {
  const tag = buffer[offset];
  if (tag === undefined) return undefined;
  let position = offset + 1;
  for (let i = 0; i < 4; i += 1) {
    const byte = buffer[position];
    if (byte === undefined) return undefined;
    position += 1;
    if (!(byte & 0x80)) break;
  }
  return { tag, body: position };
}

/** The first child box of `parent` with this type. */
async function child(walk: Walk, parent: BoxHeader, type: string): Promise<BoxHeader | undefined> {
  for await (const box of children(walk, parent.start + parent.headerSize, parent.end)) {
    if (box.type === type) return box;
  }
  return undefined;
}

/** The boxes laid end to end between `from` and `to`, read one header at a time. */
async function* children(walk: Walk, from: number, to: number): AsyncGenerator<BoxHeader> {
  let position = from;
  const limit = Math.min(to, walk.reader.size);
  while (position + 8 <= limit) {
    if (walk.boxesLeft <= 0) {
      walk.incomplete = true;
      return;
    }
    walk.boxesLeft -= 1;
    const box = await readBoxHeader(walk.reader, position, limit);
    if (!box) return;
    yield box;
    position = box.end;
  }
}

async function readBoxHeader(reader: BoundedReader, position: number, limit: number): Promise<BoxHeader | undefined> {
  const header = await reader.read(position, 16);
  if (header.length < 8) return undefined;
  let size = header.readUInt32BE(0);
  let headerSize = 8;
  if (size === 1) {
    // 64-bit largesize follows the type.
    if (header.length < 16) return undefined;
    const large = header.readBigUInt64BE(8);
    size = large > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(large);
    headerSize = 16;
  } else if (size === 0) {
    size = limit - position; // the box runs to the end of its parent (at top level: of the file)
  }
  if (size < headerSize) return undefined;
  return { type: ascii(header, 4, 4), start: position, headerSize, end: position + size };
}

const VIDEO_CODECS: Readonly<Record<string, string>> = {
  avc1: 'H.264',
  avc3: 'H.264',
  hvc1: 'HEVC',
  hev1: 'HEVC',
  dvh1: 'Dolby Vision (HEVC)',
  dvhe: 'Dolby Vision (HEVC)',
  dva1: 'Dolby Vision (H.264)',
  dvav: 'Dolby Vision (H.264)',
  vvc1: 'VVC',
  vvi1: 'VVC',
  av01: 'AV1',
  vp08: 'VP8',
  vp09: 'VP9',
  mp4v: 'MPEG-4 Part 2',
  s263: 'H.263',
  h263: 'H.263',
  mjpa: 'Motion JPEG',
  mjpb: 'Motion JPEG',
  jpeg: 'Motion JPEG',
  apch: 'ProRes',
  apcn: 'ProRes',
  apcs: 'ProRes',
  apco: 'ProRes',
  ap4h: 'ProRes',
  encv: 'encrypted video',
};

const AUDIO_CODECS: Readonly<Record<string, string>> = {
  mp4a: 'AAC',
  '.mp3': 'MP3',
  'ac-3': 'AC-3',
  'ec-3': 'E-AC-3',
  'ac-4': 'AC-4',
  Opus: 'Opus',
  fLaC: 'FLAC',
  alac: 'ALAC',
  samr: 'AMR-NB',
  sawb: 'AMR-WB',
  sowt: 'PCM',
  twos: 'PCM',
  lpcm: 'PCM',
  ipcm: 'PCM',
  fpcm: 'PCM',
  ulaw: 'G.711 mu-law',
  alaw: 'G.711 A-law',
  mha1: 'MPEG-H',
  enca: 'encrypted audio',
};

/** esds objectTypeIndication values that are AAC (MPEG-4 audio, MPEG-2 AAC Main/LC/SSR). */
const AAC_OBJECT_TYPES = new Set([0x40, 0x66, 0x67, 0x68]);
const MPEG_AUDIO_OBJECT_TYPES: Readonly<Record<number, string>> = {
  0x69: 'MP3',
  0x6b: 'MP3',
  0xa5: 'AC-3',
  0xa6: 'E-AC-3',
  0xad: 'Opus',
  0xdd: 'Vorbis',
};

/** True for an H.264 sample entry. */
export function isH264(track: IsoTrack): boolean {
  return track.codec === 'avc1' || track.codec === 'avc3';
}

/** True for an AAC sample entry (mp4a whose esds, when readable, names an AAC object type). */
export function isAac(track: IsoTrack): boolean {
  return track.codec === 'mp4a' && (track.objectType === undefined || AAC_OBJECT_TYPES.has(track.objectType));
}

/** "HEVC (hvc1)": the codec's name and the sample entry type, for messages. */
export function describeCodec(track: IsoTrack): string {
  const code = printableFourcc(track.codec ?? '');
  if (track.codec === undefined) return 'an unreadable codec (no sample description)';
  if (track.codec === 'mp4a' && track.objectType !== undefined && !AAC_OBJECT_TYPES.has(track.objectType)) {
    const hex = `0x${track.objectType.toString(16).toUpperCase().padStart(2, '0')}`;
    const name = MPEG_AUDIO_OBJECT_TYPES[track.objectType] ?? 'not AAC';
    return `${name} (mp4a, object type ${hex})`;
  }
  const name = (track.handler === 'vide' ? VIDEO_CODECS : AUDIO_CODECS)[track.codec];
  return name ? `${name} (${code})` : `'${code}'`;
}
