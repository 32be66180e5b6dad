// IORING_OP_OPENAT relative to the cwd; into a direct descriptor slot when the
// request opens a ChainFile.
import { openFlags } from '../open-flags';
import { AT_FDCWD, Opcode, P_FD, P_FILE_INDEX, P_LEN, P_OP_FLAGS } from '../protocol';
import { modeArg } from '../validate';
import { pathArg, type PathArg } from './args';
import { fs, fsCall } from './fs-call';
import { op } from './op';

const O_CLOEXEC = 0o2000000;

export interface OpenArgs {
  path: PathArg;
  flags: number;
  mode: number;
}

/** Opens `path` (flags as node:fs: 'r', 'w', 'a+', ... or a number); resolves with the fd. */
export const open = op<
  [path: string | Buffer | URL, flags?: string | number, mode?: number],
  number,
  OpenArgs
>({
  name: 'open',
  opcode: Opcode.OPENAT,
  required: 1,
  count: 3,
  parse: (path, flags, mode) => ({
    path: pathArg(path),
    flags: openFlags(flags),
    mode: modeArg(mode, 0o666),
  }),
  fill(p, req) {
    const { flags, mode } = req.args;
    p[P_FD] = AT_FDCWD;
    // A direct descriptor is not in the fd table: the kernel rejects O_CLOEXEC for it.
    p[P_OP_FLAGS] = req.opens ? flags & ~O_CLOEXEC : flags;
    p[P_LEN] = mode;
    p[P_FILE_INDEX] = req.opens ? req.opens.index + 1 : 0;
  },
  slotA: (a) => a.path.bytes,
  path: (a) => a.path.text,
  result: (req, res) => {
    if (!req.opens) return res;
    if (!req.opens.closed) req.opens.open = true;
    return req.opens;
  },
  // Into a direct descriptor slot the kernel returns 0; a regular fd is only known from the CQE.
  quietResult: (req) => (req.opens ? 0 : -1),
  async fs(req) {
    const { path, flags, mode } = req.args;
    const fd = await fsCall<number>(req, (cb) => fs.open(path.text, flags, mode, cb));
    if (req.opens) req.opens.fd = fd;
    return fd;
  },
});
