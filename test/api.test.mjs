// API shape: both entry points, exported names, async disposal.
import { expect } from 'chai';
import { createRequire } from 'node:module';

import * as esm from '../index.mjs';
import { backends, rejectionOf } from './helpers.mjs';

const require = createRequire(import.meta.url);

describe('API shape', function () {
  const EXPORTS = ['Ring', 'Chain', 'ChainFile', 'ChainError', 'AbortError', 'Stats'];

  it('CommonJS require of dist/api/index.js exposes Ring and the other classes', function () {
    const cjs = require('../dist/api/index.js');
    for (const name of EXPORTS) expect(cjs[name], name).to.be.a('function');
    expect(cjs.isIoUringAvailable).to.be.a('function');
    expect(cjs.isIoUringAvailable()).to.be.a('boolean');
  });

  it('ESM import of index.mjs exposes Ring and the other classes', function () {
    for (const name of EXPORTS) expect(esm[name], name).to.be.a('function');
    expect(esm.isIoUringAvailable).to.be.a('function');
    expect(esm.isIoUringAvailable()).to.be.a('boolean');
  });

  it('index.mjs has a named export for every CommonJS export', function () {
    const cjs = require('../dist/api/index.js');
    const missing = Object.keys(cjs).filter((k) => k !== '__esModule' && !(k in esm));
    expect(missing).to.deep.equal([]);
  });

  it("the package name resolves through package.json exports (require and import of 'uring-loop')", async function () {
    const viaRequire = require('uring-loop');
    const viaImport = await import('uring-loop');
    expect(viaRequire.Ring).to.be.a('function');
    expect(viaImport.Ring).to.be.a('function');
  });

  it('ESM and CommonJS entry points share one implementation (instanceof works across them)', async function () {
    const cjs = require('../dist/api/index.js');
    for (const name of EXPORTS) expect(esm[name], name).to.equal(cjs[name]);
  });

  it('ChainError and AbortError are Error subclasses', function () {
    expect(esm.ChainError.prototype).to.be.instanceOf(Error);
    expect(esm.AbortError.prototype).to.be.instanceOf(Error);
  });

  for (const backend of backends()) {
    describe(`a Ring [${backend}]`, function () {
      it('has the documented methods, a backend, supports() and stats()', async function () {
        const ring = new esm.Ring({ backend });
        try {
          for (const m of [
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
            'unlink',
            'rmdir',
            'rename',
            'mkdir',
            'nop',
            'sleep',
            'chain',
            'stats',
            'supports',
            'shutdown',
          ]) {
            expect(ring[m], m).to.be.a('function');
          }
          expect(ring.backend).to.equal(backend);
          expect(ring.supports('nop')).to.equal(true);
          expect(ring.supports('read')).to.equal(true);
          expect(ring.supports('no-such-op')).to.equal(false);
          expect(ring.chain()).to.be.instanceOf(esm.Chain);
          const s = ring.stats();
          expect(s.backend).to.equal(backend);
        } finally {
          await ring.shutdown();
        }
      });

      it('ring[Symbol.asyncDispose] exists and shuts the ring down', async function () {
        const ring = new esm.Ring({ backend });
        expect(ring[Symbol.asyncDispose]).to.be.a('function');
        const pending = ring.sleep(10000);
        const settled = pending.then(
          () => 'resolved',
          (e) => e.code,
        );
        await ring[Symbol.asyncDispose]();
        expect(await settled).to.equal('ECANCELED');
        const err = await rejectionOf(() => ring.nop());
        expect(err.code).to.equal('ERR_URING_CLOSED');
      });
    });
  }
});
