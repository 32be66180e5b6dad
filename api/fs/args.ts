// Which arguments the ring path takes as they are. Anything else — a wrong type, a value out of
// range, an option the ring path does not implement — goes to node:fs/promises itself, so a bad
// argument is rejected with node's own error (code, message, sync or async) on every version.
import { Buffer } from 'node:buffer';
import { fileURLToPath } from 'node:url';

/** Linux PATH_MAX: a longer path is node's ENAMETOOLONG to report. */
const PATH_MAX = 4096;

/** A path for the ring (string or Buffer), or undefined. */
export function ringPath(value: unknown): string | Buffer | undefined {
  if (typeof value === 'string') {
    if (value.length === 0 || value.includes('\0')) return undefined;
    return Buffer.byteLength(value) < PATH_MAX ? value : undefined;
  }
  if (value instanceof Uint8Array) {
    if (value.length === 0 || value.length >= PATH_MAX || value.includes(0)) return undefined;
    return Buffer.from(value.buffer, value.byteOffset, value.length);
  }
  if (value instanceof URL && value.protocol === 'file:') {
    try {
      return ringPath(fileURLToPath(value));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** How a path appears in node's errors. */
export function pathText(path: string | Buffer): string {
  return typeof path === 'string' ? path : path.toString('utf8');
}

type Check = (value: unknown) => boolean;

export const isBoolean: Check = (v) => v === undefined || typeof v === 'boolean';

/** A file mode node and the kernel read alike: 0..0o7777 as a number or an octal string. */
export function modeOf(value: unknown, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && /^[0-7]{1,4}$/.test(value)) return parseInt(value, 8);
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0o7777)
    return value;
  return undefined;
}

/**
 * An options object whose own keys are all known here and whose values pass their checks
 * (undefined counts as {}); otherwise undefined.
 */
export function plainOptions(
  value: unknown,
  checks: Record<string, Check>,
): Record<string, unknown> | undefined {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  const o = value as Record<string, unknown>;
  for (const key of Reflect.ownKeys(o)) {
    if (typeof key !== 'string' || !Object.hasOwn(checks, key)) return undefined;
    const d = Object.getOwnPropertyDescriptor(o, key);
    if (d === undefined || !('value' in d) || !checks[key](d.value)) return undefined;
  }
  return o;
}
