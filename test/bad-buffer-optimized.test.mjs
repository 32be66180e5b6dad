// A detached or out-of-bounds view must be refused after the validator has been optimized too.
// V8 11.3 and 12.4 (Node 20 and 22) return a detached Uint8Array's old length from optimized
// code once the same property access has also seen views of resizable ArrayBuffers; a check
// built on the view's length alone then lets the detached view through. Thousands of calls with
// mixed views get the validator optimized with exactly that feedback, as a long run would.
import { expect } from 'chai';
import fs from 'node:fs';

import { describeBackends, expectArgError, ARG_VALUE } from './helpers.mjs';

function detachedUint8Array() {
  const ab = new ArrayBuffer(16);
  const view = new Uint8Array(ab);
  structuredClone(ab, { transfer: [ab] });
  return view;
}

function detachedDataView() {
  const ab = new ArrayBuffer(16);
  const view = new DataView(ab);
  structuredClone(ab, { transfer: [ab] });
  return view;
}

function shrunkPastView() {
  const ab = new ArrayBuffer(16, { maxByteLength: 64 });
  const view = new Uint8Array(ab, 8, 8);
  ab.resize(4);
  return view;
}

const UNUSABLE = [detachedUint8Array, detachedDataView, shrunkPastView];
const ROUNDS = 4000;

describeBackends('a bad buffer after the validator is optimized', (backend, t) => {
  it('every detached or out-of-bounds view is refused, with the same error each time', async function () {
    this.timeout(60000);
    const file = t.file('target');
    fs.writeFileSync(file, 'original');
    const fd = fs.openSync(file, 'r+');
    t.defer(() => fs.closeSync(fd));
    const good = Buffer.alloc(8, 'g');
    const inBounds = new Uint8Array(new ArrayBuffer(16, { maxByteLength: 64 }), 0, 8);

    const outcomes = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Usable views through the same validator, refused only for their position: no I/O.
      for (const view of [good, inBounds]) {
        outcomes.push(
          t.ring.write(fd, view, 0, 1, 'no position').then(
            () => 'resolved',
            (e) => e,
          ),
        );
      }
      const make = UNUSABLE[i % UNUSABLE.length];
      outcomes.push(
        t.ring.write(fd, make()).then(
          (n) => `${make.name} resolved with ${n}`,
          (e) => e,
        ),
      );
    }
    const settled = await Promise.all(outcomes);
    const unexpected = settled.filter((o) => typeof o === 'string');
    expect(unexpected.slice(0, 5), `${unexpected.length} call(s) resolved`).to.deep.equal([]);
    for (let i = 0; i < settled.length; i++) {
      if (i % 3 === 2) expectArgError(settled[i], ARG_VALUE);
      else
        expect(settled[i].message, 'a usable view is refused for its position only').to.match(
          /position/,
        );
    }
    expect(fs.readFileSync(file, 'utf8'), 'nothing may be written').to.equal('original');
  });
});
