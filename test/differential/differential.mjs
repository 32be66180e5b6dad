// Runs one program on the io_uring backend and on the fs backend, each in a fresh directory, and
// reports the first difference: an op's result or error, the final tree, or an fd left open.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual, inspect } from 'node:util';

import { Ring } from '../../index.mjs';
import { backendOf } from '../helpers.mjs';
import { Interpreter, fdsInto, populate, snapshot } from './interpreter.mjs';

/** io-wq nudges the io_uring rings sent (see stallCheck in loop/uring-backend.ts), for reports. */
export const totals = { stallNudges: 0 };

/** Far longer than any program takes (fsync on a busy disk included); below the property's limit. */
const HANG_MS = 30_000;

export async function runOn(backend, program) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `uring-diff-${backend}-`));
  try {
    populate(dir);
    // backend 'auto' lets the library choose (the fallback test runs where io_uring is blocked).
    const ring = new Ring({ backend, entries: program.entries ?? 64 });
    const interpreter = new Interpreter(ring, dir);
    // A hang is reported with where it happened, before the property's own time limit.
    let timer;
    const hung = new Promise((_, reject) => {
      timer = setTimeout(() => {
        const s = ring.stats();
        reject(
          new Error(
            `${ring.backend} run hung at step ${interpreter.current}: ` +
              `${JSON.stringify(program.steps[interpreter.current] ?? null)}; stats ${JSON.stringify(s)}`,
          ),
        );
      }, HANG_MS);
    });
    let trace;
    try {
      trace = await Promise.race([interpreter.run(program), hung]);
    } finally {
      clearTimeout(timer);
    }
    const nudges = backendOf(ring).stallNudges ?? 0;
    totals.stallNudges += nudges;
    return { backend: ring.backend, trace, tree: snapshot(dir), leakedFds: fdsInto(dir), nudges };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** An op raced by its abort or timeout may legitimately lose that race on one backend only. */
function lostRace(outcome) {
  const err = outcome.err;
  return err !== undefined && (err.name === 'AbortError' || err.code === 'ETIMEDOUT');
}

function sameOutcome(a, b) {
  if (a && b && 'racy' in a && 'racy' in b) {
    return isDeepStrictEqual(a.racy, b.racy) || lostRace(a.racy) || lostRace(b.racy);
  }
  return isDeepStrictEqual(a, b);
}

const show = (v) => inspect(v, { depth: 8, breakLength: 120 });

/** Null when both runs agree, else a description of the first difference. */
export function difference(program, u, f) {
  const steps = [...(program.prelude ?? []), ...program.steps];
  const n = Math.max(u.trace.length, f.trace.length);
  for (let i = 0; i < n; i++) {
    if (!sameOutcome(u.trace[i], f.trace[i])) {
      const what = i < steps.length ? `step ${i} ${show(steps[i])}` : `teardown entry ${i}`;
      return `${what}\n  io_uring: ${show(u.trace[i])}\n  fs:       ${show(f.trace[i])}`;
    }
  }
  if (!isDeepStrictEqual(u.tree, f.tree)) {
    return `final trees differ\n  io_uring: ${show(u.tree)}\n  fs:       ${show(f.tree)}`;
  }
  for (const r of [u, f]) {
    if (r.leakedFds.length > 0)
      return `${r.backend}: fds still open after shutdown: ${r.leakedFds}`;
  }
  return null;
}

/** Runs `program` on both backends; throws with the difference when they disagree. */
export async function checkProgram(program) {
  const u = await runOn('io_uring', program);
  const f = await runOn('fs', program);
  if (u.backend !== 'io_uring') throw new Error(`the io_uring run used the ${u.backend} backend`);
  const diff = difference(program, u, f);
  if (diff) throw new Error(`backends disagree at ${diff}`);
}
