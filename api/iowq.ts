// Arguments of Ring#setIowqAffinity and Ring#setIowqMaxWorkers.
import { isPlainObject } from '../loop/net/address';
import { MAX_INT32, integer, rangeError, typeError, valueError } from '../loop/validate';

/** CPU ids go in a cpu_set_t: 0 to CPU_SETSIZE - 1. */
const MAX_CPU = 1023;
const LIMIT_KEYS = new Set(['bounded', 'unbounded']);

/** A non-empty list of CPU ids, or null for every CPU (an empty list to the addon). */
export function cpuListArg(value: unknown): number[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw typeError('cpus', 'an array of CPU numbers or null', value);
  if (value.length === 0) {
    throw rangeError('cpus', 'at least one CPU (null lets the workers run on every CPU)', value);
  }
  return value.map((cpu: unknown, i) => integer(`cpus[${i}]`, cpu, 0, MAX_CPU));
}

/** `{ bounded?, unbounded? }`, each a worker count; 0 or absent leaves that limit as it is. */
export function iowqLimitsArg(value: unknown): { bounded: number; unbounded: number } {
  if (!isPlainObject(value)) throw typeError('limits', 'of type object', value);
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!LIMIT_KEYS.has(key)) throw valueError(`limits.${key}`, 'is not an io-wq limit');
  }
  const limit = (key: string): number =>
    o[key] === undefined ? 0 : integer(`limits.${key}`, o[key], 0, MAX_INT32);
  return { bounded: limit('bounded'), unbounded: limit('unbounded') };
}
