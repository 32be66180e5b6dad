// The servers and connections open on each ring, so ring.shutdown() can close
// their file descriptors.
import type { Backend } from '../../loop/backend';

export interface Closable {
  close(): Promise<void>;
}

const open = new WeakMap<Backend, Set<Closable>>();

export function track(backend: Backend, item: Closable): void {
  let set = open.get(backend);
  if (!set) open.set(backend, (set = new Set()));
  set.add(item);
}

export function untrack(backend: Backend, item: Closable): void {
  open.get(backend)?.delete(item);
}

/** Closes everything still open on `backend`; undefined when there is nothing. */
export function closeAllSockets(backend: Backend): Promise<void> | undefined {
  const set = open.get(backend);
  if (!set || set.size === 0) return undefined;
  const items = [...set];
  return Promise.allSettled(items.map((item) => item.close())).then(() => undefined);
}
