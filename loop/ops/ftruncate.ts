// IORING_OP_FTRUNCATE (Linux 6.9): set the file size; the length travels in `off`.
import { Opcode, P_FD, P_OFFSET } from '../protocol';
import { integer } from '../validate';
import { fdArg, fdField } from './args';
import { fdOf, fs, fsCall } from './fs-call';
import { op, type Fd } from './op';

export interface FtruncateArgs {
  fd: Fd;
  length: number;
}

export const ftruncate = op<[fd: Fd, length?: number], void, FtruncateArgs>({
  name: 'ftruncate',
  opcode: Opcode.FTRUNCATE,
  required: 1,
  count: 2,
  parse: (fd, length) => ({
    fd: fdArg(fd),
    length: length === undefined ? 0 : integer('length', length, 0, Number.MAX_SAFE_INTEGER),
  }),
  fill(p, req) {
    p[P_FD] = fdField(req.args.fd);
    p[P_OFFSET] = req.args.length;
  },
  result: () => undefined,
  failKeepsLink: true,
  fs(req) {
    return fsCall<void>(req, (cb) => fs.ftruncate(fdOf(req), req.args.length, cb)).then(() => 0);
  },
});
