// Echo server on uring-loop for the tcp-echo benchmark. Prints {"port", "pid"}
// once listening; on stdin end or SIGTERM prints {"ring": stats} and exits.
// URING_LOOP_LIB names the library to load (default: this repository).
'use strict';

const path = require('node:path');

const { Ring } = require(process.env.URING_LOOP_LIB || path.join(__dirname, '..', '..'));

async function serve(conn) {
  for await (const chunk of conn) await conn.write(chunk);
}

async function main() {
  const ring = new Ring();
  const server = await ring.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ port: server.address().port, pid: process.pid }));
  const stop = () => {
    console.log(JSON.stringify({ ring: ring.stats() }));
    process.exit(0);
  };
  process.stdin.resume();
  process.stdin.on('end', stop);
  process.on('SIGTERM', stop);
  for await (const conn of server) serve(conn).catch(() => conn.close());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
