// io-wq, the kernel's worker threads for work that cannot complete inline
// (buffered writes on ext4, fsync, fallocate, path ops): CPU affinity and
// worker limits, through the addon (native/iowq.cc). Both belong to the
// thread that submits, so every ring of that thread shares them.
import { loadAddon, type NativeRing } from './binding';
import { errnoError } from './errors';

interface NativeIowq {
  /** IORING_REGISTER_IOWQ_AFF (or UNREGISTER for an empty list): 0 or a negative errno. */
  setAffinity(ring: NativeRing, cpus: number[]): number;
  /** IORING_REGISTER_IOWQ_MAX_WORKERS: the previous [bounded, unbounded], or a negative errno. */
  setMaxWorkers(ring: NativeRing, bounded: number, unbounded: number): [number, number] | number;
}

/** io-wq worker limits: `bounded` for file and block I/O, `unbounded` for work that may wait on a peer. */
export interface IowqLimits {
  bounded: number;
  unbounded: number;
}

function native(): NativeIowq {
  const iowq = (loadAddon() as { iowq?: NativeIowq } | undefined)?.iowq;
  if (!iowq) throw new Error('the uring-loop addon is not loaded');
  return iowq;
}

export function setIowqAffinity(ring: NativeRing, cpus: number[]): void {
  const ret = native().setAffinity(ring, cpus);
  if (ret < 0) throw errnoError(ret, 'io_uring_register');
}

export function setIowqMaxWorkers(
  ring: NativeRing,
  bounded: number,
  unbounded: number,
): IowqLimits {
  const ret = native().setMaxWorkers(ring, bounded, unbounded);
  if (typeof ret === 'number') throw errnoError(ret, 'io_uring_register');
  return { bounded: ret[0], unbounded: ret[1] };
}
