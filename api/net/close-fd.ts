// Closing a socket fd through the ring, or directly once the ring is shut down.
import * as fs from 'node:fs';
import { close } from '../../loop/ops';
import { Request } from '../../loop/request';
import type { UringBackend } from '../../loop/uring-backend';

export async function closeFd(backend: UringBackend, fd: number): Promise<void> {
  const req = new Request(close);
  req.fd = fd;
  try {
    await backend.run(req);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_URING_CLOSED') throw err;
    fs.closeSync(fd);
  }
}
