// A connected stream socket: reads as an async iterable of Buffers (multishot
// receive into the connection's own provided buffers), writes as Promises.
import { socketClosedError, writeAfterEndError } from '../../loop/net/net-errors';
import { Receiver } from '../../loop/net/receiver';
import { Sender } from '../../loop/net/sender';
import { peerName, socketName, type SocketName } from '../../loop/net/sockets';
import type { UringBackend } from '../../loop/uring-backend';
import { shutdown } from '../../loop/ops/shutdown';
import { requestOf } from '../../loop/request';
import { bufferArg } from '../../loop/validate';
import { closeFd } from './close-fd';
import { MAKING, checkMaking } from './making';
import type { ResolvedConnectionOptions } from './options';
import { track, untrack } from './registry';
import { byteLengthOf } from '../../loop/byte-length';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
const toResult = (chunk: Buffer | null): IteratorResult<Buffer, undefined> =>
  chunk === null ? DONE : { value: chunk, done: false };
const ignore = () => undefined;

export class Connection implements AsyncIterable<Buffer> {
  /** The socket's file descriptor (closed by close()). */
  readonly fd: number;
  readonly #backend: UringBackend;
  readonly #options: ResolvedConnectionOptions;
  readonly #onClose: ((connection: Connection) => void) | undefined;
  #receiver: Receiver | null = null;
  #receiveError: unknown = null;
  readonly #sender: Sender;
  #ending: Promise<void> | null = null;
  #closing: Promise<void> | null = null;
  #peer: SocketName | null = null;
  #local: SocketName | null = null;
  readonly #onFinal = (error: unknown) => this.#streamEnded(error);

  /** @internal ring.connect() and a server's accept() make connections. */
  constructor(
    making: typeof MAKING,
    backend: UringBackend,
    fd: number,
    options: ResolvedConnectionOptions,
    onClose?: (connection: Connection) => void,
  ) {
    checkMaking(making, 'ring.connect() and server.accept() make connections');
    this.fd = fd;
    this.#backend = backend;
    this.#options = options;
    this.#onClose = onClose;
    this.#sender = new Sender(backend, fd);
    track(backend, this);
  }

  /** The peer's IP address (undefined for unix sockets). */
  get remoteAddress(): string | undefined {
    const name = this.#name(true);
    return name && name.family !== 'unix' ? name.address : undefined;
  }

  get remotePort(): number | undefined {
    const name = this.#name(true);
    return name && name.family !== 'unix' ? name.port : undefined;
  }

  /** 'IPv4', 'IPv6', or 'unix'. */
  get remoteFamily(): string | undefined {
    return this.#name(true)?.family;
  }

  get localAddress(): string | undefined {
    const name = this.#name(false);
    return name && name.family !== 'unix' ? name.address : undefined;
  }

  get localPort(): number | undefined {
    const name = this.#name(false);
    return name && name.family !== 'unix' ? name.port : undefined;
  }

  /** True once close() was called (or the connection closed itself). */
  get closed(): boolean {
    return this.#closing !== null;
  }

  /** Received chunks waiting for the reader; never more than `recvBuffers`. */
  get readableLength(): number {
    return this.#receiver?.buffered ?? 0;
  }

  /**
   * The next chunk of data, null at the end of the stream (or once closed).
   * Rejects with the connection's error (ECONNRESET...). Chunks are copies:
   * they stay valid for good.
   */
  read(): Promise<Buffer | null> {
    const receiver = this.#receiver ?? this.#startReceiving();
    return receiver ? receiver.read() : this.#noReceiver();
  }

  /**
   * Sends `data`; resolves once every byte is in the kernel's socket buffer.
   * Writes go out in call order. Do not modify the buffer until it resolves.
   */
  write(data: string | NodeJS.ArrayBufferView): Promise<void> {
    if (this.#closing) return Promise.reject(socketClosedError());
    if (this.#ending) return Promise.reject(writeAfterEndError());
    let view: ArrayBufferView;
    try {
      view = typeof data === 'string' ? Buffer.from(data, 'utf8') : bufferArg(data, 'data');
    } catch (err) {
      return Promise.reject(err);
    }
    if (byteLengthOf(view) === 0) return Promise.resolve();
    return this.#sender.write(view);
  }

  /** Ends the writing side (shutdown SHUT_WR) after every pending write; reading goes on. */
  end(): Promise<void> {
    this.#ending ??= this.#sender.idle().then(() => {
      if (this.#closing) return;
      return this.#backend.run(requestOf(shutdown, this.fd, 'write')).then(ignore);
    });
    return this.#ending;
  }

  /**
   * Closes the connection: stops receiving (a pending read gets null), fails
   * pending writes with ERR_SOCKET_CLOSED, waits for the kernel to let go of
   * the socket, then closes the fd.
   */
  close(): Promise<void> {
    this.#closing ??= this.#destroy();
    return this.#closing;
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer, undefined> {
    return {
      next: () => {
        const receiver = this.#receiver ?? this.#startReceiving();
        return receiver ? receiver.readResult() : this.#noReceiver().then(toResult);
      },
      // Leaving a for-await loop early closes the connection, as with node:net streams.
      return: () => this.close().then(() => DONE),
    };
  }

  /** The receiver, made on the first read; null once closed or when it cannot be made. */
  #startReceiving(): Receiver | null {
    if (this.#closing) return null;
    try {
      this.#receiver = new Receiver(
        this.#backend,
        this.fd,
        this.#options.recvBuffers,
        this.#options.recvBufferSize,
        this.#onFinal,
      );
    } catch (err) {
      // No provided-buffer group could be registered (ids or memory ran out).
      this.#receiveError = err;
      return null;
    }
    return this.#receiver;
  }

  #noReceiver(): Promise<Buffer | null> {
    return this.#closing ? Promise.resolve(null) : Promise.reject(this.#receiveError);
  }

  async #destroy(): Promise<void> {
    try {
      await Promise.all([this.#receiver?.stop(), this.#sender.abort(socketClosedError())]);
      await closeFd(this.#backend, this.fd);
    } finally {
      untrack(this.#backend, this);
      this.#onClose?.(this);
    }
  }

  /** The reader got the end of the stream: null (EOF) or an error. */
  #streamEnded(error: unknown): void {
    if (this.#closing) return;
    if (error !== null) {
      this.close().catch(ignore);
    } else if (!this.#options.allowHalfOpen) {
      this.end()
        .catch(ignore)
        .then(() => this.close())
        .catch(ignore);
    }
  }

  #name(peer: boolean): SocketName | null {
    const cached = peer ? this.#peer : this.#local;
    if (cached || this.#closing) return cached;
    let name: SocketName;
    try {
      name = peer ? peerName(this.fd) : socketName(this.fd);
    } catch {
      // Not connected (any more): like node:net, the address is undefined.
      return null;
    }
    if (peer) this.#peer = name;
    else this.#local = name;
    return name;
  }
}
