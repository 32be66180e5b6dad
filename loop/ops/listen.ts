// IORING_OP_LISTEN (Linux 6.11) with backlog req.len. Older kernels run
// listen(2) in the addon instead: it never blocks.
import { errnoError } from '../errors';
import { netAddon } from '../net/binding';
import { NetOpcode, P_FD, P_LEN, P_OPCODE } from '../protocol';
import type { OpKind } from '../request';

export const listen: OpKind = {
  name: 'listen',
  opcode: NetOpcode.LISTEN,
  needsRing: true,
  fill(req, p) {
    p[P_OPCODE] = NetOpcode.LISTEN;
    p[P_FD] = req.fd;
    p[P_LEN] = req.len;
  },
  result: () => undefined,
  fs(req) {
    const res = netAddon().listen(req.fd, req.len);
    return res < 0 ? Promise.reject(errnoError(res, 'listen')) : Promise.resolve(0);
  },
};
