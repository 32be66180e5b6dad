// Validation of DurableLog options: unknown keys and out-of-range values are
// errors, so a misspelt option never silently falls back to a default.
import { Ring } from '../ring';
import { integer, typeError, valueError } from '../../loop/validate';
import { MAX_RECORD_SIZE, RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE } from './format';

export interface DurableLogOptions {
  /** Bytes per segment file before a new one is started. Default 64 MiB. */
  segmentSize?: number;
  /** Reserve each segment's blocks with fallocate(2) when it is created. Default true. */
  preallocate?: boolean;
  /** Largest batch (one writev + fdatasync) in bytes. Default 1 MiB. */
  maxBatchBytes?: number;
  /** Bytes accepted but not yet durable above which append() waits. Default 64 MiB. */
  maxPending?: number;
  /** The ring to run on. Default: a ring shared by the process. */
  ring?: Ring;
}

export interface LogSettings {
  segmentSize: number;
  preallocate: boolean;
  maxBatchBytes: number;
  maxPending: number;
  ring: Ring | undefined;
}

const KEYS = new Set(['segmentSize', 'preallocate', 'maxBatchBytes', 'maxPending', 'ring']);
const MIB = 1024 * 1024;
const MAX_SEGMENT = 2 ** 40;

export function logSettings(options: unknown): LogSettings {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || options === null) {
    throw typeError('options', 'of type object', options);
  }
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw valueError(`options.${key}`, 'is not a DurableLog option');
  }
  const o = options as DurableLogOptions;
  const minSegment = SEGMENT_HEADER_SIZE + RECORD_HEADER_SIZE + 1024;
  const segmentSize =
    o.segmentSize === undefined
      ? 64 * MIB
      : integer('options.segmentSize', o.segmentSize, minSegment, MAX_SEGMENT);
  if (o.preallocate !== undefined && typeof o.preallocate !== 'boolean') {
    throw typeError('options.preallocate', 'of type boolean', o.preallocate);
  }
  const maxBatchBytes =
    o.maxBatchBytes === undefined
      ? MIB
      : integer('options.maxBatchBytes', o.maxBatchBytes, 4096, MAX_RECORD_SIZE);
  const maxPending =
    o.maxPending === undefined
      ? 64 * MIB
      : integer('options.maxPending', o.maxPending, 1, Number.MAX_SAFE_INTEGER);
  if (o.ring !== undefined && !(o.ring instanceof Ring)) {
    throw typeError('options.ring', 'an instance of Ring', o.ring);
  }
  return {
    segmentSize,
    preallocate: o.preallocate ?? true,
    maxBatchBytes,
    maxPending,
    ring: o.ring,
  };
}
