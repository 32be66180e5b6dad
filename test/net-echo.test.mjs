// Echo round trips over TCP (IPv4, IPv6) and unix sockets through ring.listen()
// and ring.connect(): sizes from 1 byte to 4 MiB, data checked byte for byte.
import { expect } from 'chai';
import path from 'node:path';
import fs from 'node:fs';

import { Ring, Server, Connection } from '../index.mjs';
import { IS_LINUX, backendOf, makeTempDir, patternBytes, removeTempDir } from './helpers.mjs';
import { ipv6Loopback, readAll, readBytes, ringEchoServer } from './net-helpers.mjs';

const SIZES = [1, 2, 63, 64, 65, 1000, 4096, 16383, 16384, 16385, 65536, 100_000, 1 << 20, 4 << 20];

/** Writes `data` and reads the echo back concurrently (a large write cannot finish before the reader drains). */
async function roundTrip(conn, data) {
  const [, echoed] = await Promise.all([conn.write(data), readBytes(conn, data.length)]);
  return echoed;
}

function endpoints(dir) {
  return [
    {
      name: 'TCP over IPv4',
      listen: { host: '127.0.0.1', port: 0 },
      via: (a) => ({ host: '127.0.0.1', port: a.port }),
    },
    {
      name: 'TCP over IPv6',
      ipv6: true,
      listen: { host: '::1', port: 0 },
      via: (a) => ({ host: '::1', port: a.port }),
    },
    {
      name: 'unix socket',
      listen: () => ({ path: path.join(dir(), 'echo.sock') }),
      via: (a) => ({ path: a }),
    },
  ];
}

(IS_LINUX ? describe : describe.skip)('net: echo round trips', function () {
  let ring;
  let dir;
  let hasIpv6;

  before(async function () {
    hasIpv6 = await ipv6Loopback();
  });
  beforeEach(function () {
    ring = new Ring({ backend: 'io_uring' });
    dir = makeTempDir();
  });
  afterEach(async function () {
    await ring.shutdown();
    removeTempDir(dir);
  });

  for (const ep of endpoints(() => dir)) {
    it(`${ep.name}: every size from 1 B to 4 MiB comes back intact`, async function () {
      if (ep.ipv6 && !hasIpv6) {
        this.test.title += ' (skipped: this machine cannot listen on ::1)';
        this.skip();
      }
      const listen = typeof ep.listen === 'function' ? ep.listen() : ep.listen;
      const { server, handlers } = await ringEchoServer(ring, listen);
      expect(server).to.be.instanceOf(Server);
      const conn = await ring.connect(ep.via(server.address()));
      expect(conn).to.be.instanceOf(Connection);
      for (const [i, size] of SIZES.entries()) {
        const data = patternBytes(size, i + 1);
        const echoed = await roundTrip(conn, data);
        expect(echoed.length, `size ${size}`).to.equal(size);
        expect(echoed.equals(data), `content of size ${size}`).to.equal(true);
      }
      await conn.end();
      expect(await conn.read()).to.equal(null);
      await Promise.all(handlers);
      await server.close();
      if (listen.path) expect(fs.existsSync(listen.path), 'socket file removed').to.equal(false);
    });
  }

  it('without multishot accept and receive (kernels before 5.19 / 6.0) the echo works one SQE at a time', async function () {
    const { netFeatures } = await import('../dist/loop/net/features.js');
    Object.assign(netFeatures(backendOf(ring)), { multishotAccept: false, multishotRecv: false });
    expect(ring.features.net).to.include({ multishotAccept: false, multishotRecv: false });
    const { server, handlers } = await ringEchoServer(ring, { host: '127.0.0.1', port: 0 });
    const conns = [];
    for (let i = 0; i < 3; i++)
      conns.push(await ring.connect({ host: '127.0.0.1', port: server.address().port }));
    const before = ring.stats().sqesSubmitted;
    let chunks = 0;
    await Promise.all(
      conns.map(async (conn, i) => {
        for (const size of [1, 5000, 16384, 100_000, 1 << 20]) {
          const data = patternBytes(size, size + i);
          const echoed = await roundTrip(conn, data);
          expect(echoed.equals(data)).to.equal(true);
          chunks += Math.ceil(size / 16384);
        }
        await conn.end();
      }),
    );
    await Promise.all(handlers);
    // Every chunk received took a receive SQE of its own (both directions).
    expect(ring.stats().sqesSubmitted - before).to.be.at.least(2 * chunks);
    await server.close();
  });

  it('with no host, a server listens on every address (IPv6 and IPv4 where there is IPv6)', async function () {
    const { server } = await ringEchoServer(ring, { port: 0 });
    const { address, port } = server.address();
    expect(address).to.be.oneOf(['::', '0.0.0.0']);
    const conn = await ring.connect({ host: '127.0.0.1', port });
    expect((await roundTrip(conn, Buffer.from('any'))).toString()).to.equal('any');
    await conn.close();
    await server.close();
  });

  it('address() and the connection addresses look like node:net', async function () {
    const { server } = await ringEchoServer(ring, { host: '127.0.0.1', port: 0 });
    const address = server.address();
    expect(address).to.deep.equal({ address: '127.0.0.1', family: 'IPv4', port: address.port });
    expect(address.port).to.be.within(1, 65535);
    const conn = await ring.connect({ host: '127.0.0.1', port: address.port });
    expect(conn.remoteAddress).to.equal('127.0.0.1');
    expect(conn.remotePort).to.equal(address.port);
    expect(conn.remoteFamily).to.equal('IPv4');
    expect(conn.localAddress).to.equal('127.0.0.1');
    expect(conn.localPort).to.be.within(1, 65535);
    const upath = path.join(dir, 'a.sock');
    const unix = await ring.listen({ path: upath });
    expect(unix.address()).to.equal(upath);
    await conn.close();
    await unix.close();
    await server.close();
  });

  it('a name resolves: connect({ host: "localhost" }) reaches a 127.0.0.1 server', async function () {
    const { server } = await ringEchoServer(ring, { host: '127.0.0.1', port: 0 });
    const conn = await ring.connect({ host: 'localhost', port: server.address().port });
    const echoed = await roundTrip(conn, Buffer.from('hello'));
    expect(echoed.toString()).to.equal('hello');
    await conn.close();
    await server.close();
  });

  it('chunks are copies: data received later never changes a chunk already handed out', async function () {
    const server = await ring.listen({ host: '127.0.0.1', port: 0 });
    const client = await ring.connect({ host: '127.0.0.1', port: server.address().port });
    const peer = await server.accept();
    const kept = [];
    // Tiny buffers so the kernel reuses them many times over.
    const small = await ring.listen({
      host: '127.0.0.1',
      port: 0,
      recvBuffers: 2,
      recvBufferSize: 64,
    });
    const c2 = await ring.connect({ host: '127.0.0.1', port: small.address().port });
    const p2 = await small.accept();
    const data = patternBytes(64 * 200, 9);
    const writing = c2.write(data);
    let got = 0;
    while (got < data.length) {
      const chunk = await p2.read();
      kept.push(chunk);
      got += chunk.length;
    }
    await writing;
    expect(Buffer.concat(kept).equals(data)).to.equal(true);
    for (const c of [client, peer, c2, p2]) await c.close();
    await server.close();
    await small.close();
  });

  it('writes made together go out in order (gathered into one sendmsg while a send is in flight)', async function () {
    const server = await ring.listen({ host: '127.0.0.1', port: 0 });
    const client = await ring.connect({ host: '127.0.0.1', port: server.address().port });
    const peer = await server.accept();
    const parts = [];
    for (let i = 0; i < 300; i++) parts.push(patternBytes(1 + ((i * 37) % 5000), i + 3));
    const writes = parts.map((p) => client.write(p));
    writes.push(client.write('tail'));
    const ended = Promise.all(writes).then(() => client.end());
    const received = await readAll(peer);
    await ended;
    expect(received.equals(Buffer.concat([...parts, Buffer.from('tail')]))).to.equal(true);
    await client.close();
    await server.close();
  });

  it('concurrent read() calls are served in call order; two accept loops can share a server', async function () {
    const server = await ring.listen({ host: '127.0.0.1', port: 0 });
    const accepted = [[], []];
    const loops = accepted.map(async (list) => {
      for await (const conn of server) list.push(conn);
    });
    const clients = [];
    for (let i = 0; i < 6; i++)
      clients.push(await ring.connect({ host: '127.0.0.1', port: server.address().port }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(accepted[0].length + accepted[1].length).to.equal(6);
    expect(accepted[0].length, 'both loops got connections').to.be.above(0);
    expect(accepted[1].length, 'both loops got connections').to.be.above(0);

    const [reader] = accepted[0];
    const writer = clients.find((c) => c.localPort === reader.remotePort);
    const reads = [reader.read(), reader.read(), reader.read()];
    for (const word of ['one', 'two', 'three']) {
      await writer.write(word);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect((await Promise.all(reads)).map(String)).to.deep.equal(['one', 'two', 'three']);
    await server.close();
    await Promise.all(loops);
    for (const c of clients) await c.close();
  });

  it('half-open: with allowHalfOpen the side that saw EOF can still answer', async function () {
    const server = await ring.listen({ host: '127.0.0.1', port: 0, allowHalfOpen: true });
    const client = await ring.connect({ host: '127.0.0.1', port: server.address().port });
    const peer = await server.accept();
    await client.write('question');
    await client.end();
    const asked = await readAll(peer);
    expect(asked.toString()).to.equal('question');
    await peer.write('answer');
    await peer.end();
    expect((await readAll(client)).toString()).to.equal('answer');
    await peer.close();
    await client.close();
    await server.close();
  });
});
