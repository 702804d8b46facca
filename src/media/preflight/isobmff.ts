// MP4 / M4A / 3GP (ISO base media) structure: ftyp brands and each track's codec, found by walking box headers.
//
// Hand-written: file-type only reads the ftyp brand, and no maintained library reads sample entries without parsing
// (or buffering) the whole moov. This walker reads box headers with positional reads, jumps over everything it does
// not need (mdat above all, wherever it is), and reads only hdlr, the start of stsd (with avcC), the start of a video
// track's ctts and the ftyp payload.
import { ascii, printableFourcc, type BoundedReader } from './reader.js';

/** One track of the movie: its handler (`vide`, `soun`, ...) and the four-character code of its first sample entry. */
export interface IsoTrack {
  handler: string;
  /** tkhd track_ID, which movie fragments (moof/traf/tfhd) use to name the track; undefined when unreadable. */
  id?: number;
  /** Sample entry type from stsd, such as `avc1`, `hvc1`, `mp4a`; undefined when stsd was missing or unreadable. */
  codec?: string;
  /** For `mp4a`: the esds objectTypeIndication (0x40 = MPEG-4 audio, 0x6B = MP3...), when it could be read. */
  objectType?: number;
  /** For H.264 (`avc1`/`avc3`): the avcC AVCProfileIndication (66 Baseline, 77 Main, 100 High...), when readable. */
  avcProfile?: number;
  /**
   * For H.264 in a High-family profile: true when the ctts box, or in a fragmented file the first fragment's trun,
   * gives a sample a non-zero composition offset (frames are reordered: B-frames), false when it has none or no ctts.
   * Undefined when not looked at or not conclusive.
   */
  reordersFrames?: boolean;
}

/** What the box walk found. */
export interface IsoInfo {
  majorBrand: string;
  compatibleBrands: string[];
  moovFound: boolean;
  /** moov comes after an mdat box: a player must fetch the whole file before it can start (no faststart). */
  moovAfterMdat: boolean;
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
/** Bytes of stsd read: its header and the first sample entry with its esds or avcC, which sit at its start. */
const STSD_READ_BYTES = 4096;
/**
 * Bytes of ctts read: its header and the first 254 runs of (sample_count, sample_offset). A long video's ctts runs to
 * megabytes; an encoder that reorders frames shows it in the first group of pictures, so the start is enough.
 */
const CTTS_READ_BYTES = 2048;

/** avcC profile_idc values of the High family (High, High 10, High 4:2:2, High 4:4:4 and their intra variants). */
const HIGH_PROFILES: Readonly<Record<number, string>> = {
  100: 'High',
  110: 'High 10',
  122: 'High 4:2:2',
  244: 'High 4:4:4 Predictive',
  44: 'CAVLC 4:4:4 Intra',
};
const OTHER_PROFILES: Readonly<Record<number, string>> = { 66: 'Baseline', 77: 'Main', 88: 'Extended' };

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
  const info: IsoInfo = {
    majorBrand: '',
    compatibleBrands: [],
    moovFound: false,
    moovAfterMdat: false,
    tracks: [],
    incomplete: false,
  };
  const walk: Walk = { reader, boxesLeft: MAX_BOXES, incomplete: false };
  let mdatSeen = false;
  let fragmentRead = false;
  const reorderedInFragment = new Set<number>();
  for await (const box of children(walk, 0, reader.size)) {
    if (box.end > reader.size && info.truncatedBox === undefined) info.truncatedBox = box.type;
    if (box.type === 'mdat') {
      mdatSeen = true;
    } else if (box.type === 'moof' && !fragmentRead) {
      // A fragmented MP4 keeps its samples' timing in each fragment rather than in moov's ctts: the first will do.
      fragmentRead = true;
      await readFragmentReordering(walk, box, reorderedInFragment);
    } else if (box.type === 'ftyp') {
      // major_brand (4), minor_version (4), compatible_brands (4 each).
      const length = Math.min(box.end - box.start - box.headerSize, 256);
      const payload = await reader.read(box.start + box.headerSize, length);
      info.majorBrand = ascii(payload, 0, 4);
      for (let offset = 8; offset + 4 <= payload.length; offset += 4) {
        info.compatibleBrands.push(ascii(payload, offset, 4));
      }
    } else if (box.type === 'moov' && !info.moovFound) {
      info.moovFound = true;
      info.moovAfterMdat = mdatSeen;
      for await (const trak of children(walk, box.start + box.headerSize, box.end)) {
        if (trak.type === 'trak') info.tracks.push(await readTrack(walk, trak));
      }
    }
  }
  for (const track of info.tracks) {
    const high = track.avcProfile !== undefined && isHighProfile(track.avcProfile);
    if (high && track.id !== undefined && reorderedInFragment.has(track.id)) {
      track.reordersFrames = true;
    }
  }
  info.incomplete = walk.incomplete || reader.exhausted;
  return info;
}

/** trun flags: which optional fields it carries (ISO/IEC 14496-12 8.8.8). */
const TRUN_DATA_OFFSET = 0x1;
const TRUN_FIRST_SAMPLE_FLAGS = 0x4;
const TRUN_PER_SAMPLE_FIELDS = [0x100, 0x200, 0x400, 0x800] as const; // duration, size, flags, composition offset
const TRUN_COMPOSITION_OFFSETS = 0x800;

/**
 * Adds to `reordered` the track_ID of each track fragment in this moof whose trun gives a sample a non-zero
 * composition offset, reading at most CTTS_READ_BYTES of each trun.
 */
async function readFragmentReordering(walk: Walk, moof: BoxHeader, reordered: Set<number>): Promise<void> {
  for await (const traf of children(walk, moof.start + moof.headerSize, moof.end)) {
    if (traf.type !== 'traf') continue;
    let trackId: number | undefined;
    for await (const box of children(walk, traf.start + traf.headerSize, traf.end)) {
      if (box.type === 'tfhd') {
        // FullBox: version+flags (4), track_ID (4).
        const payload = await readPayload(walk.reader, box, 8);
        if (payload.length === 8) trackId = payload.readUInt32BE(4);
      } else if (box.type === 'trun' && trackId !== undefined && !reordered.has(trackId)) {
        if (trunReorders(await readPayload(walk.reader, box, CTTS_READ_BYTES))) reordered.add(trackId);
      }
    }
  }
}

/** True when the samples of a trun payload (as far as it was read) include a non-zero composition offset. */
function trunReorders(payload: Buffer): boolean {
  if (payload.length < 8) return false;
  const flags = payload.readUInt32BE(0) & 0xffffff;
  if (!(flags & TRUN_COMPOSITION_OFFSETS)) return false;
  const samples = payload.readUInt32BE(4);
  let offset = 8 + (flags & TRUN_DATA_OFFSET ? 4 : 0) + (flags & TRUN_FIRST_SAMPLE_FLAGS ? 4 : 0);
  const fields = TRUN_PER_SAMPLE_FIELDS.filter((field) => flags & field).length;
  const compositionAt = 4 * (fields - 1); // the composition offset is the last per-sample field
  for (let sample = 0; sample < samples && offset + 4 * fields <= payload.length; sample += 1) {
    if (payload.readUInt32BE(offset + compositionAt) !== 0) return true;
    offset += 4 * fields;
  }
  return false;
}

async function readTrack(walk: Walk, trak: BoxHeader): Promise<IsoTrack> {
  const track: IsoTrack = { handler: '' };
  const tkhd = await child(walk, trak, 'tkhd');
  if (tkhd) {
    // FullBox: version (1) + flags (3), creation and modification times (4 each, 8 in version 1), track_ID (4).
    const payload = await readPayload(walk.reader, tkhd, 24);
    const at = payload[0] === 1 ? 20 : 12;
    if (payload.length >= at + 4) track.id = payload.readUInt32BE(at);
  }
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
  if (!stbl) return track;
  let stsd: BoxHeader | undefined;
  let ctts: BoxHeader | undefined;
  for await (const box of children(walk, stbl.start + stbl.headerSize, stbl.end)) {
    if (box.type === 'stsd') stsd ??= box;
    else if (box.type === 'ctts') ctts ??= box;
  }
  if (!stsd) return track;
  const payload = await readPayload(walk.reader, stsd, STSD_READ_BYTES);
  // FullBox: version+flags (4), entry_count (4), then sample entries, each a box whose type is the codec.
  if (payload.length < 16 || payload.readUInt32BE(4) === 0) return track;
  track.codec = ascii(payload, 12, 4);
  const entrySize = payload.readUInt32BE(8);
  const entry = payload.subarray(8, 8 + Math.max(entrySize, 8));
  if (track.codec === 'mp4a') {
    const objectType = esdsObjectType(entry);
    if (objectType !== undefined) track.objectType = objectType;
  } else if (isH264(track)) {
    const profile = avcProfile(entry);
    if (profile !== undefined) track.avcProfile = profile;
    if (track.handler === 'vide' && profile !== undefined && isHighProfile(profile)) {
      const reorders = ctts ? await hasCompositionOffsets(walk.reader, ctts) : false;
      if (reorders !== undefined) track.reordersFrames = reorders;
    }
  }
  return track;
}

/** The first `limit` bytes of a box's payload (fewer at the end of the file or of the budget). */
function readPayload(reader: BoundedReader, box: BoxHeader, limit: number): Promise<Buffer> {
  return reader.read(box.start + box.headerSize, Math.min(box.end - box.start - box.headerSize, limit));
}

/** The AVCProfileIndication of the avcC box inside an `avc1`/`avc3` sample entry, or undefined if unreadable. */
function avcProfile(entry: Buffer): number | undefined {
  // avcC is one of the boxes after the 8-byte header and 78 bytes of VisualSampleEntry fields, not always the first
  // (some writers put `pasp` or `colr` before it): look for it there, as esds is looked for.
  // Its payload: configurationVersion (1, always 1), AVCProfileIndication (1).
  const at = entry.indexOf('avcC', 8 + 78, 'latin1');
  if (at < 0 || entry[at + 4] !== 1) return undefined;
  return entry[at + 5];
}

/**
 * True when one of the first runs of a ctts box has a non-zero sample_offset (composition differs from decoding
 * order: the stream has B-frames); false when every run is zero; undefined when the runs read were all zero but more
 * lay beyond the read bound (not conclusive). Reads at most CTTS_READ_BYTES, however large the box.
 */
async function hasCompositionOffsets(reader: BoundedReader, ctts: BoxHeader): Promise<boolean | undefined> {
  const payload = await readPayload(reader, ctts, CTTS_READ_BYTES);
  // FullBox: version+flags (4), entry_count (4), then entries of sample_count (4) and sample_offset (4).
  if (payload.length < 8) return undefined;
  const entries = payload.readUInt32BE(4);
  const readable = Math.min(entries, Math.floor((payload.length - 8) / 8));
  for (let i = 0; i < readable; i += 1) {
    if (payload.readUInt32BE(8 + i * 8) !== 0 && payload.readUInt32BE(12 + i * 8) !== 0) return true;
  }
  return readable === entries ? false : undefined;
}

/** The objectTypeIndication of the esds box inside an `mp4a` sample entry, or undefined if it cannot be read. */
function esdsObjectType(entry: Buffer): number | undefined {
  // The esds box follows the 28 bytes of AudioSampleEntry fields (more in QuickTime's version 1 and 2 entries, where
  // it may also sit inside a `wave` box): look for it instead of computing where it starts.
  const at = entry.indexOf('esds', 8, 'latin1');
  if (at < 0) return undefined;
  let offset = at + 4 + 4; // type, version+flags
  const es = readDescriptor(entry, offset);
  if (es?.tag !== 0x03) return undefined;
  offset = es.body + 2; // ES_ID
  const flags = entry[offset];
  if (flags === undefined) return undefined;
  offset += 1;
  if (flags & 0x80) offset += 2; // dependsOn_ES_ID
  if (flags & 0x40) offset += 1 + (entry[offset] ?? 0); // URL
  if (flags & 0x20) offset += 2; // OCR_ES_Id
  const config = readDescriptor(entry, offset);
  if (config?.tag !== 0x04) return undefined;
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

/** The name of an H.264 profile_idc: "High", "Main", "Baseline", or "profile 83". */
export function avcProfileName(profile: number): string {
  return HIGH_PROFILES[profile] ?? OTHER_PROFILES[profile] ?? `profile ${profile}`;
}

/** True for an H.264 profile of the High family, where B-frames do not play on Android WhatsApp. */
function isHighProfile(profile: number): boolean {
  return HIGH_PROFILES[profile] !== undefined;
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
