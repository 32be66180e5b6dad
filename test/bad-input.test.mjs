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

const BAD_BUFFERS = [
  ['a plain object', () => ({}), ARG_TYPE],
  ['a number', () => 42, ARG_TYPE],
  ['null', () => null, ARG_TYPE],
  ['an array of numbers', () => [1, 2, 3], ARG_TYPE],
  [
    'a fake view ({ byteLength, buffer })',
    () => ({ byteLength: 4, buffer: new ArrayBuffer(4) }),
    ARG_TYPE,
  ],
  ['a detached Uint8Array', detachedUint8Array, ARG_VALUE],
  ['a detached DataView', detachedDataView, ARG_VALUE],
];
for (const op of ['read', 'write']) {
  for (const [desc, make, spec] of BAD_BUFFERS) {
    cases.push({ title: `${op}(buffer = ${desc})`, call: (r, e) => r[op](e.fd, make()), spec });
  }
}
cases.push({
  title: 'read(buffer = a string)',
  call: (r, e) => r.read(e.fd, 'abc'),
  spec: ARG_TYPE,
});

// e.buf is 10 bytes long
const BAD_RANGES = [
  ['offset -1', [-1, 1, 0], OUT_OF_RANGE],
  ['offset 1.5', [1.5, 1, 0], OUT_OF_RANGE],
  ['offset NaN', [NaN, 1, 0], NAN_ERROR],
  ["offset '1'", ['1', 1, 0], ARG_TYPE],
  ['offset 11 (past the end of a 10-byte buffer)', [11, 0, 0], OUT_OF_RANGE],
  ['length -1', [0, -1, 0], OUT_OF_RANGE],
  ['length 1.5', [0, 1.5, 0], OUT_OF_RANGE],
  ['length 11 (> a 10-byte buffer)', [0, 11, 0], OUT_OF_RANGE],
  ['offset 5 + length 6 (beyond a 10-byte buffer)', [5, 6, 0], OUT_OF_RANGE],
  ['length 2**53', [0, 2 ** 53, 0], OUT_OF_RANGE],
  ["length '1'", [0, '1', 0], ARG_TYPE],
  ['position -2', [0, 1, -2], OUT_OF_RANGE],
  ['position 1.5', [0, 1, 1.5], OUT_OF_RANGE],
  ['position 2**53 + 2', [0, 1, 2 ** 53 + 2], OUT_OF_RANGE],
  ['position NaN', [0, 1, NaN], NAN_ERROR],
  ["position '0'", [0, 1, '0'], ARG_TYPE],
  ['position true', [0, 1, true], ARG_TYPE],
];
for (const op of ['read', 'write']) {
  for (const [desc, [off, len, pos], spec] of BAD_RANGES) {
    cases.push({
      title: `${op}(${desc})`,
      call: (r, e) => r[op](e.fd, e.buf, off, len, pos),
      spec,
    });
  }
}

const BAD_VECTORS = [
  ["buffers = 'abc' (not an array)", () => 'abc', ARG_TYPE],
  ['buffers = {} (not an array)', () => ({}), ARG_TYPE],
  ['buffers = null', () => null, ARG_TYPE],
  ['buffers containing a non-view', () => [Buffer.alloc(1), {}], ARG_TYPE],
  ['buffers containing a number', () => [Buffer.alloc(1), 7], ARG_TYPE],
  ['buffers containing a detached view', () => [Buffer.alloc(1), detachedUint8Array()], ARG_VALUE],
];
for (const op of ['readv', 'writev']) {
  for (const [desc, make, spec] of BAD_VECTORS) {
    cases.push({ title: `${op}(${desc})`, call: (r, e) => r[op](e.fd, make(), 0), spec });
  }
  cases.push({
    title: `${op}(position -2)`,
    call: (r, e) => r[op](e.fd, [e.buf], -2),
    spec: OUT_OF_RANGE,
  });
  cases.push({
    title: `${op}(position 1.5)`,
    call: (r, e) => r[op](e.fd, [e.buf], 1.5),
    spec: OUT_OF_RANGE,
  });
  cases.push({
    title: `${op}(position '0')`,
    call: (r, e) => r[op](e.fd, [e.buf], '0'),
    spec: ARG_TYPE,
  });
}

cases.push(
  { title: 'fallocate(offset -1)', call: (r, e) => r.fallocate(e.fd, -1, 16), spec: OUT_OF_RANGE },
  {
    title: 'fallocate(offset 1.5)',
    call: (r, e) => r.fallocate(e.fd, 1.5, 16),
    spec: OUT_OF_RANGE,
  },
  { title: "fallocate(offset 'x')", call: (r, e) => r.fallocate(e.fd, 'x', 16), spec: ARG_TYPE },
  { title: 'fallocate(length -1)', call: (r, e) => r.fallocate(e.fd, 0, -1), spec: OUT_OF_RANGE },
  { title: 'fallocate(length NaN)', call: (r, e) => r.fallocate(e.fd, 0, NaN), spec: NAN_ERROR },
  {
    title: 'fallocate(length 2**53 + 2)',
    call: (r, e) => r.fallocate(e.fd, 0, 2 ** 53 + 2),
    spec: OUT_OF_RANGE,
  },
  { title: "fallocate(mode 'x')", call: (r, e) => r.fallocate(e.fd, 0, 16, 'x'), spec: ARG_TYPE },
  { title: 'fallocate(mode -1)', call: (r, e) => r.fallocate(e.fd, 0, 16, -1), spec: OUT_OF_RANGE },
  { title: 'ftruncate(length -1)', call: (r, e) => r.ftruncate(e.fd, -1), spec: OUT_OF_RANGE },
  { title: 'ftruncate(length 1.5)', call: (r, e) => r.ftruncate(e.fd, 1.5), spec: OUT_OF_RANGE },
  { title: 'ftruncate(length NaN)', call: (r, e) => r.ftruncate(e.fd, NaN), spec: NAN_ERROR },
  { title: "ftruncate(length 'x')", call: (r, e) => r.ftruncate(e.fd, 'x'), spec: ARG_TYPE },
  {
    title: 'ftruncate(length 2**53 + 2)',
    call: (r, e) => r.ftruncate(e.fd, 2 ** 53 + 2),
    spec: OUT_OF_RANGE,
  },
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
const BAD_PATHS = [
  ['a number', () => 42, ARG_TYPE],
  ['an object', () => ({}), ARG_TYPE],
  ['null', () => null, ARG_TYPE],
  ['undefined', () => undefined, ARG_TYPE],
  ['a string with a NUL byte', (e) => path.join(e.dir, 'a\0b'), ARG_VALUE],
];
for (const [op, call] of Object.entries(PATH_OPS)) {
  for (const [desc, make, spec] of BAD_PATHS) {
    if (op === 'stat' && desc === 'a number') continue; // stat(number) is stat(fd)
    cases.push({ title: `${op}(path = ${desc})`, call: (r, e) => call(r, make(e), e), spec });
  }
}

cases.push(
  {
    title: "open(flags = 'bogus')",
    call: (r, e) => r.open(e.fresh, 'bogus'),
    spec: ANY_TYPE_ERROR,
  },
  { title: "open(flags = 'rw')", call: (r, e) => r.open(e.fresh, 'rw'), spec: ANY_TYPE_ERROR },
  { title: 'open(flags = true)', call: (r, e) => r.open(e.fresh, true), spec: ANY_TYPE_ERROR },
  { title: 'open(mode = -1)', call: (r, e) => r.open(e.fresh, 'w', -1), spec: OUT_OF_RANGE },
  { title: 'open(mode = 1.5)', call: (r, e) => r.open(e.fresh, 'w', 1.5), spec: OUT_OF_RANGE },
  {
    title: 'open(mode = 2**32)',
    call: (r, e) => r.open(e.fresh, 'w', 2 ** 32),
    spec: OUT_OF_RANGE,
  },
  { title: 'open(mode = true)', call: (r, e) => r.open(e.fresh, 'w', true), spec: ARG_TYPE },
  { title: 'mkdir(mode = -1)', call: (r, e) => r.mkdir(e.fresh, -1), spec: OUT_OF_RANGE },
  { title: 'mkdir(mode = true)', call: (r, e) => r.mkdir(e.fresh, true), spec: ARG_TYPE },
  { title: 'sleep(-1)', call: (r) => r.sleep(-1), spec: OUT_OF_RANGE },
  { title: 'sleep(NaN)', call: (r) => r.sleep(NaN), spec: NAN_ERROR },
  { title: "sleep('10')", call: (r) => r.sleep('10'), spec: ARG_TYPE },
  { title: 'sleep({})', call: (r) => r.sleep({}), spec: ARG_TYPE },
);

// options
const BAD_OPTIONS = [
  ['timeout -1', { timeout: -1 }, OUT_OF_RANGE],
  ['timeout 0', { timeout: 0 }, OUT_OF_RANGE],
  ['timeout NaN', { timeout: NaN }, NAN_ERROR],
  ["timeout '10'", { timeout: '10' }, ARG_TYPE],
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
cases.push(
  { title: 'nop(42) (options not an object)', call: (r) => r.nop(42), spec: ARG_TYPE },
  { title: "nop('x') (options not an object)", call: (r) => r.nop('x'), spec: ARG_TYPE },
);

// chains: a bad argument may be reported by the builder (synchronously) or by run(); either way
// nothing of the chain may run.
const CHAIN_CASES = [
  ["write(fd = '3')", (c, e) => c.write('3', e.buf)],
  ['read(buffer = a detached view)', (c, e) => c.read(e.fd, detachedUint8Array())],
  ['write(offset + length beyond the buffer)', (c, e) => c.write(e.fd, e.buf, 5, 6, 0)],
  ['open(path with a NUL byte)', (c, e) => c.open(path.join(e.dir, 'a\0b'), 'w')],
  ['sleep(-1)', (c) => c.sleep(-1)],
  ['nop({ timeout: -1 })', (c) => c.nop({ timeout: -1 })],
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
    ["backend 'nope'", { backend: 'nope' }, ANY_TYPE_ERROR],
    ['backend 42', { backend: 42 }, ANY_TYPE_ERROR],
    ["sqpoll 'yes'", { sqpoll: 'yes' }, ANY_TYPE_ERROR],
    ['sqpoll { idleMs: -1 }', { sqpoll: { idleMs: -1 } }, OUT_OF_RANGE],
    ["sqpoll { idleMs: 'x' }", { sqpoll: { idleMs: 'x' } }, ARG_TYPE],
    ['directFiles -1', { directFiles: -1 }, OUT_OF_RANGE],
    ['directFiles 1.5', { directFiles: 1.5 }, OUT_OF_RANGE],
    ["directFiles 'x'", { directFiles: 'x' }, ARG_TYPE],
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
