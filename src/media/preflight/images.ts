// Header fields of PNG, JPEG and WebP that WhatsApp cares about: sample depth, sticker size, animation.
//
// Hand-written: file-type tells which format a file is, not its bit depth, frame precision or VP8X flags, and the
// image libraries that do would decode or buffer the whole file. Each reader looks at a few header bytes only.
import type { BoundedReader } from './reader.js';
import { ascii } from './reader.js';

/** PNG IHDR fields; undefined from `pngHeader` when the IHDR chunk is not where the format puts it. */
export interface PngHeader {
  width: number;
  height: number;
  /** Bits per sample (per palette index for colour type 3): 1, 2, 4, 8 or 16. */
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: number;
}

/** Reads IHDR, which PNG requires to be the first chunk, right after the 8-byte signature. */
export function pngHeader(head: Buffer): PngHeader | undefined {
  if (head.length < 26 || ascii(head, 12, 4) !== 'IHDR') return undefined;
  return {
    width: head.readUInt32BE(16),
    height: head.readUInt32BE(20),
    bitDepth: head.readUInt8(24),
    colorType: head.readUInt8(25),
  };
}

/** What the JPEG marker walk found: the frame header's precision and marker, or why there is none. */
export type JpegFrame = { precision: number; marker: number } | { damaged: string } | undefined;

/** Segments walked before giving up (undefined: no conclusion). Real files have a dozen or two before the frame. */
const MAX_JPEG_SEGMENTS = 1000;

/** True for the SOFn markers that start a frame header (C4 DHT, C8 JPG and CC DAC are not frames). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * Walks the JPEG marker segments from the start (reading 5 bytes per segment, jumping over the payloads, so large
 * EXIF or ICC segments cost nothing) to the first SOFn, whose first payload byte is the sample precision.
 */
export async function jpegFrame(reader: BoundedReader): Promise<JpegFrame> {
  let position = 2; // after SOI
  for (let segment = 0; segment < MAX_JPEG_SEGMENTS; segment += 1) {
    const bytes = await reader.read(position, 5);
    if (bytes.length < 2) return reader.exhausted ? undefined : { damaged: 'the file ends before the frame header' };
    if (bytes[0] !== 0xff) return { damaged: 'a marker segment is broken' };
    const marker = bytes[1] ?? 0;
    if (marker === 0xff) {
      position += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      position += 2; // markers without a payload
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return { damaged: 'the image data starts before any frame header' };
    if (bytes.length < 4) return { damaged: 'the file ends before the frame header' };
    const length = bytes.readUInt16BE(2);
    if (length < 2) return { damaged: 'a marker segment is broken' };
    if (isStartOfFrame(marker)) {
      const precision = bytes[4];
      return precision === undefined ? { damaged: 'the frame header is cut off' } : { precision, marker };
    }
    position += 2 + length;
  }
  return undefined;
}

/** A WebP's canvas size and whether the VP8X animation flag is set. */
export interface WebpHeader {
  width: number;
  height: number;
  animated: boolean;
  /** The first chunk: `VP8X` (extended), `VP8 ` (lossy) or `VP8L` (lossless). */
  chunk: string;
}

/** VP8X flags byte: bit 1 is the animation flag (RFC 9649 section 2.7). */
const VP8X_ANIMATION = 0x02;

/**
 * Reads the first chunk after `RIFF....WEBP`: VP8X carries the canvas size and the animation flag; a simple file
 * starts with a VP8 or VP8L bitstream whose frame header carries the size (and is never animated).
 */
export function webpHeader(head: Buffer): WebpHeader | undefined {
  if (ascii(head, 0, 4) !== 'RIFF' || ascii(head, 8, 4) !== 'WEBP') return undefined;
  const chunk = ascii(head, 12, 4);
  const data = 20;
  if (chunk === 'VP8X') {
    if (head.length < data + 10) return undefined;
    const flags = head.readUInt8(data);
    return {
      width: 1 + head.readUIntLE(data + 4, 3),
      height: 1 + head.readUIntLE(data + 7, 3),
      animated: (flags & VP8X_ANIMATION) !== 0,
      chunk,
    };
  }
  if (chunk === 'VP8 ') {
    // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height (2 bits of scaling above each).
    if (head.length < data + 10 || head.readUIntBE(data + 3, 3) !== 0x9d012a) return undefined;
    return {
      width: head.readUInt16LE(data + 6) & 0x3fff,
      height: head.readUInt16LE(data + 8) & 0x3fff,
      animated: false,
      chunk,
    };
  }
  if (chunk === 'VP8L') {
    // Signature 0x2f, then width-1 and height-1 in 14 bits each, little-endian bit order.
    if (head.length < data + 5 || head[data] !== 0x2f) return undefined;
    const bits = head.readUInt32LE(data + 1);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, animated: false, chunk };
  }
  return undefined;
}
