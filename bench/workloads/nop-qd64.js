'use strict';
// No-op requests, 64 in flight: the framework's own cost per op. Node's fs has
// no no-op, so only uring-loop and the C reference run it. The system 'floor'
// (bench/floor.mjs only) runs the same loop on bench/lib/floor-ring.js.
const { FloorRing } = require('../lib/floor-ring');
const { Phase, promisePool } = require('../lib/phase');

module.exports = {
  name: 'nop-qd64',
  unit: 'nops',
  systems: ['uring-loop'],
  c: true,
  async run(system, ctx) {
    if (system === 'floor') {
      const ring = new FloorRing();
      const phase = new Phase({ ...ctx.timing, sampleEvery: 16 });
      const result = await promisePool(phase, 64, () => () => ring.nop());
      ring.close();
      return result;
    }
    if (system !== 'uring-loop') throw new Error(`unknown system ${system}`);
    const ring = new ctx.lib.Ring();
    const phase = new Phase({ ...ctx.timing, sampleEvery: 16, ring });
    const result = await promisePool(phase, 64, () => () => ring.nop());
    await ring.shutdown();
    return result;
  },
};
