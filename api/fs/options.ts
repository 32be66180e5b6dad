// Node's option readers for the fs module and FileHandle: encoding, flag, mode, signal, flush,
// with the exact errors node:fs/promises gives for bad ones (code and message).
import { Buffer } from 'node:buffer';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { AbortError } from '../../loop/errors';
import { openFlags } from '../../loop/open-flags';

/** The running Node's major version: a few checks differ between versions, as in node:fs. */
export const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

type Coded<E extends Error> = E & { code: string };

function coded<E extends Error>(error: E, code: string): Coded<E> {
  (error as Coded<E>).code = code;
  return error as Coded<E>;
}

/** How Node's errors describe the value they received. */
export function received(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'bigint':
      return `type bigint (${value}n)`;
    case 'number':
      return `type number (${Object.is(value, -0) ? '-0' : String(value)})`;
    case 'boolean':
    case 'symbol':
      return `type ${typeof value} (${String(value)})`;
    case 'function':
      return `function ${value.name}`;
    case 'string': {
      const s = value.length > 28 ? `${value.slice(0, 25)}...` : value;
      return s.includes("'") ? `type string (${JSON.stringify(s)})` : `type string ('${s}')`;
    }
    default: {
      const ctor = (value as { constructor?: { name?: string } }).constructor;
      if (ctor && typeof ctor.name === 'string') return `an instance of ${ctor.name}`;
      return inspect(value, { depth: -1 });
    }
  }
}

/** ERR_INVALID_ARG_TYPE: `expected` is what follows "must be", e.g. 'of type number'. */
export function argTypeError(name: string, expected: string, value: unknown): Coded<TypeError> {
  const what = name.includes('.') ? 'property' : 'argument';
  return coded(
    new TypeError(`The "${name}" ${what} must be ${expected}. Received ${received(value)}`),
    'ERR_INVALID_ARG_TYPE',
  );
}

/** ERR_INVALID_ARG_VALUE. */
export function argValueError(
  name: string,
  value: unknown,
  reason = 'is invalid',
): Coded<TypeError> {
  let shown = inspect(value);
  if (shown.length > 128) shown = `${shown.slice(0, 128)}...`;
  const what = name.includes('.') ? 'property' : 'argument';
  return coded(
    new TypeError(`The ${what} '${name}' ${reason}. Received ${shown}`),
    'ERR_INVALID_ARG_VALUE',
  );
}

/** Digits grouped by underscores, as Node prints large numbers in range errors. */
function grouped(digits: string): string {
  let res = '';
  let i = digits.length;
  const start = digits[0] === '-' ? 1 : 0;
  for (; i >= start + 4; i -= 3) res = `_${digits.slice(i - 3, i)}${res}`;
  return `${digits.slice(0, i)}${res}`;
}

/** ERR_OUT_OF_RANGE. */
export function outOfRange(name: string, range: string, value: unknown): Coded<RangeError> {
  let shown: string;
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) > 2 ** 32) {
    shown = grouped(String(value));
  } else if (typeof value === 'bigint') {
    shown = value > 2n ** 32n || value < -(2n ** 32n) ? `${grouped(String(value))}n` : `${value}n`;
  } else {
    shown = inspect(value);
  }
  return coded(
    new RangeError(
      `The value of "${name}" is out of range. It must be ${range}. Received ${shown}`,
    ),
    'ERR_OUT_OF_RANGE',
  );
}

/** Node's validateInteger. */
export function integerArg(
  value: unknown,
  name: string,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number') throw argTypeError(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  return value;
}

/** Node's validateObject (null allowed when `nullable`). */
export function objectArg(value: unknown, name: string, nullable = false): void {
  if (value === null ? !nullable : typeof value !== 'object' || Array.isArray(value)) {
    throw argTypeError(name, 'of type object', value);
  }
}

export function booleanArg(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw argTypeError(name, 'of type boolean', value);
  return value;
}

/** The options object of a call as node's getOptions reads it: a string is the encoding. */
export interface FsOptions {
  encoding?: BufferEncoding | 'buffer' | null;
  flag?: string | number;
  mode?: number | string;
  signal?: AbortSignal;
  flush?: boolean;
  [key: string]: unknown;
}

/** A string or `{ encoding }`, checked like node's getOptions (`'buffer'` passes). */
export function optionsOf(options: unknown, defaults: FsOptions = {}): FsOptions {
  if (options === undefined || options === null || typeof options === 'function') return defaults;
  let o: FsOptions;
  if (typeof options === 'string') {
    o = { ...defaults, encoding: options as BufferEncoding };
  } else if (typeof options === 'object') {
    o = options as FsOptions;
  } else {
    throw argTypeError('options', 'one of type string or object', options);
  }
  encodingOf(o.encoding);
  if (o.signal !== undefined) signalOf(o.signal);
  return o;
}

/** An encoding, or null for bytes; `'buffer'` is kept for the calls that accept it. */
export function encodingOf(value: unknown): BufferEncoding | 'buffer' | null {
  if (value === undefined || value === null || value === '') return null;
  if (value === 'buffer') return 'buffer';
  if (typeof value !== 'string' || !Buffer.isEncoding(value)) {
    // Node's assertEncoding only checks truthy values; anything else is "invalid encoding".
    throw argValueError('encoding', value, 'is invalid encoding');
  }
  return value;
}

/** open(2) flags from a flag option (the call's default when absent), with node's error. */
export function flagOf(value: unknown, fallback: string): number {
  const flag = value === undefined || value === null || value === '' ? fallback : value;
  try {
    return openFlags(flag);
  } catch (err) {
    if (typeof flag === 'number' || typeof flag === 'bigint') throw err;
    throw argValueError('flags', flag);
  }
}

/** A mode (number or octal string) like node's parseFileMode. */
export function modeOf(value: unknown, fallback: number, name = 'mode'): number {
  let mode = value ?? fallback;
  if (typeof mode === 'string') {
    if (!/^[0-7]+$/.test(mode)) {
      throw argValueError(name, mode, 'must be a 32-bit unsigned integer or an octal string');
    }
    mode = parseInt(mode, 8);
  }
  // The kernel keeps only the permission bits (S_IALLUGO) of what open(2) is given.
  return integerArg(mode, name, 0, 4294967295) & 0o7777;
}

/** The `signal` option: undefined or an AbortSignal. */
export function signalOf(value: unknown, name = 'options.signal'): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal))
    throw argTypeError(name, 'an instance of AbortSignal', value);
  return value;
}

/** Node's AbortError for a signal that fired: `name` AbortError, `code` ABORT_ERR, `cause`. */
export function abortError(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason });
}

/** Throws node's AbortError when the signal has fired. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** The `flush` option: false when absent. */
export function flushOf(value: unknown): boolean {
  return value === undefined || value === null ? false : booleanArg(value, 'options.flush');
}

/** A path as node's getValidatedPath checks it: a string, Buffer or file: URL, no NUL bytes. */
export function pathOf(value: unknown, name = 'path'): string | Buffer {
  let path: string | Buffer;
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    path = value;
  } else if (value instanceof URL) {
    if (value.protocol !== 'file:') {
      throw coded(new TypeError('The URL must be of scheme file'), 'ERR_INVALID_URL_SCHEME');
    }
    path = fileURLToPath(value);
  } else if (value instanceof Uint8Array) {
    path = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  } else {
    throw argTypeError(name, 'of type string or an instance of Buffer or URL', value);
  }
  if (typeof path === 'string' ? path.includes('\u0000') : path.includes(0)) {
    throw argValueError(
      name,
      value instanceof URL ? path : value,
      'must be a string, Uint8Array, or URL without null bytes',
    );
  }
  return path;
}
