// IORING_OP_READV / WRITEV: scatter/gather through an iovec array the addon fills
// (object slot A) from the views in slot B; both stay referenced until completion. A writev
// with `dsync` carries RWF_DSYNC; on node:fs it is a writev and then an fdatasync.
import { Opcode, P_FD, P_LEN, P_OFFSET, P_OP_FLAGS, RWF_DSYNC } from '../protocol';
import type { Request } from '../request';
import { buffersArg, dsyncOption, positionArg, type WriteOptions } from '../validate';
import { fdArg, fdField, totalLength } from './args';
import { emptyRead, fdOf, fs, fsCall, thenDatasync } from './fs-call';
import { op, type Fd, type OpKind } from './op';

/** sizeof(struct iovec) on 64-bit Linux. */
const IOVEC_SIZE = 16;

export interface VectorArgs {
  fd: Fd;
  buffers: NodeJS.ArrayBufferView[];
  /** Their total byte count. */
  length: number;
  position: number;
  /** Where the addon writes one struct iovec per buffer. */
  iovecs: Uint8Array;
  /** writev: durable on completion (RWF_DSYNC). */
  dsync: boolean;
}

type VectorParams = [fd: Fd, buffers: NodeJS.ArrayBufferView[], position?: number | bigint | null];

const length = (req: Request<VectorArgs>) => req.args.length;

function vectorOp(name: 'readv' | 'writev', opcode: number): OpKind<VectorArgs> {
  return {
    name,
    opcode,
    required: 2,
    count: 3,
    parse(fd, buffers, position, _a3, _a4, options) {
      const file = fdArg(fd);
      const views = buffersArg(buffers) as NodeJS.ArrayBufferView[];
      return {
        fd: file,
        buffers: views,
        length: totalLength(views),
        position: positionArg(position),
        iovecs: new Uint8Array(views.length * IOVEC_SIZE),
        dsync: name === 'writev' && dsyncOption(options),
      };
    },
    fill(p, req) {
      const a = req.args;
      p[P_FD] = fdField(a.fd);
      p[P_LEN] = a.buffers.length;
      p[P_OFFSET] = a.position;
      if (a.dsync) p[P_OP_FLAGS] = RWF_DSYNC;
    },
    slotA: (a) => a.iovecs,
    slotB: (a) => a.buffers,
    result: (_req, res) => res,
    expected: length,
    quietResult: length,
    fs(req) {
      const { buffers, position } = req.args;
      const pos = position < 0 ? null : position;
      if (name === 'readv' && req.args.length === 0) return emptyRead(req, buffers, pos);
      if (name === 'readv')
        return fsCall<number>(req, (cb) => fs.readv(fdOf(req), buffers, pos, cb));
      const written = fsCall<number>(req, (cb) => fs.writev(fdOf(req), buffers, pos, cb));
      return req.args.dsync ? thenDatasync(req, written) : written;
    },
  };
}

/** Reads into several buffers in turn. */
export const readv = op<VectorParams, number, VectorArgs>(vectorOp('readv', Opcode.READV));
/** Writes several buffers in turn; with `dsync`, durable once it resolves. */
export const writev = op<VectorParams, number, VectorArgs, WriteOptions>(
  vectorOp('writev', Opcode.WRITEV),
);
