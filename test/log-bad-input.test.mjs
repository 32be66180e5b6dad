// Bad input to the durable log and the destination: clear TypeError/RangeError
// with Node-style codes, never a crash or a hang.
import { expect } from 'chai';

import { DurableLog, Ring, createWriteStream, destination } from '../index.mjs';
import {
  ANY_TYPE_ERROR,
  ARG_TYPE,
  ARG_VALUE,
  OUT_OF_RANGE,
  expectArgError,
  rejectionOf,
  useTempDir,
} from './helpers.mjs';

describe('DurableLog bad input', function () {
  const t = useTempDir();

  const badOpen = [
    ['a number as dir', () => [42], ARG_TYPE],
    ['an empty dir', () => [''], ARG_VALUE],
    ['a dir with NUL', () => ['a\0b'], ARG_VALUE],
    ['options not an object', () => [t.file('l'), 'fast'], ARG_TYPE],
    ['an unknown option', () => [t.file('l'), { segmentsize: 4096 }], ARG_VALUE],
    ['segmentSize too small', () => [t.file('l'), { segmentSize: 10 }], OUT_OF_RANGE],
    ['segmentSize not an integer', () => [t.file('l'), { segmentSize: 4096.5 }], OUT_OF_RANGE],
    ['segmentSize a string', () => [t.file('l'), { segmentSize: '4096' }], ARG_TYPE],
    ['preallocate not boolean', () => [t.file('l'), { preallocate: 1 }], ARG_TYPE],
    ['maxBatchBytes too small', () => [t.file('l'), { maxBatchBytes: 1 }], OUT_OF_RANGE],
    ['maxPending zero', () => [t.file('l'), { maxPending: 0 }], OUT_OF_RANGE],
    ['maxPending NaN', () => [t.file('l'), { maxPending: NaN }], OUT_OF_RANGE],
    ['ring not a Ring', () => [t.file('l'), { ring: {} }], ARG_TYPE],
  ];
  for (const [what, args, spec] of badOpen) {
    it(`open() rejects ${what}`, async function () {
      expectArgError(await rejectionOf(() => DurableLog.open(...args())), spec);
    });
  }

  it('append() rejects payloads that are not strings or byte views, without a sync throw', async function () {
    const ring = new Ring();
    const log = await DurableLog.open(t.file('log'), { ring });
    try {
      for (const bad of [undefined, null, 1, {}, [1, 2], true, Symbol('s')]) {
        expectArgError(await rejectionOf(() => log.append(bad)), ARG_TYPE);
      }
      // Nothing was accepted.
      expect(log.nextLsn).to.equal(1);
      expect((await log.append(new Float64Array([1]))).lsn).to.equal(1);
      expect((await log.append(new DataView(new ArrayBuffer(3)))).lsn).to.equal(2);
    } finally {
      await log.close();
      await ring.shutdown();
    }
  });

  const badRead = [
    ['a number as dir', () => [5], ARG_TYPE],
    ['options a string', () => [t.file('l'), 'x'], ARG_TYPE],
    ['fromLsn zero', () => [t.file('l'), { fromLsn: 0 }], OUT_OF_RANGE],
    ['fromLsn fractional', () => [t.file('l'), { fromLsn: 1.5 }], OUT_OF_RANGE],
    ['fromLsn a string', () => [t.file('l'), { fromLsn: '3' }], ARG_TYPE],
    ['an unknown option', () => [t.file('l'), { from: 3 }], ARG_VALUE],
    ['ring not a Ring', () => [t.file('l'), { ring: 1 }], ARG_TYPE],
  ];
  for (const [what, args, spec] of badRead) {
    it(`read() throws at once for ${what}`, function () {
      let err;
      try {
        DurableLog.read(...args());
      } catch (e) {
        err = e;
      }
      expectArgError(err, spec);
    });
  }

  it('read() of a missing directory rejects with ENOENT at the first next()', async function () {
    const it = DurableLog.read(t.file('missing'));
    const err = await it.next().catch((e) => e);
    expect(err.code).to.equal('ENOENT');
  });
});

describe('destination() bad input', function () {
  const t = useTempDir();
  const bad = [
    ['no dest', () => ({}), ARG_TYPE],
    ['dest an object', () => ({ dest: {} }), ARG_TYPE],
    ['a negative fd', () => ({ dest: -1 }), OUT_OF_RANGE],
    ['an unknown option', () => ({ dest: t.file('a'), sync: true }), ARG_VALUE],
    ['fsync a bad word', () => ({ dest: t.file('a'), fsync: 'always' }), ARG_VALUE],
    ['minLength negative', () => ({ dest: t.file('a'), minLength: -1 }), OUT_OF_RANGE],
    ['maxWrite zero', () => ({ dest: t.file('a'), maxWrite: 0 }), OUT_OF_RANGE],
    ['append not boolean', () => ({ dest: t.file('a'), append: 'yes' }), ARG_TYPE],
    ['mkdir not boolean', () => ({ dest: t.file('a'), mkdir: 1 }), ARG_TYPE],
    ['mode not octal', () => ({ dest: t.file('a'), mode: 'rw' }), ARG_VALUE],
    ['contentMode unknown', () => ({ dest: t.file('a'), contentMode: 'hex' }), ARG_VALUE],
    ['ring not a Ring', () => ({ dest: t.file('a'), ring: 'r' }), ARG_TYPE],
    ['options a boolean', () => true, ARG_TYPE],
  ];
  for (const [what, opts, spec] of bad) {
    it(`throws for ${what}`, function () {
      let err;
      try {
        destination(opts());
      } catch (e) {
        err = e;
      }
      expectArgError(err, spec);
    });
  }

  it('write(), flush() and reopen() check their arguments; use after destroy is an error', async function () {
    const dest = destination({ dest: t.file('out.log') });
    await new Promise((resolve) => dest.once('ready', resolve));
    for (const bad of [1, {}, null, undefined]) {
      let err;
      try {
        dest.write(bad);
      } catch (e) {
        err = e;
      }
      expectArgError(err, ARG_TYPE);
    }
    expect(() => dest.flush('cb')).to.throw(TypeError);
    expect(() => dest.reopen(5)).to.throw(TypeError);
    const closed = new Promise((resolve) => dest.once('close', resolve));
    dest.destroy();
    await closed;
    expect(() => dest.write('x'))
      .to.throw()
      .with.property('code', 'ERR_STREAM_DESTROYED');
    expect(() => dest.flushSync())
      .to.throw()
      .with.property('code', 'ERR_STREAM_DESTROYED');
    const err = await new Promise((resolve) => dest.flush(resolve));
    expect(err.code).to.equal('ERR_STREAM_DESTROYED');
  });

  it('reopen() of a destination opened from a descriptor is an error; so is write after end', async function () {
    const fs = await import('node:fs');
    const fd = fs.openSync(t.file('fd.log'), 'w');
    const dest = destination({ dest: fd });
    expect(() => dest.reopen())
      .to.throw()
      .with.property('code', 'ERR_INVALID_STATE');
    const closed = new Promise((resolve) => dest.once('close', resolve));
    dest.end();
    expect(() => dest.write('x'))
      .to.throw()
      .with.property('code', 'ERR_STREAM_WRITE_AFTER_END');
    await closed;
  });

  it('createWriteStream() checks its arguments', function () {
    expect(() => createWriteStream({})).to.throw(TypeError);
    let err;
    try {
      createWriteStream(t.file('x'), { fsync: 2 });
    } catch (e) {
      err = e;
    }
    expectArgError(err, ANY_TYPE_ERROR);
  });
});
