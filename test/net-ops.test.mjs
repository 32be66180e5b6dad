// The socket ops one by one (socket, bind, listen, accept, connect, send, recv,
// sendmsg, recvmsg, shutdownSocket, close), in chains, with cancellation and
// deadlines, and their argument checks.
import { expect } from 'chai';
import fs from 'node:fs';
import net from 'node:net';

import { ChainError, Ring, localAddress, remoteAddress } from '../index.mjs';
import {
  IS_LINUX,
  expectAbortError,
  expectArgError,
  ARG_TYPE,
  ARG_VALUE,
  OUT_OF_RANGE,
  makeTempDir,
  removeTempDir,
  rejectionOf,
} from './helpers.mjs';
import { nodeClient, nodeCollect } from './net-helpers.mjs';

/** A listening socket made with the ring's own ops; resolves with { fd, port }. */
async function listening(ring, host = '127.0.0.1') {
  const fd = await ring.socket(host.includes(':') ? 'ipv6' : 'ipv4');
  await ring.bind(fd, { host, port: 0, reuseAddr: true });
  await ring.listen(fd, 16);
  return { fd, port: localAddress(fd).port };
}

(IS_LINUX ? describe : describe.skip)('net: socket ops', function () {
  let ring;
  let dir;
  beforeEach(function () {
    ring = new Ring({ backend: 'io_uring' });
    dir = makeTempDir();
  });
  afterEach(async function () {
    await ring.shutdown();
    removeTempDir(dir);
  });

  it('supports() and features report the socket ops', function () {
    for (const op of [
      'socket',
      'bind',
      'listen',
      'accept',
      'connect',
      'send',
      'recv',
      'sendmsg',
      'recvmsg',
      'shutdownSocket',
    ]) {
      expect(ring.supports(op), op).to.equal(true);
    }
    const { net: features } = ring.features;
    expect(features).to.have.keys('multishotAccept', 'multishotRecv', 'bindListen');
    expect(features.multishotAccept).to.equal(true);
    expect(features.multishotRecv).to.equal(true);
  });

  it('socket → bind → listen → accept / connect → send / recv → sendmsg / recvmsg → shutdownSocket → close', async function () {
    const { fd: lfd, port } = await listening(ring);
    const cfd = await ring.socket('ipv4');
    const [afd] = await Promise.all([
      ring.accept(lfd),
      ring.connect(cfd, { host: '127.0.0.1', port }),
    ]);
    expect(afd).to.be.a('number').above(2);
    expect(remoteAddress(afd)).to.deep.equal(localAddress(cfd));
    expect(localAddress(lfd)).to.deep.equal({ address: '127.0.0.1', family: 'IPv4', port });

    expect(await ring.send(cfd, Buffer.from('xxhello worldxx'), 2, 11)).to.equal(11);
    const buf = Buffer.alloc(32);
    expect(await ring.recv(afd, buf, 4, 11, { waitAll: true })).to.equal(11);
    expect(buf.subarray(4, 15).toString()).to.equal('hello world');

    const parts = [Buffer.from('scatter '), Buffer.from('and '), Buffer.from('gather')];
    expect(await ring.sendmsg(afd, parts)).to.equal(18);
    const a = Buffer.alloc(8);
    const b = Buffer.alloc(10);
    expect(await ring.recvmsg(cfd, [a, b], { waitAll: true })).to.equal(18);
    expect(Buffer.concat([a, b]).toString()).to.equal('scatter and gather');

    await ring.shutdownSocket(cfd, 'write');
    expect(await ring.recv(afd, buf)).to.equal(0); // EOF after the peer's shutdown
    for (const fd of [cfd, afd, lfd]) await ring.close(fd);
  });

  it('a unix socket made with the ops', async function () {
    const sock = `${dir}/ops.sock`;
    const lfd = await ring.socket('unix');
    await ring.bind(lfd, { path: sock });
    await ring.listen(lfd);
    const cfd = await ring.socket('unix');
    const [afd] = await Promise.all([ring.accept(lfd), ring.connect(cfd, { path: sock })]);
    await ring.send(afd, Buffer.from('over unix'));
    const buf = Buffer.alloc(9);
    expect(await ring.recv(cfd, buf, { waitAll: true })).to.equal(9);
    expect(buf.toString()).to.equal('over unix');
    expect(localAddress(lfd)).to.equal(sock);
    for (const fd of [cfd, afd, lfd]) await ring.close(fd);
    const err = (() => {
      try {
        localAddress(lfd);
      } catch (e) {
        return e;
      }
    })();
    expect(err.code).to.equal('EBADF');
  });

  it('an abstract unix socket (a path starting with a NUL byte) leaves no file behind', async function () {
    const name = `\0uring-loop-test-${process.pid}-${Date.now()}`;
    const server = await ring.listen({ path: name });
    expect(server.address()).to.equal(name);
    const client = await ring.connect({ path: name });
    const peer = await server.accept();
    await client.write('abstract');
    expect(String(await peer.read())).to.equal('abstract');
    for (const c of [client, peer]) await c.close();
    await server.close();
  });

  it('reuseAddr / reusePort: two sockets share a port only with SO_REUSEPORT', async function () {
    const first = await ring.socket('ipv4');
    await ring.bind(first, { host: '127.0.0.1', port: 0, reusePort: true });
    await ring.listen(first);
    const port = localAddress(first).port;
    const second = await ring.socket('ipv4');
    await ring.bind(second, { host: '127.0.0.1', port, reusePort: true });
    const third = await ring.socket('ipv4');
    const err = await rejectionOf(() =>
      ring.bind(third, { host: '127.0.0.1', port, reuseAddr: true }),
    );
    expect(err.code).to.equal('EADDRINUSE');
    expect(err.syscall).to.equal('bind');
    expect(err.address).to.equal('127.0.0.1');
    expect(err.port).to.equal(port);
    for (const fd of [first, second, third]) await ring.close(fd);
  });

  it('a chain recv → write(file) → fdatasync → send(ack) runs in order: the ack is sent only after the fdatasync succeeded', async function () {
    const server = await ring.listen({ host: '127.0.0.1', port: 0 });
    const client = await nodeClient(server.address().port);
    const conn = await server.accept();
    const received = nodeCollect(client);
    const record = Buffer.from('0123456789abcdef');
    client.write(record);
    const file = `${dir}/wal`;
    const fd = await ring.open(file, 'w');
    const buf = Buffer.alloc(16);
    const before = ring.stats().submitCalls;
    const results = await ring
      .chain()
      .recv(conn.fd, buf)
      .write(fd, buf, 0, 16, 0)
      .fdatasync(fd)
      .send(conn.fd, Buffer.from('ack'))
      .run();
    expect(results).to.deep.equal([16, 16, undefined, 3]);
    // The kernel does not break a link when fdatasync fails, so the chain goes in two
    // submissions: recv -> write -> fdatasync, then send once the fdatasync succeeded.
    expect(ring.stats().submitCalls - before, 'two submissions').to.equal(2);
    expect(fs.readFileSync(file).equals(record)).to.equal(true);
    client.end();
    await conn.close();
    const { data } = await received;
    expect(data.toString()).to.equal('ack');
    await ring.close(fd);
    await server.close();
  });

  it('in a chain, a receive cut short by EOF fails the chain and cancels the rest', async function () {
    const server = await ring.listen({ host: '127.0.0.1', port: 0 });
    const client = await nodeClient(server.address().port);
    const conn = await server.accept();
    client.end('short');
    const file = `${dir}/never`;
    const fd = await ring.open(file, 'w');
    const buf = Buffer.alloc(16);
    const err = await rejectionOf(() =>
      ring.chain().recv(conn.fd, buf).write(fd, buf).send(conn.fd, Buffer.from('ack')).run(),
    );
    expect(err).to.be.instanceOf(ChainError);
    expect(err.index).to.equal(0);
    expect(err.cause.code).to.equal('ERR_URING_SHORT_IO');
    expect(err.cause.bytes).to.equal(5);
    expect(err.results[1].reason.code).to.equal('ECANCELED');
    expect(err.results[2].reason.code).to.equal('ECANCELED');
    expect(fs.statSync(file).size).to.equal(0);
    await ring.close(fd);
    await conn.close();
    await server.close();
  });

  it('a pending accept and a pending recv are cancelled by their AbortSignal; the sockets stay usable', async function () {
    const { fd: lfd, port } = await listening(ring);
    const ac = new AbortController();
    const accepting = ring.accept(lfd, { signal: ac.signal });
    setTimeout(() => ac.abort('stop'), 20);
    expectAbortError(await rejectionOf(() => accepting), 'stop');

    const cfd = await ring.socket('ipv4');
    const [afd] = await Promise.all([
      ring.accept(lfd),
      ring.connect(cfd, { host: '127.0.0.1', port }),
    ]);
    const ac2 = new AbortController();
    const receiving = ring.recv(afd, Buffer.alloc(8), { signal: ac2.signal });
    setTimeout(() => ac2.abort('enough'), 20);
    expectAbortError(await rejectionOf(() => receiving), 'enough');

    await ring.send(cfd, Buffer.from('still ok'));
    const buf = Buffer.alloc(8);
    expect(await ring.recv(afd, buf, { waitAll: true })).to.equal(8);
    expect(buf.toString()).to.equal('still ok');
    for (const fd of [cfd, afd, lfd]) await ring.close(fd);
  });

  it('a recv with a deadline rejects with ETIMEDOUT', async function () {
    const { fd: lfd, port } = await listening(ring);
    const cfd = await ring.socket('ipv4');
    const [afd] = await Promise.all([
      ring.accept(lfd),
      ring.connect(cfd, { host: '127.0.0.1', port }),
    ]);
    const err = await rejectionOf(() => ring.recv(afd, Buffer.alloc(8), { timeout: 30 }));
    expect(err.code).to.equal('ETIMEDOUT');
    for (const fd of [cfd, afd, lfd]) await ring.close(fd);
  });

  it('connect to a closed port rejects with ECONNREFUSED naming the address', async function () {
    const probe = net.createServer();
    await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address();
    await new Promise((resolve) => probe.close(resolve));
    const fd = await ring.socket('ipv4');
    const err = await rejectionOf(() => ring.connect(fd, { host: '127.0.0.1', port }));
    expect(err.code).to.equal('ECONNREFUSED');
    expect(err.errno).to.equal(-111);
    expect(err.syscall).to.equal('connect');
    expect(err.address).to.equal('127.0.0.1');
    expect(err.port).to.equal(port);
    expect(err.message).to.include(`127.0.0.1:${port}`);
    await ring.close(fd);
  });

  it('bad arguments are TypeErrors / RangeErrors with node-style codes, and nothing is queued', async function () {
    const before = ring.stats().submitted;
    expectArgError(await rejectionOf(() => ring.socket('ipx')), ARG_VALUE);
    expectArgError(await rejectionOf(() => ring.socket()), ARG_VALUE);
    expectArgError(
      await rejectionOf(() => ring.bind(-1, { host: '127.0.0.1', port: 0 })),
      OUT_OF_RANGE,
    );
    expectArgError(
      await rejectionOf(() => ring.bind(3, { host: 'not an ip', port: 0 })),
      ARG_VALUE,
    );
    expectArgError(
      await rejectionOf(() => ring.bind(3, { host: '127.0.0.1', port: 65536 })),
      OUT_OF_RANGE,
    );
    expectArgError(
      await rejectionOf(() => ring.bind(3, { host: '127.0.0.1', port: '80' })),
      ARG_TYPE,
    );
    expectArgError(
      await rejectionOf(() => ring.bind(3, { host: '127.0.0.1', port: 1, reuseAddr: 1 })),
      ARG_TYPE,
    );
    expectArgError(await rejectionOf(() => ring.bind(3, { path: 'x'.repeat(200) })), OUT_OF_RANGE);
    expectArgError(await rejectionOf(() => ring.bind(3, { path: '/tmp/a', port: 1 })), ARG_VALUE);
    expectArgError(await rejectionOf(() => ring.bind(3, 'localhost:80')), ARG_TYPE);
    expectArgError(
      await rejectionOf(() => ring.connect(3, { host: '127.0.0.1', port: 0 })),
      OUT_OF_RANGE,
    );
    expectArgError(await rejectionOf(() => ring.listen(3, -1)), OUT_OF_RANGE);
    expectArgError(await rejectionOf(() => ring.send(3, 'text')), ARG_TYPE);
    expectArgError(await rejectionOf(() => ring.recv(3, Buffer.alloc(4), 2, 3)), OUT_OF_RANGE);
    expectArgError(
      await rejectionOf(() => ring.recv(3, Buffer.alloc(4), { waitAll: 'yes' })),
      ARG_TYPE,
    );
    expectArgError(await rejectionOf(() => ring.sendmsg(3, [])), ARG_VALUE);
    expectArgError(await rejectionOf(() => ring.shutdownSocket(3, 'sideways')), ARG_VALUE);
    expectArgError(await rejectionOf(() => ring.listen({ port: -1 })), OUT_OF_RANGE);
    expectArgError(await rejectionOf(() => ring.listen({ port: 0, recvBuffers: 3 })), OUT_OF_RANGE);
    expectArgError(
      await rejectionOf(() => ring.listen({ port: 0, allowHalfOpen: 'no' })),
      ARG_TYPE,
    );
    expectArgError(await rejectionOf(() => ring.connect({ host: '127.0.0.1' })), ARG_TYPE);
    expectArgError(await rejectionOf(() => ring.connect({ host: 42, port: 1 })), ARG_TYPE);
    expect(() => ring.chain().recv(3, Buffer.alloc(4), { waitAll: false })).to.throw(TypeError);
    expect(ring.stats().submitted).to.equal(before);
  });

  it('ops on a closed fd reject with EBADF; a send to a peer that is gone gives EPIPE, never SIGPIPE', async function () {
    const bad = await ring.open(`${dir}/f`, 'w');
    await ring.close(bad);
    const err = await rejectionOf(() => ring.send(bad, Buffer.from('x')));
    expect(err.code).to.equal('EBADF');

    const { fd: lfd, port } = await listening(ring);
    const cfd = await ring.socket('ipv4');
    const [afd] = await Promise.all([
      ring.accept(lfd),
      ring.connect(cfd, { host: '127.0.0.1', port }),
    ]);
    await ring.shutdownSocket(cfd, 'write');
    const pipe = await rejectionOf(() => ring.send(cfd, Buffer.from('after shutdown')));
    expect(pipe.code).to.equal('EPIPE');
    for (const fd of [cfd, afd, lfd]) await ring.close(fd);
  });
});

(IS_LINUX ? describe : describe.skip)('net: a small ring', function () {
  it('idle connections waiting on a 4-entry ring (8 CQEs) do not starve other ops', async function () {
    const ring = new Ring({ backend: 'io_uring', entries: 4 });
    try {
      expect(ring.features.cqEntries).to.equal(8);
      const server = await ring.listen({ host: '127.0.0.1', port: 0 });
      const clients = [];
      const peers = [];
      for (let i = 0; i < 24; i++) {
        clients.push(await ring.connect({ host: '127.0.0.1', port: server.address().port }));
        peers.push(await server.accept());
      }
      // 48 receives armed and waiting: far more than the CQ holds.
      const reads = [...clients, ...peers].map((c) => c.read());
      for (let i = 0; i < 200; i++) await ring.nop();
      await Promise.all(peers.map((p, i) => p.write(`to client ${i}`)));
      await Promise.all(clients.map((c, i) => c.write(`to peer ${i}`)));
      const got = (await Promise.all(reads)).map(String);
      expect(got.slice(0, 24)).to.deep.equal(peers.map((_, i) => `to client ${i}`));
      expect(got.slice(24)).to.deep.equal(clients.map((_, i) => `to peer ${i}`));
      for (const c of [...clients, ...peers]) await c.close();
      await server.close();
    } finally {
      await ring.shutdown();
    }
  });
});

describe('net: on the fs backend', function () {
  it('socket ops, listen() and connect() reject with ERR_URING_UNSUPPORTED; chain builders throw it', async function () {
    const ring = new Ring({ backend: 'fs' });
    try {
      for (const call of [
        () => ring.socket('ipv4'),
        () => ring.bind(3, { host: '127.0.0.1', port: 0 }),
        () => ring.listen(3),
        () => ring.accept(3),
        () => ring.connect(3, { host: '127.0.0.1', port: 1 }),
        () => ring.send(3, Buffer.alloc(1)),
        () => ring.recv(3, Buffer.alloc(1)),
        () => ring.sendmsg(3, [Buffer.alloc(1)]),
        () => ring.recvmsg(3, [Buffer.alloc(1)]),
        () => ring.shutdownSocket(3),
        () => ring.listen({ port: 0 }),
        () => ring.connect({ port: 1 }),
      ]) {
        const err = await rejectionOf(call);
        expect(err.code).to.equal('ERR_URING_UNSUPPORTED');
        expect(err.message).to.match(/needs the io_uring backend/);
      }
      expect(() => ring.chain().recv(3, Buffer.alloc(1)))
        .to.throw()
        .with.property('code', 'ERR_URING_UNSUPPORTED');
      expect(ring.supports('recv')).to.equal(false);
      expect(ring.supports('read')).to.equal(true);
    } finally {
      await ring.shutdown();
    }
  });
});
