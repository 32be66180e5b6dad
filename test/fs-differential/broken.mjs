// node:fs/promises with deliberate bugs: the negative control of the fs differential test. A
// harness that finds none of these cannot be trusted to find anything.
import fsp from 'node:fs/promises';

/** Every bug there is; `brokenFs(['readFile'])` has just that one. */
export const BUGS = ['readFile', 'syscall', 'mkdir'];

export function brokenFs(bugs = BUGS) {
  const out = { ...fsp };
  if (bugs.includes('readFile')) {
    // Loses the last byte of files over 100 bytes (as a wrong length from a size probe would).
    out.readFile = async (...args) => {
      const data = await fsp.readFile(...args);
      return data.length > 100 ? data.slice(0, -1) : data;
    };
  }
  if (bugs.includes('syscall')) {
    // Reports a failed unlink as the rmdir that runs for directories elsewhere.
    out.unlink = async (...args) => {
      try {
        return await fsp.unlink(...args);
      } catch (err) {
        if (err.syscall === 'unlink') err.syscall = 'rmdir';
        throw err;
      }
    };
  }
  if (bugs.includes('mkdir')) {
    // Resolves a recursive mkdir with the path asked for instead of the first directory made.
    out.mkdir = async (p, options) => {
      const first = await fsp.mkdir(p, options);
      return first === undefined ? first : String(p);
    };
  }
  return out;
}
