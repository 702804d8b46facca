// Table tests of the WhatsApp media table: every record complete, every derived lookup agreeing with the records.

import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  acceptedExtensions,
  acceptedMimeTypes,
  formatBytes,
  MEDIA_TYPES,
  maxBytesFor,
  mediaType,
  mediaTypeForExtension,
  mediaTypeForMime,
  partFilename,
  recipientKind,
  STATIC_STICKER_MAX_BYTES,
  type MediaTypeRecord,
} from '../../src/media/media-types.js';
import { OOXML_BY_FOLDER } from '../../src/media/preflight/zip.js';
import { SANDBOX_ACCEPTED_MIME_TYPES } from '../../src/sandbox/server.js';
import { FIXTURES } from '../helpers/run-cli.js';

/** Every field a record has; the test below checks each record holds each one (null only where it says so). */
const FIELDS = [
  'mimeType',
  'category',
  'extensions',
  'extensionAliases',
  'mimeAliases',
  'maxBytes',
  'label',
  'contentCheck',
  'documentKind',
  'staticMaxBytes',
] as const;

describe('one record per media type', () => {
  it('the records are the types the public lookups know, in one table', () => {
    expect(acceptedMimeTypes()).toEqual(MEDIA_TYPES.map((type) => type.mimeType));
    expect(new Set(acceptedMimeTypes()).size).toBe(MEDIA_TYPES.length);
    expect(MEDIA_TYPES.length).toBe(18);
  });

  it.each(MEDIA_TYPES.map((type) => [type.mimeType, type] as const))('%s has every field', (_mime, type) => {
    expect(Object.keys(type).sort()).toEqual([...FIELDS].sort());
    for (const field of FIELDS) expect(type[field]).not.toBeUndefined();
    expect(type.label).toMatch(/\S/);
    expect(type.extensions.length).toBeGreaterThan(0);
    for (const ext of [...type.extensions, ...type.extensionAliases]) expect(ext).toMatch(/^\.[a-z0-9]+$/);
    expect(Number.isSafeInteger(type.maxBytes) && type.maxBytes > 0).toBe(true);
    // A document names its kind, a sticker its static limit; nothing else has either.
    expect(type.documentKind !== null).toBe(type.category === 'document');
    expect(type.staticMaxBytes !== null).toBe(type.category === 'sticker');
    if (type.staticMaxBytes !== null) expect(type.staticMaxBytes).toBeLessThan(type.maxBytes);
    expect(Object.isFrozen(type)).toBe(true);
  });

  it('no extension, alias or MIME spelling belongs to two records', () => {
    const extensions = MEDIA_TYPES.flatMap((type) => [...type.extensions, ...type.extensionAliases]);
    expect(new Set(extensions).size).toBe(extensions.length);
    const spellings = MEDIA_TYPES.flatMap((type) => [type.mimeType, ...type.mimeAliases]);
    expect(new Set(spellings).size).toBe(spellings.length);
    const labels = MEDIA_TYPES.map((type) => type.label);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('every derived lookup agrees with the records', () => {
    for (const type of MEDIA_TYPES) {
      expect(mediaType(type.mimeType as Parameters<typeof mediaType>[0])).toBe(type);
      for (const spelling of [type.mimeType, ...type.mimeAliases]) {
        expect(mediaTypeForMime(spelling)).toBe(type);
        expect(mediaTypeForMime(`${spelling.toUpperCase()}; charset=x`)).toBe(type);
      }
      for (const ext of [...type.extensions, ...type.extensionAliases]) {
        expect(mediaTypeForExtension(ext)).toBe(type);
        expect(mediaTypeForExtension(ext.slice(1).toUpperCase())).toBe(type);
      }
      // The part filename takes the first extension, also in place of an alias (.opus → .ogg).
      expect(partFilename('name', type)).toBe(`name${type.extensions[0]}`);
      for (const alias of type.extensionAliases) expect(partFilename(`name${alias}`, type)).toBe(`name${type.extensions[0]}`);
      expect(maxBytesFor(type)).toBe(type.maxBytes);
      expect(maxBytesFor(type, { animated: true })).toBe(type.maxBytes);
      expect(maxBytesFor(type, { animated: false })).toBe(type.staticMaxBytes ?? type.maxBytes);
      expect(recipientKind(type)).toBe(type.documentKind ?? type.category);
      expect(SANDBOX_ACCEPTED_MIME_TYPES).toContain(type.mimeType);
    }
    expect(acceptedExtensions().sort()).toEqual(MEDIA_TYPES.flatMap((type) => [...type.extensions, ...type.extensionAliases]).sort());
    expect(STATIC_STICKER_MAX_BYTES).toBe(mediaType('image/webp').staticMaxBytes);
    // Every OOXML record is recognisable from a zip's folders, and nothing else is.
    expect(OOXML_BY_FOLDER.map(([, type]) => type)).toEqual(MEDIA_TYPES.filter((type) => type.contentCheck === 'ooxml'));
  });

  it('every extension and alias of every record has a well-formed fixture in fixtures/valid', async () => {
    const files = await readdir(join(FIXTURES, 'valid'));
    const extensions = new Set(files.map((file) => extname(file).toLowerCase()));
    for (const type of MEDIA_TYPES) {
      for (const ext of [...type.extensions, ...type.extensionAliases]) expect(extensions, `${type.mimeType} ${ext}`).toContain(ext);
    }
  });

  it('a record without a label, or a document without its kind, does not compile', () => {
    const base = {
      category: 'image',
      extensions: ['.x'],
      extensionAliases: [],
      mimeAliases: [],
      maxBytes: 1,
      contentCheck: 'png',
      documentKind: null,
      staticMaxBytes: null,
    } as const;
    // @ts-expect-error label is required
    const noLabel: MediaTypeRecord = base;
    const labelled: MediaTypeRecord = { ...base, label: 'X' };
    // @ts-expect-error a document must name its kind of document
    const documentWithoutKind: MediaTypeRecord = { ...base, label: 'X', category: 'document' };
    // @ts-expect-error a sticker must name its static limit
    const stickerWithoutStaticLimit: MediaTypeRecord = { ...base, label: 'X', category: 'sticker' };
    expect([noLabel, labelled, documentWithoutKind, stickerWithoutStaticLimit].map((record) => record.category)).toEqual([
      'image',
      'image',
      'document',
      'sticker',
    ]);
  });
});

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
