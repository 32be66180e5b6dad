// Ring#setIowqAffinity and Ring#setIowqMaxWorkers: the kernel's io-wq workers
// of a fresh process (a child, so this process's own workers are not touched)
// obey both; bad arguments, the fs backend and a closed ring get clear errors.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { Ring, isIoUringAvailable } from '../index.mjs';
import { FIXTURES, makeTempDir, removeTempDir } from './helpers.mjs';

const run = promisify(execFile);

describe('io-wq affinity and worker limits', function () {
  before(function () {
    if (!isIoUringAvailable()) this.skip();
  });

  it('new workers run on the CPUs given and no more than the bounded limit exist', async function () {
    this.timeout(30000);
    const dir = makeTempDir();
    try {
      const { stdout } = await run(process.execPath, [path.join(FIXTURES, 'iowq-child.mjs'), dir]);
      const seen = JSON.parse(stdout);
      // {} reads the limits; setting returns them as they were.
      expect(seen.returned).to.deep.equal(seen.initial);
      expect(seen.initial.bounded).to.be.greaterThan(0);
      expect(seen.limits).to.deep.equal({ bounded: 2, unbounded: seen.initial.unbounded });
      expect(seen.workers.length).to.be.within(1, 2);
      for (const cpus of seen.workers) expect(cpus).to.equal('0');
    } finally {
      removeTempDir(dir);
    }
  });

  it('checks its arguments', function () {
    const ring = new Ring({ backend: 'io_uring' });
    try {
      expect(() => ring.setIowqAffinity([])).to.throw(RangeError, /at least one CPU/);
      expect(() => ring.setIowqAffinity([-1])).to.throw(RangeError, /cpus\[0\]/);
      expect(() => ring.setIowqAffinity([0, 1024])).to.throw(RangeError, /cpus\[1\]/);
      expect(() => ring.setIowqAffinity([0.5])).to.throw(RangeError, /integer/);
      expect(() => ring.setIowqAffinity('0')).to.throw(TypeError, /array of CPU numbers or null/);
      expect(() => ring.setIowqMaxWorkers(null)).to.throw(TypeError, /"limits"/);
      expect(() => ring.setIowqMaxWorkers({ bounded: -1 })).to.throw(RangeError, /limits.bounded/);
      expect(() => ring.setIowqMaxWorkers({ unbounded: 2 ** 31 })).to.throw(RangeError);
      expect(() => ring.setIowqMaxWorkers({ threads: 4 })).to.throw(TypeError, /limits.threads/);
    } finally {
      void ring.shutdown();
    }
  });

  it('a CPU this thread may not run on is EINVAL', async function () {
    const ring = new Ring({ backend: 'io_uring' });
    try {
      expect(() => ring.setIowqAffinity([1023]))
        .to.throw()
        .that.includes({
          code: 'EINVAL',
          syscall: 'io_uring_register',
        });
    } finally {
      await ring.shutdown();
    }
  });

  it('needs the io_uring backend and a live ring', async function () {
    const fsRing = new Ring({ backend: 'fs' });
    expect(() => fsRing.setIowqAffinity([0]))
      .to.throw()
      .with.property('code', 'ERR_URING_UNSUPPORTED');
    expect(() => fsRing.setIowqMaxWorkers({}))
      .to.throw()
      .with.property('code', 'ERR_URING_UNSUPPORTED');
    await fsRing.shutdown();
    const ring = new Ring({ backend: 'io_uring' });
    await ring.shutdown();
    expect(() => ring.setIowqAffinity(null))
      .to.throw()
      .with.property('code', 'ERR_URING_CLOSED');
    expect(() => ring.setIowqMaxWorkers({}))
      .to.throw()
      .with.property('code', 'ERR_URING_CLOSED');
  });
});
