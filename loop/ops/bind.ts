// IORING_OP_BIND (Linux 6.11) of the sockaddr in req.a. req.flags holds the
// SO_REUSEADDR/SO_REUSEPORT bits the addon sets just before. Older kernels run
// bind(2) in the addon instead: it never blocks.
import { errnoError } from '../errors';
import { netAddon } from '../net/binding';
import { NetOpcode, P_FD, P_OPCODE, P_X1 } from '../protocol';
import type { OpKind } from '../request';

export const REUSE_ADDR = 1;
export const REUSE_PORT = 2;

export const bind: OpKind = {
  name: 'bind',
  opcode: NetOpcode.BIND,
  needsRing: true,
  fill(req, p) {
    p[P_OPCODE] = NetOpcode.BIND;
    p[P_FD] = req.fd;
    p[P_X1] = req.flags;
  },
  result: () => undefined,
  fs(req) {
    const res = netAddon().bind(req.fd, req.a as Uint8Array, req.flags);
    return res < 0 ? Promise.reject(errnoError(res, 'bind')) : Promise.resolve(0);
  },
};
