// The ring a set of fs functions runs on: the thread's default ring for the module, the caller's
// own for createFs(ring).
import type { Ring } from '../ring';

export type RingOf = () => Ring;
