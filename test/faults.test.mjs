// Fault injection on the io_uring backend: completion queue overflow on a tiny CQ, submission
// queue exhaustion by chains longer than half the ring, and submits the kernel refuses
// (EAGAIN, ENOMEM, EBUSY, EINTR through the addon's test-only URING_LOOP_FAULT_SUBMIT hook),
// which must be retried later and never fail an op; and the nudge that releases requests stuck
// in the kernel's io-wq queue.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';

import { Ring } from '../index.mjs';
import {
  backendOf,
  useTempDir,
  runNode,
  lastJsonLine,
  fdsPointingTo,
  makeFifo,
  delay,
  FIXTURES,
  IS_LINUX,
} from './helpers.mjs';

/** CQEs the kernel holds back in its overflow list, over all rings of this process (fdinfo). */
function overflowedCqes() {
  const out = [];
  for (const fd of fdsPointingTo('anon_inode:[io_uring]')) {
    const lines = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.startsWith('CqOverflowList:'));
    for (let i = at + 1; at >= 0 && i < lines.length && /^\s/.test(lines[i]); i++)
      out.push(lines[i]);
  }
  return out;
}

(IS_LINUX ? describe : describe.skip)('fault injection (io_uring)', function () {
  const t = useTempDir();

  it('a 2-entry CQ loses nothing under 100 000 ops with cancels and timeouts', async function () {
    this.timeout(120_000);
    const ring = new Ring({ backend: 'io_uring', entries: 2, cqEntries: 2 });
    t.defer(() => ring.shutdown());
    expect(ring.features.cqEntries).to.equal(2);
    const fd = fs.openSync(t.file('cq.bin'), 'w+');
    t.defer(() => fs.closeSync(fd));
    const rec = (i) => Buffer.from(`${String(i).padStart(7, '0')}\n`); // 8 bytes
    let ops = 0;
    let i = 0;
    while (ops < 100_000) {
      const batch = [];
      for (let k = 0; k < 200; k++, i++) {
        if (i % 50 === 7) {
          // a cancel and a linked timeout each bring one more CQE
          const ac = new AbortController();
          batch.push(
            ring.sleep(60_000, { signal: ac.signal }).then(
              () => expect.fail('sleep resolved'),
              (err) => expect(err.name).to.equal('AbortError'),
            ),
          );
          batch.push(
            ring.sleep(60_000, { timeout: 1 }).then(
              () => expect.fail('sleep resolved'),
              (err) => expect(err.code).to.equal('ETIMEDOUT'),
            ),
          );
          setImmediate(() => ac.abort());
          ops += 2;
        } else if (i % 3 === 0) {
          batch.push(
            ring
              .chain()
              .write(fd, rec(i), 0, 8, i * 8)
              .nop()
              .run()
              .then((r) => expect(r).to.deep.equal([8, undefined])),
          );
          ops += 2;
        } else {
          batch.push(ring.write(fd, rec(i), 0, 8, i * 8).then((n) => expect(n).to.equal(8)));
          ops += 1;
        }
      }
      await Promise.all(batch);
    }
    const content = fs.readFileSync(t.file('cq.bin'));
    for (let j = 0; j < i; j++) {
      if (j % 50 === 7) continue;
      const got = content.subarray(j * 8, j * 8 + 8);
      if (!got.equals(rec(j))) expect.fail(`record ${j}: ${JSON.stringify(got.toString())}`);
    }
    const s = ring.stats();
    expect(s.completed).to.equal(s.submitted);
    expect(s.inFlight).to.equal(0);
    expect(s.cqesReaped + s.cqesSkipped).to.equal(s.sqesSubmitted);
    expect(overflowedCqes()).to.deep.equal([]);
  });

  it('chains longer than half the SQ, many at once: all complete, in order, never split wrongly', async function () {
    this.timeout(60_000);
    const ring = new Ring({ backend: 'io_uring', entries: 8 });
    t.defer(() => ring.shutdown());
    const fd = fs.openSync(t.file('sq.bin'), 'w+');
    t.defer(() => fs.closeSync(fd));
    const N = 1500;
    const runs = [];
    const reads = [];
    for (let i = 0; i < N; i++) {
      const len = 5 + (i % 4); // 5..8 ops in an 8-entry SQ
      const c = ring.chain();
      for (let k = 0; k < len - 1; k++) c.write(fd, Buffer.from([k + 1]), 0, 1, i * 8 + k);
      const back = Buffer.alloc(len - 1);
      reads.push(back);
      c.read(fd, back, 0, len - 1, i * 8);
      runs.push(c.run());
      if (i % 5 === 0) runs.push(ring.nop()); // singles in between, at every SQ offset
      if (i % 97 === 0) {
        // a chain that ends its submission early (mkdir does not break links by itself)
        const d = t.file(`dir-${i}`);
        runs.push(
          ring
            .chain()
            .mkdir(d)
            .mkdir(path.join(d, 'a'))
            .mkdir(path.join(d, 'a', 'b'))
            .nop()
            .nop()
            .run(),
        );
      }
    }
    await Promise.all(runs);
    reads.forEach((b, i) => {
      const want = Buffer.from(Array.from({ length: b.length }, (_, k) => k + 1));
      if (!b.equals(want)) expect.fail(`chain ${i} read ${b.toString('hex')}`);
    });
    const err = await ring
      .chain()
      .nop()
      .nop()
      .nop()
      .nop()
      .nop()
      .nop()
      .nop()
      .nop()
      .nop()
      .run()
      .catch((e) => e);
    expect(err).to.be.instanceOf(RangeError);
    expect(ring.stats().inFlight).to.equal(0);
  });

  it('requests in flight with no completion for a second get an io-wq nudge, then ever fewer', async function () {
    this.timeout(20_000);
    const ring = new Ring({ backend: 'io_uring' });
    t.defer(() => ring.shutdown());
    const fifo = makeFifo(t.dir);
    t.defer(() => fifo.release());
    const buf = Buffer.alloc(5);
    const reading = ring.read(fifo.fd, buf, 0, 5, null);
    // The ring checks once a second: nudges after 1-2 s of silence, then 2 s later (it doubles).
    await delay(4600);
    expect(backendOf(ring).stallNudges).to.equal(2);
    fifo.feed('hello');
    expect(await reading).to.equal(5);
    expect(buf.toString()).to.equal('hello');
    const s = ring.stats();
    expect(s.cqesReaped + s.cqesSkipped, 'the nudges completed too').to.equal(s.sqesSubmitted);
    expect(s.inFlight).to.equal(0);
    await delay(1500);
    expect(backendOf(ring).stallNudges, 'no nudge while nothing is in flight').to.equal(2);
  });

  for (const fault of ['EAGAIN:3', 'ENOMEM:2', 'EBUSY:5', 'EINTR:4']) {
    it(`submits failing with ${fault.replace(':', ' (every n-th: ')}) are retried: no op fails or is lost`, async function () {
      this.timeout(60_000);
      const env = { ...process.env, URING_LOOP_FAULT_SUBMIT: fault };
      const child = await runNode([path.join(FIXTURES, 'submit-faults.mjs'), t.dir, '4', '20000'], {
        env,
        timeout: 50_000,
      });
      expect(child.code, child.stderr).to.equal(0);
      const out = lastJsonLine(child);
      expect(out.failures).to.deep.equal([]);
      expect(out.ops).to.be.at.least(20_000);
      expect(out.stats.completed).to.equal(out.stats.submitted);
      expect(out.stats.submitRetries, 'the hook really made submits fail').to.be.greaterThan(100);
      expect(out.stats.cqesReaped + out.stats.cqesSkipped).to.equal(out.stats.sqesSubmitted);
    });
  }
});
