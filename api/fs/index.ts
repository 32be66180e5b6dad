// uring-loop/fs: node:fs/promises with its path calls on io_uring, on one ring per thread
// (created on first use; an idle ring keeps nothing alive). Same names as the running Node's
// node:fs/promises, plus its `constants`.
import { defaultRing } from '../default-ring';
import { fsOn, type FsPromises } from './create-fs';

const fsModule: FsPromises = fsOn(defaultRing);

export = fsModule;
