// IORING_OP_TIMEOUT with no completion count: a pure timer in the ring; its
// natural end (-ETIME) is success.
import { ETIME } from '../errors';
import { Opcode, P_OP_FLAGS, P_X1 } from '../protocol';
import { MAX_INT32, rangeError, typeError } from '../validate';
import { op } from './op';

/** -ETIME counts as success for linked ops, so a sleep does not break its chain (Linux 6.0). */
const IORING_TIMEOUT_ETIME_SUCCESS = 1 << 5;

export interface SleepArgs {
  ms: number;
  /** struct __kernel_timespec the addon writes from `ms`. */
  timespec: Uint8Array;
  /** The fs backend's timer. */
  timer: NodeJS.Timeout | undefined;
}

/** Resolves after `ms` milliseconds, timed by the kernel (IORING_OP_TIMEOUT). */
export const sleep = op<[ms: number], void, SleepArgs>({
  name: 'sleep',
  opcode: Opcode.TIMEOUT,
  required: 1,
  count: 1,
  parse(ms) {
    if (typeof ms !== 'number') throw typeError('ms', 'of type number', ms);
    if (!(ms >= 0) || !Number.isFinite(ms) || ms > MAX_INT32)
      throw rangeError('ms', `>= 0 && <= ${MAX_INT32}`, ms);
    return { ms, timespec: new Uint8Array(16), timer: undefined };
  },
  fill(p, req) {
    p[P_X1] = req.args.ms;
    p[P_OP_FLAGS] = IORING_TIMEOUT_ETIME_SUCCESS;
  },
  slotA: (a) => a.timespec,
  result: () => undefined,
  normalize: (res) => (res === ETIME ? 0 : res),
  fs: (req) =>
    new Promise((resolve) => {
      req.args.timer = setTimeout(() => resolve(0), req.args.ms);
    }),
  fsCancel: (req) => clearTimeout(req.args.timer),
});
