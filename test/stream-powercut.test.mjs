// Power loss for the write streams: a child writes files of numbered lines through
// destination({ fsync: 'batch' }) and createWriteStream(..., { fsync: 'batch' }) on powercutfs,
// each file in a directory the stream creates, and prints what a flush() callback or 'finish'
// acknowledged. After a power cut at a random moment (unsynced state dropped or torn) and a
// remount, every acknowledged line of every file must be there, intact and in order.
//   POWERCUT_ROUNDS   the log's rounds; these tests run an eighth of them (at least 5) each
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { FIXTURES, backends } from './helpers.mjs';
import { streamLines } from './fixtures/stream-lines.mjs';
import { MODES, PowercutMount, powercutScratch, requirePowercut, seedSource } from './powercut.mjs';

const ROUNDS = Math.max(5, Math.ceil(Number(process.env.POWERCUT_ROUNDS || 20) / 8));

function cutRound(mount, dir, kind, backend, mode, seed, acked) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(FIXTURES, 'stream-powercut-child.mjs'), dir, kind, backend],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let buffered = '';
    let stderr = '';
    let timer;
    let cutting;
    const cutNow = () => {
      cutting ??= mount.cut(mode, seed).finally(() => child.kill('SIGKILL'));
    };
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d) => {
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        const [, file, count] = line.split(' ');
        acked.set(file, Math.max(acked.get(file) ?? 0, Number(count)));
      }
      timer ??= setTimeout(cutNow, Math.random() * 400);
    });
    const guard = setTimeout(cutNow, 15000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(timer);
      if (!cutting) {
        reject(new Error(`the writer ended before the cut (${code}/${signal}):\n${stderr}`));
        return;
      }
      cutting.then(resolve, reject);
    });
  });
}

/** Files whose acknowledged lines are not all there, with what is wrong. */
function losses(acked) {
  const found = [];
  for (const [file, count] of acked) {
    let content;
    try {
      content = fs.readFileSync(file);
    } catch (err) {
      found.push(`${file}: ${err.code}, ${count} lines were acknowledged`);
      continue;
    }
    const expected = streamLines(file, count);
    if (
      content.length < expected.length ||
      !content.subarray(0, expected.length).equals(expected)
    ) {
      found.push(`${file}: the first ${count} acknowledged lines are not intact`);
    }
  }
  return found;
}

describe('write streams under power loss (powercutfs)', function () {
  this.timeout(ROUNDS * 10000 + 60000);

  before(async function () {
    this.timeout(60000);
    await requirePowercut(this);
  });

  for (const kind of ['destination', 'stream']) {
    it(`${kind} with fsync: 'batch' keeps what flush() and 'finish' acknowledged across ${ROUNDS} power cuts`, async function () {
      const scratch = powercutScratch();
      const nextSeed = seedSource();
      let mount = await PowercutMount.mount(scratch.backing, scratch.mountpoint);
      const acked = new Map();
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const backend = backends()[round % backends().length];
          const mode = MODES[round % MODES.length];
          const seed = nextSeed();
          const dir = path.join(scratch.mountpoint, `r${round}`);
          await cutRound(mount, dir, kind, backend, mode, seed, acked);
          await mount.unmount();
          mount = await PowercutMount.mount(scratch.backing, scratch.mountpoint);
          const lost = losses(acked);
          expect(
            lost,
            `round ${round} (${mode}, seed ${seed}, ${backend}):\n${lost.join('\n')}`,
          ).to.deep.equal([]);
        }
        const lines = [...acked.values()].reduce((a, b) => a + b, 0);
        expect(lines, 'lines were acknowledged').to.be.greaterThan(0);
        this.test.title += ` (${acked.size} files, ${lines} lines acknowledged)`;
      } finally {
        await mount.unmount().catch(() => undefined);
        scratch.remove();
      }
    });
  }
});
