// copyFile(src, dest, mode) on the ring: statx of both (one submission), then one linked chain
// open src → open dest (O_CREAT|O_TRUNC, O_EXCL for COPYFILE_EXCL) → read/write per MiB → close
// both → statx dest, cut into several chains only when the ring has fewer entries than that.
// As libuv does: a copy onto the same file does nothing, and dest ends with src's mode.
import { Buffer } from 'node:buffer';
import { constants } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import type { ChainFile } from '../../loop/chain-file';
import type { Chain } from '../chain';
import { backendOf, type Ring } from '../ring';
import { pathText, ringPath } from './args';
import { codeOf, nodeError } from './fs-errors';
import type { RingOf } from './ring-of';
import { statx } from './stat-calls';

const CHUNK = 1 << 20;
const { O_WRONLY, O_CREAT, O_TRUNC, O_EXCL, COPYFILE_EXCL, COPYFILE_FICLONE_FORCE } = constants;

/** The data moved short: the source changed size while it was copied. */
const CHANGED = Symbol('source changed');

type Step = (chain: Chain, files: ChainFile[]) => void;

/** Runs `steps` as few chains as the ring's SQ allows; closes what stays open if one fails. */
async function runSteps(ring: Ring, steps: Step[], files: ChainFile[]): Promise<unknown[]> {
  const max = Math.max(1, backendOf(ring).maxChainSqes);
  const results: unknown[] = [];
  for (let at = 0; at < steps.length; at += max) {
    const chain = ring.chain();
    for (const step of steps.slice(at, at + max)) step(chain, files);
    try {
      results.push(...(await chain.run()));
    } catch (err) {
      await Promise.all(files.filter((f) => f.open).map((f) => ring.close(f).catch(() => {})));
      throw err;
    }
  }
  return results;
}

export function copyFileOn(ringOf: RingOf) {
  return async function copyFile(src: unknown, dest: unknown, mode?: unknown): Promise<void> {
    const a = ringPath(src);
    const b = ringPath(dest);
    const m = mode === undefined ? 0 : mode;
    // COPYFILE_FICLONE_FORCE needs the FICLONE ioctl, which io_uring does not run: node's.
    if (
      a === undefined ||
      b === undefined ||
      typeof m !== 'number' ||
      !Number.isInteger(m) ||
      m < 0 ||
      m > 7 ||
      (m & COPYFILE_FICLONE_FORCE) !== 0
    )
      return (nodeFs.copyFile as (...args: unknown[]) => Promise<void>)(src, dest, mode);
    const from = pathText(a);
    const to = pathText(b);
    const ring = ringOf();
    const excl = (m & COPYFILE_EXCL) !== 0;
    const [s, d] = await Promise.all([
      statx(ringOf, a, false, 'copyfile', false).catch((err: unknown) => {
        throw nodeError(err, 'copyfile', from, to);
      }),
      statx(ringOf, b, false, 'copyfile', false).catch(() => undefined),
    ]);
    // Directories, FIFOs, devices and files that say they are empty (/proc) are node's to copy.
    if (!s.isFile() || Number(s.size) === 0)
      return nodeFs.copyFile(src as string, dest as string, m);
    if (!excl && d !== undefined && d.dev === s.dev && d.ino === s.ino) return;
    const size = Number(s.size);
    const srcMode = Number(s.mode) & 0o7777;
    const buf = Buffer.allocUnsafe(Math.min(size, CHUNK));
    const steps: Step[] = [
      (c, f) => void (f[0] = c.open(a, 'r')),
      (c, f) =>
        void (f[1] = c.open(b, O_WRONLY | O_CREAT | O_TRUNC | (excl ? O_EXCL : 0), srcMode)),
    ];
    for (let pos = 0; pos < size; pos += CHUNK) {
      const len = Math.min(CHUNK, size - pos);
      steps.push((c, f) => void c.read(f[0], buf, 0, len, pos));
      steps.push((c, f) => void c.write(f[1], buf, 0, len, pos));
    }
    steps.push((c, f) => void c.close(f[1]));
    steps.push((c, f) => void c.close(f[0]));
    steps.push((c) => void c.stat(b));
    let results: unknown[];
    try {
      results = await runSteps(ring, steps, []);
    } catch (err) {
      if (codeOf(err) === 'ERR_URING_SHORT_IO') throw CHANGED;
      throw nodeError(err, 'copyfile', from, to);
    }
    const made = results[results.length - 1] as { mode: number };
    if ((made.mode & 0o7777) !== srcMode) {
      try {
        await nodeFs.chmod(b, srcMode);
      } catch (err) {
        if (codeOf(err) !== 'EPERM') throw nodeError(err, 'copyfile', from, to);
      }
    }
  };
}

/** copyFile whose source changed size under it: node copies it again, as it is now. */
export function copyFileRetrying(ringOf: RingOf) {
  const copy = copyFileOn(ringOf);
  return async function copyFile(src: unknown, dest: unknown, mode?: unknown): Promise<void> {
    try {
      return await copy(src, dest, mode);
    } catch (err) {
      if (err !== CHANGED) throw err;
      return nodeFs.copyFile(src as string, dest as string, mode as number);
    }
  };
}
