// The op table: Ring's methods and Chain's builders are made from these, under these names.
import { accept } from './accept';
import { bind, connect } from './bind';
import { close } from './close';
import { fallocate } from './fallocate';
import { fdatasync, fsync } from './fsync';
import { ftruncate } from './ftruncate';
import { recvmsg, sendmsg } from './msg';
import { nop } from './nop';
import { listen } from './listen';
import { open } from './open';
import { link, mkdir, rename, rmdir, symlink, unlink } from './path-ops';
import { read, write } from './read';
import { readv, writev } from './readv';
import { recv } from './recv';
import { send } from './send';
import { shutdown } from './shutdown';
import { sleep } from './sleep';
import { socket } from './socket';
import { lstat, stat } from './stat';

/** File, path and timer ops: both backends run them. */
export const fileOps = {
  open,
  close,
  read,
  write,
  readv,
  writev,
  fsync,
  fdatasync,
  fallocate,
  ftruncate,
  stat,
  lstat,
  unlink,
  rmdir,
  rename,
  mkdir,
  symlink,
  link,
  nop,
  sleep,
};

/** Socket ops: io_uring only. */
export const netOps = {
  socket,
  bind,
  listen,
  accept,
  connect,
  send,
  recv,
  sendmsg,
  recvmsg,
  shutdownSocket: shutdown,
};
