// Worker threads under load, in a child process so that a crash fails cleanly: the main thread
// and two workers each run 100 000 ops on their own rings; then workers with sleeps, FIFO reads,
// chains holding direct descriptors and streams of writes in flight are terminated, round after
// round, while the main thread keeps going. Nothing may crash, and afterwards the process may
// hold no fd and no io_uring instance it did not hold before.
import { expect } from 'chai';
import path from 'node:path';

import { runNode, lastJsonLine, FIXTURES, IS_LINUX } from './helpers.mjs';

(IS_LINUX ? describe : describe.skip)('worker threads under load', function () {
  it('main + 2 workers x 100 000 ops, then terminate() with ops in flight: no crash, no leaked fd or ring', async function () {
    this.timeout(120_000);
    const env = { ...process.env };
    delete env.URING_LOOP_BACKEND;
    const child = await runNode([path.join(FIXTURES, 'threads-stress.mjs'), '100000', '6'], {
      env,
      timeout: 110_000,
    });
    expect(child.signal, `child died: ${child.stderr}`).to.equal(null);
    expect(child.code, child.stderr).to.equal(0);
    const r = lastJsonLine(child);

    expect(r.main).to.deep.equal({ done: 100_000, mismatches: 0 });
    expect(r.workers).to.have.length(2);
    for (const [i, w] of r.workers.entries()) {
      expect(w.errors, `worker ${i}`).to.deep.equal([]);
      expect(w.messages, `worker ${i} reports once`).to.have.length(1);
      const [m] = w.messages;
      expect(m.backend).to.equal('io_uring');
      expect(m.done).to.be.at.least(100_000);
      expect(m.mismatches).to.equal(0);
    }
    expect(r.workers[0].messages[0].threadId).to.not.equal(r.workers[1].messages[0].threadId);

    expect(r.terminated).to.have.length(6);
    for (const [round, t] of r.terminated.entries()) {
      expect(t.errors, `round ${round}`).to.deep.equal([]);
      expect(t.ready, `round ${round}: workers had ops in flight`).to.deep.equal([true, true]);
      expect(t.codes, `round ${round}: terminate() exit codes`).to.deep.equal([1, 1]);
    }
    expect(r.mainDuring.mismatches).to.equal(0);
    expect(r.mainStats.completed).to.equal(r.mainStats.submitted);

    expect(r.rings.after, 'io_uring instances left').to.equal(r.rings.before);
    expect(r.leaked, 'fds left open').to.deep.equal([]);
  });
});
