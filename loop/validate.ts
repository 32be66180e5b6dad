// Argument checks with node:fs-style errors: TypeError ERR_INVALID_ARG_TYPE /
// ERR_INVALID_ARG_VALUE and RangeError ERR_OUT_OF_RANGE. Nothing is queued
// when one of these throws.
import { Buffer } from 'node:buffer';
import { fileURLToPath } from 'node:url';
import { byteLengthOf } from './byte-length';
import { ChainFile } from './chain-file';

export const MAX_INT32 = 2 ** 31 - 1;
/** Largest byte count one read or write may ask for (the kernel's MAX_RW_COUNT). */
export const MAX_IO_LENGTH = 0x7ffff000;

/** A short description of any value for an error message (never throws, unlike JSON.stringify). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  if (typeof value === 'string') return `type string (${JSON.stringify(value.slice(0, 32))})`;
  return `type ${typeof value} (${String(value)})`;
}

export function typeError(name: string, expected: string, value: unknown): TypeError {
  const error = new TypeError(
    `The "${name}" argument must be ${expected}. Received ${describe(value)}`,
  );
  (error as TypeError & { code: string }).code = 'ERR_INVALID_ARG_TYPE';
  return error;
}

export function valueError(name: string, reason: string): TypeError {
  const error = new TypeError(`The argument '${name}' ${reason}`);
  (error as TypeError & { code: string }).code = 'ERR_INVALID_ARG_VALUE';
  return error;
}

export function rangeError(name: string, range: string, value: unknown): RangeError {
  const error = new RangeError(
    `The value of "${name}" is out of range. It must be ${range}. Received ${String(value)}`,
  );
  (error as RangeError & { code: string }).code = 'ERR_OUT_OF_RANGE';
  return error;
}

/** What `new X()` throws for a class the package makes itself (Node's ERR_ILLEGAL_CONSTRUCTOR). */
export function illegalConstructor(how: string): TypeError {
  const error = new TypeError(`Illegal constructor: ${how}`);
  (error as TypeError & { code: string }).code = 'ERR_ILLEGAL_CONSTRUCTOR';
  return error;
}

/** An integer in [min, max]; bigints are accepted when they fit. */
export function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value === 'bigint') {
    if (value < BigInt(min) || value > BigInt(max))
      throw rangeError(name, `>= ${min} && <= ${max}`, value);
    return Number(value);
  }
  if (typeof value !== 'number') throw typeError(name, 'of type number', value);
  if (!Number.isInteger(value)) throw rangeError(name, 'an integer', value);
  if (value < min || value > max) throw rangeError(name, `>= ${min} && <= ${max}`, value);
  return value;
}

/** A descriptor: a number, as node:fs wants it (a bigint is refused, not converted). */
export function fdArg(value: unknown, name = 'fd'): number {
  if (typeof value !== 'number') throw typeError(name, 'of type number', value);
  return integer(name, value, 0, MAX_INT32);
}

export function fileArg(value: unknown, name = 'fd'): number | ChainFile {
  if (value instanceof ChainFile) return value;
  if (typeof value !== 'number') throw typeError(name, 'of type number or a ChainFile', value);
  return integer(name, value, 0, MAX_INT32);
}

/** %TypedArray%.prototype.entries validates its receiver: it throws for a detached or out-of-bounds view. */
const typedArrayEntries = Object.getPrototypeOf(Uint8Array.prototype).entries as (
  this: ArrayBufferView,
) => unknown;

/**
 * Why a view cannot be used, or undefined: its buffer was detached (transferred), or the view
 * lies beyond the end of a resizable ArrayBuffer that shrank. Both look empty, so only an empty
 * view, or one over an empty buffer, is looked at closely.
 *
 * The buffer's byteLength is asked too, not only the view's: in V8 11.3 and 12.4 (Node 20 and
 * 22), optimized code that has also seen views of resizable ArrayBuffers returns a detached
 * Uint8Array's old length. A detached ArrayBuffer's own byteLength is 0 on every version.
 */
function unusable(view: ArrayBufferView): string | undefined {
  const buffer = view.buffer as ArrayBuffer & { resizable?: boolean };
  try {
    if (buffer.byteLength !== 0 && byteLengthOf(view) !== 0) return undefined;
    // A DataView over a detached buffer, or out of bounds, throws on byteLength.
    if (view instanceof DataView) void view.byteLength;
    else typedArrayEntries.call(view);
    return undefined;
  } catch {
    return buffer.resizable
      ? 'is out of the bounds of its resizable ArrayBuffer (resized or detached)'
      : 'is backed by a detached ArrayBuffer';
  }
}

export function bufferArg(value: unknown, name = 'buffer'): ArrayBufferView {
  if (!ArrayBuffer.isView(value)) {
    throw typeError(name, 'an instance of Buffer, TypedArray, or DataView', value);
  }
  const reason = unusable(value);
  if (reason) throw valueError(name, reason);
  return value;
}

export function buffersArg(value: unknown, name = 'buffers'): ArrayBufferView[] {
  if (!Array.isArray(value)) throw typeError(name, 'an Array of ArrayBufferView', value);
  if (value.length === 0) throw valueError(name, 'must not be empty');
  if (value.length > 1024) throw rangeError(`${name}.length`, '<= 1024 (IOV_MAX)', value.length);
  return value.map((v, i) => bufferArg(v, `${name}[${i}]`));
}

/** null, undefined or -1: the file position; otherwise an absolute offset. */
const MINUS_ONE = BigInt(-1);

export function positionArg(value: unknown, name = 'position'): number {
  if (typeof value === 'number' && value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
    if (Number.isInteger(value)) return value;
  }
  if (value === null || value === undefined) return -1;
  if (value === -1 || value === MINUS_ONE) return -1;
  return integer(name, value, 0, Number.MAX_SAFE_INTEGER);
}

function nullByteError(name: string, text: string): Error {
  return valueError(
    name,
    `must be a string, Uint8Array, or URL without null bytes. Received ${JSON.stringify(text)}`,
  );
}

function checkPathLength(name: string, length: number): void {
  if (length === 0) throw valueError(name, 'must not be empty');
  if (length >= 4096) throw rangeError(`${name}.length`, '< 4096 bytes (PATH_MAX)', length);
}

/** A path as the NUL-terminated bytes the kernel reads, and its printable form. */
export function pathArg(value: unknown, name = 'path'): { bytes: Buffer; text: string } {
  let bytes: Buffer;
  let text: string;
  if (typeof value === 'string') {
    // The common case in one allocation: the NUL terminator goes in with the conversion.
    if (value.includes('\0')) throw nullByteError(name, value);
    const terminated = Buffer.from(`${value}\0`, 'utf8');
    checkPathLength(name, terminated.length - 1);
    return { bytes: terminated, text: value };
  } else if (value instanceof URL) {
    if (value.protocol !== 'file:')
      throw valueError(name, `must be a file: URL. Received ${value.href}`);
    text = fileURLToPath(value);
    bytes = Buffer.from(text, 'utf8');
  } else if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    bytes = Buffer.from(value as Uint8Array);
    text = bytes.toString('utf8');
  } else {
    throw typeError(name, 'of type string or an instance of Buffer or URL', value);
  }
  if (bytes.includes(0)) throw nullByteError(name, text);
  checkPathLength(name, bytes.length);
  const terminated = Buffer.allocUnsafe(bytes.length + 1);
  bytes.copy(terminated);
  terminated[bytes.length] = 0;
  return { bytes: terminated, text };
}

export function modeArg(value: unknown, fallback: number, name = 'mode'): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') {
    if (!/^[0-7]+$/.test(value))
      throw valueError(
        name,
        `must be a 32-bit unsigned integer or an octal string. Received ${JSON.stringify(value)}`,
      );
    value = parseInt(value, 8);
  }
  return integer(name, value, 0, 0o7777);
}

export interface OpOptions {
  /** Cancels the op (IORING_OP_ASYNC_CANCEL); it rejects with an AbortError. */
  signal?: AbortSignal;
  /** Deadline in milliseconds (IORING_OP_LINK_TIMEOUT); it rejects with ETIMEDOUT. */
  timeout?: number;
}

export function optionsArg(value: unknown): { signal: AbortSignal | undefined; timeout: number } {
  if (value === undefined || value === null) return { signal: undefined, timeout: 0 };
  if (typeof value !== 'object') throw typeError('options', 'of type object', value);
  const { signal, timeout } = value as OpOptions;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw typeError('options.signal', 'an instance of AbortSignal', signal);
  }
  let ms = 0;
  if (timeout !== undefined) {
    if (typeof timeout !== 'number') throw typeError('options.timeout', 'of type number', timeout);
    if (!(timeout > 0) || !Number.isFinite(timeout) || timeout > MAX_INT32) {
      throw rangeError('options.timeout', `> 0 && <= ${MAX_INT32}`, timeout);
    }
    ms = timeout;
  }
  return { signal, timeout: ms };
}

/** Sets a request's signal and timeout from an options argument (not undefined or null). */
export function applyOptions(
  req: { signal: AbortSignal | undefined; timeout: number },
  value: unknown,
): void {
  const o = optionsArg(value);
  req.signal = o.signal;
  req.timeout = o.timeout;
}

/** True for a trailing options object written where an optional positional argument goes. */
export function isOptionsObject(value: unknown): boolean {
  // Only an object that names an option: anything else in a positional slot is
  // a bad argument, reported as such.
  return (
    typeof value === 'object' &&
    value !== null &&
    !ArrayBuffer.isView(value) &&
    !Array.isArray(value) &&
    !(value instanceof ChainFile) &&
    !(value instanceof URL) &&
    ('signal' in value || 'timeout' in value || 'dsync' in value)
  );
}

/** The options of write and writev: the usual ones plus `dsync`. */
export interface WriteOptions extends OpOptions {
  /**
   * The write is durable when it completes, as if an fdatasync(2) followed it (RWF_DSYNC, per
   * write O_DSYNC). Default false.
   */
  dsync?: boolean;
}

/** write's and writev's `dsync` option. */
export function dsyncOption(options: unknown): boolean {
  if (options === undefined || options === null || typeof options !== 'object') return false;
  const value = (options as WriteOptions).dsync;
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw typeError('options.dsync', 'of type boolean', value);
  return value;
}
