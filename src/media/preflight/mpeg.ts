// Confirms an MPEG audio (MP3) or ADTS AAC frame sync by a second frame where the first frame's header says it ends.
//
// Hand-written: file-type calls a file MP3 or AAC from the 11-bit sync word alone (two bytes), which text and binary
// files can start with too (a UTF-16LE text file's byte order mark FF FE reads as MPEG layer I). Without an ID3 tag,
// examineContent trusts that verdict only when the header fields are valid and the next frame starts where the
// first one ends (or the file ends first).

/** Kilobits per second by [version 1 ? 0 : 1][layer 1..3 - 1][bitrate index]. */
const BITRATES: readonly (readonly (readonly number[])[])[] = [
  [
    [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  [
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
];
/** Hz by version bits (0 = MPEG 2.5, 2 = MPEG 2, 3 = MPEG 1) and sampling index. */
const SAMPLE_RATES: Readonly<Record<number, readonly number[]>> = {
  0: [11025, 12000, 8000],
  2: [22050, 24000, 16000],
  3: [44100, 48000, 32000],
};

/** Frame length in bytes of the MPEG audio or ADTS header at `offset`; undefined when it is no valid header. */
function frameLength(bytes: Buffer, offset: number, adts: boolean): number | undefined {
  if (offset + 7 > bytes.length) return undefined;
  const b1 = bytes.readUInt8(offset + 1);
  if (bytes.readUInt8(offset) !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const layerBits = (b1 >> 1) & 3;
  if (adts) {
    // ADTS: 12-bit sync, layer 00, sampling index below 13, 13-bit frame length including the 7 or 9 byte header.
    if ((b1 & 0xf0) !== 0xf0 || layerBits !== 0) return undefined;
    if (((bytes.readUInt8(offset + 2) >> 2) & 0x0f) >= 13) return undefined;
    const length =
      ((bytes.readUInt8(offset + 3) & 0x03) << 11) |
      (bytes.readUInt8(offset + 4) << 3) |
      (bytes.readUInt8(offset + 5) >> 5);
    return length >= 7 ? length : undefined;
  }
  const versionBits = (b1 >> 3) & 3;
  const rates = SAMPLE_RATES[versionBits];
  if (!rates || layerBits === 0) return undefined;
  const b2 = bytes.readUInt8(offset + 2);
  const bitrateIndex = b2 >> 4;
  const sampleRate = rates[(b2 >> 2) & 3];
  if (bitrateIndex === 15 || sampleRate === undefined) return undefined;
  if (bitrateIndex === 0) return 0; // free format: valid, length unknown
  const layer = 4 - layerBits; // 1, 2 or 3
  const kbps = BITRATES[versionBits === 3 ? 0 : 1]?.[layer - 1]?.[bitrateIndex] ?? 0;
  const padding = (b2 >> 1) & 1;
  if (layer === 1) return (Math.floor((12 * kbps * 1000) / sampleRate) + padding) * 4;
  const perFrame = layer === 3 && versionBits !== 3 ? 72 : 144;
  return Math.floor((perFrame * kbps * 1000) / sampleRate) + padding;
}

/**
 * True when `head` starts with a valid MPEG audio (or, with `adts`, ADTS) frame followed by another one, or by
 * nothing at all (a one-frame file). Frames are at most 8 KB, so the 64 KB head always holds the second header.
 */
export function confirmsFrameSync(head: Buffer, adts: boolean): boolean {
  const first = frameLength(head, 0, adts);
  if (first === undefined) return false;
  if (first === 0) return true; // free format: no length to check by
  if (head.length === first) return true;
  return frameLength(head, first, adts) !== undefined;
}

/** True when `head` starts with a well-formed ID3v2 tag header: `ID3`, version 2 to 4, and a syncsafe size. */
export function hasId3v2Header(head: Buffer): boolean {
  if (head.length < 10 || head.toString('latin1', 0, 3) !== 'ID3') return false;
  const version = head.readUInt8(3);
  if (version < 2 || version > 4 || head.readUInt8(4) === 0xff) return false;
  for (let i = 6; i < 10; i += 1) if (head.readUInt8(i) >= 0x80) return false;
  return true;
}
