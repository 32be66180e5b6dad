// Set once, by ChainFile's static block.
export let ownerOf: (file: ChainFile) => object | undefined;
export let setOwner: (file: ChainFile, backend: object) => void;

/**
 * A file opened by `chain.open()`. Later ops of the same chain (and, once the chain
 * has run, ring ops) accept it where they take an fd. On the io_uring backend it
 * is a direct descriptor in the ring's registered file table (IOSQE_FIXED_FILE),
 * so open -> write -> close can go to the kernel in one submission; on the fs
 * backend it wraps a regular fd.
 */
export class ChainFile {
  /** Direct descriptor index in the ring's file table, or -1. */
  index = -1;
  /** Regular file descriptor (fs backend), or -1. */
  fd = -1;
  /** True once the open succeeded and until the file is closed. */
  open = false;
  /** True once closed: it never reopens. */
  closed = false;
  /** The path it was opened with. */
  readonly path: string;

  /** Which backend owns the descriptor: kept off the public surface. */
  #owner: object | undefined = undefined;

  constructor(path: string) {
    this.path = path;
  }

  static {
    // A private field rather than a WeakMap: one per chain open, a WeakMap entry costs far more
    // (to add and for the collector) than the field.
    ownerOf = (file) => file.#owner;
    setOwner = (file, backend) => {
      file.#owner = backend;
    };
  }
}
