// The staging area: ops are written to shared memory and turned into SQEs at
// flush time. Memory that became unusable between the call and the flush (a
// transferred ArrayBuffer) must fail its op, and a linked group as a whole,
// without linking into unrelated SQEs.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';

import { ChainError, Ring } from '../index.mjs';
import { IS_LINUX, useTempDir } from './helpers.mjs';

const detach = (view) => structuredClone(view.buffer, { transfer: [view.buffer] });

(IS_LINUX ? describe : describe.skip)('staging area [io_uring]', () => {
  const tmp = useTempDir();
  let ring;
  beforeEach(() => {
    ring = new Ring({ backend: 'io_uring' });
  });
  afterEach(() => ring.shutdown());

  it('a buffer transferred before the flush fails its write with EINVAL; the next op works', async () => {
    const file = path.join(tmp.dir, 'a');
    const fd = fs.openSync(file, 'w+');
    try {
      const buf = Buffer.alloc(64, 1);
      const pending = ring.write(fd, buf, 0, 64, 0);
      detach(buf);
      const err = await pending.then(
        () => null,
        (e) => e,
      );
      expect(err).to.include({ code: 'EINVAL', syscall: 'write' });
      expect(await ring.write(fd, Buffer.alloc(8, 2), 0, 8, 0)).to.equal(8);
      expect(fs.readFileSync(file)).to.deep.equal(Buffer.alloc(8, 2));
    } finally {
      fs.closeSync(fd);
    }
  });

  it('a refused op in a chain fails the whole group: its index gets EINVAL, the rest ECANCELED, nothing runs', async () => {
    const file = path.join(tmp.dir, 'b');
    const fd = fs.openSync(file, 'w+');
    try {
      const before = Buffer.alloc(16, 3);
      const bad = Buffer.alloc(16, 4);
      // A single op staged just before the chain, and one just after: neither
      // may be linked to the refused group.
      const first = ring.write(fd, before, 0, 16, 0);
      const chain = ring
        .chain()
        .write(fd, before, 0, 16, 16)
        .write(fd, bad, 0, 16, 32)
        .fdatasync(fd)
        .run();
      const after = ring.write(fd, before, 0, 16, 48);
      detach(bad);
      const err = await chain.then(
        () => null,
        (e) => e,
      );
      expect(err).to.be.instanceOf(ChainError);
      expect(err.index).to.equal(1);
      expect(err.cause).to.include({ code: 'EINVAL' });
      expect(err.results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
      expect(err.results[0].reason).to.include({ code: 'ECANCELED' });
      expect(err.results[2].reason).to.include({ code: 'ECANCELED' });
      expect(await first).to.equal(16);
      expect(await after).to.equal(16);
      const content = fs.readFileSync(file);
      expect(content.length).to.equal(64);
      expect(content.subarray(16, 48)).to.deep.equal(Buffer.alloc(32, 0));
    } finally {
      fs.closeSync(fd);
    }
  });

  it('more ops than the staging area holds at once are all staged, in order', async () => {
    const small = new Ring({ backend: 'io_uring', entries: 4 });
    try {
      const order = [];
      const all = [];
      for (let i = 0; i < 2000; i++) all.push(small.nop().then(() => order.push(i)));
      await Promise.all(all);
      expect(order).to.deep.equal([...Array(2000).keys()]);
    } finally {
      await small.shutdown();
    }
  });
});

(IS_LINUX ? describe : describe.skip)('staging area memory [io_uring]', () => {
  const tmp = useTempDir();

  it('does not keep a buffer alive once its op has settled', async () => {
    const ring = new Ring({ backend: 'io_uring' });
    const fd = fs.openSync(path.join(tmp.dir, 'c'), 'w+');
    try {
      let ref;
      await (async () => {
        const big = Buffer.alloc(1 << 20, 7);
        ref = new WeakRef(big);
        expect(await ring.write(fd, big, 0, big.length, 0)).to.equal(big.length);
      })();
      for (let i = 0; i < 10 && ref.deref() !== undefined; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        global.gc();
      }
      expect(ref.deref()).to.equal(undefined);
    } finally {
      fs.closeSync(fd);
      await ring.shutdown();
    }
  });
});
