// Programs on which the io_uring and fs backends once disagreed (shrunk by fast-check, then
// trimmed by hand), plus close relatives of them. test/differential.test.mjs replays each one.
// The format is the model's (test/differential/model.mjs): `prelude` opens fill handle slots
// 0, 1, ... in order; `steps` follow.
export const differentialCases = [
  {
    name: 'a failed mkdir stops its chain (the kernel does not break the link for mkdirat)',
    program: {
      steps: [
        {
          t: 'chain',
          ops: [
            { t: 'mkdir', name: 'd/e/z', mode: 0o755 },
            { t: 'open', h: 2, name: 'd/e', flags: 'w', mode: 0o644 },
            { t: 'write', f: { c: 0 }, data: { len: 53, seed: 110 }, pos: null },
          ],
        },
      ],
    },
  },
  {
    name: 'a failed unlink, rename or stat stops its chain before a write',
    program: {
      prelude: [{ t: 'open', name: 'a', flags: 'r+', mode: 0o644 }],
      steps: [
        {
          t: 'chain',
          ops: [
            { t: 'unlink', name: 'm/q' },
            { t: 'write', f: { h: 0 }, data: { len: 8, seed: 1 }, pos: 0 },
          ],
        },
        {
          t: 'chain',
          ops: [
            { t: 'rename', from: 'm', to: 'b' },
            { t: 'write', f: { h: 0 }, data: { len: 8, seed: 2 }, pos: 0 },
          ],
        },
        {
          t: 'chain',
          ops: [
            { t: 'stat', target: 'b' },
            { t: 'mkdir', name: 'm', mode: 0o755 },
          ],
        },
      ],
    },
  },
  {
    name: 'ftruncate and fallocate on a read-only fd stop their chain',
    program: {
      prelude: [
        { t: 'open', name: 'a', flags: 'r', mode: 0o644 },
        { t: 'open', name: 'b', flags: 'w+', mode: 0o644 },
      ],
      steps: [
        {
          t: 'chain',
          ops: [
            { t: 'ftruncate', f: { h: 0 }, len: 10 },
            { t: 'write', f: { h: 1 }, data: { len: 4, seed: 3 }, pos: 0 },
          ],
        },
        {
          t: 'chain',
          ops: [
            { t: 'fallocate', f: { h: 0 }, off: 0, len: 1 },
            { t: 'write', f: { h: 1 }, data: { len: 4, seed: 4 }, pos: 4 },
          ],
        },
      ],
    },
  },
  {
    name: 'a chain split after a path op still runs in order when everything succeeds',
    program: {
      entries: 4,
      steps: [
        {
          t: 'chain',
          ops: [
            { t: 'mkdir', name: 'm', mode: 0o700 },
            { t: 'open', h: 0, name: 'm/q', flags: 'wx+', mode: 0o600 },
            { t: 'write', f: { c: 0 }, data: { len: 20, seed: 5 }, pos: null },
            { t: 'fsync', f: { c: 0 }, data: true },
            { t: 'ftruncate', f: { c: 0 }, len: 7 },
            { t: 'rename', from: 'm/q', to: 'b' },
          ],
        },
        { t: 'read', h: 0, len: 64, pos: 0 },
      ],
    },
  },
  {
    name: 'fallocate inside the file on a read-only fd is EBADF on node:fs too',
    program: {
      entries: 4,
      steps: [
        {
          t: 'chain',
          ops: [
            { t: 'open', h: 3, name: 'd/x', flags: 'r', mode: 0o644 },
            { t: 'fallocate', f: { c: 0 }, off: 0, len: 1 },
          ],
        },
        { t: 'open', h: 0, name: 'a', flags: 'r', mode: 0o644 },
        { t: 'fallocate', h: 0, off: 10, len: 5 },
      ],
    },
  },
  {
    name: 'a zero-length read: EBADF for a bad fd, 0 bytes from a directory (as io_uring does)',
    program: {
      steps: [
        { t: 'read', h: 0, len: 0, pos: 0 },
        { t: 'open', h: 1, name: 'd', flags: 'r', mode: 0o644 },
        { t: 'read', h: 1, len: 0, pos: null },
      ],
    },
  },
  {
    name: 'closing a ChainFile twice in one chain split in segments is EBADF (never fd 0)',
    program: {
      entries: 8,
      prelude: [{ t: 'open', name: 'b', flags: 'w', mode: 0o644 }],
      steps: [
        {
          t: 'chain',
          ops: [
            { t: 'open', h: 1, name: 'a', flags: 'w', mode: 0o644 },
            { t: 'close', f: { c: 0 } },
            { t: 'fsync', f: { h: 0 }, data: true },
            { t: 'close', f: { c: 0 } },
            { t: 'write', f: { c: 0 }, data: { len: 22, seed: 80 }, pos: 273 },
          ],
        },
      ],
    },
  },
  {
    name: 'an op on a ChainFile closed earlier in its chain is cancelled after an earlier failure',
    program: {
      entries: 8,
      steps: [
        {
          t: 'chain',
          ops: [
            { t: 'open', h: 0, name: 'm', flags: 'wx', mode: 0o644 },
            { t: 'close', f: { c: 0 } },
            { t: 'mkdir', name: 'b', mode: 0o755 },
            { t: 'read', f: { h: 0 }, len: 0, pos: 0 },
            { t: 'fallocate', f: { c: 0 }, off: 0, len: 1 },
          ],
        },
      ],
    },
  },
  {
    name: 'shutdown() closes the files a chain opened and left open',
    program: {
      entries: 4,
      steps: [
        { t: 'chain', ops: [{ t: 'open', h: 0, name: 'd/e', flags: 'wx', mode: 0o644 }] },
        { t: 'chain', ops: [{ t: 'nop' }] },
      ],
      shutdownBusy: true,
    },
  },
];
