// Helpers for the socket tests: echo servers, exact reads, fd counts, IPv6 probe.
import fs from 'node:fs';
import net from 'node:net';

/** Open fds of this process. */
export function countFds() {
  return fs.readdirSync('/proc/self/fd').length;
}

/** Whether this machine can listen on ::1 (skip IPv6 tests otherwise). */
export async function ipv6Loopback() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}

/**
 * A ring server that echoes every connection. `handlers` collects each
 * connection handler's Promise (they settle when the connection ends).
 */
export async function ringEchoServer(ring, options) {
  const server = await ring.listen(options);
  const handlers = [];
  const loop = (async () => {
    for await (const conn of server) {
      handlers.push(
        (async () => {
          for await (const chunk of conn) await conn.write(chunk);
        })(),
      );
    }
  })();
  return { server, handlers, loop };
}

/** Reads from a ring Connection until `n` bytes arrived (or EOF); returns them. */
export async function readBytes(conn, n) {
  const chunks = [];
  let got = 0;
  while (got < n) {
    const chunk = await conn.read();
    if (chunk === null) break;
    chunks.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(chunks);
}

/** Reads a ring Connection to EOF. */
export async function readAll(conn) {
  const chunks = [];
  for await (const chunk of conn) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A node:net client connected to `port` on `host`. */
export function nodeClient(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything a node:net socket receives until it ends (or fails). */
export function nodeCollect(socket) {
  return new Promise((resolve) => {
    const chunks = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('end', () => resolve({ data: Buffer.concat(chunks), error: null }));
    socket.on('error', (error) => resolve({ data: Buffer.concat(chunks), error }));
  });
}

/** A port nothing listens on (bound and released again). */
export async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
