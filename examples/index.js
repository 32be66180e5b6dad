// A tour of uring-loop: durable appends with linked write -> fdatasync chains
// (beside fs.promises), many concurrent reads, cancellation/timeouts, a TCP
// echo server, and an fs/promises program moved onto the ring by one import.
'use strict';

const { Ring } = require('uring-loop');

async function main() {
  const probe = new Ring();
  console.log(`uring-loop on Node ${process.version}: backend ${probe.backend}`);
  await probe.shutdown();
  console.log();
  await require('./durable-append')();
  console.log();
  await require('./concurrent-reads')();
  console.log();
  await require('./cancel-timeout')();
  console.log();
  await require('./echo-server')();
  console.log();
  await require('./fs-swap')();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
