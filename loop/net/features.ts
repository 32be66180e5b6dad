// What the running kernel offers for sockets, per ring. Multishot support is
// judged from the kernel version and corrected at run time: a kernel that
// rejects the multishot flag (EINVAL on the first CQE) flips it off for good.
import * as os from 'node:os';
import { NetOpcode } from '../protocol';
import type { UringBackend } from '../uring-backend';

export interface NetFeatures {
  /** IORING_ACCEPT_MULTISHOT (Linux 5.19); else one accept SQE per connection. */
  multishotAccept: boolean;
  /** IORING_RECV_MULTISHOT (Linux 6.0); else one receive SQE per chunk. */
  multishotRecv: boolean;
  /** IORING_OP_BIND / LISTEN (Linux 6.11); else bind(2)/listen(2) in the addon. */
  bindListen: boolean;
}

const byBackend = new WeakMap<UringBackend, NetFeatures>();

function kernelAtLeast(major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(os.release());
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > major || (maj === major && min >= minor);
}

export function netFeatures(backend: UringBackend): NetFeatures {
  let features = byBackend.get(backend);
  if (!features) {
    const opcodes = new Set(backend.info.opcodes);
    features = {
      multishotAccept: kernelAtLeast(5, 19),
      multishotRecv: kernelAtLeast(6, 0),
      bindListen: opcodes.has(NetOpcode.BIND) && opcodes.has(NetOpcode.LISTEN),
    };
    byBackend.set(backend, features);
  }
  return features;
}
