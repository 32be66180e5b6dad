// Shared by the fs module tests: the module's functions on a ring (createFs), and outcomes
// compared with node:fs/promises.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { createFs } = require('uring-loop');

/** uring-loop/fs's functions, bound to `ring`. */
export function fsOn(ring) {
  return createFs(ring);
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
