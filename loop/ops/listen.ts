// IORING_OP_LISTEN (Linux 6.11) with a backlog. Older kernels run listen(2) in
// the addon instead: it never blocks.
import { errnoError } from '../errors';
import { netAddon } from '../net/binding';
import { NetOpcode, P_FD, P_LEN } from '../protocol';
import { integer } from '../validate';
import { socketFd } from './net-common';
import { op } from './op';

export interface ListenArgs {
  fd: number;
  backlog: number;
}

/** listen(2) on a bound socket (backlog default 511). */
export const listen = op<[fd: number, backlog?: number], void, ListenArgs>({
  name: 'listen',
  opcode: NetOpcode.LISTEN,
  required: 1,
  count: 2,
  needsRing: true,
  parse: (fd, backlog) => ({
    fd: socketFd(fd),
    backlog: backlog === undefined ? 511 : integer('backlog', backlog, 0, 65535),
  }),
  fill(p, req) {
    p[P_FD] = req.args.fd;
    p[P_LEN] = req.args.backlog;
  },
  result: () => undefined,
  fs(req) {
    const res = netAddon().listen(req.args.fd, req.args.backlog);
    return res < 0 ? Promise.reject(errnoError(res, 'listen')) : Promise.resolve(0);
  },
});
