// Random programs for the differential test: fast-check arbitraries producing plain JSON objects
// (so a shrunk counterexample can be pasted into test/regressions/differential-cases.mjs).
//
// A program is { steps }. Files live in a small namespace (NAMES) so that ops collide and fail
// in interesting ways (EEXIST, ENOENT, ENOTDIR, EISDIR, ENOTEMPTY...). Open files live in HANDLES
// slots; an op on an empty or closed slot uses an fd number that is never open.
//
// Everything a step does must be deterministic on both backends; where a race is inherent
// (an abort or a timeout that may land before or after an op completes) the step is "racy" and
// only non-mutating ops are allowed in it, so the file tree stays comparable.
import fc from 'fast-check';

export const HANDLES = 4;
export const NAMES = ['a', 'b', 'd', 'd/x', 'd/e', 'd/e/z', 'm', 'm/q'];
const FLAGS = ['r', 'r+', 'w', 'w+', 'a', 'a+', 'wx', 'wx+', 'ax+', 'rs+'];

// Names that exist at the start (or are created early) come up more often.
const name = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'b', 'd/x'), weight: 3 },
  { arbitrary: fc.constantFrom(...NAMES), weight: 2 },
);
const handle = fc.nat(HANDLES - 1);
const pos = fc.oneof(fc.constant(null), fc.nat(300));
const data = fc.record({ len: fc.nat(64), seed: fc.nat(255) });
const readLen = fc.nat(128);

const openStep = fc.record({
  t: fc.constant('open'),
  h: handle,
  name,
  flags: fc.constantFrom(...FLAGS),
  mode: fc.constantFrom(0o644, 0o600, 0o666),
});
const readStep = fc.record({ t: fc.constant('read'), h: handle, len: readLen, pos });
/** Reads in chains stay mostly within the files, or they end the chain as short reads. */
const chainReadLen = fc.oneof(fc.nat(16), readLen);
const chainPos = fc.oneof(fc.constant(null), fc.nat(90), fc.nat(300));
const writeStep = fc.record({ t: fc.constant('write'), h: handle, data, pos });
const readvStep = fc.record({
  t: fc.constant('readv'),
  h: handle,
  lens: fc.array(fc.nat(40), { minLength: 1, maxLength: 3 }),
  pos,
});
const writevStep = fc.record({
  t: fc.constant('writev'),
  h: handle,
  datas: fc.array(data, { minLength: 1, maxLength: 3 }),
  pos,
});
const fsyncStep = fc.record({ t: fc.constant('fsync'), h: handle, data: fc.boolean() });
const fallocateStep = fc.record({
  t: fc.constant('fallocate'),
  h: handle,
  off: fc.nat(400),
  len: fc.integer({ min: 1, max: 400 }),
});
const ftruncateStep = fc.record({ t: fc.constant('ftruncate'), h: handle, len: fc.nat(400) });
const statStep = fc.record({
  t: fc.constant('stat'),
  target: fc.oneof(name, fc.record({ h: handle })),
});
const closeStep = fc.record({ t: fc.constant('close'), h: handle });
const renameStep = fc.record({ t: fc.constant('rename'), from: name, to: name });
const unlinkStep = fc.record({ t: fc.constant('unlink'), name });
const rmdirStep = fc.record({ t: fc.constant('rmdir'), name });
const mkdirStep = fc.record({
  t: fc.constant('mkdir'),
  name,
  mode: fc.constantFrom(0o755, 0o700),
});

/** Ops that change nothing on disk: allowed where a race decides whether they run. */
const quietOp = fc.oneof(
  fc.record({ t: fc.constant('read'), h: handle, len: readLen, pos: fc.nat(300) }),
  statStep,
  fsyncStep,
  fc.record({ t: fc.constant('nop') }),
);

const mutatingOp = fc.oneof(
  { arbitrary: openStep, weight: 3 },
  { arbitrary: writeStep, weight: 3 },
  writevStep,
  fallocateStep,
  ftruncateStep,
  closeStep,
  renameStep,
  unlinkStep,
  rmdirStep,
  mkdirStep,
);

const singleOp = fc.oneof(
  { arbitrary: mutatingOp, weight: 6 },
  { arbitrary: readStep, weight: 2 },
  readvStep,
  statStep,
  fsyncStep,
);

// Chain ops name their file as { h } (a handle slot) or { c } (the c-th open of this chain).
const chainTarget = (opens) =>
  opens > 0
    ? fc.oneof(
        { arbitrary: fc.record({ h: handle }), weight: 1 },
        { arbitrary: fc.record({ c: fc.nat(opens - 1) }), weight: 3 },
      )
    : fc.record({ h: handle });

function chainOp(opens) {
  const target = chainTarget(opens);
  return fc.oneof(
    {
      arbitrary: fc.record({ t: fc.constant('write'), f: target, data, pos: chainPos }),
      weight: 3,
    },
    fc.record({ t: fc.constant('read'), f: target, len: chainReadLen, pos: chainPos }),
    fc.record({ t: fc.constant('fsync'), f: target, data: fc.boolean() }),
    fc.record({ t: fc.constant('ftruncate'), f: target, len: fc.nat(400) }),
    fc.record({
      t: fc.constant('fallocate'),
      f: target,
      off: fc.nat(400),
      len: fc.integer({ min: 1, max: 400 }),
    }),
    fc.record({ t: fc.constant('close'), f: target }),
    fc.record({ t: fc.constant('nop') }),
    statStep.filter((s) => typeof s.target === 'string'),
    mkdirStep,
    unlinkStep,
    renameStep,
    fc.record({ t: fc.constant('sleep'), ms: fc.constantFrom(0, 1) }),
  );
}

/** A chain: opens come first in the generator's view, then ops that may use them, in any order. */
const chainOps = fc
  .tuple(
    fc.array(
      fc.record({
        t: fc.constant('open'),
        h: handle,
        name,
        flags: fc.oneof(
          { arbitrary: fc.constantFrom('w+', 'a+', 'r+', 'w'), weight: 3 },
          { arbitrary: fc.constantFrom(...FLAGS), weight: 1 },
        ),
        mode: fc.constant(0o644),
      }),
      { maxLength: 2 },
    ),
    fc.nat(2),
  )
  .chain(([opens, at]) =>
    fc
      .array(chainOp(opens.length), { minLength: 0, maxLength: 5 })
      .map((rest) => [...rest.slice(0, at), ...opens, ...rest.slice(at)]),
  )
  .filter((ops) => ops.length > 0)
  .map((ops) => fixChainRefs(ops));

/** A { c } reference must name an open placed earlier in the chain; otherwise it becomes { h }. */
function fixChainRefs(ops) {
  let opens = 0;
  return ops.map((op) => {
    if (op.t === 'open') {
      opens++;
      return op;
    }
    if (op.f && 'c' in op.f && op.f.c >= opens) return { ...op, f: { h: op.f.c % HANDLES } };
    return op;
  });
}

const chainStep = fc.record({ t: fc.constant('chain'), ops: chainOps });

/** A chain whose op with a per-op timeout never completes: it times out, the rest is cancelled. */
const chainTimeoutStep = fc.record({
  t: fc.constant('chain'),
  ops: fc
    .tuple(fc.array(quietOp, { maxLength: 2 }), fc.array(chainOp(0), { maxLength: 2 }))
    .map(([before, after]) => [
      ...before.map(toChainOp),
      { t: 'sleep', ms: 60_000, timeout: 2 },
      ...after,
    ]),
});

/** A chain aborted before it runs or while its never-ending sleep runs: what follows never runs. */
const chainAbortStep = fc.record({
  t: fc.constant('chain'),
  abort: fc.constantFrom('before', 'during'),
  // Only nops before the sleep: an op that could fail there would race the abort.
  ops: fc
    .tuple(fc.nat(2), fc.array(chainOp(0), { maxLength: 3 }))
    .map(([nops, after]) => [
      ...Array.from({ length: nops }, () => ({ t: 'nop' })),
      { t: 'sleep', ms: 60_000 },
      ...after,
    ]),
});

function toChainOp(op) {
  if ('h' in op && op.t !== 'open') {
    const { h, ...rest } = op;
    return { ...rest, f: { h } };
  }
  if (op.t === 'stat' && typeof op.target !== 'string') return { t: 'nop' };
  return op;
}

/** Any op with an already-aborted signal: rejects at once, changes nothing. */
const preAbortStep = fc.record({ t: fc.constant('preAborted'), op: singleOp });
/** An op that cannot complete by itself, cancelled by a signal or a timeout: deterministic. */
const cancelSleepStep = fc.record({
  t: fc.constant('cancelSleep'),
  by: fc.constantFrom('signal', 'timeout'),
  ms: fc.nat(3),
});
/** A quiet op raced by an abort or a timeout: it either succeeds or fails that way. */
const racyStep = fc.record({
  t: fc.constant('racy'),
  by: fc.constantFrom('signal', 'timeout'),
  op: quietOp,
});
/** Quiet ops issued together. */
const batchStep = fc.record({
  t: fc.constant('batch'),
  ops: fc.array(quietOp, { minLength: 2, maxLength: 6 }),
});

export const step = fc.oneof(
  { arbitrary: singleOp, weight: 12 },
  { arbitrary: chainStep, weight: 4 },
  chainTimeoutStep,
  chainAbortStep,
  preAbortStep,
  cancelSleepStep,
  racyStep,
  batchStep,
);

/** Opens that fill the handle slots first, so that most fd ops reach a file. */
const prelude = fc.array(
  fc.record({
    t: fc.constant('open'),
    name: fc.constantFrom('a', 'b', 'd/x', 'c'),
    flags: fc.constantFrom('r', 'r+', 'w+', 'a+', 'w'),
    mode: fc.constant(0o644),
  }),
  { minLength: 0, maxLength: HANDLES },
);

export const program = fc.record({
  /** Small rings exercise back-pressure and the chain-length limit. */
  entries: fc.constantFrom(4, 8, 64),
  prelude,
  steps: fc.array(step, { minLength: 1, maxLength: 24 }),
  /** Shut down with a never-ending sleep in flight: it must fail with ECANCELED on both. */
  shutdownBusy: fc.boolean(),
});
