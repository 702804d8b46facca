// Checks one local file before upload: it exists, is readable, its type is one WhatsApp takes, its size fits, its content matches.

import { DESCRIPTOR_SHORTAGE_HINT, descriptorShortageMessage, isDescriptorShortage, statOf } from '../files.js';
import { basename, extname } from 'node:path';
import { InputError, TemporaryError } from '../errors.js';
import {
  acceptedExtensions,
  formatBytes,
  maxBytesFor,
  mediaTypeForExtension,
  partFilename,
  type MediaCategory,
  type MediaType,
} from './media-types.js';
import { examineContent, type ContentFinding, type ContentVerdict } from './preflight.js';
import { fixHint } from './content-rules.js';

/** A file that passed every check, with what will be sent. */
export interface PreparedFile {
  /** The path as the user gave it (used in messages and output). */
  file: string;
  /** Where the bytes are read from (differs from `file` for stdin, which is spooled first). */
  path: string;
  /** The part filename: the basename, its extension made true to the type. */
  filename: string;
  mimeType: string;
  category: MediaCategory;
  size: number;
  /** Content warnings ("<what> (<why>)"), already non-fatal. */
  warnings: string[];
  /** The content checks' findings behind the warnings, each with its rule. */
  findings: ContentFinding[];
}

/** How a file is to be judged. */
export interface PrepareOptions {
  /** From --type: send this type whatever the extension says. */
  typeOverride?: MediaType | undefined;
  /** --strict: any content warning refuses the file, except advice (ContentVerdict.advisories). */
  strict?: boolean | undefined;
  /** Only these types (after the content check), for an API that takes fewer than the media endpoint; `by` names it. */
  accepted?: { mimeTypes: readonly string[]; by: string } | undefined;
}

const ERRNO_MESSAGES: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'cannot be read (permission denied)',
  EPERM: 'cannot be read (operation not permitted)',
  ENOTDIR: 'no such file (a folder on its path is a file)',
  ELOOP: 'cannot be read (too many symbolic links)',
  ENAMETOOLONG: 'the path is too long',
};

/** What the checks found in a file before judging it: its size, the type it is sent as, and the content verdict. */
export interface InspectedFile {
  size: number;
  /** The type to send: --type's, else the content's when it is another accepted type, else the extension's. */
  type: MediaType;
  verdict: ContentVerdict;
}

/**
 * The checks without the judgement (for --fix, which converts what prepareFile would warn about or refuse): throws
 * InputError only for a file that cannot be read at all, is empty, or whose extension names no accepted type.
 */
export async function inspectFile(path: string, options: PrepareOptions, name: string): Promise<InspectedFile> {
  let size: number;
  try {
    const info = await statOf(path);
    if (info.isDirectory()) throw new InputError('is a folder, not a file', 'name the files inside it, e.g. folder/*.jpg');
    if (!info.isFile()) throw new InputError('is not a regular file', 'to upload from a pipe, pass - and --type');
    size = info.size;
  } catch (error) {
    throw inputErrorFor(error);
  }
  if (size === 0) throw new InputError('is empty (0 bytes)', 'WhatsApp refuses empty files');

  let type = options.typeOverride ?? (await detectMediaType(name));
  // stat succeeds on files we may not read: the content check opens the file, which proves it before anything is sent.
  const verdict = await examineContent(path, size, type, { typeForced: options.typeOverride !== undefined }).catch(
    (error: unknown) => {
      throw inputErrorFor(error);
    },
  );
  if (verdict.detected && !options.typeOverride) type = verdict.detected;
  return { size, type, verdict };
}

/** Runs every local check on one file; throws InputError (exit 4) naming what is wrong and what to do. */
export async function prepareFile(file: string, path: string, options: PrepareOptions = {}, name: string = basename(file)): Promise<PreparedFile> {
  const { size, type, verdict } = await inspectFile(path, options, name);
  const warnings = [...verdict.warnings];
  const mendable = (text: string | undefined): string | undefined => fixHint(verdict.findings.filter((finding) => finding.text === text));
  if (verdict.refusal) throw new InputError(verdict.refusal, mendable(verdict.refusal), warnings);
  if (options.accepted && !options.accepted.mimeTypes.includes(type.mimeType)) {
    throw new InputError(`${type.mimeType} is not a type ${options.accepted.by} takes`, `convert it to one of ${options.accepted.mimeTypes.join(', ')}`, warnings);
  }
  // --strict refuses on any warning but advice and corrections (content-rules.ts: the sticker's 512x512, a mismatch
  // corrected by sending the true type).
  const refusing = warnings.find((warning) => !verdict.advisories?.includes(warning));
  if (options.strict && refusing !== undefined) {
    const fix = mendable(refusing);
    throw new InputError(
      `refused under --strict: ${refusing}`,
      `${warnings.length > 1 ? `${warnings.length - 1} more warning(s); drop --strict to send anyway` : 'drop --strict to send anyway'}${fix ? `, or ${fix}` : ''}`,
      warnings,
    );
  }

  const limit = maxBytesFor(type, verdict.animated === undefined ? {} : { animated: verdict.animated });
  if (size > limit) {
    const what = type.category === 'sticker' ? `${verdict.animated ? 'animated' : verdict.animated === false ? 'static' : ''} stickers`.trim() : `${type.category === 'audio' ? 'audio' : `${type.category}s`}`;
    throw new InputError(`is ${formatBytes(size)} (${size} bytes), over the ${formatBytes(limit)} limit for ${what}`, limitHint(type), warnings);
  }

  return {
    file,
    path,
    filename: partFilename(name, type),
    mimeType: type.mimeType,
    category: type.category,
    size,
    warnings,
    findings: verdict.findings,
  };
}

/** A file system error as the user reads it (exit 4); our own errors pass through; out of descriptors is temporary (exit 7). */
function inputErrorFor(error: unknown): InputError | TemporaryError {
  if (error instanceof InputError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (isDescriptorShortage(error)) return new TemporaryError(descriptorShortageMessage(code), { hint: DESCRIPTOR_SHORTAGE_HINT });
  return new InputError(ERRNO_MESSAGES[code] ?? `cannot be read (${code || String(error)})`, code === 'ENOENT' ? 'check the path' : undefined);
}

/** The type a filename's extension (any case) names; throws InputError naming the type and listing what WhatsApp takes. */
async function detectMediaType(filename: string): Promise<MediaType> {
  const ext = extname(filename);
  if (!ext) {
    throw new InputError('has no extension, so its type is unknown', `rename it or pass --type (WhatsApp takes ${acceptedExtensions().join(' ')})`);
  }
  const type = mediaTypeForExtension(ext);
  if (!type) {
    // Only a refusal needs the full MIME database: load it then, not on every upload.
    const { mimeTypeNamedBy } = await import('./mime-names.js');
    const named = mimeTypeNamedBy(ext);
    throw new InputError(
      `${ext.toLowerCase()} files${named ? ` (${named})` : ''} are not a type WhatsApp accepts`,
      `convert it to one of ${acceptedExtensions().join(' ')}`,
    );
  }
  return type;
}

function limitHint(type: MediaType): string {
  switch (type.category) {
    case 'image':
      return 'pass --fix to recompress or scale it to fit, or send it as a document (PDF)';
    case 'video':
      return 'pass --fix to re-encode it at a bitrate that fits, or shorten it';
    case 'audio':
      return 'recompress it, e.g. Opus at 32 kb/s (--voice sends it as a mono Opus voice note)';
    case 'sticker':
      return 'pass --fix to re-encode it smaller, or reduce its colours or frames';
    default:
      return 'split or compress it';
  }
}
