// The io-wq stall check.
//
// A request the kernel hands to its io-wq workers can, rarely, sit in their queue with no
// worker running it until more work is queued (seen on Linux 6.18 as a first op of a fresh
// ring that never completed; any later io-wq request released it). When requests are in flight
// and nothing at all has completed for a while, a NOP forced through io-wq (IOSQE_ASYNC) wakes
// the workers. Costs one timer tick a second per ring and a NOP per stall; a legitimately long
// wait (a pipe read, a long sleep) gets nudges ever more rarely.
import { C_CQES_REAPED, IOSQE_ASYNC, Opcode } from './protocol';
import type { UringBackend } from './uring-backend';

/**
 * How long requests may be in the kernel with no completion at all before the ring nudges the
 * kernel's io-wq workers (doubling after each nudge, up to the maximum).
 */
export const STALL_FIRST_MS = 1000;
const STALL_MAX_MS = 64_000;

function nothing(): void {}

/** Runs once a second per ring. */
export function stallCheck(b: UringBackend): void {
  // The nudges' own completions do not count as progress.
  const reaped = b.counters[C_CQES_REAPED] - b.stallNudges;
  if (b.inRing === 0 || b.closing || reaped !== b.stallReaped) {
    b.stallReaped = reaped;
    b.stallWait = STALL_FIRST_MS;
    b.stallIdle = 0;
    return;
  }
  b.stallIdle += STALL_FIRST_MS;
  if (b.stallIdle < b.stallWait || b.sqesInFlight >= b.capacity) return;
  b.stallIdle = 0;
  b.stallWait = Math.min(b.stallWait * 2, STALL_MAX_MS);
  const at = b.staging.takeEntry();
  if (at < 0) return;
  // Its CQE has no request: user_data all ones matches no slot.
  b.staging.writeOwn(at, Opcode.NOP, nothing, undefined, -1 >>> 0, -1 >>> 0, IOSQE_ASYNC, 1);
  b.stallNudges++;
  b.native.flush();
}
