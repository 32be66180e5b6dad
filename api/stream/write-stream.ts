// createWriteStream(): a stream.Writable on the destination's engine, for
// pipeline() and anything else that speaks Node streams.
import { Writable } from 'node:stream';
import type { DestinationOptions } from './options';
import { RingDestination } from './destination';
import { typeError } from '../../loop/validate';

export type WriteStreamOptions = Omit<DestinationOptions, 'dest' | 'fd'>;

export class RingWriteStream extends Writable {
  /** The engine underneath (fd, file, flushSync...). */
  readonly destination: RingDestination;
  #destError: Error | null = null;

  constructor(dest: DestinationOptions['dest'], options?: WriteStreamOptions | null) {
    if (options === null) options = undefined;
    if (options !== undefined && typeof options !== 'object') {
      throw typeError('options', 'of type object', options);
    }
    const hwm = options?.highWaterMark ?? 1024 * 1024;
    super({ highWaterMark: hwm, decodeStrings: false });
    const opts = { ...options, dest, highWaterMark: hwm };
    this.destination = new RingDestination(opts);
    this.destination.on('error', (err: Error) => {
      this.#destError = err;
      this.destroy(err);
    });
    this.destination.on('ready', () => this.emit('ready'));
  }

  override _write(
    chunk: Buffer | string,
    encoding: BufferEncoding,
    cb: (err?: Error) => void,
  ): void {
    callbackArg(cb);
    this._writev([{ chunk, encoding }], cb);
  }

  override _writev(
    chunks: { chunk: Buffer | string; encoding: BufferEncoding }[],
    cb: (err?: Error) => void,
  ): void {
    callbackArg(cb);
    let ok = true;
    try {
      for (const { chunk, encoding } of chunks) {
        // Strings come as written (decodeStrings: false): UTF-8 ones are encoded
        // straight into the destination's chunks, others ('hex', 'latin1', ...)
        // are decoded here.
        const data =
          typeof chunk === 'string' && encoding !== 'utf8' && encoding !== 'utf-8'
            ? Buffer.from(chunk, encoding)
            : chunk;
        ok = this.destination.write(data);
      }
    } catch (err) {
      return cb(err as Error);
    }
    if (ok) cb();
    else this.destination.once('drain', () => cb());
  }

  override _final(cb: (err?: Error) => void): void {
    callbackArg(cb);
    const dest = this.destination;
    const onError = (err: Error): void => cb(err);
    dest.once('error', onError);
    dest.once('finish', () => {
      dest.off('error', onError);
      cb();
    });
    dest.end();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    callbackArg(cb);
    const dest = this.destination;
    if (dest.destroyed || this.#destError !== null) {
      if (!dest.destroyed) dest.destroy();
      return cb(err);
    }
    if (this.writableFinished) return cb(err);
    dest.once('close', () => cb(err));
    dest.destroy();
  }
}

/**
 * Node's Writable calls the overrides below with a callback; anyone else calling them must
 * pass one too, or the callback's call would throw later, far from the mistake.
 */
function callbackArg(cb: unknown): void {
  if (typeof cb !== 'function') throw typeError('cb', 'of type function', cb);
}

/** A Writable that writes `path` (or a descriptor) through the ring. */
export function createWriteStream(
  path: DestinationOptions['dest'],
  options?: WriteStreamOptions | null,
): RingWriteStream {
  return new RingWriteStream(path, options);
}
