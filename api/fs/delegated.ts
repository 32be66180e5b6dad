// What io_uring has no op for — readdir, opendir, chmod, chown, utimes, realpath, readlink,
// mkdtemp, watch, cp, glob, statfs, ... — is node:fs/promises' own function, whatever the
// running Node has (the list differs per version).
import nodeFs from 'node:fs/promises';

/** node:fs/promises itself: its names and its functions. */
export const nodePromises = nodeFs as unknown as Record<string, unknown>;

type Call = (...args: unknown[]) => Promise<unknown>;

/**
 * statfs with its path checked first: Node 22's aborts the whole process (a failed C++
 * assertion) for a path that is not a string, Uint8Array or URL. Such a path goes to node's
 * access(), which rejects it with the error every other version's statfs gives.
 */
function checkedStatfs(statfs: Call): Call {
  const access = nodePromises.access as Call;
  return Object.defineProperty(
    async (path: unknown, ...rest: unknown[]) => {
      if (typeof path !== 'string' && !(path instanceof Uint8Array) && !(path instanceof URL))
        return access(path);
      return statfs(path, ...rest);
    },
    'name',
    { value: 'statfs' },
  );
}

/** Node's function for `name`, for every name the ring does not run. */
export function delegated(name: string): unknown {
  const fn = nodePromises[name];
  return name === 'statfs' && typeof fn === 'function' ? checkedStatfs(fn as Call) : fn;
}
