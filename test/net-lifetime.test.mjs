// Connections ending badly (peer reset, refused connect, closed port), servers
// and rings shut down with connections open, slow readers (bounded buffering),
// and cancellation of pending reads and accepts.
import { expect } from 'chai';

import { Ring } from '../index.mjs';
import {
  IS_LINUX,
  fdIsOpen,
  patternBytes,
  rejectionOf,
  runNode,
  waitFor,
  delay,
} from './helpers.mjs';
import { closedPort, countFds, nodeClient, readBytes } from './net-helpers.mjs';

(IS_LINUX ? describe : describe.skip)('net: errors and lifetimes', function () {
  let ring;
  beforeEach(function () {
    ring = new Ring({ backend: 'io_uring' });
  });
  afterEach(async function () {
    await ring.shutdown();
  });

  it('a peer that resets mid-stream (SO_LINGER 0) ends the reader with ECONNRESET and the connection closes itself', async function () {
    const fdsBefore = countFds();
    const server = await ring.listen({ host: '127.0.0.1', port: 0 });
    const client = await nodeClient(server.address().port);
    const conn = await server.accept();
    const sent = patternBytes(50_000, 4);
    client.write(sent);
    const first = await conn.read();
    expect(first.length).to.be.above(0);
    await new Promise((resolve) => client.write(Buffer.alloc(10), resolve));
    client.resetAndDestroy();
    const chunks = [first];
    let error;
    try {
      for await (const chunk of conn) chunks.push(chunk);
    } catch (err) {
      error = err;
    }
    expect(error, 'the reader fails').to.be.an('error');
    expect(error.code).to.equal('ECONNRESET');
    expect(error.errno).to.equal(-104);
    expect(error.syscall).to.equal('recv');
    const got = Buffer.concat(chunks);
    expect(
      sent.subarray(0, Math.min(got.length, sent.length)).equals(got.subarray(0, sent.length)),
    ).to.equal(true);
    const writeErr = await rejectionOf(() => conn.write('too late'));
    expect(['ERR_SOCKET_CLOSED', 'EPIPE', 'ECONNRESET']).to.include(writeErr.code);
    await waitFor(() => conn.closed);
    await server.close();
    await waitFor(() => countFds() === fdsBefore);
    expect(countFds()).to.equal(fdsBefore);
  });

  it('a write to a peer that reset fails with EPIPE or ECONNRESET (no SIGPIPE)', async function () {
    const server = await ring.listen({ host: '127.0.0.1', port: 0 });
    const client = await nodeClient(server.address().port);
    const conn = await server.accept();
    client.resetAndDestroy();
    await delay(20);
    let err;
    for (let i = 0; i < 50 && !err; i++) {
      err = await conn.write(Buffer.alloc(65536)).then(
        () => undefined,
        (e) => e,
      );
    }
    expect(err, 'a write fails').to.be.an('error');
    expect(['EPIPE', 'ECONNRESET']).to.include(err.code);
    expect(err.syscall).to.be.oneOf(['send', 'sendmsg']);
    // Later writes fail the same way.
    expect((await rejectionOf(() => conn.write('x'))).code).to.equal(err.code);
    await conn.close();
    await server.close();
  });

  it('connect() to a closed port rejects with ECONNREFUSED and leaves no fd behind', async function () {
    const port = await closedPort();
    const fdsBefore = countFds();
    const err = await rejectionOf(() => ring.connect({ host: '127.0.0.1', port }));
    expect(err.code).to.equal('ECONNREFUSED');
    expect(err.syscall).to.equal('connect');
    expect(err.address).to.equal('127.0.0.1');
    expect(err.port).to.equal(port);
    expect(countFds()).to.equal(fdsBefore);
  });

  it('listen() on a port in use rejects with EADDRINUSE naming the address', async function () {
    const taken = await ring.listen({ host: '127.0.0.1', port: 0 });
    const { port } = taken.address();
    const err = await rejectionOf(() => ring.listen({ host: '127.0.0.1', port }));
    expect(err.code).to.equal('EADDRINUSE');
    expect(err.address).to.equal('127.0.0.1');
    expect(err.port).to.equal(port);
    // SO_REUSEPORT on both sides lets two servers share it.
    const a = await ring.listen({ host: '127.0.0.1', port: 0, reusePort: true });
    const b = await ring.listen({ host: '127.0.0.1', port: a.address().port, reusePort: true });
    expect(b.address().port).to.equal(a.address().port);
    for (const s of [taken, a, b]) await s.close();
  });

  it('server.close() with connections open settles every Promise and closes every fd', async function () {
    const fdsBefore = countFds();
    const server = await ring.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.address();
    const handlers = [];
    const acceptLoop = (async () => {
      for await (const conn of server) {
        // Each handler has a read pending and a large write the client never reads.
        const reading = (async () => {
          const chunks = [];
          for await (const chunk of conn) chunks.push(chunk);
          return 'ended';
        })();
        const writing = conn.write(Buffer.alloc(32 << 20)).then(
          () => 'written',
          (e) => e.code,
        );
        handlers.push(Promise.all([reading, writing]));
      }
      return 'accept loop ended';
    })();
    const clients = [];
    for (let i = 0; i < 8; i++) clients.push(await ring.connect({ host: '127.0.0.1', port }));
    await waitFor(() => server.connectionCount === 8);
    const pendingClientReads = clients.map((c) => c.read());
    await delay(30);
    await server.close();
    expect(await acceptLoop).to.equal('accept loop ended');
    const outcomes = await Promise.all(handlers);
    for (const [reading, writing] of outcomes) {
      expect(reading).to.equal('ended');
      expect(writing).to.equal('ERR_SOCKET_CLOSED');
    }
    expect(server.connectionCount).to.equal(0);
    // The clients see the server side go away: data it managed to send, then EOF or a reset.
    await Promise.allSettled(pendingClientReads);
    for (const c of clients) await c.close();
    expect(countFds()).to.equal(fdsBefore);
  });

  it('ring.shutdown() closes the servers and connections still open on it', async function () {
    const own = new Ring({ backend: 'io_uring' });
    const fdsBefore = countFds();
    const server = await own.listen({ host: '127.0.0.1', port: 0 });
    const client = await own.connect({ host: '127.0.0.1', port: server.address().port });
    const peer = await server.accept();
    const reads = [client.read(), peer.read()];
    await own.shutdown();
    const settled = await Promise.allSettled(reads);
    expect(settled.map((s) => s.status)).to.have.length(2);
    expect(client.closed && peer.closed && !server.listening).to.equal(true);
    for (const fd of [server.fd, client.fd, peer.fd])
      expect(fdIsOpen(fd), `fd ${fd}`).to.equal(false);
    // Ours are all closed, and so are the ring's own two (its io_uring instance and eventfd).
    expect(countFds()).to.equal(fdsBefore - 2);
  });

  it('a slow reader: at most recvBuffers chunks are ever buffered, the sender is held back, nothing is lost', async function () {
    const server = await ring.listen({
      host: '127.0.0.1',
      port: 0,
      recvBuffers: 4,
      recvBufferSize: 65536,
    });
    const client = await nodeClient(server.address().port);
    const conn = await server.accept();
    const total = 24 << 20;
    const data = patternBytes(total, 11);
    let flushed = false;
    client.write(data, () => (flushed = true));
    client.end();
    let maxBuffered = 0;
    const sampler = setInterval(
      () => (maxBuffered = Math.max(maxBuffered, conn.readableLength)),
      1,
    );
    const first = await conn.read();
    // Stop reading for a while: receiving must pause instead of buffering.
    await delay(250);
    maxBuffered = Math.max(maxBuffered, conn.readableLength);
    expect(conn.readableLength).to.be.at.most(4);
    expect(flushed, 'the peer cannot hand all 24 MiB to the kernel while we do not read').to.equal(
      false,
    );
    expect(client.writableLength, 'bytes the peer still holds').to.be.above(0);
    const rest = await readBytes(conn, total - first.length);
    clearInterval(sampler);
    expect(maxBuffered).to.be.at.most(4);
    expect(Buffer.concat([first, rest]).equals(data)).to.equal(true);
    expect(await conn.read()).to.equal(null);
    await conn.close();
    await server.close();
  });

  it('a pending read ends with null when its connection is closed; a pending accept when its server is closed', async function () {
    const server = await ring.listen({ host: '127.0.0.1', port: 0 });
    const accepting = server.accept();
    const client = await ring.connect({ host: '127.0.0.1', port: server.address().port });
    const conn = await accepting;
    const reading = conn.read();
    await delay(10);
    await conn.close();
    expect(await reading).to.equal(null);
    expect(await conn.read()).to.equal(null);
    expect((await rejectionOf(() => conn.write('x'))).code).to.equal('ERR_SOCKET_CLOSED');
    const nextAccept = server.accept();
    await delay(10);
    await server.close();
    expect(await nextAccept).to.equal(null);
    await client.close();
  });

  it('connect({ signal }) rejects with an AbortError once aborted', async function () {
    const ac = new AbortController();
    ac.abort('never mind');
    const err = await rejectionOf(() =>
      ring.connect({ host: '127.0.0.1', port: 9, signal: ac.signal }),
    );
    expect(err.name).to.equal('AbortError');
  });

  it('armed multishot accept and receive keep the process alive between arrivals', async function () {
    // The child has nothing but the ring's requests to keep it alive; the
    // parent connects and writes twice, 300 ms apart.
    const script = `
      const { Ring } = require(${JSON.stringify(process.cwd())});
      (async () => {
        const ring = new Ring({ backend: 'io_uring' });
        const server = await ring.listen({ host: '127.0.0.1', port: 0 });
        console.log(server.address().port);
        const conn = await server.accept();
        for await (const chunk of conn) console.log('got ' + chunk);
        await server.close();
        console.log('done');
      })();
    `;
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    await waitFor(() => out.includes('\n'), { timeout: 5000 });
    const port = Number(out.split('\n')[0]);
    const socket = await nodeClient(port);
    socket.on('error', () => undefined); // a child that died early resets the connection
    await delay(300);
    socket.write('one');
    await delay(300);
    socket.end('two');
    const code = await exited;
    expect(out.split('\n').slice(1)).to.deep.equal(['got one', 'got two', 'done', '']);
    expect(code).to.equal(0);
  });

  it('a listening server keeps the process alive; closing it lets the process exit', async function () {
    const script = `
      const { Ring } = require(${JSON.stringify(process.cwd())});
      const net = require('node:net');
      (async () => {
        const ring = new Ring({ backend: 'io_uring' });
        const server = await ring.listen({ host: '127.0.0.1', port: 0 });
        setTimeout(() => {
          const s = net.connect(server.address().port, '127.0.0.1', () => s.end('bye'));
        }, 150);
        for await (const conn of server) {
          for await (const chunk of conn) console.log('got', chunk.toString());
          await server.close();
        }
        console.log('closed');
      })();
    `;
    const res = await runNode(['-e', script], { timeout: 10000 });
    expect(res.timedOut).to.equal(false);
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout).to.equal('got bye\nclosed\n');
  });
});
