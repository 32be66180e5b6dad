// A TCP echo server on the ring (multishot accept and receive underneath),
// three clients doing round trips, and a durable acknowledgement: a record
// received, written to a file, fdatasync'ed and acknowledged by one linked
// chain (the ack goes in once the fdatasync has succeeded).
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Ring } = require('uring-loop');

async function echo(conn) {
  for await (const chunk of conn) await conn.write(chunk);
}

async function main() {
  const ring = new Ring();
  if (ring.backend !== 'io_uring') {
    console.log('echo server: sockets need the io_uring backend; skipped');
    await ring.shutdown();
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-loop-echo-'));
  const server = await ring.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.address();
  const net = ring.features.net;
  console.log(
    `echo server on 127.0.0.1:${port} (multishot accept: ${net.multishotAccept}, ` +
      `multishot receive: ${net.multishotRecv})`,
  );
  const serving = (async () => {
    for await (const conn of server) echo(conn).catch((err) => console.error(err));
  })();

  try {
    // 1. Three clients, a few round trips each, all at once.
    const t0 = performance.now();
    const lines = await Promise.all(
      ['alpha', 'beta', 'gamma'].map(async (name) => {
        const conn = await ring.connect({ host: '127.0.0.1', port });
        const replies = [];
        for (let i = 1; i <= 3; i++) {
          await conn.write(`${name} #${i}`);
          replies.push((await conn.read()).toString());
        }
        await conn.close();
        return `  ${name}: ${replies.join(', ')}`;
      }),
    );
    console.log(`3 clients x 3 round trips in ${(performance.now() - t0).toFixed(1)} ms:`);
    for (const line of lines) console.log(line);

    // 2. One MiB out and back: written whole, read back in receive-buffer-sized chunks.
    const conn = await ring.connect({ host: '127.0.0.1', port });
    const big = Buffer.alloc(1 << 20, 'u');
    const writing = conn.write(big);
    let got = 0;
    let chunks = 0;
    while (got < big.length) {
      got += (await conn.read()).length;
      chunks++;
    }
    await writing;
    console.log(`1 MiB echoed back in ${chunks} chunks`);
    await conn.close();

    // 3. A durable acknowledgement: recv -> write -> fdatasync -> send, linked.
    const ackServer = await ring.listen({ host: '127.0.0.1', port: 0 });
    const client = await ring.connect({ host: '127.0.0.1', port: ackServer.address().port });
    const peer = await ackServer.accept();
    const fd = await ring.open(path.join(dir, 'journal'), 'w');
    await client.write('record-0000000001');
    const record = Buffer.alloc(17);
    await ring
      .chain()
      .recv(peer.fd, record)
      .write(fd, record)
      .fdatasync(fd)
      .send(peer.fd, Buffer.from('ack'))
      .run();
    console.log(
      `client got "${await client.read()}" after "${record}" reached the disk ` +
        '(one chain: recv, write, fdatasync, then send)',
    );
    await ring.close(fd);
    await client.close();
    await ackServer.close();

    const s = ring.stats();
    console.log(
      `ring: ${s.sqesSubmitted} SQEs in ${s.submitCalls} submits, ${s.cqesReaped} CQEs ` +
        `in ${s.harvests} batches`,
    );
  } finally {
    await server.close();
    await serving;
    await ring.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = main;
if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
