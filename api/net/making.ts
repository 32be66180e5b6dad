// Servers and Connections are made by ring.listen(), ring.connect() and a
// server's accept(); their constructors refuse any caller without this token.
import { illegalConstructor } from '../../loop/validate';

export const MAKING = Symbol('uring-loop socket');

export function checkMaking(token: unknown, how: string): void {
  if (token !== MAKING) throw illegalConstructor(how);
}
