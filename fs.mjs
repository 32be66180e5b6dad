// ES module entry of uring-loop/fs: every name of the running Node's node:fs/promises. The calls
// that run on the ring (and statfs, whose path is checked first) are declared here and take
// precedence over node's own of the same name; the rest (readdir, chmod, glob, ...) are node's
// functions, whatever this Node version has.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const lib = require('./dist/api/fs/index.js');

export * from 'node:fs/promises';
export const {
  access,
  appendFile,
  copyFile,
  link,
  lstat,
  mkdir,
  open,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  statfs,
  symlink,
  truncate,
  unlink,
  writeFile,
} = lib;
export default lib;
