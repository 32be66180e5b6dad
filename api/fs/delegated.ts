// What io_uring has no op for — readdir, opendir, chmod, chown, utimes, realpath, readlink,
// mkdtemp, watch, cp, glob, statfs, ... — is node:fs/promises' own function, whatever the
// running Node has (the list differs per version).
import nodeFs from 'node:fs/promises';

/** node:fs/promises itself: its names and its functions. */
export const nodePromises = nodeFs as unknown as Record<string, unknown>;

/** Node's function for `name`, for every name the ring does not run. */
export function delegated(name: string): unknown {
  return nodePromises[name];
}
