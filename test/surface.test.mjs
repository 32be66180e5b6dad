// Public objects expose their documented API and nothing else: no internals reachable from
// plain JavaScript on a Ring or a Chain (their prototypes are made from the op table).
import { expect } from 'chai';

import { createRequire } from 'node:module';

import { Ring, Chain } from '../index.mjs';
import * as fsEsm from '../fs.mjs';
import { backends } from './helpers.mjs';

const FILE_OPS = [
  'open',
  'close',
  'read',
  'write',
  'readv',
  'writev',
  'fsync',
  'fdatasync',
  'fallocate',
  'ftruncate',
  'stat',
  'lstat',
  'unlink',
  'rmdir',
  'rename',
  'mkdir',
  'symlink',
  'link',
  'nop',
  'sleep',
];
const NET_OPS = [
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
];
const RING_API = [
  'constructor',
  'supports',
  'features',
  'chain',
  'stats',
  'setIowqAffinity',
  'setIowqMaxWorkers',
  'shutdown',
];

for (const backend of backends()) {
  describe(`public surface [${backend}]`, function () {
    it('Ring.prototype holds the documented methods and the op table, nothing else', async function () {
      const names = Object.getOwnPropertyNames(Ring.prototype).sort();
      expect(names).to.deep.equal([...RING_API, ...FILE_OPS, ...NET_OPS].sort());
      expect(Object.getOwnPropertySymbols(Ring.prototype)).to.deep.equal([Symbol.asyncDispose]);
      const ring = new Ring({ backend });
      try {
        expect(Object.getOwnPropertyNames(ring)).to.deep.equal(['backend']);
        for (const hidden of ['submit', 'submitNet', 'uringOnly', 'impl']) {
          expect(ring[hidden], hidden).to.equal(undefined);
        }
        for (const op of FILE_OPS) expect(ring.supports(op), op).to.be.a('boolean');
        for (const name of ['constructor', '__proto__', 'toString', 'submit']) {
          expect(ring.supports(name), name).to.equal(false);
        }
      } finally {
        await ring.shutdown();
      }
    });

    it('Chain.prototype holds run, length and one builder per op; a chain has no own properties', async function () {
      const names = Object.getOwnPropertyNames(Chain.prototype).sort();
      expect(names).to.deep.equal(['constructor', 'length', 'run', ...FILE_OPS, ...NET_OPS].sort());
      const ring = new Ring({ backend });
      try {
        const chain = ring.chain();
        expect(Reflect.ownKeys(chain)).to.deep.equal([]);
        expect(() => new Chain({ name: 'io_uring', runChain: () => null })).to.throw(TypeError);
      } finally {
        await ring.shutdown();
      }
    });

    it('an op method called on something that is not a ring rejects with a TypeError', async function () {
      const err = await Ring.prototype.nop.call({}).then(
        () => null,
        (e) => e,
      );
      expect(err).to.be.instanceOf(TypeError);
      expect(() => Chain.prototype.nop.call({})).to.throw(TypeError);
    });
  });
}

describe('public surface: the other exported classes', function () {
  const expected = {
    ChainFile: ['constructor'],
    Server: ['constructor', 'address', 'listening', 'connectionCount', 'accept', 'close'],
    Connection: [
      'constructor',
      'remoteAddress',
      'remotePort',
      'remoteFamily',
      'localAddress',
      'localPort',
      'closed',
      'readableLength',
      'read',
      'write',
      'end',
      'close',
    ],
    DurableLog: ['constructor', 'append', 'nextLsn', 'stats', 'close'],
    RingDestination: ['constructor', 'write', 'flush', 'flushSync', 'reopen', 'end', 'destroy'],
    RingWriteStream: ['constructor', '_write', '_writev', '_final', '_destroy'],
  };
  for (const [name, names] of Object.entries(expected)) {
    it(`${name}.prototype holds its documented API only`, async function () {
      const lib = await import('../index.mjs');
      expect(Object.getOwnPropertyNames(lib[name].prototype).sort()).to.deep.equal(
        [...names].sort(),
      );
    });
  }
});

describe('public surface: uring-loop/fs', function () {
  const require = createRequire(import.meta.url);
  const fsModule = require('uring-loop/fs');
  const nodeFs = require('node:fs/promises');

  it("exports node:fs/promises' names of this Node and nothing else (CommonJS and ESM)", async function () {
    expect(Object.keys(fsModule).sort()).to.deep.equal(Object.keys(nodeFs).sort());
    const nodeNs = await import('node:fs/promises');
    expect(Object.keys(fsEsm).sort()).to.deep.equal(Object.keys(nodeNs).sort());
    expect(Object.getOwnPropertySymbols(fsModule)).to.deep.equal([]);
  });

  it('its functions are plain functions, named as node names them, with nothing attached', function () {
    for (const [name, value] of Object.entries(fsModule)) {
      if (name === 'constants') {
        expect(value).to.equal(nodeFs.constants);
        continue;
      }
      expect(value, name).to.be.a('function');
      expect(value.name, name).to.equal(nodeFs[name].name);
      // node's own (delegated) functions are node's business; ours carry nothing more.
      if (value === nodeFs[name]) continue;
      const own = Reflect.ownKeys(value).filter(
        (k) => !['length', 'name', 'prototype'].includes(k),
      );
      expect(own, name).to.deep.equal([]);
    }
  });
});

describe("public surface: FileHandle (uring-loop/fs's open())", function () {
  it("FileHandle.prototype holds node's FileHandle members only; a handle shows no internals", async function () {
    const { createRequire } = await import('node:module');
    const fsp = await import('node:fs/promises');
    const { createFs } = createRequire(import.meta.url)('uring-loop');
    const ring = new Ring();
    const theirs = await fsp.open(new URL(import.meta.url));
    const mine = await createFs(ring).open(new URL(import.meta.url));
    try {
      const proto = Object.getPrototypeOf(mine);
      expect(Object.getOwnPropertyNames(proto).sort()).to.deep.equal(
        Object.getOwnPropertyNames(Object.getPrototypeOf(theirs)).sort(),
      );
      expect(Object.getOwnPropertySymbols(proto)).to.deep.equal([Symbol.asyncDispose]);
      // EventEmitter's own fields and `close`, as on node's handle.
      expect(Object.getOwnPropertyNames(mine).sort()).to.deep.equal(
        Object.getOwnPropertyNames(theirs).sort(),
      );
      for (const hidden of ['ring', 'refs', 'unref', 'call', 'release']) {
        expect(mine[hidden], hidden).to.equal(undefined);
      }
    } finally {
      await Promise.all([mine.close(), theirs.close()]);
      await ring.shutdown();
    }
  });
});
