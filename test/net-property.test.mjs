// Property: whatever a client writes — Buffers, strings, views into larger
// buffers, from empty to a few hundred KiB, with pauses in between — an echo
// server on the ring sends back exactly those bytes, in order, whatever the
// receive buffers' count and size and however slowly either side reads. The
// reader never holds more chunks than its receive buffers, the end of the
// stream reaches both sides, every Promise settles and no fd is left open.
// The client is a ring Connection or a node:net socket, over TCP or a unix socket;
// the ring receives with multishot requests, or one SQE per chunk as on older kernels.
import { expect } from 'chai';
import fc from 'fast-check';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';

import { Ring } from '../index.mjs';
import { IS_LINUX, backendOf, makeTempDir, patternBytes, removeTempDir } from './helpers.mjs';

const KiB = 1024;

const payload = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 500 }) },
  // A view into the middle of a larger buffer: only the view's bytes go out.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 64 }), fc.uint8Array({ maxLength: 3000 }))
      .map(([skip, a]) => {
        const outer = new Uint8Array(skip + a.length + 7).fill(0xee);
        outer.set(a, skip);
        return new Uint8Array(outer.buffer, skip, a.length);
      }),
  },
  // Large: many receive buffers' worth in one write.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 300 * KiB }), fc.integer({ min: 0, max: 255 }))
      .map(([n, seed]) => patternBytes(n, seed)),
  },
);

const step = fc.oneof(
  { weight: 8, arbitrary: payload.map((data) => ({ op: 'write', data })) },
  // Await every write made so far before the next.
  { weight: 1, arbitrary: fc.constant({ op: 'settle' }) },
  { weight: 1, arbitrary: fc.constant({ op: 'tick' }) },
);

const receive = fc.record({
  recvBuffers: fc.constantFrom(1, 2, 4, 8, 32),
  recvBufferSize: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 65, max: 70000 })),
});

const scenario = fc.record({
  transport: fc.constantFrom('tcp', 'unix'),
  client: fc.constantFrom('ring', 'node'),
  multishot: fc.boolean(),
  server: receive,
  clientReceive: receive,
  // Reads that yield to the event loop this often (0: never) fall behind the sender.
  serverPauseEvery: fc.constantFrom(0, 1, 3),
  clientPauseEvery: fc.constantFrom(0, 1, 3),
  steps: fc.array(step, { minLength: 1, maxLength: 30 }),
});

/** Open socket fds of this process (other fds, such as one node:net opens lazily, do not count). */
function socketFds() {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // Closed between the listing and the readlink (the listing's own fd).
    }
  }
  return n;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function asBuffer(data) {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Echoes one ring connection; checks the receive bound at every chunk. */
async function echo(conn, limit, pauseEvery) {
  let n = 0;
  for await (const chunk of conn) {
    expect(conn.readableLength).to.be.at.most(limit);
    if (pauseEvery && ++n % pauseEvery === 0) await tick();
    await conn.write(chunk);
  }
}

/** A ring client: writes the steps, reads the echo concurrently, ends, reads to EOF. */
async function ringClient(ring, address, s) {
  const conn = await ring.connect({ ...address, ...s.clientReceive });
  const chunks = [];
  const reading = (async () => {
    let n = 0;
    for (let chunk = await conn.read(); chunk !== null; chunk = await conn.read()) {
      expect(conn.readableLength).to.be.at.most(s.clientReceive.recvBuffers);
      chunks.push(chunk);
      if (s.clientPauseEvery && ++n % s.clientPauseEvery === 0) await tick();
    }
  })();
  let writes = [];
  for (const st of s.steps) {
    if (st.op === 'write') writes.push(conn.write(st.data));
    else if (st.op === 'settle') {
      await Promise.all(writes);
      writes = [];
    } else await tick();
  }
  await Promise.all(writes);
  await conn.end();
  await reading;
  await conn.close();
  return Buffer.concat(chunks);
}

/** The same with a node:net socket as the client. */
async function nodeClient(address, s) {
  const socket = net.connect(address.path ? { path: address.path } : address);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const chunks = [];
  const received = new Promise((resolve, reject) => {
    let n = 0;
    socket.on('data', (d) => {
      chunks.push(d);
      if (s.clientPauseEvery && ++n % s.clientPauseEvery === 0) {
        socket.pause();
        setImmediate(() => socket.resume());
      }
    });
    socket.once('end', resolve);
    socket.once('error', reject);
  });
  let writes = [];
  for (const st of s.steps) {
    if (st.op === 'write') {
      const data = st.data;
      writes.push(
        new Promise((resolve, reject) =>
          socket.write(data, (err) => (err ? reject(err) : resolve())),
        ),
      );
    } else if (st.op === 'settle') {
      await Promise.all(writes);
      writes = [];
    } else await tick();
  }
  await Promise.all(writes);
  socket.end();
  await received;
  await new Promise((resolve) => {
    if (socket.closed) resolve();
    else socket.once('close', resolve);
  });
  return Buffer.concat(chunks);
}

(IS_LINUX ? describe : describe.skip)('net: echo (property)', function () {
  let dir;
  beforeEach(function () {
    dir = makeTempDir();
  });
  afterEach(function () {
    removeTempDir(dir);
  });

  it('every byte written comes back once, in order, and nothing is left open', async function () {
    this.timeout(180000);
    const { netFeatures } = await import('../dist/loop/net/features.js');
    const multishot = new Ring({ backend: 'io_uring' });
    const single = new Ring({ backend: 'io_uring' });
    Object.assign(netFeatures(backendOf(single)), { multishotAccept: false, multishotRecv: false });
    const socketsBefore = socketFds();
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const ring = s.multishot ? multishot : single;
          const listen =
            s.transport === 'unix'
              ? { path: path.join(dir, `p${run++}.sock`) }
              : { host: '127.0.0.1', port: 0 };
          const server = await ring.listen({ ...listen, ...s.server });
          const handlers = [];
          const accepting = (async () => {
            for await (const conn of server) {
              handlers.push(echo(conn, s.server.recvBuffers, s.serverPauseEvery));
            }
          })();
          const a = server.address();
          const address =
            s.transport === 'unix' ? { path: a } : { host: '127.0.0.1', port: a.port };
          const echoed =
            s.client === 'ring' ? await ringClient(ring, address, s) : await nodeClient(address, s);
          const sent = Buffer.concat(
            s.steps.filter((st) => st.op === 'write').map((st) => asBuffer(st.data)),
          );
          expect(echoed.length, 'bytes echoed').to.equal(sent.length);
          expect(echoed.equals(sent), 'echoed content').to.equal(true);
          await Promise.all(handlers);
          await server.close();
          await accepting;
          expect(handlers.length, 'connections accepted').to.equal(1);
        }),
        { numRuns: 25, seed: 20261121 },
      );
      expect(socketFds(), 'open sockets').to.equal(socketsBefore);
    } finally {
      await Promise.all([multishot.shutdown(), single.shutdown()]);
    }
  });
});
