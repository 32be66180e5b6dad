// IORING_OP_CLOSE of a regular fd or a direct descriptor.
import { Opcode, P_FD, P_FILE_INDEX, P_OPCODE } from '../protocol';
import type { OpKind } from '../request';
import { fdOf, fs, fsCall } from './fs-call';

export const close: OpKind = {
  name: 'close',
  opcode: Opcode.CLOSE,
  directByIndex: true,
  fill(req, p) {
    p[P_OPCODE] = Opcode.CLOSE;
    p[P_FD] = req.file ? 0 : req.fd;
    p[P_FILE_INDEX] = req.file ? req.file.index + 1 : 0;
  },
  result: (req) => {
    if (req.file) {
      req.file.open = false;
      req.file.closed = true;
    }
    return undefined;
  },
  quietResult: () => 0,
  async fs(req) {
    const fd = fdOf(req);
    await fsCall<void>(req, (cb) => fs.close(fd, cb));
    return 0;
  },
};
