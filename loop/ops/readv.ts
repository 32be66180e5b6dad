// IORING_OP_READV / WRITEV: scatter/gather through an iovec array the addon fills
// (object slot A) from the views in slot B; both stay referenced until completion.
import { Opcode, P_FD, P_LEN, P_OFFSET } from '../protocol';
import type { Request } from '../request';
import { buffersArg, positionArg } from '../validate';
import { fdArg, fdField, totalLength } from './args';
import { emptyRead, fdOf, fs, fsCall } from './fs-call';
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
}

type VectorParams = [fd: Fd, buffers: NodeJS.ArrayBufferView[], position?: number | bigint | null];

const length = (req: Request<VectorArgs>) => req.args.length;

function vectorOp(name: 'readv' | 'writev', opcode: number): OpKind<VectorArgs> {
  return {
    name,
    opcode,
    required: 2,
    count: 3,
    parse(fd, buffers, position) {
      const file = fdArg(fd);
      const views = buffersArg(buffers) as NodeJS.ArrayBufferView[];
      return {
        fd: file,
        buffers: views,
        length: totalLength(views),
        position: positionArg(position),
        iovecs: new Uint8Array(views.length * IOVEC_SIZE),
      };
    },
    fill(p, req) {
      const a = req.args;
      p[P_FD] = fdField(a.fd);
      p[P_LEN] = a.buffers.length;
      p[P_OFFSET] = a.position;
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
      return name === 'readv'
        ? fsCall<number>(req, (cb) => fs.readv(fdOf(req), buffers, pos, cb))
        : fsCall<number>(req, (cb) => fs.writev(fdOf(req), buffers, pos, cb));
    },
  };
}

/** Reads into several buffers in turn. */
export const readv = op<VectorParams, number, VectorArgs>(vectorOp('readv', Opcode.READV));
/** Writes several buffers in turn. */
export const writev = op<VectorParams, number, VectorArgs>(vectorOp('writev', Opcode.WRITEV));
