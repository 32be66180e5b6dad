// Echo server on node:net for the tcp-echo benchmark. Prints {"port", "pid"}
// once listening; exits on stdin end or SIGTERM.
'use strict';

const net = require('node:net');

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('data', (chunk) => socket.write(chunk));
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port, pid: process.pid }));
});
const stop = () => {
  console.log(JSON.stringify({ ring: null }));
  process.exit(0);
};
process.stdin.resume();
process.stdin.on('end', stop);
process.on('SIGTERM', stop);
