// IORING_OP_CLOSE of a regular fd or a direct descriptor.
import { Opcode, P_FD, P_FILE_INDEX } from '../protocol';
import { fdArg } from './args';
import { fdOf, fs, fsCall } from './fs-call';
import type { FdArgs } from './fsync';
import { op, type Fd } from './op';

export const close = op<[fd: Fd], void, FdArgs>({
  name: 'close',
  opcode: Opcode.CLOSE,
  required: 1,
  count: 1,
  directByIndex: true,
  fsRunsToEnd: true,
  parse: (fd) => ({ fd: fdArg(fd) }),
  fill(p, req) {
    const file = req.file;
    p[P_FD] = file ? 0 : (req.args.fd as number);
    p[P_FILE_INDEX] = file ? file.index + 1 : 0;
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
});
