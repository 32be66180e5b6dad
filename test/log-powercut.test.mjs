// Power loss: the durable log on powercutfs (test/tools/powercutfs), a FUSE file system that keeps
// what no fsync has covered so that a simulated power cut can throw it away. A child appends from
// 16 producers and prints every acknowledged LSN; at a random moment the power is cut (everything
// unsynced dropped, or a torn part of it kept), the child is killed, the file system remounted,
// and the log reopened: recovery must succeed and every acknowledged record be there, intact, in
// order, with nothing exposed after a gap. Small segments put rollovers, preallocation and the
// spare segment under the cuts too. The same log goes through every round.
//   POWERCUT_ROUNDS   rounds (default 20; npm run test:crash runs 200), and a quarter as many
//                     on a file system without fallocate and with preallocate: false
//   POWERCUT_SEED     first cut seed (each round uses the next), to replay a failure
// The negative control runs the child with the test-only switches that skip the log's
// fdatasync or its directory fsync: the harness must then see acknowledged records lost.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { DurableLog, Ring } from '../index.mjs';
import { FIXTURES, backends } from './helpers.mjs';
import { checkPayload } from './fixtures/log-records.mjs';
import { MODES, PowercutMount, powercutScratch, requirePowercut, seedSource } from './powercut.mjs';

const ROUNDS = Number(process.env.POWERCUT_ROUNDS || 20);
/** Rounds without fallocate, and with preallocate: false: a quarter as many each. */
const NO_FALLOCATE_ROUNDS = Math.max(5, Math.ceil(ROUNDS / 4));
const SEGMENTS = [4096, 16 * 1024, 64 * 1024];

/**
 * Runs the writer until the cut: `cutAfterMs` after its first acknowledgement, or (early) that
 * long after it starts, so that some cuts land in open() and recovery. Returns the LSNs it
 * acknowledged and what the cut kept.
 */
function cutRound(
  mount,
  dir,
  { backend, segment, preallocate, env, early, cutAfterMs, mode, seed },
) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        path.join(FIXTURES, 'log-crash-child.mjs'),
        dir,
        backend,
        String(segment),
        '0',
        String(preallocate),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
    );
    let buffered = '';
    let stderr = '';
    let cut = null;
    let cutting;
    const acked = [];
    const cutNow = () => {
      if (cutting) return;
      cutting = mount.cut(mode, seed).then(
        (report) => {
          cut = report;
          child.kill('SIGKILL');
        },
        (err) => {
          child.kill('SIGKILL');
          reject(err);
        },
      );
    };
    let timer = early ? setTimeout(cutNow, cutAfterMs) : undefined;
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d) => {
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) if (line && !line.startsWith('open ')) acked.push(Number(line));
      if (acked.length > 0 && timer === undefined) timer = setTimeout(cutNow, cutAfterMs);
    });
    // A writer that stalls (it never should) is cut all the same.
    const guard = setTimeout(cutNow, 15000);
    child.on('error', reject);
    child.on('close', async (code, signal) => {
      clearTimeout(guard);
      clearTimeout(timer);
      if (!cutting) {
        reject(new Error(`the writer ended before the cut (${code}/${signal}):\n${stderr}`));
        return;
      }
      await cutting;
      resolve({ acked, cut });
    });
  });
}

/**
 * Reopens the log after a cut and checks it against what was acknowledged. Returns the problems
 * found (none when the log kept its promise) and what recovery reported.
 */
async function verifyLog(dir, backend, segment, preallocate, maxAcked) {
  const problems = [];
  const ring = new Ring({ backend });
  try {
    let log;
    try {
      log = await DurableLog.open(dir, { ring, segmentSize: segment, preallocate });
    } catch (err) {
      return { problems: [`recovery failed: ${err.stack}`], recovered: false };
    }
    const recovered = log.recovery !== null;
    const preallocation = log.stats().preallocation;
    if (log.nextLsn - 1 < maxAcked) {
      problems.push(`open: next LSN ${log.nextLsn}, but LSN ${maxAcked} was acknowledged`);
    }
    await log.close();
    let expectLsn = 1;
    const lastSeq = new Map();
    try {
      for await (const rec of DurableLog.read(dir, { ring })) {
        if (rec.lsn !== expectLsn) {
          problems.push(`read: LSN ${rec.lsn} where ${expectLsn} was due (a gap)`);
          break;
        }
        expectLsn++;
        const [producer, seq] = checkPayload(rec.payload);
        if (lastSeq.has(producer) && seq !== 0 && seq <= lastSeq.get(producer)) {
          problems.push(`read: producer ${producer} out of order at LSN ${rec.lsn}`);
        }
        lastSeq.set(producer, seq);
      }
    } catch (err) {
      problems.push(`read failed: ${err.message}`);
    }
    if (expectLsn - 1 < maxAcked) {
      problems.push(`read: ${expectLsn - 1} records, but LSN ${maxAcked} was acknowledged`);
    }
    return { problems, recovered, preallocation };
  } finally {
    await ring.shutdown();
  }
}

/**
 * `rounds` power cuts on one log. With `stopAtLoss`, returns at the first round that lost
 * something (the negative control); otherwise every round must be clean.
 */
async function powerCutRounds(
  rounds,
  { fallocate = true, preallocate = true, env = {}, stopAtLoss = false, modes },
) {
  const scratch = powercutScratch();
  const nextSeed = seedSource();
  const summary = {
    rounds: 0,
    acked: 0,
    recoveries: 0,
    cutsEarly: 0,
    losses: [],
    preallocation: {},
  };
  const totals = { fdatasyncs: 0, dsync_writes: 0, fsyncdirs: 0, fallocates_refused: 0 };
  let mount = await PowercutMount.mount(scratch.backing, scratch.mountpoint, { fallocate });
  try {
    const dir = path.join(scratch.mountpoint, 'log');
    let maxAcked = 0;
    const segment = SEGMENTS[Math.floor(Math.random() * SEGMENTS.length)];
    for (let round = 0; round < rounds; round++) {
      const list = backends();
      const backend = list[round % list.length];
      const mode = (modes ?? MODES)[round % (modes ?? MODES).length];
      const seed = nextSeed();
      const early = Math.random() < 0.15;
      const cutAfterMs = early ? 30 + Math.random() * 150 : Math.random() * 120;
      const { acked, cut } = await cutRound(mount, dir, {
        backend,
        segment,
        preallocate,
        env,
        early,
        cutAfterMs,
        mode,
        seed,
      });
      if (acked.length === 0) summary.cutsEarly++;
      for (const lsn of acked) if (lsn > maxAcked) maxAcked = lsn;
      summary.acked += acked.length;
      if (cut?.missing) summary.losses.push(`round ${round}: the cut found no inode for an entry`);
      const counters = await mount.stats();
      for (const key of Object.keys(totals)) totals[key] += counters[key];
      await mount.unmount();
      mount = await PowercutMount.mount(scratch.backing, scratch.mountpoint, { fallocate });
      const v = await verifyLog(dir, backend, segment, preallocate, maxAcked);
      summary.rounds++;
      if (v.recovered) summary.recoveries++;
      summary.preallocation[backend] = v.preallocation;
      if (v.problems.length > 0) {
        const where = `round ${round} (${mode}, seed ${seed}, ${backend}, ${segment} B segments)`;
        summary.losses.push(`${where}: ${v.problems.join('; ')} [cut: ${JSON.stringify(cut)}]`);
        if (stopAtLoss) break;
        // Go on from what is there: later rounds must not blame this one's loss.
        maxAcked = 0;
      }
    }
    summary.stats = totals;
    return summary;
  } finally {
    await mount.unmount().catch(() => undefined);
    scratch.remove();
  }
}

describe('DurableLog under power loss (powercutfs)', function () {
  // Generous: on a loaded 2-core machine a round has taken up to 3 s.
  this.timeout(ROUNDS * 8000 + 60000);

  before(async function () {
    this.timeout(60000);
    await requirePowercut(this);
  });

  it('an fsync and an fdatasync submitted through io_uring reach the file system', async function () {
    if (!backends().includes('io_uring')) this.skip();
    const scratch = powercutScratch();
    const mount = await PowercutMount.mount(scratch.backing, scratch.mountpoint);
    const ring = new Ring({ backend: 'io_uring' });
    try {
      const before = await mount.stats();
      const fd = await ring.open(path.join(scratch.mountpoint, 'f'), 'w');
      await ring.write(fd, Buffer.from('x'), 0, 1, 0);
      await ring.fdatasync(fd);
      await ring.fsync(fd);
      await ring.close(fd);
      const dirFd = await ring.open(scratch.mountpoint, fs.constants.O_RDONLY);
      await ring.fsync(dirFd);
      await ring.close(dirFd);
      const after = await mount.stats();
      expect(after.writes - before.writes, 'writes').to.equal(1);
      expect(after.fdatasyncs - before.fdatasyncs, 'fdatasyncs').to.equal(1);
      expect(after.fsyncs - before.fsyncs, 'fsyncs').to.equal(1);
      expect(after.fsyncdirs - before.fsyncdirs, 'directory fsyncs').to.equal(1);
      expect(after.dirty_files, 'nothing unsynced').to.equal(0);
    } finally {
      await ring.shutdown();
      await mount.unmount();
      scratch.remove();
    }
  });

  it('a write with O_DSYNC survives a cut for its own range (not its directory entry); writes around it without it do not', async function () {
    if (!backends().includes('io_uring')) this.skip();
    const scratch = powercutScratch();
    let mount = await PowercutMount.mount(scratch.backing, scratch.mountpoint);
    const at = (name) => path.join(scratch.mountpoint, name);
    const ring = new Ring({ backend: 'io_uring' });
    const open = [];
    const closeAll = () => open.splice(0).forEach((f) => fs.closeSync(f));
    try {
      const fd = fs.openSync(at('f'), 'w');
      fs.fsyncSync(fd);
      // Opened O_DSYNC: every write of it is synced.
      const { O_CREAT, O_DSYNC, O_WRONLY } = fs.constants;
      const opened = fs.openSync(at('opened'), O_WRONLY | O_CREAT | O_DSYNC);
      const rootFd = fs.openSync(scratch.mountpoint, 'r');
      open.push(fd, opened, rootFd);
      fs.fsyncSync(rootFd);
      const before = await mount.stats();
      await ring.write(fd, Buffer.from('lost'), 0, 4, 0);
      await ring.write(fd, Buffer.from('kept'), 0, 4, 8, { dsync: true });
      await ring.write(fd, Buffer.from('gone'), 0, 4, 12);
      fs.writeSync(opened, 'synced by O_DSYNC');
      // Data synced, directory entry not: the file is gone after the cut.
      const unnamed = fs.openSync(at('unnamed'), 'w');
      open.push(unnamed);
      await ring.writev(unnamed, [Buffer.from('data')], 0, { dsync: true });
      const after = await mount.stats();
      expect(after.writes - before.writes, 'writes').to.equal(5);
      expect(after.dsync_writes - before.dsync_writes, 'writes with O_DSYNC').to.equal(3);
      expect(after.fdatasyncs - before.fdatasyncs, 'no fdatasync was sent').to.equal(0);
      closeAll();
      await mount.cut('drop', 1);
      await mount.unmount();
      mount = await PowercutMount.mount(scratch.backing, scratch.mountpoint);
      expect(fs.readdirSync(scratch.mountpoint).sort()).to.deep.equal(['f', 'opened']);
      expect(fs.readFileSync(at('f'))).to.deep.equal(
        Buffer.concat([Buffer.alloc(8), Buffer.from('kept')]),
      );
      expect(fs.readFileSync(at('opened'), 'utf8')).to.equal('synced by O_DSYNC');
    } finally {
      closeAll();
      await ring.shutdown();
      await mount.unmount();
      scratch.remove();
    }
  });

  it('a cut drops unsynced data, size and directory entries (create, rename, unlink), and keeps what was synced', async function () {
    const scratch = powercutScratch();
    let mount = await PowercutMount.mount(scratch.backing, scratch.mountpoint);
    const at = (name) => path.join(scratch.mountpoint, name);
    try {
      fs.mkdirSync(at('d'));
      const fd = fs.openSync(at('d/kept'), 'w');
      fs.writeSync(fd, 'synced');
      fs.fdatasyncSync(fd);
      fs.writeSync(fd, ' and not');
      const dirFd = fs.openSync(at('d'), 'r');
      fs.fsyncSync(dirFd);
      const rootFd = fs.openSync(scratch.mountpoint, 'r');
      fs.fsyncSync(rootFd);
      // Synced data, but its directory entry never was.
      const lost = fs.openSync(at('d/lost'), 'w');
      fs.writeSync(lost, 'data');
      fs.fsyncSync(lost);
      fs.renameSync(at('d/kept'), at('d/renamed'));
      // Durable files that an unsynced unlink and an unsynced rename over them removed.
      for (const name of ['unlinked', 'replaced', 'other']) fs.writeFileSync(at(name), name);
      for (const name of ['unlinked', 'replaced']) {
        const f = fs.openSync(at(name), 'r');
        fs.fsyncSync(f);
        fs.closeSync(f);
      }
      fs.fsyncSync(rootFd);
      fs.unlinkSync(at('unlinked'));
      fs.renameSync(at('other'), at('replaced'));
      for (const f of [fd, dirFd, rootFd, lost]) fs.closeSync(f);
      await mount.cut('drop', 1);
      await mount.unmount();
      mount = await PowercutMount.mount(scratch.backing, scratch.mountpoint);
      expect(fs.readdirSync(at('d')).sort()).to.deep.equal(['kept']);
      expect(fs.readFileSync(at('d/kept'), 'utf8')).to.equal('synced');
      expect(fs.readFileSync(at('unlinked'), 'utf8')).to.equal('unlinked');
      expect(fs.readFileSync(at('replaced'), 'utf8')).to.equal('replaced');
      // 'other' was durable too, though its data was not: an empty file.
      expect(fs.readdirSync(scratch.mountpoint).sort()).to.deep.equal([
        'd',
        'other',
        'replaced',
        'unlinked',
      ]);
      expect(fs.readFileSync(at('other'), 'utf8')).to.equal('');
    } finally {
      await mount.unmount();
      scratch.remove();
    }
  });

  it(`keeps every acknowledged record across ${ROUNDS} power cuts (drop, torn, prefix)`, async function () {
    const s = await powerCutRounds(ROUNDS, {});
    expect(s.losses, s.losses.join('\n')).to.deep.equal([]);
    expect(s.acked, 'records were acknowledged').to.be.greaterThan(0);
    expect(s.stats.fdatasyncs, 'fdatasyncs reached the file system').to.be.greaterThan(0);
    if (backends().includes('io_uring')) {
      expect(s.stats.dsync_writes, 'RWF_DSYNC writes reached the file system').to.be.greaterThan(0);
    }
    if (backends().includes('io_uring')) expect(s.preallocation.io_uring).to.equal('fallocate');
    this.test.title += ` (${s.acked} acks, ${s.recoveries} recoveries cut a tail, ${s.cutsEarly} cuts before the first ack)`;
  });

  it(`keeps every acknowledged record across ${NO_FALLOCATE_ROUNDS} power cuts where fallocate is not supported`, async function () {
    const s = await powerCutRounds(NO_FALLOCATE_ROUNDS, { fallocate: false });
    expect(s.losses, s.losses.join('\n')).to.deep.equal([]);
    expect(s.stats.fallocates_refused, 'fallocate was tried and refused').to.be.greaterThan(0);
    // The fs backend emulates fallocate (it grows the file), so only io_uring meets EOPNOTSUPP.
    if (backends().includes('io_uring')) {
      expect(s.preallocation.io_uring, 'stats() says how segments get their room').to.equal(
        'zero-fill',
      );
    }
    this.test.title += ` (${s.acked} acks, ${s.recoveries} recoveries cut a tail)`;
  });

  it(`keeps every acknowledged record across ${NO_FALLOCATE_ROUNDS} power cuts with preallocate: false`, async function () {
    // Segments grow with their records: each fdatasync must make the new size durable too.
    const s = await powerCutRounds(NO_FALLOCATE_ROUNDS, { preallocate: false });
    expect(s.losses, s.losses.join('\n')).to.deep.equal([]);
    expect(s.preallocation[backends()[0]]).to.equal('none');
    this.test.title += ` (${s.acked} acks, ${s.recoveries} recoveries cut a tail)`;
  });

  describe('negative control: the harness sees a log that skips its syncs', function () {
    it('skipping the batch fdatasync loses acknowledged records', async function () {
      const s = await powerCutRounds(10, {
        env: { URING_LOOP_TEST_SKIP_DATASYNC: '1' },
        stopAtLoss: true,
        modes: ['drop'],
      });
      expect(s.losses, 'a loss was detected').to.have.lengthOf(1);
      expect(s.losses[0]).to.match(/was acknowledged/);
      this.test.title += ` (found in round ${s.rounds}: ${s.losses[0].slice(0, 120)}...)`;
    });

    it("skipping a new segment's directory fsync loses acknowledged records", async function () {
      const s = await powerCutRounds(20, {
        env: { URING_LOOP_TEST_SKIP_DIRSYNC: '1' },
        stopAtLoss: true,
        modes: ['drop'],
      });
      expect(s.losses, 'a loss was detected').to.have.lengthOf(1);
      expect(s.losses[0]).to.match(/was acknowledged/);
      this.test.title += ` (found in round ${s.rounds})`;
    });
  });
});
