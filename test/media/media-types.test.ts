// Table tests of the WhatsApp media table: extension and MIME lookups, limits, part filenames, byte formatting.

import { describe, expect, it } from 'vitest';
import { formatBytes, maxBytesFor, mediaTypeForExtension, mediaTypeForMime, partFilename } from '../../src/media/media-types.js';

describe('media table', () => {
  it.each([
    ['.jpg', 'image/jpeg', 5_000_000],
    ['.JPEG', 'image/jpeg', 5_000_000],
    ['png', 'image/png', 5_000_000],
    ['.webp', 'image/webp', 500_000],
    ['.aac', 'audio/aac', 16_000_000],
    ['.amr', 'audio/amr', 16_000_000],
    ['.mp3', 'audio/mpeg', 16_000_000],
    ['.m4a', 'audio/mp4', 16_000_000],
    ['.ogg', 'audio/ogg', 16_000_000],
    ['.opus', 'audio/ogg', 16_000_000],
    ['.mp4', 'video/mp4', 16_000_000],
    ['.3gp', 'video/3gpp', 16_000_000],
    ['.pdf', 'application/pdf', 100_000_000],
    ['.txt', 'text/plain', 100_000_000],
    ['.doc', 'application/msword', 100_000_000],
    ['.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 100_000_000],
    ['.pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation', 100_000_000],
  ])('%s → %s, limit %d', (ext, mime, limit) => {
    const type = mediaTypeForExtension(ext);
    expect(type?.mimeType).toBe(mime);
    expect(type?.maxBytes).toBe(limit);
  });

  it.each(['.gif', '.heic', '.wav', '.webm', '.zip', '.mov', ''])('%s is not accepted', (ext) => {
    expect(mediaTypeForExtension(ext)).toBeUndefined();
  });

  it.each([
    ['video/3gp', 'video/3gpp'],
    ['audio/opus', 'audio/ogg'],
    ['audio/ogg; codecs=opus', 'audio/ogg'],
    ['IMAGE/JPEG', 'image/jpeg'],
    ['audio/x-aac', 'audio/aac'],
    ['application/octet-stream', undefined],
  ])('--type %s means %s', (given, expected) => {
    expect(mediaTypeForMime(given)?.mimeType).toBe(expected);
  });

  it.each([
    ['voice.opus', 'audio/ogg', 'voice.ogg'],
    ['voice.OGG', 'audio/ogg', 'voice.OGG'],
    ['photo.jpeg', 'image/jpeg', 'photo.jpeg'],
    ['scan', 'application/pdf', 'scan.pdf'],
    ['image.jpg', 'image/png', 'image.png'],
    ['.hidden', 'text/plain', '.hidden.txt'],
  ])('part filename of %s sent as %s is %s', (name, mime, expected) => {
    expect(partFilename(name, mediaTypeForMime(mime)!)).toBe(expected);
  });

  it('stickers: static 100 KB, animated or unknown 500 KB', () => {
    const webp = mediaTypeForExtension('.webp')!;
    expect(maxBytesFor(webp, { animated: false })).toBe(100_000);
    expect(maxBytesFor(webp, { animated: true })).toBe(500_000);
    expect(maxBytesFor(webp)).toBe(500_000);
  });

  it.each([
    [5_000_000, '5 MB'],
    [100_000, '100 KB'],
    [16_500_000, '16.5 MB'],
    [999, '999 bytes'],
  ])('formatBytes(%d) = %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});
