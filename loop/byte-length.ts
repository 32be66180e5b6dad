// A view's size in bytes, fast for the common case.

/**
 * For a Buffer or Uint8Array it is `length`: V8 (Node 20) reads that inline but calls a builtin for
 * `byteLength`, since with resizable ArrayBuffers a typed array's byte length is no longer a plain
 * field. Both are 0 for a detached or out-of-bounds view.
 */
export function byteLengthOf(view: ArrayBufferView): number {
  return view instanceof Uint8Array ? view.length : view.byteLength;
}
