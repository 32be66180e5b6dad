// TCP echo, 64 connections x 64-byte messages: request/response round trips
// from bench/loadgen.c (a C client on liburing) against an echo server running in a
// child process (uring-loop's, node:net's, or the liburing reference in C),
// so the server's CPU time is measured on its own
// (/proc/<pid>/stat, every thread of the process, io_uring workers included).
'use strict';

const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const ROOT = path.join(__dirname, '..', '..');
const LOADGEN = path.join(ROOT, 'build', 'Release', 'loadgen');
const ECHO_C = path.join(ROOT, 'build', 'Release', 'uring_loop_echo');
/** Each system's server as [command, ...args]. */
const SERVERS = {
  'uring-loop': [process.execPath, path.join(__dirname, '..', 'servers', 'uring-echo.js')],
  'node-net': [process.execPath, path.join(__dirname, '..', 'servers', 'node-echo.js')],
  // The physical reference: the same echo on liburing, no Node (bench/c/echo-server.c).
  'c-liburing': [ECHO_C],
};
const CONNECTIONS = 64;
const SIZE = 64;

exports.name = 'tcp-echo-64c';
exports.systems = Object.keys(SERVERS);
// The server runs in a child process: this process's thread census says nothing about it.
exports.outOfProcess = true;

let ticksPerSecond;
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU of a process (all its threads) in microseconds. */
function cpuUs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return (ticks * 1e6) / clockTicks();
}

/** Starts a server; resolves with { child, port, lines } once it listens. */
function startServer([command, ...args], lib) {
  if (!fs.existsSync(command)) {
    throw new Error(`${command} is missing: build it with "npm run build"`);
  }
  const env = { ...process.env };
  if (typeof lib === 'string') env.URING_LOOP_LIB = lib;
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'], env });
  const lines = readline.createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`echo server exited early (code ${code})`)));
    iterator.next().then(({ value }) => {
      try {
        resolve({ child, port: JSON.parse(value).port, iterator });
      } catch (err) {
        reject(err);
      }
    }, reject);
  });
}

function runLoadgen(port, seconds) {
  if (!fs.existsSync(LOADGEN)) {
    throw new Error(`${LOADGEN} is missing: build it with "npm run build"`);
  }
  return new Promise((resolve, reject) => {
    const args = ['--port', String(port), '--connections', String(CONNECTIONS)];
    args.push('--size', String(SIZE), '--seconds', String(seconds), '--warmup', '0.5');
    const child = spawn(LOADGEN, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`loadgen exited with code ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

exports.run = async function run(system, { quick, lib } = {}) {
  const server = SERVERS[system];
  if (!server) throw new Error(`unknown system ${system}`);
  const seconds = quick ? 2 : 5;
  const { child, port, iterator } = await startServer(server, lib);
  child.removeAllListeners('exit');
  let result;
  let ring = null;
  try {
    // CPU over the whole loadgen run: its warm-up is excluded from the round
    // trips but not from the CPU, so the CPU per round trip errs high.
    const before = cpuUs(child.pid);
    const start = process.hrtime.bigint();
    result = await runLoadgen(port, seconds);
    const elapsed = process.hrtime.bigint() - start;
    const cpu = cpuUs(child.pid) - before;
    result.cpuUs = Math.round((cpu * result.seconds * 1e9) / Number(elapsed));
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end();
    const last = await iterator.next();
    if (!last.done) ring = JSON.parse(last.value).ring ?? null;
    await exited;
  }
  return {
    ops: result.roundTrips,
    // Bytes the server received and sent back.
    bytes: result.roundTrips * SIZE * 2,
    elapsedNs: Math.round(result.seconds * 1e9),
    cpuUs: result.cpuUs,
    p50Us: result.p50Us,
    p99Us: result.p99Us,
    ring,
  };
};
