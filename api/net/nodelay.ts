// TCP_NODELAY on a TCP socket. Accepted sockets inherit it from the listening one.
import { netAddon } from '../../loop/net/binding';
import { netError } from '../../loop/net/net-errors';
import type { Family } from './address';

const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;

export function setNoDelay(fd: number, family: Family): void {
  if (family === 'unix') return;
  const res = netAddon().setsockoptInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  if (res < 0) throw netError(res, 'setsockopt');
}
