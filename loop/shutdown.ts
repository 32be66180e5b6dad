// Shutdown of a ring: queued work fails at once, what is in the kernel is cancelled and waited
// for (every Promise settles), then the addon closes the ring.
import { stageCancelAll } from './cancellation';
import { ChainRun } from './chain-run';
import { cancelUnstaged } from './chains';
import { releaseDirect, settleChain } from './completion';
import { ECANCELED, canceledByShutdown } from './errors';
import type { Request } from './request';
import type { UringBackend } from './uring-backend';

/** How long shutdown waits for cancelled requests before giving up on them. */
const SHUTDOWN_WAIT_MS = 2000;

/** Memory of requests abandoned at shutdown: the kernel may still touch it, so it is never freed. */
const abandoned: Request[] = [];

export async function close(b: UringBackend): Promise<void> {
  if (b.closed) return;
  b.closing = true;
  clearTimeout(b.drainTimer);
  b.drainTimer = undefined;
  clearInterval(b.stallTimer);
  // Queued work never reached the kernel: it fails at once.
  for (let item = b.queue.shift(); item; item = b.queue.shift()) {
    if (item.dropped) continue;
    if (item instanceof ChainRun && item.staged > 0) {
      // Between two segments: what ran keeps its result, the rest is cancelled.
      for (let j = item.staged; j < item.reqs.length; j++) item.reqs[j].shutdown = true;
      item.waiting = false;
      cancelUnstaged(b, item);
      settleChain(b, item);
    } else if (item instanceof ChainRun) {
      for (const req of item.reqs) req.res = ECANCELED;
      b.completed += item.reqs.length;
      item.remaining = 0;
      item.reject?.(canceledByShutdown('chain'));
    } else {
      b.completed++;
      item.settled = true;
      item.reject?.(canceledByShutdown(item.kind.name, item.path));
    }
  }
  if (b.inRing > 0) {
    // No room now: drainQueue() stages it once the addon's flush retry freed the area.
    if (!stageCancelAll(b)) {
      b.cancelAllDue = true;
      b.retrySoon();
    }
    b.native.flush();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, SHUTDOWN_WAIT_MS);
      b.drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    b.drained = undefined;
    for (const req of b.slots.values()) {
      // The kernel did not give these back in time: keep their memory forever.
      abandoned.push(req);
      b.inRing--;
      b.completed++;
      req.reject?.(canceledByShutdown(req.kind.name, req.path));
    }
  }
  b.closed = true;
  b.native.close();
  // The ring's exit released the table: its files are closed.
  for (const file of b.directFiles) releaseDirect(b, file);
}
