// Contract tests of symlink and link, once per backend, single and in chains, against node:fs.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';

import { ChainError } from '../index.mjs';
import {
  ARG_TYPE,
  ARG_VALUE,
  describeBackends,
  errorOf,
  expectArgError,
  expectErrnoError,
  rejectionOf,
} from './helpers.mjs';

/** The error node:fs gives for the same call, to compare ours with. */
async function nodeError(fn) {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('node:fs did not fail');
}

describeBackends('symlink / link', (backend, t) => {
  describe('symlink', function () {
    it('creates a symbolic link holding the target as given (relative, dangling)', async function () {
      const p = t.file('to-missing');
      expect(await t.ring.symlink('no/such/target', p)).to.equal(undefined);
      expect(fs.readlinkSync(p)).to.equal('no/such/target');
      expect(fs.lstatSync(p).isSymbolicLink()).to.equal(true);
    });

    it('a link to a file reads through to it', async function () {
      const target = t.file('target.txt');
      fs.writeFileSync(target, 'through the link');
      const p = t.file('link');
      await t.ring.symlink(target, p);
      expect(fs.readFileSync(p, 'utf8')).to.equal('through the link');
    });

    it('an existing path fails with EEXIST like fs.symlink (path = target, dest = path)', async function () {
      const p = t.file('taken');
      fs.writeFileSync(p, 'keep');
      const err = await rejectionOf(() => t.ring.symlink('elsewhere', p));
      expectErrnoError(err, { code: 'EEXIST', syscall: 'symlink', path: 'elsewhere', dest: p });
      const expected = await nodeError(() => fs.promises.symlink('elsewhere', p));
      expect(err.message).to.equal(expected.message);
      expect(fs.readFileSync(p, 'utf8')).to.equal('keep');
    });

    it('a missing parent directory fails with ENOENT', async function () {
      const p = t.file('no-dir/link');
      expectErrnoError(await rejectionOf(() => t.ring.symlink('x', p)), {
        code: 'ENOENT',
        syscall: 'symlink',
        path: 'x',
        dest: p,
      });
    });

    it('bad arguments are TypeErrors with Node codes, naming target and path; nothing is created', async function () {
      const p = t.file('never');
      const e1 = await rejectionOf(() => t.ring.symlink(42, p));
      expectArgError(e1, ARG_TYPE);
      expect(e1.message).to.include('"target"');
      const e2 = await rejectionOf(() => t.ring.symlink('x', 'a\0b'));
      expectArgError(e2, ARG_VALUE);
      expect(e2.message).to.include("'path'");
      expectArgError(await rejectionOf(() => t.ring.symlink('x')), ARG_TYPE);
      expect(fs.existsSync(p)).to.equal(false);
    });
  });

  describe('link', function () {
    it('creates a second name of the same file', async function () {
      const a = t.file('a');
      const b = t.file('b');
      fs.writeFileSync(a, 'shared');
      expect(await t.ring.link(a, b)).to.equal(undefined);
      expect(fs.statSync(b).ino).to.equal(fs.statSync(a).ino);
      expect(fs.statSync(a).nlink).to.equal(2);
      fs.appendFileSync(b, '!');
      expect(fs.readFileSync(a, 'utf8')).to.equal('shared!');
    });

    it('does not follow a symbolic link: the new name is a link too, like fs.link', async function () {
      const target = t.file('target');
      fs.writeFileSync(target, 'x');
      const sym = t.file('sym');
      fs.symlinkSync(target, sym);
      const b = t.file('sym2');
      await t.ring.link(sym, b);
      expect(fs.lstatSync(b).isSymbolicLink()).to.equal(true);
      expect(fs.lstatSync(b).ino).to.equal(fs.lstatSync(sym).ino);
    });

    it('a missing source fails with ENOENT naming both paths, as fs.link does', async function () {
      const a = t.file('ghost');
      const b = t.file('b');
      const err = await rejectionOf(() => t.ring.link(a, b));
      expectErrnoError(err, { code: 'ENOENT', syscall: 'link', path: a, dest: b });
      const expected = await nodeError(() => fs.promises.link(a, b));
      expect(err.message).to.equal(expected.message);
      expect(fs.existsSync(b)).to.equal(false);
    });

    it('an existing new path fails with EEXIST; a directory source with EPERM', async function () {
      const a = t.file('a');
      const b = t.file('b');
      fs.writeFileSync(a, 'a');
      fs.writeFileSync(b, 'b');
      expectErrnoError(await rejectionOf(() => t.ring.link(a, b)), {
        code: 'EEXIST',
        syscall: 'link',
        path: a,
        dest: b,
      });
      const d = t.file('dir');
      fs.mkdirSync(d);
      expectErrnoError(await rejectionOf(() => t.ring.link(d, t.file('dir2'))), {
        code: 'EPERM',
        syscall: 'link',
      });
    });

    it('bad arguments are TypeErrors naming existingPath and newPath', async function () {
      const e1 = await rejectionOf(() => t.ring.link({}, t.file('n')));
      expectArgError(e1, ARG_TYPE);
      expect(e1.message).to.include('"existingPath"');
      const e2 = await rejectionOf(() => t.ring.link(t.file('n'), ''));
      expectArgError(e2, ARG_VALUE);
      expect(e2.message).to.include("'newPath'");
    });
  });

  describe('in chains', function () {
    it('write a file, link and symlink it, read it through the symlink, in one chain', async function () {
      const f = t.file('f');
      const hard = t.file('hard');
      const sym = t.file('sym');
      const rb = Buffer.alloc(5);
      const c = t.ring.chain();
      const file = c.open(f, 'w');
      expect(
        c.write(file, Buffer.from('hello')).close(file).link(f, hard).symlink('hard', sym),
      ).to.equal(c);
      const sf = c.open(sym, 'r');
      c.read(sf, rb, 0, 5, 0).close(sf).unlink(f);
      const r = await c.run().catch((err) => {
        if (err instanceof ChainError) throw err.cause;
        throw err;
      });
      expect(r.slice(3, 5)).to.deep.equal([undefined, undefined]);
      expect(r[6]).to.equal(5);
      expect(rb.toString()).to.equal('hello');
      expect(fs.existsSync(f)).to.equal(false);
      expect(fs.readFileSync(hard, 'utf8')).to.equal('hello');
      expect(fs.readlinkSync(sym)).to.equal('hard');
    }).timeout(10000);

    it('a failed symlink stops the chain: ChainError at its index, the rest ECANCELED and not run', async function () {
      const taken = t.file('taken');
      fs.writeFileSync(taken, 'x');
      const after = t.file('after');
      const c = t.ring.chain().nop().symlink('anything', taken).mkdir(after);
      const err = await errorOf(() => c.run());
      expect(err).to.be.instanceOf(ChainError);
      expect(err.index).to.equal(1);
      expectErrnoError(err.cause, {
        code: 'EEXIST',
        syscall: 'symlink',
        path: 'anything',
        dest: taken,
      });
      expect(err.results[2].reason.code).to.equal('ECANCELED');
      expect(fs.existsSync(after)).to.equal(false);
    });

    it('a failed link stops the chain the same way', async function () {
      const ghost = t.file('ghost');
      const after = t.file('after');
      const c = t.ring.chain().link(ghost, t.file('n')).mkdir(after);
      const err = await errorOf(() => c.run());
      expect(err).to.be.instanceOf(ChainError);
      expect(err.index).to.equal(0);
      expectErrnoError(err.cause, { code: 'ENOENT', syscall: 'link', path: ghost });
      expect(err.results[1].reason.code).to.equal('ECANCELED');
      expect(fs.existsSync(after)).to.equal(false);
    });

    it('chain builders validate at once', function () {
      const c = t.ring.chain();
      expect(() => c.symlink(1, 'x'))
        .to.throw(TypeError)
        .with.property('code', 'ERR_INVALID_ARG_TYPE');
      expect(() => c.link('x', null))
        .to.throw(TypeError)
        .with.property('code', 'ERR_INVALID_ARG_TYPE');
      expect(c.length).to.equal(0);
    });
  });

  if (backend === 'io_uring') {
    it('supports() says so, and both ops go to the kernel through the ring', async function () {
      expect(t.ring.supports('symlink')).to.equal(true);
      expect(t.ring.supports('link')).to.equal(true);
      const a = t.file('a');
      fs.writeFileSync(a, 'a');
      const before = t.ring.stats().sqesSubmitted;
      await t.ring.link(a, t.file('b'));
      await t.ring.symlink(a, t.file('c'));
      expect(t.ring.stats().sqesSubmitted - before).to.equal(2);
    });
  } else {
    it('supports() is true on the fs backend', function () {
      expect(t.ring.supports('symlink')).to.equal(true);
      expect(t.ring.supports('link')).to.equal(true);
    });
  }
});

describe('symlink / link paths', function () {
  it('path arguments may be Buffers and file: URLs', async function () {
    const { Ring } = await import('../index.mjs');
    const ring = new Ring({ backend: 'fs' });
    const dir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'uring-link-'));
    try {
      await ring.symlink(Buffer.from('t'), new URL(`file://${dir}/s`));
      expect(fs.readlinkSync(path.join(dir, 's'))).to.equal('t');
    } finally {
      await ring.shutdown();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
