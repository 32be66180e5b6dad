// Random call sequences for the fs differential test: fast-check arbitraries producing plain JSON
// (so that a shrunk counterexample can be pasted into test/regressions/fs-differential-cases.mjs).
//
// A program is { steps }. A step is { t, args } for a function of the module (t: 'readFile',
// 'mkdir', ...), { t: 'open', h, args } which puts the FileHandle into slot h, or
// { t: 'fh.<method>', h, args } for a call on the handle in slot h (closed handles stay in their
// slot, so use after close and double close happen), or { t: 'batch', calls } for calls that
// change nothing, issued at once and awaited together. Arguments are JSON with a few tagged forms,
// decoded by interpreter.mjs:
//   { p: name, as? }    a path inside the run's directory (as: 'buffer' | 'url' for those forms)
//   { data: spec }      data to write: { kind, len, seed } (string, Buffer, typed arrays, iterables)
//   { buf: n }          a fresh zeroed Buffer of n bytes (read targets)
//   { bad: key }        a value from BAD (wrong types, negative and fractional numbers, ...)
//   { aborted: true }   an AbortSignal that has already fired
//
// Names come from a small set (NAMES) so that calls collide: EEXIST, ENOENT, ENOTDIR (a path
// through a file), EISDIR, ENOTEMPTY, symlinks to files, to directories and to nothing.
import fc from 'fast-check';

export const HANDLES = 3;

/** Names that exist in the starting tree (see populate in interpreter.mjs) or may be created. */
export const NAMES = [
  'a',
  'b',
  'c',
  'd',
  'd/x',
  'd/y',
  'd/e',
  'd/e/z',
  'a/x',
  'la',
  'ld',
  'ld/x',
  'dead',
];
/** Names that do not exist at the start: where new files, links and directories go. */
const FRESH = ['c', 'e', 'd/y', 'd/e', 'd/e/z', 'ld/y'];
const TARGETS = ['a', 'd', 'x', 'nowhere', 'd/x', 'b'];

/** Values no call accepts where they are passed; the interpreter maps each key to the value. */
export const BAD_KEYS = [
  'neg',
  'frac',
  'nan',
  'huge',
  'str',
  'empty',
  'obj',
  'arr',
  'bool',
  'null',
  'undef',
  'bigint',
  'fn',
  'nul',
];

const bad = fc.constantFrom(...BAD_KEYS).map((key) => ({ bad: key }));
/** A value that is usually valid and now and then bad. */
const orBad = (arb, weight = 8) =>
  fc.oneof({ arbitrary: arb, weight }, { arbitrary: bad, weight: 1 });

const name = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'b', 'd', 'd/x'), weight: 3 },
  { arbitrary: fc.constantFrom(...NAMES), weight: 3 },
);
const fresh = fc.oneof(
  { arbitrary: fc.constantFrom(...FRESH), weight: 3 },
  { arbitrary: fc.constantFrom(...NAMES), weight: 1 },
);
const pathForm = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 12 },
  fc.constantFrom('buffer', 'url'),
);
const pathArg = (names) =>
  fc
    .record({ p: names, as: pathForm }, { requiredKeys: ['p'] })
    .map(({ p, as }) => (as ? { p, as } : { p }));
/**
 * Paths, now and then a bad one: never a non-negative integer (an fd of the test process) nor a
 * relative string (a file next to the test process).
 */
const pathOf = (names) =>
  orBad(pathArg(names), 20).map((v) =>
    v.bad === 'bigint' || v.bad === 'bool' || v.bad === 'str' ? { bad: 'obj' } : v,
  );
const path = pathOf(name);
const newPath = pathOf(fresh);

const len = fc.oneof(
  { arbitrary: fc.nat(40), weight: 6 },
  { arbitrary: fc.integer({ min: 90, max: 300 }), weight: 3 },
  { arbitrary: fc.constant(70_000), weight: 1 },
);
const DATA_KINDS = ['string', 'buffer', 'uint8', 'uint16', 'dataview', 'iterable', 'async'];
const dataSpec = fc.record({
  kind: fc.constantFrom(...DATA_KINDS),
  len,
  seed: fc.nat(255),
});
const data = orBad(
  dataSpec.map((d) => ({ data: d })),
  15,
);

const ENCODINGS = ['utf8', 'latin1', 'base64', 'hex', 'ucs2', 'ascii', 'base64url', 'buffer'];
const encoding = fc.oneof(
  { arbitrary: fc.constantFrom(...ENCODINGS), weight: 6 },
  { arbitrary: fc.constantFrom(null, undefined, 'bogus', 'UTF-8'), weight: 2 },
);

const FLAGS = ['r', 'r+', 'rs+', 'w', 'wx', 'w+', 'wx+', 'a', 'ax', 'a+', 'ax+', 'as', 'as+'];
const flag = fc.oneof(
  { arbitrary: fc.constantFrom(...FLAGS), weight: 8 },
  // O_RDWR | O_CREAT, O_WRONLY | O_APPEND, O_RDONLY as numbers; an unknown flag string
  { arbitrary: fc.constantFrom(66, 1025, 0, 'bogus', 'rw'), weight: 1 },
);
const mode = fc.oneof(
  { arbitrary: fc.constantFrom(0o644, 0o600, 0o755, 0o640), weight: 6 },
  { arbitrary: fc.constantFrom('640', 0o4755, 0o10644, '9', -1), weight: 1 },
);

/** Drops undefined values so that `{ encoding: undefined }` and `{}` are both drawn on purpose. */
const opts = (shape) => fc.record(shape, { requiredKeys: [] });

/** The arguments of a call, where trailing ones may be left out. */
const callArgs = (required, optional) =>
  fc
    .tuple(fc.tuple(...required), fc.tuple(...optional), fc.nat(optional.length))
    .map(([req, opt, keep]) => [...req, ...opt.slice(0, keep)]);

const call = (t, required, optional = []) =>
  callArgs(required, optional).map((args) => ({ t, args }));

const readOptions = fc.oneof(
  encoding,
  opts({
    encoding,
    flag: fc.constantFrom('r', 'a+', 'w+', 'bogus'),
    signal: fc.constant({ aborted: true }),
  }),
);
const writeOptions = fc.oneof(
  encoding,
  opts({
    encoding,
    mode,
    flag: orBad(fc.constantFrom('w', 'wx', 'a', 'r+', 'w+', 'ax')),
    flush: orBad(fc.boolean(), 10),
    signal: fc.constant({ aborted: true }),
  }),
);
const appendOptions = fc.oneof(
  encoding,
  opts({ encoding, mode, flag: fc.constantFrom('a', 'ax', 'a+', 'w'), flush: fc.boolean() }),
);

const wholeFileCall = fc.oneof(
  { arbitrary: call('readFile', [path], [readOptions]), weight: 4 },
  { arbitrary: call('writeFile', [path, data], [writeOptions]), weight: 4 },
  { arbitrary: call('appendFile', [path, data], [appendOptions]), weight: 2 },
);

const statOptions = opts({ bigint: orBad(fc.boolean()) });
const ACCESS = [0, 1, 2, 4, 6, 7];
const COPY_MODES = [0, 1, 2, 3];
const truncLen = orBad(fc.constantFrom(0, 1, 5, 150, 300, 70_000), 10);

const pathCall = fc.oneof(
  { arbitrary: call('stat', [path], [statOptions]), weight: 3 },
  { arbitrary: call('lstat', [path], [statOptions]), weight: 2 },
  call('access', [path], [orBad(fc.constantFrom(...ACCESS))]),
  { arbitrary: call('unlink', [path]), weight: 2 },
  call('rmdir', [fc.oneof(path, newPath)], [opts({ recursive: fc.boolean() })]),
  call('rm', [path], [opts({ force: orBad(fc.boolean()), recursive: fc.boolean() })]),
  {
    arbitrary: call(
      'mkdir',
      [newPath],
      [fc.oneof(mode, opts({ recursive: orBad(fc.boolean(), 10), mode }))],
    ),
    weight: 3,
  },
  { arbitrary: call('rename', [path, newPath]), weight: 2 },
  call('link', [path, newPath]),
  call(
    'symlink',
    [orBad(fc.constantFrom(...TARGETS)), newPath],
    [fc.constantFrom('file', 'dir', 'junction', null, 'bogus')],
  ),
  call('truncate', [path], [truncLen]),
  // Delegated to node:fs/promises by the module, here for the modes and links they make visible.
  call('chmod', [path, mode]),
  call('readlink', [fc.oneof(pathOf(fc.constantFrom('la', 'ld', 'dead')), path)]),
  {
    arbitrary: call('copyFile', [path, newPath], [orBad(fc.constantFrom(...COPY_MODES))]),
    weight: 2,
  },
);

/** Slot 0 is always opened first (see firstOpens), so it is drawn most. */
const handle = fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, fc.nat(HANDLES - 1));
const openStep = fc
  .tuple(handle, callArgs([path], [flag, mode]))
  .map(([h, args]) => ({ t: 'open', h, args }));

const offset = orBad(fc.oneof(fc.nat(8), fc.integer({ min: 30, max: 64 })), 10);
const length = orBad(fc.oneof(fc.nat(16), fc.integer({ min: 40, max: 64 })), 10);
/**
 * FileHandle.read lengths: Node 20 and 22 abort the process (a failed CHECK in node_file.cc)
 * on a length that is not an integer, so the reference can only be asked about integers.
 */
const readLength = fc.oneof(
  { arbitrary: fc.oneof(fc.nat(16), fc.integer({ min: 40, max: 64 })), weight: 10 },
  { arbitrary: fc.constantFrom({ bad: 'neg' }, { bad: 'huge' }), weight: 1 },
);
/** File positions: null and -1 (the current position), bigint positions are valid too. */
const position = fc.oneof(
  { arbitrary: fc.constantFrom(null, -1), weight: 3 },
  { arbitrary: fc.nat(200), weight: 3 },
  {
    arbitrary: fc.constantFrom(undefined, { bad: 'bigint' }, { bad: 'frac' }, -2, 2 ** 53),
    weight: 1,
  },
);
const bufArg = orBad(
  fc.integer({ min: 0, max: 64 }).map((n) => ({ buf: n })),
  15,
);

const fhCall = (method, required, optional = []) =>
  fc
    .tuple(handle, callArgs(required, optional))
    .map(([h, args]) => ({ t: `fh.${method}`, h, args }));

/** Every form of FileHandle.read. */
const readForms = fc.oneof(
  fhCall('read', [bufArg, offset, readLength, position]),
  fhCall('read', [bufArg], [opts({ offset, length: readLength, position })]),
  fhCall('read', [], [opts({ buffer: bufArg, offset, length: readLength, position })]),
);
const writeForms = fc.oneof(
  fhCall('write', [data], [offset, length, position]),
  fhCall('write', [data], [opts({ offset, length, position })]),
  fhCall('write', [orBad(fc.string({ maxLength: 30 }), 10)], [position, encoding]),
);
const bufList = fc.array(
  fc.integer({ min: 0, max: 40 }).map((n) => ({ buf: n })),
  { maxLength: 3 },
);
const dataList = fc.array(
  dataSpec.filter((d) => d.kind === 'buffer' || d.kind === 'uint8').map((d) => ({ data: d })),
  { maxLength: 3 },
);

const fileHandleCall = fc.oneof(
  { arbitrary: readForms, weight: 5 },
  { arbitrary: writeForms, weight: 4 },
  fhCall('readv', [orBad(bufList, 12)], [position]),
  fhCall('writev', [orBad(dataList, 12)], [position]),
  fhCall('stat', [], [statOptions]),
  fhCall('truncate', [], [truncLen]),
  fhCall('sync', []),
  fhCall('datasync', []),
  { arbitrary: fhCall('readFile', [], [readOptions]), weight: 2 },
  { arbitrary: fhCall('writeFile', [data], [writeOptions]), weight: 2 },
  fhCall('appendFile', [data], [appendOptions]),
  { arbitrary: fhCall('close', []), weight: 3 },
  fhCall('asyncDispose', []),
);

/**
 * Calls that change nothing (reads at an explicit position leave the file position alone), so
 * their outcome does not depend on the order in which concurrent ones complete.
 */
const quietCall = fc.oneof(
  call('readFile', [path], [readOptions]),
  call('stat', [path], [statOptions]),
  call('lstat', [path], [statOptions]),
  call('access', [path], [fc.constantFrom(...ACCESS)]),
  fhCall('read', [
    fc.integer({ min: 0, max: 64 }).map((n) => ({ buf: n })),
    fc.constant(0),
    fc.nat(64),
    fc.nat(200),
  ]).map((s) => ({ ...s, args: [s.args[0], 0, Math.min(s.args[2], s.args[0].buf), s.args[3]] })),
  fhCall('stat', [], [statOptions]),
);
/** Calls issued together and awaited together. */
const batchStep = fc
  .array(quietCall, { minLength: 2, maxLength: 8 })
  .map((calls) => ({ t: 'batch', calls }));

export const step = fc.oneof(
  { arbitrary: wholeFileCall, weight: 5 },
  { arbitrary: pathCall, weight: 8 },
  { arbitrary: openStep, weight: 3 },
  { arbitrary: fileHandleCall, weight: 7 },
  { arbitrary: batchStep, weight: 1 },
);

/** Opens of existing files that fill handle slots 0, 1, ... first, so most handle calls reach one. */
const firstOpens = fc.array(
  fc.record({
    name: fc.constantFrom('a', 'b', 'd/x', 'la', 'c'),
    flag: fc.constantFrom('r', 'r+', 'w+', 'a+', 'a'),
  }),
  { minLength: 1, maxLength: HANDLES },
);

export const program = fc
  .tuple(firstOpens, fc.array(step, { minLength: 1, maxLength: 20 }))
  .map(([opens, steps]) => ({
    steps: [
      ...opens.map(({ name, flag }, h) => ({ t: 'open', h, args: [{ p: name }, flag] })),
      ...steps,
    ],
  }));
