// Options of destination() / createWriteStream(), checked up front.
import { Ring } from '../ring';
import {
  MAX_INT32,
  MAX_IO_LENGTH,
  describe,
  integer,
  modeArg,
  pathArg,
  typeError,
  valueError,
} from '../../loop/validate';

export interface DestinationOptions {
  /** A path, or an open file descriptor. */
  dest?: string | Buffer | URL | number;
  /** sonic-boom's name for `dest` when it is a descriptor. */
  fd?: number | string;
  /** Bytes to collect before writing (flush(), end() and periodicFlush write earlier). Default 0. */
  minLength?: number;
  /** Most bytes one write takes. Default 1 MiB. */
  maxWrite?: number;
  /** write() returns false once this many bytes are unwritten. Default 16 KiB. */
  highWaterMark?: number;
  /** 'batch': every write is fdatasynced in the same linked chain. Default 'never'. */
  fsync?: 'never' | 'batch' | boolean;
  /** Keep the file's content and add to its end (default), or truncate it. */
  append?: boolean;
  /** Create the file's directory first. */
  mkdir?: boolean;
  /** Mode of a created file. Default 0o666 (before umask). */
  mode?: number | string;
  /** Calls flush() every this many milliseconds. Default 0 (off). */
  periodicFlush?: number;
  /** Accepted for sonic-boom compatibility: both strings and Buffers are always accepted. */
  contentMode?: 'utf8' | 'buffer';
  /** The ring to run on. Default: a ring shared by the process. */
  ring?: Ring;
}

export interface DestinationSettings {
  file: string | null;
  fd: number;
  minLength: number;
  maxWrite: number;
  highWaterMark: number;
  fsyncBatch: boolean;
  append: boolean;
  mkdir: boolean;
  mode: number;
  periodicFlush: number;
  ring: Ring | undefined;
}

const KEYS = new Set([
  'dest',
  'fd',
  'minLength',
  'maxWrite',
  'highWaterMark',
  'fsync',
  'append',
  'mkdir',
  'mode',
  'periodicFlush',
  'contentMode',
  'ring',
]);

function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw typeError(name, 'of type boolean', value);
  return value;
}

/** A path (string, Buffer, file: URL) or a descriptor (number, or a numeric string as pino passes). */
export function destArg(value: unknown, name: string): { file: string | null; fd: number } {
  if (typeof value === 'number') return { file: null, fd: integer(name, value, 0, MAX_INT32) };
  if (typeof value === 'string' && /^\d+$/.test(value)) {
    return { file: null, fd: integer(name, Number(value), 0, MAX_INT32) };
  }
  return { file: pathArg(value, name).text, fd: -1 };
}

export function destinationSettings(options: unknown): DestinationSettings {
  if (typeof options === 'string' || typeof options === 'number' || options instanceof URL) {
    options = { dest: options };
  }
  if (typeof options !== 'object' || options === null) {
    throw typeError('options', 'of type object, a path or a file descriptor', options);
  }
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw valueError(`options.${key}`, 'is not a destination option');
  }
  const o = options as DestinationOptions;
  const where = o.dest ?? o.fd;
  if (where === undefined) throw typeError('options.dest', 'a path or a file descriptor', where);
  const { file, fd } = destArg(where, o.dest !== undefined ? 'options.dest' : 'options.fd');
  const minLength = integer('options.minLength', o.minLength ?? 0, 0, MAX_IO_LENGTH);
  const maxWrite = integer('options.maxWrite', o.maxWrite ?? 1024 * 1024, 1, MAX_IO_LENGTH);
  const highWaterMark = integer(
    'options.highWaterMark',
    o.highWaterMark ?? Math.max(minLength, 16 * 1024),
    1,
    Number.MAX_SAFE_INTEGER,
  );
  let fsyncBatch = false;
  if (o.fsync !== undefined) {
    if (o.fsync === 'batch' || o.fsync === true) fsyncBatch = true;
    else if (o.fsync !== 'never' && o.fsync !== false) {
      throw valueError(
        'options.fsync',
        `must be 'never' or 'batch'. Received ${describe(o.fsync)}`,
      );
    }
  }
  if (o.contentMode !== undefined && o.contentMode !== 'utf8' && o.contentMode !== 'buffer') {
    throw valueError(
      'options.contentMode',
      `must be 'utf8' or 'buffer'. Received ${describe(o.contentMode)}`,
    );
  }
  if (o.ring !== undefined && !(o.ring instanceof Ring)) {
    throw typeError('options.ring', 'an instance of Ring', o.ring);
  }
  return {
    file,
    fd,
    minLength,
    maxWrite,
    highWaterMark,
    fsyncBatch,
    append: bool('options.append', o.append, true),
    mkdir: bool('options.mkdir', o.mkdir, false),
    mode: modeArg(o.mode, 0o666, 'options.mode'),
    periodicFlush: integer('options.periodicFlush', o.periodicFlush ?? 0, 0, MAX_INT32),
    ring: o.ring,
  };
}
