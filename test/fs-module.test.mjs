// uring-loop/fs against node:fs/promises, side by side: every call runs once through the module
// under test (the default module on the thread's ring, createFs() on an io_uring ring and on an
// fs-backend ring) in one temp dir and once through node:fs/promises in another, on the same
// tree. Results, errors (class, code, errno, syscall, path, dest, message) and the tree after
// the call must match. Plus: the export list per Node version, Stats objects, rejection instead
// of throwing for bad arguments, nothing left open after a failure, no process kept alive, and
// worker threads.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import nodeFs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import { Ring, createFs } from '../index.mjs';
import * as esmFs from '../fs.mjs';
import { backendOf, backends, makeTempDir, removeTempDir, runNode, IS_LINUX } from './helpers.mjs';

const require = createRequire(import.meta.url);
const cjsFs = require('uring-loop/fs');
const { COPYFILE_EXCL, COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE, W_OK, R_OK } = fs.constants;

/** The tree every case starts from. */
function makeTree(dir) {
  fs.writeFileSync(path.join(dir, 'f'), 'hello world');
  fs.writeFileSync(path.join(dir, 'empty'), '');
  fs.writeFileSync(path.join(dir, 'm640'), 'mode 640', { mode: 0o640 });
  fs.chmodSync(path.join(dir, 'm640'), 0o640);
  fs.writeFileSync(path.join(dir, 'm750'), 'mode 750');
  fs.chmodSync(path.join(dir, 'm750'), 0o750);
  // 3 MiB and a bit, the same bytes in both trees: copied in several chunks.
  const big = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i + 4 <= big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
  fs.writeFileSync(path.join(dir, 'big'), big);
  fs.mkdirSync(path.join(dir, 'd'));
  fs.writeFileSync(path.join(dir, 'd', 'inner'), 'inner');
  fs.mkdirSync(path.join(dir, 'e'));
  fs.symlinkSync('f', path.join(dir, 'ln'));
  fs.symlinkSync('nope', path.join(dir, 'dangle'));
  fs.symlinkSync('d', path.join(dir, 'lnd'));
}

/** Everything under `dir`: type, mode, size, content hash, link target. */
function snapshot(dir) {
  const out = {};
  const walk = (rel) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = path.join(rel, name);
      const full = path.join(dir, r);
      const st = fs.lstatSync(full);
      const entry = { mode: st.mode.toString(8), nlink: st.nlink };
      if (st.isSymbolicLink()) entry.target = fs.readlinkSync(full);
      else if (st.isFile()) {
        entry.size = st.size;
        entry.sha = createHash('sha1').update(fs.readFileSync(full)).digest('hex');
      }
      out[r] = entry;
      if (st.isDirectory()) walk(r);
    }
  };
  walk('.');
  return out;
}

/** A comparable form of a result or an error, with the temp dir's name taken out. */
function outcome(dir, settled) {
  const scrub = (v) =>
    typeof v === 'string'
      ? v.split(dir).join('<dir>')
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)]))
        : v;
  if (settled.status === 'rejected') {
    const e = settled.reason;
    return {
      rejected: true,
      class: e?.constructor?.name,
      name: e?.name,
      message: scrub(e?.message),
      props: scrub({ ...e }),
    };
  }
  const v = settled.value;
  if (v instanceof fs.Stats || (v && typeof v.isFile === 'function')) {
    return {
      stats: Object.getPrototypeOf(v).constructor.name,
      keys: Object.keys(v).sort(),
      type: [v.isFile(), v.isDirectory(), v.isSymbolicLink()],
      mode: v.mode,
      size: v.size,
      nlink: v.nlink,
    };
  }
  if (v && typeof v === 'object' && typeof v.fd === 'number') return { handle: true };
  return { value: scrub(v) };
}

/** Runs `call` on `fsx` in a fresh tree; what it gave, whether it threw, and the tree after it. */
async function runCase(fsx, call) {
  const dir = makeTempDir('uring-loop-fsmod-');
  try {
    makeTree(dir);
    const p = (name) => path.join(dir, name);
    let promise;
    let threwSync = false;
    try {
      promise = call(fsx, p, dir);
    } catch (err) {
      // node's async functions never throw: a synchronous throw is a difference in itself.
      threwSync = true;
      promise = Promise.reject(err);
    }
    const [settled] = await Promise.allSettled([promise]);
    if (settled.status === 'fulfilled' && typeof settled.value?.close === 'function') {
      await settled.value.close();
    }
    return { outcome: outcome(dir, settled), threwSync, tree: snapshot(dir) };
  } finally {
    removeTempDir(dir);
  }
}

const url = (p) => pathToFileURL(p);

/** [name, call(fs, p, dir)]: each runs through both modules on identical trees. */
const CASES = [
  // stat / lstat
  ['stat file', (f, p) => f.stat(p('f'))],
  ['stat dir', (f, p) => f.stat(p('d'))],
  ['stat follows a symlink', (f, p) => f.stat(p('ln'))],
  ['stat dangling symlink', (f, p) => f.stat(p('dangle'))],
  ['stat missing', (f, p) => f.stat(p('nope'))],
  ['stat through a file', (f, p) => f.stat(p('f/x'))],
  ['stat empty path', (f) => f.stat('')],
  ['stat Buffer path', (f, p) => f.stat(Buffer.from(p('nope')))],
  ['stat URL', (f, p) => f.stat(url(p('f')))],
  ['stat URL missing', (f, p) => f.stat(url(p('no pe')))],
  ['stat http URL', (f) => f.stat(new URL('http://example.com/x'))],
  ['stat bigint', (f, p) => f.stat(p('f'), { bigint: true })],
  ['stat bigint missing', (f, p) => f.stat(p('nope'), { bigint: true })],
  ['stat options null', (f, p) => f.stat(p('f'), null)],
  ['stat options string', (f, p) => f.stat(p('f'), 'utf8')],
  ['stat number path', (f) => f.stat(1)],
  ['stat no path', (f) => f.stat()],
  ['stat NUL in path', (f, p) => f.stat(p('a\0b'))],
  ['stat long path', (f, p) => f.stat(p('x'.repeat(5000)))],
  ['stat long name', (f, p) => f.stat(p('x'.repeat(300)))],
  ['lstat symlink', (f, p) => f.lstat(p('ln'))],
  ['lstat dangling', (f, p) => f.lstat(p('dangle'))],
  ['lstat missing', (f, p) => f.lstat(p('nope'))],
  ['lstat bigint', (f, p) => f.lstat(p('ln'), { bigint: true })],
  ['lstat object path', (f) => f.lstat({})],
  // access
  ['access file', (f, p) => f.access(p('f'))],
  ['access F_OK missing', (f, p) => f.access(p('nope'), 0)],
  ['access dangling', (f, p) => f.access(p('dangle'))],
  ['access W_OK', (f, p) => f.access(p('f'), W_OK)],
  ['access R_OK missing', (f, p) => f.access(p('nope'), R_OK)],
  ['access bad mode', (f, p) => f.access(p('f'), 'r')],
  ['access mode out of range', (f, p) => f.access(p('f'), 8)],
  // unlink
  ['unlink file', (f, p) => f.unlink(p('f'))],
  ['unlink symlink', (f, p) => f.unlink(p('ln'))],
  ['unlink missing', (f, p) => f.unlink(p('nope'))],
  ['unlink dir', (f, p) => f.unlink(p('d'))],
  ['unlink Buffer', (f, p) => f.unlink(Buffer.from(p('f')))],
  ['unlink bad', (f) => f.unlink(null)],
  // rmdir
  ['rmdir empty', (f, p) => f.rmdir(p('e'))],
  ['rmdir not empty', (f, p) => f.rmdir(p('d'))],
  ['rmdir file', (f, p) => f.rmdir(p('f'))],
  ['rmdir missing', (f, p) => f.rmdir(p('nope'))],
  ['rmdir recursive false', (f, p) => f.rmdir(p('e'), { recursive: false })],
  ['rmdir bad options', (f, p) => f.rmdir(p('e'), { maxRetries: 'x' })],
  // rm
  ['rm file', (f, p) => f.rm(p('f'))],
  ['rm symlink to dir', (f, p) => f.rm(p('lnd'))],
  ['rm missing', (f, p) => f.rm(p('nope'))],
  ['rm missing force', (f, p) => f.rm(p('nope'), { force: true })],
  ['rm dir', (f, p) => f.rm(p('d'))],
  ['rm dir force', (f, p) => f.rm(p('e'), { force: true })],
  ['rm dir recursive', (f, p) => f.rm(p('d'), { recursive: true })],
  ['rm through a file', (f, p) => f.rm(p('f/x'))],
  ['rm bad force', (f, p) => f.rm(p('f'), { force: 'yes' })],
  ['rm bad path', (f) => f.rm(42)],
  // mkdir
  ['mkdir', (f, p) => f.mkdir(p('new'))],
  ['mkdir exists', (f, p) => f.mkdir(p('d'))],
  ['mkdir missing parent', (f, p) => f.mkdir(p('nope/x'))],
  ['mkdir mode', (f, p) => f.mkdir(p('new'), 0o700)],
  ['mkdir mode string', (f, p) => f.mkdir(p('new'), '750')],
  ['mkdir options mode', (f, p) => f.mkdir(p('new'), { mode: 0o711 })],
  ['mkdir bad mode', (f, p) => f.mkdir(p('new'), { mode: 'zz' })],
  ['mkdir recursive new', (f, p) => f.mkdir(p('a/b/c'), { recursive: true })],
  ['mkdir recursive one', (f, p) => f.mkdir(p('a'), { recursive: true })],
  ['mkdir recursive exists', (f, p) => f.mkdir(p('d'), { recursive: true })],
  ['mkdir recursive symlink to dir', (f, p) => f.mkdir(p('lnd'), { recursive: true })],
  ['mkdir recursive over file', (f, p) => f.mkdir(p('f'), { recursive: true })],
  ['mkdir recursive through file', (f, p) => f.mkdir(p('f/x/y'), { recursive: true })],
  ['mkdir recursive mode', (f, p) => f.mkdir(p('a/b'), { recursive: true, mode: 0o700 })],
  ['mkdir recursive Buffer', (f, p) => f.mkdir(Buffer.from(p('a/b')), { recursive: true })],
  ['mkdir recursive URL', (f, p) => f.mkdir(url(p('a/b')), { recursive: true })],
  ['mkdir bad recursive', (f, p) => f.mkdir(p('a'), { recursive: 1 })],
  // rename, link, symlink
  ['rename', (f, p) => f.rename(p('f'), p('g'))],
  ['rename missing', (f, p) => f.rename(p('nope'), p('g'))],
  ['rename file over dir', (f, p) => f.rename(p('f'), p('d'))],
  ['rename dir over file', (f, p) => f.rename(p('d'), p('f'))],
  ['rename dir over non-empty dir', (f, p) => f.rename(p('e'), p('d'))],
  ['rename URL', (f, p) => f.rename(url(p('f')), url(p('g')))],
  ['rename bad dest', (f, p) => f.rename(p('f'), 5)],
  ['link', (f, p) => f.link(p('f'), p('g'))],
  ['link missing', (f, p) => f.link(p('nope'), p('g'))],
  ['link exists', (f, p) => f.link(p('f'), p('d'))],
  ['link dir', (f, p) => f.link(p('d'), p('g'))],
  ['symlink', (f, p) => f.symlink('f', p('s'))],
  ['symlink exists', (f, p) => f.symlink('f', p('d'))],
  ['symlink type file', (f, p) => f.symlink('f', p('s'), 'file')],
  ['symlink type bogus', (f, p) => f.symlink('f', p('s'), 'bogus')],
  ['symlink missing dir', (f, p) => f.symlink('f', p('nope/s'))],
  // truncate
  ['truncate', (f, p) => f.truncate(p('f'), 2)],
  ['truncate to 0', (f, p) => f.truncate(p('f'))],
  ['truncate extends', (f, p) => f.truncate(p('f'), 100)],
  ['truncate negative', (f, p) => f.truncate(p('f'), -5)],
  ['truncate missing', (f, p) => f.truncate(p('nope'), 1)],
  ['truncate dir', (f, p) => f.truncate(p('d'))],
  ['truncate bad length', (f, p) => f.truncate(p('f'), 'x')],
  ['truncate bad length, missing', (f, p) => f.truncate(p('nope'), 'x')],
  ['truncate fractional length', (f, p) => f.truncate(p('f'), 1.5)],
  // copyFile
  ['copyFile', (f, p) => f.copyFile(p('f'), p('g'))],
  ['copyFile over a file', (f, p) => f.copyFile(p('f'), p('d/inner'))],
  ['copyFile onto itself', (f, p) => f.copyFile(p('f'), p('f'))],
  ['copyFile onto itself EXCL', (f, p) => f.copyFile(p('f'), p('f'), COPYFILE_EXCL)],
  ['copyFile EXCL exists', (f, p) => f.copyFile(p('f'), p('m640'), COPYFILE_EXCL)],
  ['copyFile EXCL new', (f, p) => f.copyFile(p('f'), p('g'), COPYFILE_EXCL)],
  ['copyFile onto a dir', (f, p) => f.copyFile(p('f'), p('d'))],
  ['copyFile a dir', (f, p) => f.copyFile(p('d'), p('g'))],
  ['copyFile missing', (f, p) => f.copyFile(p('nope'), p('g'))],
  ['copyFile into missing dir', (f, p) => f.copyFile(p('f'), p('nope/g'))],
  ['copyFile big', (f, p) => f.copyFile(p('big'), p('g'))],
  ['copyFile empty', (f, p) => f.copyFile(p('empty'), p('g'))],
  ['copyFile keeps mode 640', (f, p) => f.copyFile(p('m640'), p('g'))],
  ['copyFile mode 750 over 640', (f, p) => f.copyFile(p('m750'), p('m640'))],
  ['copyFile symlink', (f, p) => f.copyFile(p('ln'), p('g'))],
  ['copyFile FICLONE', (f, p) => f.copyFile(p('f'), p('g'), COPYFILE_FICLONE)],
  ['copyFile FICLONE_FORCE', (f, p) => f.copyFile(p('f'), p('g'), COPYFILE_FICLONE_FORCE)],
  ['copyFile bad mode', (f, p) => f.copyFile(p('f'), p('g'), 8)],
  ['copyFile bad mode type', (f, p) => f.copyFile(p('f'), p('g'), 'x')],
  ['copyFile bad src', (f, p) => f.copyFile(undefined, p('g'))],
  // open
  ['open', (f, p) => f.open(p('f'))],
  ['open missing', (f, p) => f.open(p('nope'))],
  ['open wx exists', (f, p) => f.open(p('f'), 'wx')],
  ['open w creates', (f, p) => f.open(p('g'), 'w', 0o600)],
  ['open dir for writing', (f, p) => f.open(p('d'), 'r+')],
  ['open bad flags', (f, p) => f.open(p('f'), 'zz')],
  ['open bad mode', (f, p) => f.open(p('g'), 'w', 'zz')],
  // delegated
  ['readdir', (f, p) => f.readdir(p('d'))],
  ['readlink', (f, p) => f.readlink(p('ln'))],
  ['chmod', (f, p) => f.chmod(p('f'), 0o600)],
  ['statfs missing', (f, p) => f.statfs(p('nope'))],
];

const SUBJECTS = [
  ['uring-loop/fs (the thread ring)', () => cjsFs, null],
  ['createFs(io_uring ring)', (ring) => createFs(ring), 'io_uring'],
  ['createFs(fs-backend ring)', (ring) => createFs(ring), 'fs'],
].filter(([, , backend]) => IS_LINUX || backend !== 'io_uring');

describe('uring-loop/fs: the module', function () {
  const nodeRequire = createRequire(import.meta.url);
  it("has exactly node:fs/promises' names on this Node (CommonJS, ESM, default export)", async function () {
    const names = Object.keys(nodeRequire('node:fs/promises')).sort();
    expect(Object.keys(cjsFs).sort()).to.deep.equal(names);
    const nodeNs = await import('node:fs/promises');
    expect(Object.keys(esmFs).sort()).to.deep.equal(Object.keys(nodeNs).sort());
    expect(Object.keys(esmFs.default).sort()).to.deep.equal(names);
    expect(cjsFs.constants).to.equal(fs.constants);
    for (const name of names) expect(esmFs[name], name).to.equal(cjsFs[name]);
  });

  it('has the same names on every Node version installed here', async function () {
    this.timeout(60000);
    const dir = path.join(process.env.HOME ?? '/root', '.cache/uring-loop/node');
    const nodes = fs.existsSync(dir)
      ? fs.readdirSync(dir).map((v) => path.join(dir, v, 'package/bin/node'))
      : [];
    const probe =
      "const c=require('uring-loop/fs');import('uring-loop/fs').then(async(m)=>{" +
      "const n=await import('node:fs/promises');const k=(o)=>Object.keys(o).sort().join();" +
      "console.log(JSON.stringify({v:process.version,cjs:k(c)===k(require('node:fs/promises'))," +
      'esm:k(m)===k(n),n:k(c).split(",").length}))})';
    const checked = [];
    for (const node of [process.execPath, ...nodes.filter((n) => fs.existsSync(n))]) {
      const child = await runNode(['-e', probe], { command: [node] });
      expect(child.code, child.stderr).to.equal(0);
      const r = JSON.parse(child.stdout.trim());
      expect(r, r.v).to.include({ cjs: true, esm: true });
      checked.push(`${r.v} (${r.n})`);
    }
    console.log(`      same names on ${checked.join(', ')}`);
  });

  it('delegates what io_uring has no op for to node:fs/promises itself', function () {
    const nodeFsp = nodeRequire('node:fs/promises');
    for (const name of [
      'readdir',
      'opendir',
      'chmod',
      'chown',
      'utimes',
      'realpath',
      'mkdtemp',
      'cp',
    ])
      expect(cjsFs[name], name).to.equal(nodeFsp[name]);
    for (const name of ['stat', 'lstat', 'mkdir', 'copyFile', 'open', 'truncate'])
      expect(cjsFs[name], name).to.not.equal(nodeFsp[name]);
  });

  it('statfs() without a path rejects with ERR_INVALID_ARG_TYPE (Node 22.22.0 aborts the process)', async function () {
    // node's own stat() validates its path the same way, without the abort.
    const expected = await nodeFs.stat().catch((e) => e);
    for (const statfs of [cjsFs.statfs, esmFs.statfs, esmFs.default.statfs]) {
      const err = await statfs().catch((e) => e);
      expect(err).to.be.instanceOf(TypeError);
      expect(err.code).to.equal('ERR_INVALID_ARG_TYPE');
      expect(err.message).to.equal(expected.message);
    }
  });

  it('createFs refuses anything but a Ring', function () {
    for (const bad of [undefined, null, {}, 'ring', cjsFs]) {
      expect(() => createFs(bad))
        .to.throw(TypeError)
        .with.property('code', 'ERR_INVALID_ARG_TYPE');
    }
  });
});

for (const [title, make, backend] of SUBJECTS) {
  describe(`uring-loop/fs vs node:fs/promises: ${title}`, function () {
    this.timeout(60000);
    let ring;
    let fsx;
    before(function () {
      ring = backend ? new Ring({ backend }) : null;
      fsx = make(ring);
    });
    after(async () => ring?.shutdown());

    for (const [name, call] of CASES) {
      it(name, async function () {
        const ours = await runCase(fsx, call);
        const theirs = await runCase(nodeFs, call);
        expect(ours.outcome, 'result or error').to.deep.equal(theirs.outcome);
        expect(ours.tree, 'tree after the call').to.deep.equal(theirs.tree);
        expect(ours.threwSync, 'throws synchronously').to.equal(theirs.threwSync);
      });
    }

    it("stat and lstat give objects deep-equal to node's (Stats and BigIntStats)", async function () {
      const dir = makeTempDir('uring-loop-fsmod-');
      try {
        makeTree(dir);
        for (const name of ['f', 'd', 'ln', 'lnd', 'big', 'empty']) {
          const p = path.join(dir, name);
          for (const options of [undefined, { bigint: false }, { bigint: true }]) {
            for (const call of ['stat', 'lstat']) {
              const ours = await fsx[call](p, options);
              const theirs = await nodeFs[call](p, options);
              expect(ours, `${call} ${name} ${JSON.stringify(options)}`).to.deep.equal(theirs);
              expect(Object.getPrototypeOf(ours)).to.equal(Object.getPrototypeOf(theirs));
              expect(ours.mtime.getTime()).to.equal(theirs.mtime.getTime());
              expect(ours.isSymbolicLink()).to.equal(theirs.isSymbolicLink());
            }
          }
          expect(await fsx.stat(p)).to.be.instanceOf(fs.Stats);
        }
      } finally {
        removeTempDir(dir);
      }
    });

    it('a negative control: a changed tree or error is seen', async function () {
      const a = await runCase(fsx, (f, p) => f.unlink(p('f')));
      const b = await runCase(nodeFs, (f, p) => f.unlink(p('d/inner')));
      expect(a.tree).to.not.deep.equal(b.tree);
      const c = await runCase(fsx, (f, p) => f.stat(p('nope')));
      const d = await runCase(nodeFs, (f, p) => f.stat(p('f/x')));
      expect(c.outcome).to.not.deep.equal(d.outcome);
    });
  });
}

(IS_LINUX ? describe : describe.skip)('uring-loop/fs on the ring', function () {
  this.timeout(60000);
  let dir;
  beforeEach(() => {
    dir = makeTempDir('uring-loop-fsmod-');
    makeTree(dir);
  });
  afterEach(() => removeTempDir(dir));

  it('the path calls run on io_uring (the ring counts their ops)', async function () {
    const ring = new Ring({ backend: 'io_uring' });
    try {
      const f = createFs(ring);
      const before = ring.stats().completed;
      await f.stat(path.join(dir, 'f'));
      await f.mkdir(path.join(dir, 'x'));
      await f.truncate(path.join(dir, 'f'), 1);
      await f.copyFile(path.join(dir, 'big'), path.join(dir, 'g'));
      const after = ring.stats().completed;
      expect(after - before).to.be.at.least(3 + 3 + 4 * 3);
    } finally {
      await ring.shutdown();
    }
  });

  it('failures leave no fd and no direct descriptor open', async function () {
    const ring = new Ring({ backend: 'io_uring' });
    try {
      const f = createFs(ring);
      const fds = () => fs.readdirSync('/proc/self/fd').length;
      const direct = () => backendOf(ring).directFree.length;
      await f.stat(path.join(dir, 'f')); // the ring and its files exist before counting
      const [fd0, d0] = [fds(), direct()];
      const p = (n) => path.join(dir, n);
      const failing = [
        () => f.truncate(p('nope'), 1),
        () => f.truncate(p('d')),
        () => f.copyFile(p('f'), p('d')),
        () => f.copyFile(p('f'), p('nope/g')),
        () => f.copyFile(p('f'), p('m640'), COPYFILE_EXCL),
        () => f.open(p('nope')),
      ];
      for (let i = 0; i < 20; i++) {
        for (const call of failing) {
          const r = await call().then(
            () => 'resolved',
            (e) => e.code,
          );
          expect(r).to.match(/^E[A-Z]+$/);
        }
      }
      expect(fds()).to.equal(fd0);
      expect(direct()).to.equal(d0);
    } finally {
      await ring.shutdown();
    }
  });

  it("after its ring's shutdown, createFs' ring calls reject with ERR_URING_CLOSED", async function () {
    const ring = new Ring({ backend: 'io_uring' });
    const f = createFs(ring);
    await f.stat(dir);
    await ring.shutdown();
    for (const call of [
      () => f.stat(dir),
      () => f.mkdir(path.join(dir, 'x')),
      () => f.copyFile(path.join(dir, 'f'), path.join(dir, 'g')),
      () => f.truncate(path.join(dir, 'f')),
    ]) {
      const err = await call().catch((e) => e);
      expect(err).to.have.property('code', 'ERR_URING_CLOSED');
    }
    // node's own functions do not depend on the ring
    expect(await f.readdir(path.join(dir, 'd'))).to.deep.equal(['inner']);
  });

  it('copyFile of a big file on a 4-entry ring (several chains) copies every byte', async function () {
    const ring = new Ring({ backend: 'io_uring', entries: 4 });
    try {
      const f = createFs(ring);
      await f.copyFile(path.join(dir, 'big'), path.join(dir, 'g'));
      expect(fs.readFileSync(path.join(dir, 'g')).equals(fs.readFileSync(path.join(dir, 'big')))).to
        .be.true;
      await f.truncate(path.join(dir, 'g'), 5);
      expect(fs.statSync(path.join(dir, 'g')).size).to.equal(5);
    } finally {
      await ring.shutdown();
    }
  });
});

for (const backend of backends()) {
  describe(`ring.lstat(), the op [${backend}]`, function () {
    let dir;
    let ring;
    beforeEach(() => {
      dir = makeTempDir('uring-loop-fsmod-');
      makeTree(dir);
      ring = new Ring({ backend });
    });
    afterEach(async () => {
      await ring.shutdown();
      removeTempDir(dir);
    });

    it('does not follow a final symlink; stat does', async function () {
      const st = await ring.lstat(path.join(dir, 'ln'));
      expect(st.isSymbolicLink()).to.equal(true);
      expect(st.ino).to.equal(fs.lstatSync(path.join(dir, 'ln')).ino);
      expect((await ring.stat(path.join(dir, 'ln'))).isSymbolicLink()).to.equal(false);
      expect((await ring.lstat(path.join(dir, 'dangle'))).isSymbolicLink()).to.equal(true);
      const [a, b] = await ring
        .chain()
        .lstat(path.join(dir, 'lnd'))
        .stat(path.join(dir, 'lnd'))
        .run();
      expect([a.isSymbolicLink(), b.isDirectory()]).to.deep.equal([true, true]);
    });

    it('fails as lstat, and takes a path only', async function () {
      const err = await ring.lstat(path.join(dir, 'nope')).catch((e) => e);
      expect(err).to.include({ code: 'ENOENT', syscall: 'lstat', path: path.join(dir, 'nope') });
      const bad = await ring.lstat(0).catch((e) => e);
      expect(bad).to.be.instanceOf(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
    });
  });
}

describe('uring-loop/fs and the process', function () {
  this.timeout(30000);

  it('keeps no process alive while idle: a child that calls stat exits on its own', async function () {
    const script =
      "const fs=require('uring-loop/fs');fs.stat(__filename).catch(()=>{});" +
      "fs.stat('/').then((s)=>console.log(s.isDirectory()))";
    const child = await runNode(['-e', script], { timeout: 10000 });
    expect(child.timedOut, 'the child had to be killed').to.equal(false);
    expect(child.code, child.stderr).to.equal(0);
    expect(child.stdout.trim()).to.equal('true');
  });

  it('works in worker threads, each on its own ring', async function () {
    const dir = makeTempDir('uring-loop-fsmod-');
    try {
      const source = `
        const { parentPort, workerData } = require('node:worker_threads');
        const fs = require(${JSON.stringify(require.resolve('uring-loop/fs'))});
        const path = require('node:path');
        (async () => {
          const d = path.join(workerData, 'w' + require('node:worker_threads').threadId);
          await fs.mkdir(path.join(d, 'a/b'), { recursive: true });
          await fs.copyFile(__filename === undefined ? '' : ${JSON.stringify(path.join(dir, 'src'))}, path.join(d, 'a/b/c'));
          const st = await fs.stat(path.join(d, 'a/b/c'));
          parentPort.postMessage(st.size);
        })().catch((e) => parentPort.postMessage(String(e)));`;
      fs.writeFileSync(path.join(dir, 'src'), 'x'.repeat(1000));
      const sizes = await Promise.all(
        [1, 2].map(
          () =>
            new Promise((resolve, reject) => {
              const w = new Worker(source, { eval: true, workerData: dir });
              w.once('message', resolve);
              w.once('error', reject);
            }),
        ),
      );
      expect(sizes).to.deep.equal([1000, 1000]);
    } finally {
      removeTempDir(dir);
    }
  });
});
