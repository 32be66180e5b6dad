// Closing a socket fd through the ring, or directly once the ring is shut down.
import * as fs from 'node:fs';
import { close } from '../../loop/ops/close';
import { Request } from '../../loop/request';
import type { UringBackend } from '../../loop/uring-backend';

export async function closeFd(backend: UringBackend, fd: number): Promise<void> {
  try {
    await backend.run(new Request(close, { fd }));
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_URING_CLOSED') throw err;
    fs.closeSync(fd);
  }
}
