// Back-pressure: work that found no room waits in the backend's queue (never dropped) and
// moves into the ring as completions free CQ space or a flush frees the staging area.
import { stageCancel, stageCancelAll } from './cancellation';
import { ChainRun } from './chain-run';
import { stageChain } from './chains';
import type { Item, UringBackend } from './uring-backend';

/** Moves queued work into the ring while the CQ has room for its completions. */
export function drainQueue(b: UringBackend): void {
  while (b.lateCancels.length > 0) {
    const req = b.lateCancels[0];
    if (req.slot >= 0 && !req.done && !stageCancel(b, req)) {
      b.retrySoon();
      return;
    }
    b.lateCancels.shift();
  }
  if (b.cancelAllDue) {
    if (!stageCancelAll(b)) {
      b.retrySoon();
      return;
    }
    b.cancelAllDue = false;
  }
  while (b.queue.length > 0) {
    const item = b.queue.peek() as Item;
    if (item.dropped) {
      b.queue.shift();
      continue;
    }
    if (item instanceof ChainRun) {
      if (!stageChain(b, item)) return;
      b.queue.shift();
    } else {
      const at = b.reserve(item.timeout > 0 ? 2 : 1);
      if (at < 0) return;
      b.queue.shift();
      b.stage(item, false, at, item.timeout > 0 ? 2 : 1);
    }
  }
}
