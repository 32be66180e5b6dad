// Property: whatever is written to a destination() — strings of any UTF-16
// content (multi-byte and astral characters, lone surrogates) and Buffers, from
// empty to past its 64 KiB chunks, with flush(), flushSync(), pauses and
// rename-and-reopen rotations in between — the files, in rotation order, end up
// holding exactly those bytes, in order, once.
import { expect } from 'chai';
import fc from 'fast-check';
import fs from 'node:fs';

import { createWriteStream, destination } from '../index.mjs';
import { describeBackends } from './helpers.mjs';

const KiB = 1024;
const MiB = 1024 * KiB;

const text = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 2000 }) },
  // Large: a repeated piece with multi-byte characters straddles chunk boundaries.
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 9000 }),
      )
      .map(([piece, times]) => piece.repeat(times)),
  },
);

const step = fc.oneof(
  { weight: 10, arbitrary: text.map((s) => ({ op: 'write', data: s })) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 150 * KiB }), fc.integer({ min: 0, max: 255 }))
      .map(([n, b]) => ({ op: 'write', data: Buffer.alloc(n, b) })),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'flush' }) },
  { weight: 1, arbitrary: fc.constant({ op: 'flushSync' }) },
  { weight: 1, arbitrary: fc.constant({ op: 'tick' }) },
  { weight: 1, arbitrary: fc.constant({ op: 'rotate' }) },
);

const scenario = fc.record({
  steps: fc.array(step, { minLength: 1, maxLength: 40 }),
  minLength: fc.constantFrom(0, 4096),
  fsync: fc.constantFrom('never', 'batch'),
});

function flushed(dest) {
  return new Promise((resolve, reject) => dest.flush((err) => (err ? reject(err) : resolve())));
}

describeBackends('destination() (property)', function (_backend, t) {
  it('the file holds exactly the bytes written, in order', async function () {
    this.timeout(120000);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const file = t.file(`p${run++}.log`);
        const rotated = [];
        const dest = destination({
          dest: file,
          ring: t.ring,
          minLength: s.minLength,
          fsync: s.fsync,
        });
        await new Promise((resolve, reject) => {
          dest.once('ready', resolve);
          dest.once('error', reject);
        });
        const expected = [];
        for (const st of s.steps) {
          if (st.op === 'write') {
            dest.write(st.data);
            expected.push(typeof st.data === 'string' ? Buffer.from(st.data, 'utf8') : st.data);
          } else if (st.op === 'flush') {
            await flushed(dest);
          } else if (st.op === 'flushSync') {
            dest.flushSync();
          } else if (st.op === 'rotate') {
            // Rename, then reopen the path: bytes written so far may land in either file.
            const to = `${file}.${rotated.length}`;
            fs.renameSync(file, to);
            rotated.push(to);
            dest.reopen();
            await new Promise((resolve, reject) => {
              dest.once('ready', resolve);
              dest.once('error', reject);
            });
          } else {
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
        const closed = new Promise((resolve, reject) => {
          dest.once('close', resolve);
          dest.once('error', reject);
        });
        dest.end();
        await closed;
        const files = [...rotated, file];
        const got = Buffer.concat(files.map((f) => fs.readFileSync(f)));
        expect(got.equals(Buffer.concat(expected))).to.equal(true);
        for (const f of files) fs.rmSync(f);
      }),
      { numRuns: 30, seed: 20261121 },
    );
  });
});

// The same through createWriteStream(): strings in several encodings, Buffers,
// cork()/uncork(), and a wait for 'drain' whenever write() says so.
const bytes = fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a));
const streamStep = fc.oneof(
  { weight: 4, arbitrary: text.map((str) => ({ op: 'write', data: str, encoding: 'utf8' })) },
  { weight: 1, arbitrary: text.map((str) => ({ op: 'write', data: str, encoding: 'latin1' })) },
  {
    weight: 1,
    arbitrary: bytes.map((b) => ({ op: 'write', data: b.toString('hex'), encoding: 'hex' })),
  },
  {
    weight: 1,
    arbitrary: bytes.map((b) => ({ op: 'write', data: b.toString('base64'), encoding: 'base64' })),
  },
  { weight: 2, arbitrary: bytes.map((b) => ({ op: 'write', data: b })) },
  { weight: 1, arbitrary: fc.constant({ op: 'cork' }) },
  { weight: 1, arbitrary: fc.constant({ op: 'uncork' }) },
  { weight: 1, arbitrary: fc.constant({ op: 'tick' }) },
);

describeBackends('createWriteStream() (property)', function (_backend, t) {
  it('the file holds exactly the bytes written, decoded by their encodings, in order', async function () {
    this.timeout(120000);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(streamStep, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(256, 16 * KiB, MiB),
        async (steps, highWaterMark) => {
          const file = t.file(`s${run++}.log`);
          const out = createWriteStream(file, { ring: t.ring, highWaterMark });
          const expected = [];
          let corked = 0;
          for (const st of steps) {
            if (st.op === 'write') {
              const ok = out.write(st.data, st.encoding);
              expected.push(
                typeof st.data === 'string' ? Buffer.from(st.data, st.encoding) : st.data,
              );
              if (!ok && corked === 0) {
                await new Promise((resolve) => out.once('drain', resolve));
              }
            } else if (st.op === 'cork') {
              out.cork();
              corked++;
            } else if (st.op === 'uncork') {
              if (corked > 0) {
                out.uncork();
                corked--;
              }
            } else {
              await new Promise((resolve) => setImmediate(resolve));
            }
          }
          while (corked-- > 0) out.uncork();
          const closed = new Promise((resolve, reject) => {
            out.once('close', resolve);
            out.once('error', reject);
          });
          out.end();
          await closed;
          expect(fs.readFileSync(file).equals(Buffer.concat(expected))).to.equal(true);
          fs.rmSync(file);
        },
      ),
      { numRuns: 30, seed: 20261121 },
    );
  });
});
