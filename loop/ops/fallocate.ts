// IORING_OP_FALLOCATE: allocate [offset, offset+length) with fallocate(2) `mode`.
import { Opcode, P_LEN, P_OFFSET, P_X1 } from '../protocol';
import { errnoError, EBADF, EINVAL } from '../errors';
import type { OpKind } from '../request';
import { fdOf, fs, fsCall } from './fs-call';
import { fillFile } from './fill';

export const fallocate: OpKind = {
  name: 'fallocate',
  opcode: Opcode.FALLOCATE,
  fill(req, p) {
    fillFile(req, p, Opcode.FALLOCATE);
    p[P_LEN] = req.mode;
    p[P_OFFSET] = req.pos;
    p[P_X1] = req.len;
  },
  result: () => undefined,
  failKeepsLink: true,
  async fs(req) {
    // node:fs has no fallocate: mode 0 (allocate, extend size) is emulated by
    // growing the file; other modes cannot be emulated faithfully.
    if (req.mode !== 0) throw errnoError(-95, 'fallocate');
    if (req.len <= 0) throw errnoError(EINVAL, 'fallocate');
    const fd = fdOf(req);
    const stat = await fsCall<import('node:fs').Stats>(req, (cb) => fs.fstat(fd, cb));
    // Setting the size even when it does not grow checks, as fallocate(2) does, that the fd
    // is open for writing: ftruncate says EINVAL where fallocate says EBADF.
    const size = Math.max(req.pos + req.len, stat.size);
    try {
      await fsCall<void>(req, (cb) => fs.ftruncate(fd, size, cb));
    } catch (err) {
      if ((err as { errno?: number }).errno === EINVAL) throw errnoError(EBADF, 'fallocate');
      throw err;
    }
    return 0;
  },
};
