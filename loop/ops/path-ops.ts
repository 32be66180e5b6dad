// Path operations: IORING_OP_UNLINKAT (unlink, rmdir), MKDIRAT, RENAMEAT, SYMLINKAT, LINKAT.
// All relative to the cwd; paths go in the entry's object slots as NUL-terminated bytes.
import { AT_FDCWD, AT_REMOVEDIR, Opcode, P_FD, P_LEN, P_OP_FLAGS } from '../protocol';
import { modeArg } from '../validate';
import { pathArg, type PathArg } from './args';
import { fs, fsCall } from './fs-call';
import { op, type OpKind } from './op';

type PathLike = string | Buffer | URL;

export interface PathArgs {
  path: PathArg;
}

function unlinkOp(name: 'unlink' | 'rmdir', flags: number): OpKind<PathArgs> {
  return {
    name,
    opcode: Opcode.UNLINKAT,
    required: 1,
    count: 1,
    parse: (path) => ({ path: pathArg(path) }),
    fill(p) {
      p[P_FD] = AT_FDCWD;
      p[P_OP_FLAGS] = flags;
    },
    slotA: (a) => a.path.bytes,
    path: (a) => a.path.text,
    result: () => undefined,
    failKeepsLink: true,
    fs(req) {
      const call = name === 'unlink' ? fs.unlink : fs.rmdir;
      return fsCall<void>(req, (cb) => call(req.args.path.text, cb)).then(() => 0);
    },
  };
}

export const unlink = op<[path: PathLike], void, PathArgs>(unlinkOp('unlink', 0));
export const rmdir = op<[path: PathLike], void, PathArgs>(unlinkOp('rmdir', AT_REMOVEDIR));

export interface MkdirArgs extends PathArgs {
  mode: number;
}

export const mkdir = op<[path: PathLike, mode?: number], void, MkdirArgs>({
  name: 'mkdir',
  opcode: Opcode.MKDIRAT,
  required: 1,
  count: 2,
  parse: (path, mode) => ({ path: pathArg(path), mode: modeArg(mode, 0o777) }),
  fill(p, req) {
    p[P_FD] = AT_FDCWD;
    p[P_LEN] = req.args.mode;
  },
  slotA: (a) => a.path.bytes,
  path: (a) => a.path.text,
  result: () => undefined,
  failKeepsLink: true,
  fs(req) {
    const { path, mode } = req.args;
    return fsCall<void>(req, (cb) =>
      fs.mkdir(path.text, { mode }, (err) => cb(err, undefined)),
    ).then(() => 0);
  },
});

/** Two paths: the one that exists or is pointed to (slot A), and the one made (slot B). */
export interface TwoPathArgs {
  from: PathArg;
  to: PathArg;
}

/**
 * rename, symlink and link: opcode, the names of their two arguments (for errors) and their
 * node:fs call. The kernel reads the old path from slot A, the new one from slot B, and flags
 * (always 0 here) from P_OP_FLAGS.
 */
function twoPathOp(
  name: 'rename' | 'symlink' | 'link',
  opcode: number,
  names: [string, string],
  call: (from: string, to: string, cb: (err: NodeJS.ErrnoException | null) => void) => void,
): OpKind<TwoPathArgs> {
  return {
    name,
    opcode,
    required: 2,
    count: 2,
    parse: (from, to) => ({ from: pathArg(from, names[0]), to: pathArg(to, names[1]) }),
    fill() {},
    slotA: (a) => a.from.bytes,
    slotB: (a) => a.to.bytes,
    path: (a) => a.from.text,
    dest: (a) => a.to.text,
    result: () => undefined,
    failKeepsLink: true,
    fs(req) {
      const { from, to } = req.args;
      return fsCall<void>(req, (cb) => call(from.text, to.text, (err) => cb(err, undefined))).then(
        () => 0,
      );
    },
  };
}

export const rename = op<[oldPath: PathLike, newPath: PathLike], void, TwoPathArgs>(
  twoPathOp('rename', Opcode.RENAMEAT, ['oldPath', 'newPath'], fs.rename),
);

/** Creates a symbolic link at `path` that points to `target` (symlinkat(2)). */
export const symlink = op<[target: PathLike, path: PathLike], void, TwoPathArgs>(
  twoPathOp('symlink', Opcode.SYMLINKAT, ['target', 'path'], (target, path, cb) =>
    fs.symlink(target, path, cb),
  ),
);

/** Creates `newPath` as a new name of `existingPath` (linkat(2), symlinks not followed). */
export const link = op<[existingPath: PathLike, newPath: PathLike], void, TwoPathArgs>(
  twoPathOp('link', Opcode.LINKAT, ['existingPath', 'newPath'], fs.link),
);
