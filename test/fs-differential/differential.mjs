// Runs one program through a subject module and through node:fs/promises, each in a fresh
// directory, and reports the first difference: a call's outcome, the final tree, or an fd left
// open into the directory.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual, inspect } from 'node:util';

import { BAD } from './interpreter.mjs';
import { Interpreter, fdsInto, populate, snapshot } from './interpreter.mjs';

/** Far longer than any program takes (fsync on a busy disk included). */
const HANG_MS = 30_000;

export async function runOn(fsLike, program, label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-fsdiff-'));
  try {
    populate(dir);
    const interpreter = new Interpreter(fsLike, dir);
    let timer;
    const hung = new Promise((_, reject) => {
      timer = setTimeout(() => {
        const at = interpreter.current;
        reject(new Error(`${label} hung at step ${at}: ${renderStep(program.steps[at] ?? {})}`));
      }, HANG_MS);
    });
    let trace;
    try {
      trace = await Promise.race([interpreter.run(program), hung]);
    } finally {
      clearTimeout(timer);
    }
    return { trace, tree: snapshot(dir), leakedFds: fdsInto(dir) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const show = (v) => inspect(v, { depth: 8, breakLength: 110 });

const BAD_SOURCE = {
  nan: 'NaN',
  huge: '2 ** 60',
  undef: 'undefined',
  bigint: '5n',
  fn: '() => {}',
};

/** An argument of the model as the JavaScript it stands for (paths relative to the run's dir). */
export function renderArg(a, key) {
  if (Array.isArray(a)) return `[${a.map((x) => renderArg(x)).join(', ')}]`;
  if (a === undefined) return 'undefined';
  if (key === 'mode' && typeof a === 'number' && a > 0) return `0o${a.toString(8)}`;
  if (a === null || typeof a !== 'object') return JSON.stringify(a);
  if ('p' in a) {
    const p = `'${a.p}'`;
    if (a.as === 'buffer') return `Buffer.from(${p})`;
    return a.as === 'url' ? `pathToFileURL(${p})` : p;
  }
  if ('data' in a) return `${a.data.kind}(${a.data.len} #${a.data.seed})`;
  if ('buf' in a) return `Buffer.alloc(${a.buf})`;
  if ('bad' in a) return BAD_SOURCE[a.bad] ?? inspect(BAD[a.bad]);
  if ('aborted' in a) return 'AbortSignal.abort()';
  const entries = Object.entries(a).map(([k, v]) => `${k}: ${renderArg(v, k)}`);
  return entries.length ? `{ ${entries.join(', ')} }` : '{}';
}

export function renderStep(step) {
  if (!step.t) return '(none)';
  if (step.t === 'batch') return `Promise.all([${step.calls.map(renderStep).join(', ')}])`;
  const args = (step.args ?? []).map((a) => renderArg(a)).join(', ');
  if (step.t === 'fh.asyncDispose') return `fh${step.h}[Symbol.asyncDispose]()`;
  if (step.t.startsWith('fh.')) return `fh${step.h}.${step.t.slice(3)}(${args})`;
  if (step.t === 'open') return `fh${step.h} = open(${args})`;
  return `${step.t}(${args})`;
}

/** The program as numbered lines of code, for a failure report. */
export function renderProgram(program) {
  return program.steps.map((s, i) => `  ${String(i).padStart(2)}: ${renderStep(s)}`).join('\n');
}

/** Where two normalized values first differ: a property path, and for strings the index. */
export function whereDiffer(a, b, at = '') {
  if (typeof a === 'string' && typeof b === 'string') {
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    return `${at || 'value'}: strings differ at index ${i} (lengths ${a.length} and ${b.length})`;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!isDeepStrictEqual(a[k], b[k])) return whereDiffer(a[k], b[k], `${at}.${k}`);
    }
  }
  return `${at || 'value'}: ${show(a)} and ${show(b)}`;
}

/** Null when both runs agree, else a description of the first difference. */
export function difference(program, ref, sub, label) {
  const n = Math.max(ref.trace.length, sub.trace.length);
  for (let i = 0; i < n; i++) {
    if (!isDeepStrictEqual(ref.trace[i], sub.trace[i])) {
      const what =
        i < program.steps.length
          ? `step ${i}: ${renderStep(program.steps[i])}`
          : `teardown entry ${i}`;
      return (
        `${what}\n  node:fs/promises: ${show(ref.trace[i])}\n  ${label}: ${show(sub.trace[i])}` +
        `\n  first difference at ${whereDiffer(ref.trace[i], sub.trace[i])}`
      );
    }
  }
  if (!isDeepStrictEqual(ref.tree, sub.tree)) {
    return (
      `final trees differ\n  node:fs/promises: ${show(ref.tree)}\n  ${label}: ${show(sub.tree)}` +
      `\n  first difference at ${whereDiffer(ref.tree, sub.tree)}`
    );
  }
  if (sub.leakedFds.length > 0)
    return `${label} left fds open into its directory: ${sub.leakedFds}`;
  if (ref.leakedFds.length > 0) return `node:fs/promises left fds open: ${ref.leakedFds}`;
  return null;
}

/** Runs `program` through node:fs/promises and through `subject`; throws when they disagree. */
export async function checkProgram(subject, program) {
  // Every path the model passes is absolute; a call that resolves one wrongly lands here.
  const cwdBefore = fs.readdirSync('.');
  const ref = await runOn(fsp, program, 'node:fs/promises');
  const sub = await runOn(subject.fs, program, subject.label);
  const strays = fs.readdirSync('.').filter((name) => !cwdBefore.includes(name));
  if (strays.length > 0) {
    throw new Error(
      `the program made ${strays} in the working directory\nprogram:\n${renderProgram(program)}`,
    );
  }
  const diff = difference(program, ref, sub, subject.label);
  if (diff) {
    throw new Error(
      `${subject.label} differs from node:fs/promises at ${diff}\nprogram:\n${renderProgram(program)}`,
    );
  }
}
