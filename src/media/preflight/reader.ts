// Bounded positional reads of one open file for the content checks: a cached head, a byte budget, no streaming.
import type { OpenFile } from '../../files.js';

/** How many bytes from the start of the file are read once and shared by every check. */
export const HEAD_BYTES = 64 * 1024;

/**
 * Most bytes one examination may read from disk, head included. Checks that hit it stop early and draw no
 * conclusion from what they could not read, so a file can never cost more than this, whatever its size.
 */
export const READ_BUDGET_BYTES = 256 * 1024;

const EMPTY = Buffer.alloc(0);

/** Reads ranges of one file with positional `read()` calls, never past `size` and never past the byte budget. */
export class BoundedReader {
  /** The first min(size, HEAD_BYTES) bytes; filled by `loadHead()`. */
  head: Buffer = EMPTY;
  /** Bytes read from disk so far. */
  bytesRead = 0;
  /** True once a read was cut short by the budget: later conclusions may rest on missing bytes. */
  exhausted = false;
  /** The error a disk read threw, if one did: examineContent lets it through instead of turning it into a warning. */
  ioError: unknown;

  constructor(
    private readonly handle: OpenFile,
    /** The file size from stat; reads past it return nothing. */
    readonly size: number,
    private readonly budget: number = READ_BUDGET_BYTES,
  ) {}

  /** Reads the head of the file; every later read inside it is served from memory. */
  async loadHead(): Promise<Buffer> {
    this.head = await this.read(0, Math.min(this.size, HEAD_BYTES));
    return this.head;
  }

  /** Up to `length` bytes at `position`: fewer at the end of the file or when the budget runs out, never more. */
  async read(position: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(position) || position < 0 || position >= this.size || length <= 0) return EMPTY;
    const wanted = Math.min(length, this.size - position);
    if (position + wanted <= this.head.length) return this.head.subarray(position, position + wanted);
    const allowed = Math.min(wanted, this.budget - this.bytesRead);
    if (allowed < wanted) this.exhausted = true;
    if (allowed <= 0) return EMPTY;
    const buffer = Buffer.alloc(allowed);
    let filled = 0;
    while (filled < allowed) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.handle.read(buffer, filled, allowed - filled, position + filled));
      } catch (error) {
        this.ioError = error;
        throw error;
      }
      if (bytesRead === 0) break; // the file shrank since stat
      filled += bytesRead;
    }
    this.bytesRead += allowed;
    return buffer.subarray(0, filled);
  }
}

/** Latin-1 text of `length` bytes at `offset` of `buffer`, or '' when the buffer is too short. */
export function ascii(buffer: Uint8Array, offset: number, length: number): string {
  if (offset < 0 || offset + length > buffer.length) return '';
  return Buffer.from(buffer.buffer, buffer.byteOffset + offset, length).toString('latin1');
}

/** A four-character code as people can read it: printable ASCII kept, anything else as `?`. */
export function printableFourcc(code: string): string {
  return code.replace(/[^\x20-\x7e]/g, '?');
}
