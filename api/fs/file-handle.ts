// PLACEHOLDER, replaced by the FileHandle implementation when the branches are merged: just
// enough of a FileHandle for open() to hand one out (fd, stat, read, write, close).
import { EventEmitter } from 'node:events';
import type { Ring } from '../ring';

export class FileHandle extends EventEmitter {
  readonly #ring: Ring;
  #fd: number;

  constructor(ring: Ring, fd: number) {
    super();
    this.#ring = ring;
    this.#fd = fd;
  }

  get fd(): number {
    return this.#fd;
  }

  read(
    buffer: NodeJS.ArrayBufferView,
    offset?: number,
    length?: number,
    position?: number | null,
  ): Promise<number> {
    return this.#ring.read(this.#fd, buffer, offset, length, position);
  }

  write(
    buffer: NodeJS.ArrayBufferView,
    offset?: number,
    length?: number,
    position?: number | null,
  ): Promise<number> {
    return this.#ring.write(this.#fd, buffer, offset, length, position);
  }

  async close(): Promise<void> {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    await this.#ring.close(fd);
    this.emit('close');
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

export function fileHandleOf(ring: Ring, fd: number): FileHandle {
  return new FileHandle(ring, fd);
}
