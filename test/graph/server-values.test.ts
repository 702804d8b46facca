// Table tests of the checker of server-supplied values: what each accepts, what it refuses, and how a refusal reads.

import { describe, expect, it } from 'vitest';
import { ApiError, ExitCode } from '../../src/errors.js';
import {
  safeFilename,
  byteCountOf,
  checkMediaUrlTransport,
  deletedFrom,
  fileOffsetFrom,
  handleFrom,
  looksLikeHtml,
  mediaIdFrom,
  mediaInfoFrom,
  pathSegment,
  sessionIdFrom,
  sha256HexOf,
  shownValue,
} from '../../src/graph/server-values.js';

/** The ApiError a call throws (fails the test when it throws nothing or something else). */
function refusal(call: () => unknown): ApiError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).exitCode).toBe(ExitCode.api);
    return error as ApiError;
  }
  throw new Error('expected a refusal');
}

describe('shownValue', () => {
  it.each([
    ['a\nb', '"a\\nb"'],
    ['\u001b]0;x\u0007', '"\\u001b]0;x\\u0007"'],
    ['\u202eevil', '"\\u202eevil"'],
    [undefined, 'undefined'],
    [{ a: 1 }, '{"a":1}'],
  ])('%j → %s', (raw, shown) => {
    expect(shownValue(raw)).toBe(shown);
  });

  it('cuts a long value', () => {
    expect(shownValue('x'.repeat(500))).toBe(`"${'x'.repeat(59)}…`);
  });
});

describe('mediaIdFrom', () => {
  it.each([
    [{ id: '1234567890123456' }, '1234567890123456'],
    [{ id: 1234567 }, '1234567'],
  ])('%j → %s', (body, id) => expect(mediaIdFrom(body)).toBe(id));

  it.each([[{}], [{ id: '12a' }], [{ id: 1e21 }], [{ id: -1 }], [{ id: '1'.repeat(41) }], [undefined], [{ id: '12\n34' }]])('%j is refused', (body) => {
    expect(refusal(() => mediaIdFrom(body)).message).toMatch(/^the server answered with a media ID that is not all digits/);
  });
});

describe('handleFrom', () => {
  it.each(['4::aW1hZ2UvanBlZw==:ARbNZ:e:1700000000:1234567890:100001234567890:ARa', 'h', '!~'.repeat(2048)])('accepts %s', (h) => {
    expect(handleFrom({ h })).toBe(h);
  });

  it.each([[''], ['a b'], ['a\nb'], ['a\tb'], ['\u001b[31m'], ['é'], ['a'.repeat(4097)], [7], [null]])('refuses %j', (h) => {
    const error = refusal(() => handleFrom({ h }));
    expect(error.message).toMatch(/^the server answered with a handle that is not printable ASCII without spaces/);
    expect(error.message).not.toMatch(/[\n\t\u001b]/);
  });
});

describe('sessionIdFrom', () => {
  it.each([
    ['upload:MTphdHRhY2htZW50Ojlk', 'upload:MTphdHRhY2htZW50Ojlk', ''],
    ['upload:MTph=:a+b~c.d_e-f?sig=ARZh5Tz_-J0', 'upload:MTph=:a+b~c.d_e-f', '?sig=ARZh5Tz_-J0'],
  ])('%s → segment %s, query %s', (id, segment, query) => {
    expect(sessionIdFrom({ id })).toEqual({ id, pathSegment: segment, query });
  });

  it.each([
    'upload:../../me/accounts',
    'upload:x/../../../v1/steal',
    'upload:..',
    'upload:a..b',
    'upload:%2e%2e',
    'upload:a#b',
    'upload:a?b=c',
    'upload:a?sig=b&access_token=c',
    'upload:a?sig=b/c',
    'upload:a b',
    'upload:a\u0000',
    'upload:a\r\n',
    'upload:',
    'upload:a?sig=',
    'upload:é',
    'uploadx:a',
    `upload:${'a'.repeat(2048)}`,
  ])('refuses %j', (id) => {
    expect(refusal(() => sessionIdFrom({ id })).message).toMatch(/^the server answered with an upload session ID that is not of the form upload:<id>/);
  });

  it.each([[{}], [{ id: 5 }], [undefined]])('refuses %j', (body) => {
    expect(refusal(() => sessionIdFrom(body)).message).toMatch(/^the server answered with an upload session ID/);
  });

  it('pathSegment percent-encodes what a segment must not hold raw', () => {
    expect(pathSegment('upload:a/b?c#d%e f')).toBe('upload:a%2Fb%3Fc%23d%25e%20f');
    expect(pathSegment('upload:a=b+c~d')).toBe('upload:a=b+c~d');
  });
});

describe('fileOffsetFrom', () => {
  it.each([
    [{ file_offset: 0 }, 0],
    [{ file_offset: 1048576 }, 1048576],
    [{ file_offset: '1048576' }, 1048576],
    [{ file_offset: ' 42 ' }, 42],
    [{ file_offset: 2_000_000 }, 2_000_000],
  ])('%j → %i', (body, offset) => expect(fileOffsetFrom(body, 2_000_000)).toBe(offset));

  it.each([[{ file_offset: -1 }], [{ file_offset: 1.5 }], [{ file_offset: '12abc' }], [{ file_offset: '' }], [{ file_offset: null }], [{}], [undefined], [{ file_offset: '99999999999999999999' }]])(
    '%j: refused as not a whole number of bytes',
    (body) => {
      expect(refusal(() => fileOffsetFrom(body, 2_000_000)).message).toMatch(/^the server answered with a file_offset that is not a whole number of bytes/);
    },
  );

  it('past the end of the file: refused naming both sizes', () => {
    expect(refusal(() => fileOffsetFrom({ file_offset: 11 }, 10)).message).toBe("the upload session reports 11 bytes received, more than the file's 10");
  });
});

describe('byteCountOf', () => {
  it.each([
    [0, 0],
    ['17', 17],
    [-1, undefined],
    ['1e3', undefined],
    [1.5, undefined],
    [Number.MAX_SAFE_INTEGER + 2, undefined],
    [true, undefined],
  ])('%j → %s', (raw, count) => expect(byteCountOf(raw)).toBe(count));
});

describe('deletedFrom', () => {
  it.each([[{ success: true }], [{ success: 'true' }]])('%j is deleted', (body) => expect(deletedFrom(body)).toBe(true));
  it.each([[{ success: false }], [{ success: 'false' }]])('%j: the API says not deleted', (body) => {
    expect(refusal(() => deletedFrom(body)).message).toMatch(/^the API says the media was not deleted/);
  });
  it.each([[{}], [{ success: 1 }], [{ success: 'yes' }]])('%j: the wrong shape', (body) => {
    expect(refusal(() => deletedFrom(body)).message).toMatch(/^the server answered with a delete answer without "success"/);
  });
});

describe('sha256HexOf', () => {
  const hex = '49f227634806293b0995459bc310b593e1400f41591efcf07e9bced335f41942';
  it.each([
    [hex, hex],
    [hex.toUpperCase(), hex],
    ['SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=', hex],
    ['SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI', hex],
    ['SfInY0gGKTsJlUWbwxC1k-FAD0FZHvzwfpvO0zX0GUI=', hex],
    [undefined, ''],
    [null, ''],
    ['', ''],
  ])('%j → %j', (raw, out) => expect(sha256HexOf(raw)).toBe(out));

  it.each([
    ['SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUJ='], // spare bits set: not what an encoder writes
    ['SfInY0gGKTsJlUWbwxC1k+FAD0FZHv'],
    ['SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GU-='], // mixed alphabets
    [hex.slice(1)],
    [{ hex }],
    [42],
  ])('%j is neither', (raw) => expect(sha256HexOf(raw)).toBeUndefined());
});

describe('mediaInfoFrom', () => {
  const good = { id: '123', url: 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=123', mime_type: 'image/jpeg', file_size: '1000' };
  it('reads a good answer, without a sha256 as ""', () => {
    expect(mediaInfoFrom(good, '123')).toEqual({ id: '123', url: good.url, mimeType: 'image/jpeg', sha256: '', bytes: 1000 });
  });

  it.each([
    [{ url: 'https://user:pw@lookaside.fbsbx.com/x' }, 'its url carries a user name or password'],
    [{ url: 'ftp://lookaside.fbsbx.com/x' }, 'its url is not an http(s) URL'],
    [{ file_size: undefined }, 'its file_size is not a whole number of bytes'],
    [{ mime_type: 'image/jpeg\n' }, 'its mime_type is not a line of printable text'],
    [{ sha256: 'abc' }, 'its sha256 is not 64 hex digits or the base64 of 32 bytes'],
  ])('%j: %s', (patch, reason) => {
    const error = refusal(() => mediaInfoFrom({ ...good, ...patch }, '123'));
    expect(error.message).toContain(`the media info of 123 is malformed: ${reason}`);
    expect(error.message).not.toContain('pw@');
  });
});

describe('checkMediaUrlTransport', () => {
  it.each([
    ['https://lookaside.fbsbx.com/x', 'https://graph.facebook.com'],
    ['https://127.0.0.1:9/x', 'http://127.0.0.1:8'],
    ['http://127.0.0.1:9/x', 'http://127.0.0.1:8'],
    ['http://localhost:9/x', 'http://[::1]:8/prefix'],
  ])('%s with base %s: allowed', (url, base) => expect(checkMediaUrlTransport(url, base).href).toBe(new URL(url).href));

  it.each([
    ['http://127.0.0.1:9/x', 'https://graph.facebook.com', 'is not https'],
    ['http://lookaside.fbsbx.com/x', 'http://127.0.0.1:8', 'is not https'],
    ['ftp://127.0.0.1/x', 'http://127.0.0.1:8', 'is not https'],
    ['https://u:p@lookaside.fbsbx.com/x', 'https://graph.facebook.com', 'carries a user name or password'],
    ['https://u@lookaside.fbsbx.com/x', 'https://graph.facebook.com', 'carries a user name or password'],
  ])('%s with base %s: refused (%s)', (url, base, why) => {
    expect(refusal(() => checkMediaUrlTransport(url, base)).message).toContain(why);
  });
});

describe('looksLikeHtml', () => {
  it.each([
    ['<!doctype html>', true],
    ['<!DOCTYPE html>', true],
    ['\ufeff<html>', true],
    ['  \n<HTML lang=en>', true],
    ['<htm', false],
    ['\xff\xd8\xff\xe0', false],
    ['<?xml version="1.0"?>', false],
  ])('%j → %s', (text, html) => expect(looksLikeHtml(Buffer.from(text, text.startsWith('\xff') ? 'latin1' : 'utf8'))).toBe(html));
});

describe('safeFilename', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\photo.jpg', 'photo.jpg'],
    ['..hidden.pdf', 'hidden.pdf'],
    ['a\u202egnp.exe.pdf', 'agnp.exe.pdf'],
    ['line\nbreak\t.pdf', 'line break .pdf'],
    ['what?*<>|".pdf', 'what.pdf'],
    ['   ', undefined],
    ['..', undefined],
    [`${'x'.repeat(300)}.pdf`, `${'x'.repeat(116)}.pdf`],
  ])('%j → %j', (raw, expected) => {
    expect(safeFilename(raw)).toBe(expected);
  });
});
