// Which user a ring works for. Some of a ring's work runs with the credentials of the thread
// that created it (an SQPOLL kernel thread; io-wq workers on older kernels), so a ring must not
// outlive a change of user. process.setuid() and the other setters are wrapped to count changes,
// which costs one comparison per op to notice; the real ids are compared after such a change,
// and otherwise at the start of every 256th submission batch (changes made by native code or
// another thread) or, for an SQPOLL ring, whose kernel thread always has its creator's rights,
// of every batch.
let changes = 0;
let wrapped = false;
const SETTERS = ['setuid', 'seteuid', 'setgid', 'setegid', 'setgroups', 'initgroups'] as const;

function wrapSetters(): void {
  if (wrapped) return;
  wrapped = true;
  const proc = process as unknown as Record<string, unknown>;
  for (const name of SETTERS) {
    const original = proc[name];
    if (typeof original !== 'function') continue;
    proc[name] = function (this: unknown, ...args: unknown[]) {
      try {
        return original.apply(this, args);
      } finally {
        changes++;
      }
    };
  }
}

/** The thread's effective user, group and supplementary groups ('' where Node has no ids). */
function currentIds(): string {
  if (typeof process.geteuid !== 'function' || typeof process.getegid !== 'function') return '';
  const groups = typeof process.getgroups === 'function' ? process.getgroups() : [];
  return `${process.geteuid()}:${process.getegid()}:${groups.join(',')}`;
}

export class CredentialGuard {
  private readonly ids = currentIds();
  private seen: number;
  private batches = 0;
  private lost = false;
  private readonly everyBatch: number;

  constructor(strict: boolean) {
    wrapSetters();
    this.seen = changes;
    this.everyBatch = strict ? 0 : 255;
  }

  /** True once the credentials differ from those at construction (it stays true). */
  changed(batchStart: boolean): boolean {
    if (this.lost) return true;
    if (changes === this.seen && !(batchStart && (++this.batches & this.everyBatch) === 0)) {
      return false;
    }
    this.seen = changes;
    this.lost = currentIds() !== this.ids;
    return this.lost;
  }
}
