// Bad input, once per backend, table-driven: every case must reject (never throw synchronously,
// never hang, never crash) with the right error class/code, must not have queued anything, and the
// ring must still work afterwards.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';

import { Ring } from '../index.mjs';
import {
  describeBackends,
  backends,
  rejectionOf,
  errorOf,
  expectArgError,
  expectErrnoError,
  closedFd,
  ARG_TYPE,
  ARG_VALUE,
  ANY_TYPE_ERROR,
  OUT_OF_RANGE,
  NAN_ERROR,
} from './helpers.mjs';

const ORIGINAL = 'original content';
const NEVER_OPENED_FD = 987654;

/** A Uint8Array whose ArrayBuffer has been transferred away (detached). */
function detachedUint8Array() {
  const ab = new ArrayBuffer(16);
  const view = new Uint8Array(ab);
  structuredClone(ab, { transfer: [ab] });
  if (view.byteLength !== 0) throw new Error('test setup: buffer not detached');
  return view;
}

function detachedDataView() {
  const ab = new ArrayBuffer(16);
  const view = new DataView(ab);
  structuredClone(ab, { transfer: [ab] });
  return view;
}

/** A view that lies past the end of a resizable ArrayBuffer that shrank. */
function outOfBounds(make) {
  const ab = new ArrayBuffer(16, { maxByteLength: 64 });
  const view = make(ab);
  ab.resize(4);
  return view;
}
const oobUint8Array = () => outOfBounds((ab) => new Uint8Array(ab, 8, 8));
const oobDataView = () => outOfBounds((ab) => new DataView(ab, 8, 8));
const oobLengthTracking = () => outOfBounds((ab) => new Float64Array(ab, 8));

/** fileURLToPath's own TypeError for an encoded '/' */
const FILE_URL_PATH = Object.freeze({ cls: TypeError, codes: ['ERR_INVALID_FILE_URL_PATH'] });

// ----------------------------------------------------------------------------------------------
// the table

/** ops taking an fd; `e` is the per-test environment (see beforeEach below) */
const FD_OPS = {
  read: (r, fd, e) => r.read(fd, e.buf, 0, 1, 0),
  write: (r, fd, e) => r.write(fd, e.buf, 0, 1, 0),
  readv: (r, fd, e) => r.readv(fd, [e.buf], 0),
  writev: (r, fd, e) => r.writev(fd, [e.buf], 0),
  fsync: (r, fd) => r.fsync(fd),
  fdatasync: (r, fd) => r.fdatasync(fd),
  fallocate: (r, fd) => r.fallocate(fd, 0, 16),
  ftruncate: (r, fd) => r.ftruncate(fd, 0),
  close: (r, fd) => r.close(fd),
  stat: (r, fd) => r.stat(fd),
};

const BAD_FDS = [
  ['a numeric string', '3', ARG_TYPE],
  ['an object', {}, ARG_TYPE],
  ['null', null, ARG_TYPE],
  ['undefined', undefined, ARG_TYPE],
  ['a bigint', 3n, ARG_TYPE],
  ['a symbol', Symbol('fd'), ARG_TYPE],
  ['a non-integer (1.5)', 1.5, OUT_OF_RANGE],
  ['negative (-1)', -1, OUT_OF_RANGE],
  ['NaN', NaN, NAN_ERROR],
  ['Infinity', Infinity, OUT_OF_RANGE],
  ['2**31 (beyond int32)', 2 ** 31, OUT_OF_RANGE],
  ['2**53 + 2', 2 ** 53 + 2, OUT_OF_RANGE],
];

// Note: a plain object in an optional position may be taken as the trailing options bag
// (read(fd, buf, 0, 1, {}) === read(fd, buf, 0, 1, opts)), so wrong types below are strings,
// booleans, bigints, arrays, null... never a bare {} where an options object could go.
const cases = [];

for (const [op, call] of Object.entries(FD_OPS)) {
  for (const [desc, fd, spec] of BAD_FDS) {
    if (op === 'stat' && typeof fd === 'string') continue; // a string is a path for stat()
    cases.push({ title: `${op}(fd = ${desc})`, call: (r, e) => call(r, fd, e), spec });
  }
  cases.push({
    title: `${op}(fd that was closed) -> EBADF`,
    call: (r, e) => call(r, closedFd(e.dir), e),
    errno: { code: 'EBADF', syscall: op },
  });
  cases.push({
    title: `${op}(fd never opened: ${NEVER_OPENED_FD}) -> EBADF`,
    call: (r, e) => call(r, NEVER_OPENED_FD, e),
    errno: { code: 'EBADF', syscall: op },
  });
}

// Everything that is not a usable ArrayBufferView, where a buffer is due.
const BAD_BUFFERS = [
  ['a plain object', () => ({}), ARG_TYPE],
  ['a number', () => 42, ARG_TYPE],
  ['null', () => null, ARG_TYPE],
  ['a string', () => 'abc', ARG_TYPE],
  ['an array of numbers', () => [1, 2, 3], ARG_TYPE],
  ['an ArrayBuffer (not a view)', () => new ArrayBuffer(4), ARG_TYPE],
  ['a SharedArrayBuffer (not a view)', () => new SharedArrayBuffer(4), ARG_TYPE],
  [
    'a fake view ({ byteLength, buffer })',
    () => ({ byteLength: 4, buffer: new ArrayBuffer(4) }),
    ARG_TYPE,
  ],
  ['a detached Uint8Array', detachedUint8Array, ARG_VALUE],
  ['a detached DataView', detachedDataView, ARG_VALUE],
  ['a Uint8Array past the end of a shrunk resizable ArrayBuffer', oobUint8Array, ARG_VALUE],
  ['a DataView past the end of a shrunk resizable ArrayBuffer', oobDataView, ARG_VALUE],
  ['a length-tracking view whose offset is past a shrunk end', oobLengthTracking, ARG_VALUE],
];
for (const op of ['read', 'write']) {
  for (const [desc, make, spec] of BAD_BUFFERS) {
    cases.push({ title: `${op}(buffer = ${desc})`, call: (r, e) => r[op](e.fd, make()), spec });
  }
}
for (const op of ['readv', 'writev']) {
  for (const [desc, make, spec] of BAD_BUFFERS) {
    if (desc === 'null') continue; // buffers: [null] is covered below as "buffers = null"
    cases.push({
      title: `${op}(buffers containing ${desc})`,
      call: (r, e) => r[op](e.fd, [Buffer.alloc(1), make()], 0),
      spec,
    });
  }
}

const BAD_VECTORS = [
  ["buffers = 'abc' (not an array)", () => 'abc', ARG_TYPE],
  ['buffers = {} (not an array)', () => ({}), ARG_TYPE],
  ['buffers = null', () => null, ARG_TYPE],
  ['buffers = a Buffer (not an array of them)', () => Buffer.alloc(4), ARG_TYPE],
  ['buffers = [] (empty)', () => [], ARG_VALUE],
  ['buffers = 1025 views (> IOV_MAX)', () => new Array(1025).fill(Buffer.alloc(1)), OUT_OF_RANGE],
];
for (const op of ['readv', 'writev']) {
  for (const [desc, make, spec] of BAD_VECTORS) {
    cases.push({ title: `${op}(${desc})`, call: (r, e) => r[op](e.fd, make(), 0), spec });
  }
}

// Every numeric argument of every op, times every kind of bad number. e.buf is 10 bytes long.
const BAD_NUMBERS = [
  ['a numeric string', () => '1', ARG_TYPE],
  ['true', () => true, ARG_TYPE],
  ['an array', () => [1], ARG_TYPE],
  ['a function', () => () => 1, ARG_TYPE],
  ['a symbol', () => Symbol('n'), ARG_TYPE],
  ['NaN', () => NaN, NAN_ERROR],
  ['Infinity', () => Infinity, OUT_OF_RANGE],
  ['-Infinity', () => -Infinity, OUT_OF_RANGE],
  ['-1', () => -1, OUT_OF_RANGE],
  ['-2', () => -2, OUT_OF_RANGE],
  ['1.5', () => 1.5, OUT_OF_RANGE],
  ['2**53 + 2', () => 2 ** 53 + 2, OUT_OF_RANGE],
  ['2n ** 64n', () => 2n ** 64n, OUT_OF_RANGE],
];
/** [title, call(ring, env, value), { kind: spec override, or null to skip that kind }] */
const NUMBER_ARGS = [
  ['read(offset)', (r, e, v) => r.read(e.fd, e.buf, v, 1, 0), { '-1': OUT_OF_RANGE }],
  ['read(length)', (r, e, v) => r.read(e.fd, e.buf, 0, v, 0), {}],
  // -1 (like null) means the file position
  ['read(position)', (r, e, v) => r.read(e.fd, e.buf, 0, 1, v), { '-1': null }],
  ['write(offset)', (r, e, v) => r.write(e.fd, e.buf, v, 1, 0), {}],
  ['write(length)', (r, e, v) => r.write(e.fd, e.buf, 0, v, 0), {}],
  ['write(position)', (r, e, v) => r.write(e.fd, e.buf, 0, 1, v), { '-1': null }],
  ['readv(position)', (r, e, v) => r.readv(e.fd, [e.buf], v), { '-1': null }],
  ['writev(position)', (r, e, v) => r.writev(e.fd, [e.buf], v), { '-1': null }],
  ['fallocate(offset)', (r, e, v) => r.fallocate(e.fd, v, 16), {}],
  ['fallocate(length)', (r, e, v) => r.fallocate(e.fd, 0, v), {}],
  ['fallocate(mode)', (r, e, v) => r.fallocate(e.fd, 0, 16, v), {}],
  ['ftruncate(length)', (r, e, v) => r.ftruncate(e.fd, v), {}],
  // flags: a number, or one of node:fs's strings; anything else is an invalid value
  [
    'open(flags)',
    (r, e, v) => r.open(e.fresh, v),
    {
      'a numeric string': ANY_TYPE_ERROR,
      true: ANY_TYPE_ERROR,
      'an array': ANY_TYPE_ERROR,
      'a function': ANY_TYPE_ERROR,
      'a symbol': ANY_TYPE_ERROR,
    },
  ],
  // modes may be octal strings: '1' is a valid mode
  ['open(mode)', (r, e, v) => r.open(e.fresh, 'w', v), { 'a numeric string': null }],
  ['mkdir(mode)', (r, e, v) => r.mkdir(e.fresh, v), { 'a numeric string': null }],
  // sleep takes fractions of a millisecond, and no bigint
  ['sleep(ms)', (r, e, v) => r.sleep(v), { 1.5: null, '2n ** 64n': ARG_TYPE }],
  [
    'nop({ timeout })',
    (r, e, v) => r.nop({ timeout: v }),
    { 1.5: null, '2n ** 64n': ARG_TYPE, 'a function': ARG_TYPE },
  ],
];
for (const [title, call, overrides] of NUMBER_ARGS) {
  for (const [desc, make, spec] of BAD_NUMBERS) {
    const want = desc in overrides ? overrides[desc] : spec;
    if (want === null) continue;
    cases.push({ title: `${title} = ${desc}`, call: (r, e) => call(r, e, make()), spec: want });
  }
}
cases.push(
  {
    title: 'read(offset 11: past the end of a 10-byte buffer)',
    call: (r, e) => r.read(e.fd, e.buf, 11, 0, 0),
    spec: OUT_OF_RANGE,
  },
  {
    title: 'read(length 11: more than a 10-byte buffer)',
    call: (r, e) => r.read(e.fd, e.buf, 0, 11, 0),
    spec: OUT_OF_RANGE,
  },
  {
    title: 'write(offset 5 + length 6: beyond a 10-byte buffer)',
    call: (r, e) => r.write(e.fd, e.buf, 5, 6, 0),
    spec: OUT_OF_RANGE,
  },
  { title: 'fallocate(length 0)', call: (r, e) => r.fallocate(e.fd, 0, 0), spec: OUT_OF_RANGE },
  {
    title: 'open(mode = 2**32)',
    call: (r, e) => r.open(e.fresh, 'w', 2 ** 32),
    spec: OUT_OF_RANGE,
  },
  { title: "open(mode = 'rw')", call: (r, e) => r.open(e.fresh, 'w', 'rw'), spec: ARG_VALUE },
  {
    title: "open(flags = 'bogus')",
    call: (r, e) => r.open(e.fresh, 'bogus'),
    spec: ANY_TYPE_ERROR,
  },
  { title: "open(flags = 'rw')", call: (r, e) => r.open(e.fresh, 'rw'), spec: ANY_TYPE_ERROR },
  { title: 'sleep({})', call: (r) => r.sleep({}), spec: ARG_TYPE },
  { title: 'sleep(2**31)', call: (r) => r.sleep(2 ** 31), spec: OUT_OF_RANGE },
);

// paths: a NUL byte must be rejected, not silently truncated to the prefix (e.dir/'a')
const PATH_OPS = {
  open: (r, p) => r.open(p, 'w'),
  stat: (r, p) => r.stat(p),
  unlink: (r, p) => r.unlink(p),
  rmdir: (r, p) => r.rmdir(p),
  mkdir: (r, p) => r.mkdir(p),
  'rename(from)': (r, p, e) => r.rename(p, path.join(e.dir, 'rename-dest')),
  'rename(to)': (r, p, e) => r.rename(e.path, p),
};
/** A 4095-byte path (the longest the kernel takes) under a directory that does not exist. */
function longestPath(e) {
  const base = path.join(e.dir, 'missing');
  const filler = 'l'.repeat(4095 - base.length - 2);
  return `${base}/${filler}/`.slice(0, 4095);
}
const BAD_PATHS = [
  ['a number', () => 42, ARG_TYPE],
  ['an object', () => ({}), ARG_TYPE],
  ['null', () => null, ARG_TYPE],
  ['undefined', () => undefined, ARG_TYPE],
  ['true', () => true, ARG_TYPE],
  ['a symbol', () => Symbol('p'), ARG_TYPE],
  ['an array of strings', (e) => [e.dir, 'a'], ARG_TYPE],
  ['an empty string', () => '', ARG_VALUE],
  ['a string with a NUL byte', (e) => path.join(e.dir, 'a\0b'), ARG_VALUE],
  ['a Buffer with a NUL byte', (e) => Buffer.from(path.join(e.dir, 'a\0b')), ARG_VALUE],
  ['a file: URL with an encoded NUL', (e) => new URL(`file://${e.dir}/a%00b`), ARG_VALUE],
  ['a file: URL with an encoded /', (e) => new URL(`file://${e.dir}/a%2Fb`), FILE_URL_PATH],
  ['an http: URL', () => new URL('http://example.com/a'), ARG_VALUE],
  ['a path of 5000 bytes', (e) => path.join(e.dir, 'p'.repeat(5000)), OUT_OF_RANGE],
];
/** Paths the library passes on, that the kernel refuses. */
const KERNEL_PATHS = [
  ['a name of 300 bytes', (e) => path.join(e.dir, 'n'.repeat(300)), 'ENAMETOOLONG'],
  ['a 4095-byte path under a missing directory', longestPath, 'ENOENT'],
];
for (const [op, call] of Object.entries(PATH_OPS)) {
  const syscall = op.startsWith('rename') ? 'rename' : op;
  for (const [desc, make, spec] of BAD_PATHS) {
    if (op === 'stat' && desc === 'a number') continue; // stat(number) is stat(fd)
    cases.push({ title: `${op}(path = ${desc})`, call: (r, e) => call(r, make(e), e), spec });
  }
  for (const [desc, make, code] of KERNEL_PATHS) {
    cases.push({
      title: `${op}(path = ${desc}) -> ${code}`,
      call: (r, e) => call(r, make(e), e),
      errno: { code, syscall },
    });
  }
}

// options
const BAD_OPTIONS = [
  ['timeout 0', { timeout: 0 }, OUT_OF_RANGE],
  ["timeout '10'", { timeout: '10' }, ARG_TYPE],
  ['timeout 2**31', { timeout: 2 ** 31 }, OUT_OF_RANGE],
  ['signal {}', { signal: {} }, ARG_TYPE],
  ["signal 'abort'", { signal: 'abort' }, ARG_TYPE],
  ['signal = an AbortController (not its signal)', { signal: new AbortController() }, ARG_TYPE],
];
for (const [desc, opts, spec] of BAD_OPTIONS) {
  cases.push({ title: `nop({ ${desc} })`, call: (r) => r.nop(opts), spec });
  cases.push({
    title: `write(..., { ${desc} })`,
    call: (r, e) => r.write(e.fd, e.buf, 0, 1, 0, opts),
    spec,
  });
  cases.push({ title: `sleep(10, { ${desc} })`, call: (r) => r.sleep(10, opts), spec });
  cases.push({
    title: `open(..., { ${desc} })`,
    call: (r, e) => r.open(e.fresh, 'w', 0o666, opts),
    spec,
  });
}
for (const [desc, value] of [
  ['1', 1],
  ["'yes'", 'yes'],
  ['null', null],
]) {
  cases.push({
    title: `write(..., { dsync: ${desc} })`,
    call: (r, e) => r.write(e.fd, e.buf, 0, 1, 0, { dsync: value }),
    spec: ARG_TYPE,
  });
  cases.push({
    title: `writev(fd, buffers, { dsync: ${desc} })`,
    call: (r, e) => r.writev(e.fd, [e.buf], { dsync: value }),
    spec: ARG_TYPE,
  });
}
cases.push(
  { title: 'nop(42) (options not an object)', call: (r) => r.nop(42), spec: ARG_TYPE },
  { title: "nop('x') (options not an object)", call: (r) => r.nop('x'), spec: ARG_TYPE },
);

// chains: a bad argument may be reported by the builder (synchronously) or by run(); either way
// nothing of the chain may run.
const CHAIN_CASES = [
  ["write(fd = '3')", (c, e) => c.write('3', e.buf)],
  ['write(buffer = a string)', (c, e) => c.write(e.fd, 'abc')],
  ['read(buffer = a detached view)', (c, e) => c.read(e.fd, detachedUint8Array())],
  ['read(buffer = a view out of its resized buffer)', (c, e) => c.read(e.fd, oobUint8Array())],
  ['write(offset + length beyond the buffer)', (c, e) => c.write(e.fd, e.buf, 5, 6, 0)],
  ['writev(buffers = [])', (c, e) => c.writev(e.fd, [])],
  ['open(path with a NUL byte)', (c, e) => c.open(path.join(e.dir, 'a\0b'), 'w')],
  ['open(path of 5000 bytes)', (c, e) => c.open(path.join(e.dir, 'p'.repeat(5000)), 'w')],
  ['rename(newPath = an http: URL)', (c, e) => c.rename(e.path, new URL('http://example.com/'))],
  ['fallocate(length NaN)', (c, e) => c.fallocate(e.fd, 0, NaN)],
  ['ftruncate(length -1)', (c, e) => c.ftruncate(e.fd, -1)],
  ['sleep(-1)', (c) => c.sleep(-1)],
  ['sleep(2**53 + 2)', (c) => c.sleep(2 ** 53 + 2)],
  ['nop({ timeout: -1 })', (c) => c.nop({ timeout: -1 })],
  ["write(..., { dsync: 'yes' })", (c, e) => c.write(e.fd, e.buf, 0, 1, 0, { dsync: 'yes' })],
  ['stat(path = 42.5)', (c) => c.stat(42.5)],
];
const CHAIN_SPECS = [ARG_TYPE, ARG_VALUE, OUT_OF_RANGE];

// ----------------------------------------------------------------------------------------------

describeBackends('bad input', (backend, t) => {
  const e = {};

  beforeEach(function () {
    this.timeout(10000);
    e.dir = t.dir;
    e.path = t.file('target.txt');
    e.fresh = t.file('fresh'); // must not come into existence
    fs.writeFileSync(e.path, ORIGINAL);
    e.fd = fs.openSync(e.path, 'r+');
    e.buf = Buffer.alloc(10, 'Z');
    t.defer(() => fs.closeSync(e.fd));
  });

  /** The ring still works, nothing was queued by the bad call, nothing was touched on disk. */
  async function expectHealthy() {
    expect(await t.ring.nop()).to.equal(undefined);
    const p = t.file('health.txt');
    const fd = fs.openSync(p, 'w');
    try {
      expect(await t.ring.write(fd, Buffer.from('ok'), 0, 2, 0)).to.equal(2);
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.readFileSync(p, 'utf8')).to.equal('ok');
    expect(fs.readFileSync(e.path, 'utf8'), 'the target file must be untouched').to.equal(ORIGINAL);
    expect(fs.existsSync(e.fresh), 'nothing may be created by a rejected call').to.equal(false);
    expect(
      fs.existsSync(path.join(e.dir, 'a')),
      'a NUL path must not be truncated and used',
    ).to.equal(false);
    expect(fs.existsSync(path.join(e.dir, 'rename-dest'))).to.equal(false);
    const s = t.ring.stats();
    expect(s.inFlight).to.equal(0);
    expect(s.queued).to.equal(0);
  }

  for (const c of cases) {
    it(c.title, async function () {
      this.timeout(10000);
      const err = await rejectionOf(() => c.call(t.ring, e), c.title);
      if (c.errno) expectErrnoError(err, c.errno);
      else expectArgError(err, c.spec);
      await expectHealthy();
    });
  }

  for (const [desc, build] of CHAIN_CASES) {
    it(`chain: ${desc} -> argument error, nothing of the chain runs`, async function () {
      this.timeout(10000);
      const marker = t.file('chain-marker');
      const err = await errorOf(() => {
        const c = t.ring.chain();
        c.mkdir(marker); // would run first if the chain were (partly) submitted
        build(c, e);
        return c.run();
      }, 'chain');
      expectArgError(err, CHAIN_SPECS);
      await t.ring.sleep(20);
      expect(fs.existsSync(marker), 'no op of an invalid chain may run').to.equal(false);
      await expectHealthy();
    });
  }

  it('chain: run({ signal: {} }) -> TypeError, nothing runs', async function () {
    const marker = t.file('chain-marker');
    const err = await errorOf(() => t.ring.chain().mkdir(marker).run({ signal: {} }), 'chain');
    expectArgError(err, ARG_TYPE);
    await t.ring.sleep(20);
    expect(fs.existsSync(marker)).to.equal(false);
    await expectHealthy();
  });

  it('a storm of bad calls interleaved with good ones leaves every good op correct', async function () {
    // argument errors only: they never reach the kernel, so no fd-reuse races
    const argCases = cases.filter((c) => c.spec);
    const good = [];
    const bad = [];
    for (let i = 0; i < 200; i++) {
      bad.push(
        argCases[(i * 7) % argCases.length].call(t.ring, e).then(
          () => 'resolved',
          () => 'rejected',
        ),
      );
      good.push(t.ring.nop());
    }
    expect(await Promise.all(good)).to.deep.equal(new Array(200).fill(undefined));
    expect(await Promise.all(bad)).to.deep.equal(new Array(200).fill('rejected'));
    await expectHealthy();
  });
});

describe('bad Ring options', function () {
  const BAD_RING_OPTIONS = [
    ['entries 0', { entries: 0 }, OUT_OF_RANGE],
    ['entries -1', { entries: -1 }, OUT_OF_RANGE],
    ['entries 1.5', { entries: 1.5 }, OUT_OF_RANGE],
    ['entries 32769', { entries: 32769 }, OUT_OF_RANGE],
    ['entries 2**53', { entries: 2 ** 53 }, OUT_OF_RANGE],
    ['entries NaN', { entries: NaN }, NAN_ERROR],
    ["entries '64'", { entries: '64' }, ARG_TYPE],
    ['cqEntries -1', { cqEntries: -1 }, OUT_OF_RANGE],
    ['cqEntries 1.5', { cqEntries: 1.5 }, OUT_OF_RANGE],
    ["cqEntries 'x'", { cqEntries: 'x' }, ARG_TYPE],
    ['cqEntries 64 (< the default 256 entries)', { cqEntries: 64 }, OUT_OF_RANGE],
    ['cqEntries 8 < entries 16', { entries: 16, cqEntries: 8 }, OUT_OF_RANGE],
    ['entries 2n ** 64n', { entries: 2n ** 64n }, OUT_OF_RANGE],
    ['entries a symbol', { entries: Symbol('e') }, ARG_TYPE],
    ["backend 'nope'", { backend: 'nope' }, ANY_TYPE_ERROR],
    ['backend 42', { backend: 42 }, ANY_TYPE_ERROR],
    ['backend 1n', { backend: 1n }, ANY_TYPE_ERROR],
    ["sqpoll 'yes'", { sqpoll: 'yes' }, ANY_TYPE_ERROR],
    ['sqpoll { idleMs: -1 }', { sqpoll: { idleMs: -1 } }, OUT_OF_RANGE],
    ["sqpoll { idleMs: 'x' }", { sqpoll: { idleMs: 'x' } }, ARG_TYPE],
    ['directFiles -1', { directFiles: -1 }, OUT_OF_RANGE],
    ['directFiles 1.5', { directFiles: 1.5 }, OUT_OF_RANGE],
    ["directFiles 'x'", { directFiles: 'x' }, ARG_TYPE],
    ["taskrun 'defer'", { taskrun: 'defer' }, ANY_TYPE_ERROR],
    ['taskrun true', { taskrun: true }, ANY_TYPE_ERROR],
    ["taskrun 'deferred' with sqpoll", { taskrun: 'deferred', sqpoll: true }, ANY_TYPE_ERROR],
  ];

  for (const backend of backends()) {
    for (const [desc, opts, spec] of BAD_RING_OPTIONS) {
      if (desc.startsWith('backend')) continue;
      it(`new Ring({ backend: '${backend}', ${desc} }) throws`, async function () {
        let err;
        try {
          const r = new Ring({ backend, ...opts });
          await r.shutdown();
        } catch (e) {
          err = e;
        }
        expect(err, 'constructor must throw').to.exist;
        expectArgError(err, spec);
      });
    }
  }

  for (const [desc, opts, spec] of [
    ...BAD_RING_OPTIONS.filter(([d]) => d.startsWith('backend')),
    ['options 42', 42, ARG_TYPE],
    ["options 'x'", 'x', ARG_TYPE],
  ]) {
    it(`new Ring(${desc}) throws`, async function () {
      let err;
      try {
        const r = new Ring(opts);
        await r.shutdown();
      } catch (e) {
        err = e;
      }
      expect(err, 'constructor must throw').to.exist;
      expectArgError(err, spec);
    });
  }

  it('bigint sizes in range are taken as numbers', async function () {
    const ring = new Ring({ entries: 16n, cqEntries: 32n, directFiles: 4n });
    try {
      if (ring.backend === 'io_uring') {
        const f = ring.features;
        expect([f.sqEntries, f.cqEntries, f.directFiles]).to.deep.equal([16, 32, 4]);
      }
      expect(await ring.nop()).to.equal(undefined);
    } finally {
      await ring.shutdown();
    }
  });

  it('after all those, new rings still work on every backend', async function () {
    for (const backend of backends()) {
      const r = new Ring({ backend });
      try {
        expect(r.backend).to.equal(backend);
        expect(await r.nop()).to.equal(undefined);
      } finally {
        await r.shutdown();
      }
    }
  });
});

// Unusual buffers that are valid: shared, growable, resizable (in bounds), length-tracking,
// any element type, zero length. Each must read and write the right bytes.
describeBackends('unusual but valid buffers', (backend, t) => {
  const VALID_VIEWS = [
    ['a Uint8Array on a SharedArrayBuffer', () => new Uint8Array(new SharedArrayBuffer(8))],
    [
      'a view on a growable SharedArrayBuffer',
      () => new Uint8Array(new SharedArrayBuffer(8, { maxByteLength: 64 })),
    ],
    ['a DataView on a SharedArrayBuffer', () => new DataView(new SharedArrayBuffer(8))],
    [
      'a fixed-length view inside a resizable ArrayBuffer',
      () => new Uint8Array(new ArrayBuffer(32, { maxByteLength: 64 }), 8, 8),
    ],
    [
      'a length-tracking view on a resizable ArrayBuffer that grew',
      () => {
        const ab = new ArrayBuffer(4, { maxByteLength: 64 });
        const view = new Uint8Array(ab);
        ab.resize(8);
        return view;
      },
    ],
    ['a BigInt64Array', () => new BigInt64Array(1)],
    ['a Float32Array', () => new Float32Array(2)],
    ['a Uint16Array at an offset', () => new Uint16Array(new ArrayBuffer(16), 8, 4)],
  ];

  for (const [desc, make] of VALID_VIEWS) {
    it(`write and read through ${desc}`, async function () {
      const p = t.file('valid.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      const out = make();
      const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      bytes.set([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await t.ring.write(fd, out, 0, out.byteLength, 0)).to.equal(8);
      expect(await t.ring.writev(fd, [out], 8)).to.equal(8);
      expect(fs.readFileSync(p)).to.deep.equal(
        Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8]),
      );
      const into = make();
      expect(await t.ring.read(fd, into, 0, into.byteLength, 8)).to.equal(8);
      expect([...new Uint8Array(into.buffer, into.byteOffset, 8)]).to.deep.equal([
        1, 2, 3, 4, 5, 6, 7, 8,
      ]);
      const again = make();
      expect(await t.ring.readv(fd, [again], 0)).to.equal(8);
      expect([...new Uint8Array(again.buffer, again.byteOffset, 8)]).to.deep.equal([
        1, 2, 3, 4, 5, 6, 7, 8,
      ]);
    });
  }

  it('zero-length views (an empty SharedArrayBuffer, a resizable buffer shrunk to 0) move 0 bytes', async function () {
    const fd = fs.openSync(t.file('empty.bin'), 'w+');
    t.defer(() => fs.closeSync(fd));
    const ab = new ArrayBuffer(4, { maxByteLength: 64 });
    const tracking = new Uint8Array(ab);
    ab.resize(0);
    for (const view of [new Uint8Array(new SharedArrayBuffer(0)), tracking, Buffer.alloc(0)]) {
      expect(await t.ring.write(fd, view)).to.equal(0);
      expect(await t.ring.read(fd, view, 0, 0, 0)).to.equal(0);
      expect(await t.ring.readv(fd, [view], 0)).to.equal(0);
    }
  });
});
