// IORING_OP_READ / WRITE: buffer[offset, offset+length) at position (-1: file position). A write
// with `dsync` carries RWF_DSYNC; on node:fs it is a write and then an fdatasync.
import { Opcode, P_BUF_OFFSET, P_FD, P_LEN, P_OFFSET, P_OP_FLAGS, RWF_DSYNC } from '../protocol';
import type { Request } from '../request';
import { dsyncOption, positionArg, type WriteOptions } from '../validate';
import { byteLengthOf } from '../byte-length';
import { bufferArg, fdArg, fdField, rangeLength, rangeStart, type BufferRange } from './args';
import { emptyRead, fdOf, fs, fsCall, thenDatasync } from './fs-call';
import { op, type Fd } from './op';

export interface ReadWriteArgs extends BufferRange {
  fd: Fd;
  /** File position, or -1 for the current one. */
  position: number;
  /** Writes: durable on completion (RWF_DSYNC). */
  dsync: boolean;
}

type ReadWriteParams = [
  fd: Fd,
  buffer: NodeJS.ArrayBufferView,
  offset?: number,
  length?: number,
  position?: number | bigint | null,
];

const EMPTY = new Uint8Array(0);

function parse(
  fd: unknown,
  buffer: unknown,
  offset: unknown,
  length: unknown,
  position: unknown,
): ReadWriteArgs {
  const file = fdArg(fd);
  const view = bufferArg(buffer) as NodeJS.ArrayBufferView;
  const size = byteLengthOf(view);
  const start = rangeStart(size, offset);
  const len = rangeLength(size, start, length);
  const pos = positionArg(position);
  return { fd: file, buffer: view, offset: start, length: len, position: pos, dsync: false };
}

function fill(p: Float64Array, req: Request<ReadWriteArgs>): void {
  const a = req.args;
  p[P_FD] = fdField(a.fd);
  p[P_LEN] = a.length;
  p[P_OFFSET] = a.position;
  p[P_BUF_OFFSET] = a.offset;
  if (a.dsync) p[P_OP_FLAGS] = RWF_DSYNC;
}

const length = (req: Request<ReadWriteArgs>) => req.args.length;

/** Reads into buffer[offset, offset+length); position null or -1 reads at the file position. */
export const read = op<ReadWriteParams, number, ReadWriteArgs>({
  name: 'read',
  opcode: Opcode.READ,
  required: 2,
  count: 5,
  parse,
  fill,
  slotA: (a) => a.buffer,
  result: (_req, res) => res,
  expected: length,
  quietResult: length,
  fs(req) {
    const a = req.args;
    const pos = a.position < 0 ? null : a.position;
    if (a.length === 0) return emptyRead(req, [EMPTY], pos);
    return fsCall<number>(req, (cb) => fs.read(fdOf(req), a.buffer, a.offset, a.length, pos, cb));
  },
});

/**
 * Writes buffer[offset, offset+length); position null or -1 writes at the file position. With
 * `dsync`, the bytes and what it takes to read them back are durable once it resolves.
 */
export const write = op<ReadWriteParams, number, ReadWriteArgs, WriteOptions>({
  name: 'write',
  opcode: Opcode.WRITE,
  required: 2,
  count: 5,
  parse(fd, buffer, offset, length, position, options) {
    const args = parse(fd, buffer, offset, length, position);
    args.dsync = dsyncOption(options);
    return args;
  },
  fill,
  slotA: (a) => a.buffer,
  result: (_req, res) => res,
  expected: length,
  quietResult: length,
  fs(req) {
    const a = req.args;
    const pos = a.position < 0 ? null : a.position;
    const written = fsCall<number>(req, (cb) =>
      fs.write(fdOf(req), a.buffer, a.offset, a.length, pos, cb),
    );
    return a.dsync ? thenDatasync(req, written) : written;
  },
});
