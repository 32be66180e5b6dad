// Security properties: SQPOLL is off unless asked for; a ring refuses work once the process
// changed user (child process, as root, becoming nobody); no fd survives shutdown().
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { Ring } from '../index.mjs';
import {
  backends,
  makeFifo,
  makeTempDir,
  removeTempDir,
  runNode,
  lastJsonLine,
  FIXTURES,
  IS_LINUX,
} from './helpers.mjs';

const SQPOLL = 1 << 1;
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

function hasUser(name) {
  try {
    execFileSync('id', [name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Every open fd of this process and what it points to. */
function fdTable() {
  const table = {};
  for (const name of fs.readdirSync('/proc/self/fd')) {
    try {
      table[name] = fs.readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      // the directory listing's own fd
    }
  }
  return table;
}
const added = (before, after) =>
  Object.entries(after)
    .filter(([fd, link]) => before[fd] !== link)
    .map(([fd, link]) => `${fd} -> ${link}`);

(IS_LINUX ? describe : describe.skip)('security', function () {
  it('SQPOLL is off by default: no IORING_SETUP_SQPOLL, no iou-sqp kernel thread', async function () {
    const ring = new Ring({ backend: 'io_uring' });
    try {
      expect(ring.features.setupFlags & SQPOLL).to.equal(0);
      await ring.nop();
      const threads = fs
        .readdirSync('/proc/self/task')
        .map((tid) => fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim());
      expect(threads.filter((n) => n.startsWith('iou-sqp'))).to.deep.equal([]);
    } finally {
      await ring.shutdown();
    }
  });

  describe('a ring created as root, after process.setuid(nobody)', function () {
    let dir;
    let secret;
    before(function () {
      if (!IS_ROOT || !hasUser('nobody')) this.skip();
      dir = makeTempDir();
      fs.chmodSync(dir, 0o755); // nobody may look inside, not read the secret
      secret = path.join(dir, 'secret');
      fs.writeFileSync(secret, 'root only', { mode: 0o600 });
    });
    after(() => removeTempDir(dir));

    for (const [mode, how] of [
      ['api', 'process.setgroups/setgid/setuid'],
      ['raw', 'setters captured before the library loaded (as native code would)'],
    ]) {
      it(`refuses every op with EPERM once the user changed through ${how}`, async function () {
        this.timeout(30_000);
        const env = { ...process.env };
        delete env.URING_LOOP_BACKEND;
        const child = await runNode([path.join(FIXTURES, 'setuid-ring.mjs'), secret, mode], {
          env,
        });
        expect(child.code, child.stderr).to.equal(0);
        const r = lastJsonLine(child);
        expect(r.backends).to.deep.equal(['io_uring', 'io_uring']);
        expect(r.rootOpen).to.deep.equal({ ok: 'fd' });
        expect(r.rootSqpollOpen).to.deep.equal({ ok: 'fd' });
        expect(r.uid).to.not.equal(0);
        for (const key of ['open', 'sqpollOpen', 'nop', 'chain']) {
          expect(r[key].code, key).to.equal('EPERM');
          expect(r[key].errno, key).to.equal(-1);
          expect(r[key].message, key).to.include('created with other credentials');
        }
        expect(r.open.syscall).to.equal('open');
        if (mode === 'raw') {
          // the SQPOLL thread would open the secret with root's rights: refused at once
          expect(r.sqpollRawOpen.code).to.equal('EPERM');
          expect(r.rawNoticedAfter).to.be.within(0, 256);
        }
        expect(r.freshNop).to.deep.equal({ ok: null });
        expect(r.freshOpen.code, 'a new ring has nobody’s rights').to.equal('EACCES');
        expect(r.fsOpen.code).to.equal('EACCES');
        expect(r.shutdown).to.deep.equal({ ok: 'done' });
      });
    }
  });

  describe('no fd survives shutdown()', function () {
    for (const backend of backends()) {
      it(`[${backend}] rings, chain files left open, and ops in flight at shutdown leave no fd behind`, async function () {
        this.timeout(30_000);
        const dir = makeTempDir();
        const fifo = makeFifo(dir);
        const before = fdTable();
        try {
          for (let round = 0; round < 5; round++) {
            const ring = new Ring({ backend, entries: 8 });
            const c = ring.chain();
            const kept = c.open(path.join(dir, `kept-${round}`), 'w');
            c.write(kept, Buffer.from('kept open'));
            await c.run();
            const fd = await ring.open(path.join(dir, `plain-${round}`), 'w');
            await ring.close(fd);
            const pending = [
              ring.sleep(60_000),
              ring.read(fifo.fd, Buffer.alloc(16), 0, 16, null),
              ring.write(kept, Buffer.from('!')),
            ].map((p) =>
              p.then(
                () => 'ok',
                (err) => err.code,
              ),
            );
            await ring.shutdown();
            // The fs backend's read still waits in libuv's pool (node:fs cannot be interrupted):
            // feed it, or the pool's four threads fill up round after round.
            if (backend === 'fs') fifo.feed(Buffer.alloc(16));
            const settled = await Promise.all(pending);
            expect(settled[0]).to.equal('ECANCELED');
            expect(['ok', 'ECANCELED', 'ERR_URING_CLOSED']).to.include(settled[2]);
            expect(kept.open, 'the chain file is closed by shutdown()').to.equal(false);
          }
          expect(added(before, fdTable())).to.deep.equal([]);
        } finally {
          fifo.release(); // a read of the fs backend may still wait in libuv's pool
          removeTempDir(dir);
        }
      });
    }
  });
});
