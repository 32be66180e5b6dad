// IORING_OP_FALLOCATE: allocate [offset, offset+length) with fallocate(2) `mode`.
import { EBADF, EINVAL, EOPNOTSUPP, errnoError } from '../errors';
import { Opcode, P_FD, P_LEN, P_OFFSET, P_X1 } from '../protocol';
import { MAX_INT32, integer } from '../validate';
import { fdArg, fdField } from './args';
import { fdOf, fs, fsCall } from './fs-call';
import { op, type Fd } from './op';

export interface FallocateArgs {
  fd: Fd;
  offset: number;
  length: number;
  mode: number;
}

/** fallocate(2): mode 0 allocates and extends the file size. */
export const fallocate = op<
  [fd: Fd, offset: number, length: number, mode?: number],
  void,
  FallocateArgs
>({
  name: 'fallocate',
  opcode: Opcode.FALLOCATE,
  required: 3,
  count: 4,
  parse(fd, offset, length, mode) {
    return {
      fd: fdArg(fd),
      offset: integer('offset', offset, 0, Number.MAX_SAFE_INTEGER),
      length: integer('length', length, 1, Number.MAX_SAFE_INTEGER),
      mode: mode === undefined ? 0 : integer('mode', mode, 0, MAX_INT32),
    };
  },
  fill(p, req) {
    const a = req.args;
    p[P_FD] = fdField(a.fd);
    p[P_LEN] = a.mode;
    p[P_OFFSET] = a.offset;
    p[P_X1] = a.length;
  },
  result: () => undefined,
  failKeepsLink: true,
  async fs(req) {
    const a = req.args;
    // node:fs has no fallocate: mode 0 (allocate, extend size) is emulated by
    // growing the file; other modes cannot be emulated faithfully.
    if (a.mode !== 0) throw errnoError(EOPNOTSUPP, 'fallocate');
    if (a.length <= 0) throw errnoError(EINVAL, 'fallocate');
    const fd = fdOf(req);
    const stat = await fsCall<import('node:fs').Stats>(req, (cb) => fs.fstat(fd, cb));
    // Setting the size even when it does not grow checks, as fallocate(2) does, that the fd
    // is open for writing: ftruncate says EINVAL where fallocate says EBADF.
    const size = Math.max(a.offset + a.length, stat.size);
    try {
      await fsCall<void>(req, (cb) => fs.ftruncate(fd, size, cb));
    } catch (err) {
      if ((err as { errno?: number }).errno === EINVAL) throw errnoError(EBADF, 'fallocate');
      throw err;
    }
    return 0;
  },
});
