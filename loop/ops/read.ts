// IORING_OP_READ / WRITE: buffer[offset, offset+length) at position (-1: file position).
import { Opcode, P_BUF_OFFSET, P_FD, P_LEN, P_OFFSET } from '../protocol';
import type { Request } from '../request';
import { positionArg } from '../validate';
import { byteLengthOf } from '../byte-length';
import { bufferArg, fdArg, fdField, rangeLength, rangeStart, type BufferRange } from './args';
import { emptyRead, fdOf, fs, fsCall } from './fs-call';
import { op, type Fd } from './op';

export interface ReadWriteArgs extends BufferRange {
  fd: Fd;
  /** File position, or -1 for the current one. */
  position: number;
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
  return { fd: file, buffer: view, offset: start, length: len, position: positionArg(position) };
}

function fill(p: Float64Array, req: Request<ReadWriteArgs>): void {
  const a = req.args;
  p[P_FD] = fdField(a.fd);
  p[P_LEN] = a.length;
  p[P_OFFSET] = a.position;
  p[P_BUF_OFFSET] = a.offset;
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

/** Writes buffer[offset, offset+length); position null or -1 writes at the file position. */
export const write = op<ReadWriteParams, number, ReadWriteArgs>({
  name: 'write',
  opcode: Opcode.WRITE,
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
    return fsCall<number>(req, (cb) => fs.write(fdOf(req), a.buffer, a.offset, a.length, pos, cb));
  },
});
