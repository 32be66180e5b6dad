// One ring per thread for the higher-level pieces (durable log, write streams)
// when the caller does not pass one: an idle ring keeps nothing alive, and it
// is closed with the thread's environment.
import { Ring, backendOf } from './ring';

let shared: Ring | undefined;

export function defaultRing(): Ring {
  if (shared === undefined || backendOf(shared).closed) shared = new Ring();
  return shared;
}
