// Shared by the fs module tests: the module's functions on a ring, and outcomes compared with
// node:fs/promises. Switching to the package's `uring-loop/fs` / createFs(ring) is the one
// `fsOn()` below.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { fileHandleOf } = require('../dist/api/fs/file-handle.js');
const wholeFile = require('../dist/api/fs/whole-file.js');

/** The fs/promises calls this suite exercises, bound to `ring`. */
export function fsOn(ring) {
  return {
    async open(path, flags, mode) {
      return fileHandleOf(ring, await ring.open(path, flags, mode));
    },
    readFile: (path, options) => wholeFile.readFile(ring, path, options),
    writeFile: (path, data, options) => wholeFile.writeFile(ring, path, data, options),
    appendFile: (path, data, options) => wholeFile.appendFile(ring, path, data, options),
  };
}

/** A value made comparable: bytes as hex, null-prototype results as plain objects. */
export function plain(value) {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return `bytes:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  }
  if (ArrayBuffer.isView(value)) return `view:${value.constructor.name}:${value.byteLength}`;
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const out = {};
    for (const k of Object.keys(value)) out[k] = plain(value[k]);
    return out;
  }
  return value;
}

/** What an error shows a program: its class, code, message and the errno fields. */
export function errorShape(err) {
  if (!(err instanceof Error)) return { thrown: String(err) };
  const shape = { name: err.name, code: err.code, message: err.message };
  for (const k of ['errno', 'syscall', 'path', 'dest']) if (err[k] !== undefined) shape[k] = err[k];
  return shape;
}

/** Runs `thunk` to an outcome: `{ value }` or `{ error }`; a synchronous throw is marked. */
export async function outcome(thunk) {
  let p;
  try {
    p = thunk();
  } catch (err) {
    return { sync: errorShape(err) };
  }
  try {
    return { value: plain(await p) };
  } catch (err) {
    return { error: errorShape(err) };
  }
}
