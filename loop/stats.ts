// fs.Stats-like result of ring.stat(), decoded from a struct statx.
import type * as fs from 'node:fs';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFIFO = 0o010000;
const S_IFSOCK = 0o140000;
const S_IFBLK = 0o060000;
const S_IFCHR = 0o020000;

/** glibc's makedev(), as node:fs reports dev and rdev. */
function makedev(major: number, minor: number): number {
  return (
    (major & 0xfffff000) * 2 ** 32 +
    (major & 0xfff) * 256 +
    (minor & 0xffffff00) * 4096 +
    (minor & 0xff)
  );
}

export class Stats {
  dev = 0;
  ino = 0;
  mode = 0;
  nlink = 0;
  uid = 0;
  gid = 0;
  rdev = 0;
  size = 0;
  blksize = 0;
  blocks = 0;
  atimeMs = 0;
  mtimeMs = 0;
  ctimeMs = 0;
  birthtimeMs = 0;

  get atime(): Date {
    return new Date(this.atimeMs);
  }
  get mtime(): Date {
    return new Date(this.mtimeMs);
  }
  get ctime(): Date {
    return new Date(this.ctimeMs);
  }
  get birthtime(): Date {
    return new Date(this.birthtimeMs);
  }

  isFile(): boolean {
    return (this.mode & S_IFMT) === S_IFREG;
  }
  isDirectory(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }
  isSymbolicLink(): boolean {
    return (this.mode & S_IFMT) === S_IFLNK;
  }
  isFIFO(): boolean {
    return (this.mode & S_IFMT) === S_IFIFO;
  }
  isSocket(): boolean {
    return (this.mode & S_IFMT) === S_IFSOCK;
  }
  isBlockDevice(): boolean {
    return (this.mode & S_IFMT) === S_IFBLK;
  }
  isCharacterDevice(): boolean {
    return (this.mode & S_IFMT) === S_IFCHR;
  }
}

/** Decodes the 256-byte struct statx the kernel filled. */
export function statsFromStatx(buf: Uint8Array): Stats {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u64 = (at: number) => Number(v.getBigUint64(at, true));
  const time = (at: number) =>
    Number(v.getBigInt64(at, true)) * 1000 + v.getUint32(at + 8, true) / 1e6;
  const s = new Stats();
  s.blksize = v.getUint32(4, true);
  s.nlink = v.getUint32(16, true);
  s.uid = v.getUint32(20, true);
  s.gid = v.getUint32(24, true);
  s.mode = v.getUint16(28, true);
  s.ino = u64(32);
  s.size = u64(40);
  s.blocks = u64(48);
  s.atimeMs = time(64);
  s.birthtimeMs = time(80);
  s.ctimeMs = time(96);
  s.mtimeMs = time(112);
  s.rdev = makedev(v.getUint32(128, true), v.getUint32(132, true));
  s.dev = makedev(v.getUint32(136, true), v.getUint32(140, true));
  return s;
}

/** Milliseconds as node:fs computes them (seconds * 1e3 + nanoseconds / 1e6), from nanoseconds. */
function msOf(ns: bigint): number {
  return Number(ns / 1_000_000_000n) * 1000 + Number(ns % 1_000_000_000n) / 1e6;
}

/** The same fields from node:fs's BigIntStats (the fs backend asks for nanoseconds, as statx gives). */
export function statsFromFs(st: fs.BigIntStats): Stats {
  const s = new Stats();
  s.dev = Number(st.dev);
  s.ino = Number(st.ino);
  s.mode = Number(st.mode);
  s.nlink = Number(st.nlink);
  s.uid = Number(st.uid);
  s.gid = Number(st.gid);
  s.rdev = Number(st.rdev);
  s.size = Number(st.size);
  s.blksize = Number(st.blksize);
  s.blocks = Number(st.blocks);
  s.atimeMs = msOf(st.atimeNs);
  s.mtimeMs = msOf(st.mtimeNs);
  s.ctimeMs = msOf(st.ctimeNs);
  s.birthtimeMs = msOf(st.birthtimeNs);
  return s;
}
