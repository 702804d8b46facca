// Which Office Open XML document a zip is, from the entry names in its central directory at the end of the file.
//
// file-type recognises .docx/.xlsx/.pptx from the local entries at the start of the file, but LibreOffice and others
// write [Content_Types].xml last, past the head examineContent gives it, so a large document reads as a plain zip.
// This fallback reads the end-of-central-directory record and the directory (bounded) and applies file-type's own
// rule: [Content_Types].xml present, plus a word/, xl/ or ppt/ folder. Zip64 archives are not followed.
import { MEDIA_TYPES, type DocumentKind, type MediaType } from '../media-types.js';
import type { BoundedReader } from './reader.js';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_ENTRY_SIGNATURE = 0x02014b50;
const EOCD_LENGTH = 22;
/** A zip comment is at most 65,535 bytes, so the record lies within the last 65,557 bytes. */
const EOCD_SEARCH = EOCD_LENGTH + 0xffff;
/** Directory bytes read: a few hundred entries of an Office document; a longer one is cut, not followed. */
const MAX_DIRECTORY_BYTES = 64 * 1024;

/** The folder each kind of Office Open XML document keeps its parts in (ECMA-376 Part 1). */
const OOXML_FOLDERS: Partial<Readonly<Record<DocumentKind, string>>> = { Word: 'word/', Excel: 'xl/', PowerPoint: 'ppt/' };

/** The OOXML records of the media table, with their folder, in the table's order. */
export const OOXML_BY_FOLDER: ReadonlyArray<readonly [folder: string, type: MediaType]> = MEDIA_TYPES.flatMap((type) => {
  const folder = type.contentCheck === 'ooxml' && type.documentKind !== null ? OOXML_FOLDERS[type.documentKind] : undefined;
  return folder === undefined ? [] : [[folder, type] as const];
});

/** The OOXML media type of the zip read by `reader`, or undefined when it is not one (or cannot be read). */
export async function ooxmlTypeFromCentralDirectory(reader: BoundedReader): Promise<MediaType | undefined> {
  // Most files have no comment: try the last 22 bytes before the last 64 KB.
  let tail = await reader.read(reader.size - EOCD_LENGTH, EOCD_LENGTH);
  let tailStart = reader.size - EOCD_LENGTH;
  let at = findEocd(tail);
  if (at < 0) {
    tailStart = Math.max(0, reader.size - EOCD_SEARCH);
    tail = await reader.read(tailStart, reader.size - tailStart);
    at = findEocd(tail);
  }
  if (at < 0) return undefined;
  const directorySize = tail.readUInt32LE(at + 12);
  const directoryOffset = tail.readUInt32LE(at + 16);
  if (directoryOffset === 0xffffffff || directoryOffset >= tailStart + at) return undefined;
  const directory = await reader.read(directoryOffset, Math.min(directorySize, MAX_DIRECTORY_BYTES));
  const names: string[] = [];
  for (let position = 0; position + 46 <= directory.length; ) {
    if (directory.readUInt32LE(position) !== CENTRAL_ENTRY_SIGNATURE) break;
    const nameLength = directory.readUInt16LE(position + 28);
    const extraLength = directory.readUInt16LE(position + 30);
    const commentLength = directory.readUInt16LE(position + 32);
    if (position + 46 + nameLength > directory.length) break;
    names.push(directory.toString('utf8', position + 46, position + 46 + nameLength));
    position += 46 + nameLength + extraLength + commentLength;
  }
  if (!names.includes('[Content_Types].xml')) return undefined;
  return OOXML_BY_FOLDER.find(([folder]) => names.some((name) => name.startsWith(folder)))?.[1];
}

function findEocd(tail: Buffer): number {
  for (let at = tail.length - EOCD_LENGTH; at >= 0; at -= 1) {
    if (tail.readUInt32LE(at) === EOCD_SIGNATURE) return at;
  }
  return -1;
}
