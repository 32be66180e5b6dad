// Programs on which the fs module and node:fs/promises once disagreed (shrunk by fast-check,
// then trimmed by hand), plus programs that pin node behaviours easy to get wrong.
// test/fs-differential.test.mjs replays each one. The format is the model's
// (test/fs-differential/model.mjs).
export const fsDifferentialCases = [
  {
    name: 'FileHandle.readFile reads from the current position; close twice; use after close',
    program: {
      steps: [
        { t: 'open', h: 0, args: [{ p: 'a' }, 'r'] },
        { t: 'fh.read', h: 0, args: [{ buf: 10 }, 0, 10, null] },
        { t: 'fh.readFile', h: 0, args: ['latin1'] },
        { t: 'fh.close', h: 0, args: [] },
        { t: 'fh.close', h: 0, args: [] },
        { t: 'fh.read', h: 0, args: [] },
        { t: 'fh.stat', h: 0, args: [] },
        { t: 'fh.readFile', h: 0, args: [] },
        { t: 'fh.writeFile', h: 0, args: [{ data: { kind: 'string', len: 3, seed: 1 } }] },
      ],
    },
  },
  {
    name: 'recursive mkdir resolves with the first directory it made',
    program: {
      steps: [
        { t: 'mkdir', args: [{ p: 'd/e/z' }, { recursive: true }] },
        { t: 'mkdir', args: [{ p: 'd/e/z' }, { recursive: true }] },
        { t: 'mkdir', args: [{ p: 'a/x' }, { recursive: true }] },
        { t: 'mkdir', args: [{ p: 'ld/y' }, { recursive: true, mode: 0o700 }] },
      ],
    },
  },
  {
    name: 'errors name the right syscall, path and dest',
    program: {
      steps: [
        { t: 'rename', args: [{ p: 'c' }, { p: 'e' }] },
        { t: 'link', args: [{ p: 'a' }, { p: 'b' }] },
        { t: 'symlink', args: ['a', { p: 'b' }] },
        { t: 'copyFile', args: [{ p: 'a' }, { p: 'b' }, 1] },
        { t: 'rmdir', args: [{ p: 'd' }] },
        { t: 'unlink', args: [{ p: 'd' }] },
        { t: 'readFile', args: [{ p: 'a/x', as: 'buffer' }] },
        {
          t: 'writeFile',
          args: [{ p: 'ld', as: 'url' }, { data: { kind: 'string', len: 1, seed: 1 } }],
        },
        { t: 'truncate', args: [{ p: 'dead' }, 5] },
      ],
    },
  },
  {
    name: 'every data kind and encoding of writeFile and appendFile, read back',
    program: {
      steps: [
        {
          t: 'writeFile',
          args: [{ p: 'c' }, { data: { kind: 'string', len: 20, seed: 3 } }, 'ucs2'],
        },
        { t: 'appendFile', args: [{ p: 'c' }, { data: { kind: 'uint16', len: 9, seed: 4 } }] },
        { t: 'appendFile', args: [{ p: 'c' }, { data: { kind: 'dataview', len: 5, seed: 5 } }] },
        {
          t: 'appendFile',
          args: [
            { p: 'c' },
            { data: { kind: 'iterable', len: 7, seed: 6 } },
            { encoding: 'base64', flush: true },
          ],
        },
        {
          t: 'writeFile',
          args: [
            { p: 'e' },
            { data: { kind: 'async', len: 70000, seed: 7 } },
            { mode: 0o600, flag: 'wx' },
          ],
        },
        { t: 'readFile', args: [{ p: 'c' }, 'hex'] },
        { t: 'readFile', args: [{ p: 'e' }, { encoding: 'utf8' }] },
        { t: 'readFile', args: [{ p: 'c' }, { signal: { aborted: true } }] },
        { t: 'stat', args: [{ p: 'e' }, { bigint: true }] },
        { t: 'lstat', args: [{ p: 'la' }] },
      ],
    },
  },
];
