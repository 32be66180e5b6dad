// node:fs flag strings ('r', 'w+', 'ax'...) to open(2) flags.
import { constants } from 'node:fs';
import { describe, integer, valueError } from './validate';

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_EXCL, O_SYNC } = constants;

const FLAGS: Record<string, number> = {
  r: O_RDONLY,
  rs: O_RDONLY | O_SYNC,
  sr: O_RDONLY | O_SYNC,
  'r+': O_RDWR,
  'rs+': O_RDWR | O_SYNC,
  'sr+': O_RDWR | O_SYNC,
  w: O_TRUNC | O_CREAT | O_WRONLY,
  wx: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  xw: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  'w+': O_TRUNC | O_CREAT | O_RDWR,
  'wx+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  'xw+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  a: O_APPEND | O_CREAT | O_WRONLY,
  ax: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  xa: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  as: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  sa: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  'a+': O_APPEND | O_CREAT | O_RDWR,
  'ax+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'xa+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'as+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
  'sa+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
};

/** O_CLOEXEC, as libuv adds to every open: fds do not leak into child processes. */
const O_CLOEXEC = 0o2000000;

export function openFlags(value: unknown): number {
  if (value === undefined || value === null) return O_RDONLY | O_CLOEXEC;
  if (typeof value === 'number' || typeof value === 'bigint') {
    return integer('flags', value, 0, 2 ** 31 - 1) | O_CLOEXEC;
  }
  if (typeof value === 'string' && Object.hasOwn(FLAGS, value)) return FLAGS[value] | O_CLOEXEC;
  throw valueError('flags', `is invalid. Received ${describe(value)}`);
}
