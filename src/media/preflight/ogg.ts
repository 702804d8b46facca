// Which codecs an Ogg file carries, and an Opus stream's channel count, from the identification packets of its first
// (BOS) pages.
//
// Hand-written: file-type looks at a fixed offset of the first page only (right for one stream with a one-segment
// header); this reads each beginning-of-stream page properly, so a skeleton track or a second stream is seen too.
import { ascii } from './reader.js';

/** Codec names by the magic that starts a stream's identification packet (the first packet of its BOS page). */
const OGG_CODECS: ReadonlyArray<readonly [magic: string, name: string]> = [
  ['OpusHead', 'Opus'],
  ['\x01vorbis', 'Vorbis'],
  ['Speex   ', 'Speex'],
  ['\x7fFLAC', 'FLAC'],
  ['\x80theora', 'Theora video'],
  ['\x01video', 'OGM video'],
  ['\x80kate', 'Kate subtitles'],
  ['CELT    ', 'CELT'],
  ['PCM     ', 'PCM'],
  ['fishead\0', 'skeleton'],
];

/** One logical stream: its codec's name, and for Opus the OpusHead channel count. */
export interface OggStream {
  codec: string;
  channels?: number;
}

/** Offset of the channel count in an OpusHead packet: 'OpusHead' (8), version (1), channel count (1). */
const OPUS_HEAD_CHANNELS = 9;

/** Beginning-of-stream pages read; real files have one per stream, and a handful of streams at most. */
const MAX_BOS_PAGES = 16;

/**
 * Each logical stream in the BOS pages at the start of `head` (all BOS pages precede any other page): its codec, or
 * `an unknown codec 'xxxx'` for magic it does not know, and an Opus stream's channel count; the Ogg skeleton is left
 * out. Empty when no page could be read.
 */
export function oggStreams(head: Buffer): OggStream[] {
  const streams: OggStream[] = [];
  let position = 0;
  for (let page = 0; page < MAX_BOS_PAGES; page += 1) {
    // Page header: 'OggS', version, header_type (0x02 = BOS), granule (8), serial (4), sequence (4), CRC (4),
    // page_segments, then the segment table; the packet data follows.
    if (ascii(head, position, 4) !== 'OggS' || position + 27 > head.length) break;
    const headerType = head.readUInt8(position + 5);
    const segments = head.readUInt8(position + 26);
    const table = position + 27;
    if ((headerType & 0x02) === 0 || table + segments > head.length) break;
    let bodyLength = 0;
    for (let i = 0; i < segments; i += 1) bodyLength += head.readUInt8(table + i);
    const body = head.subarray(table + segments, table + segments + Math.min(bodyLength, 16));
    const magic = body.toString('latin1');
    const known = OGG_CODECS.find(([prefix]) => magic.startsWith(prefix));
    if (!known) {
      streams.push({ codec: `an unknown codec '${magic.slice(0, 8).replace(/[^\x20-\x7e]/g, '?')}'` });
    } else if (known[1] === 'Opus' && body.length > OPUS_HEAD_CHANNELS) {
      streams.push({ codec: known[1], channels: body.readUInt8(OPUS_HEAD_CHANNELS) });
    } else if (known[1] !== 'skeleton') {
      streams.push({ codec: known[1] });
    }
    position = table + segments + bodyLength;
  }
  return streams;
}
