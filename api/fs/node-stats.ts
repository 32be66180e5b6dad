// node:fs Stats and BigIntStats objects from a struct statx, equal to what node:fs/promises
// returns: made on node's own prototypes (so `instanceof fs.Stats` holds), with the own
// properties node's objects have on the running version.
import * as fs from 'node:fs';

/** One file's fields as statx gives them; times as [seconds, nanoseconds]. */
interface RawStats {
  dev: bigint;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: bigint;
  blksize: number;
  ino: bigint;
  size: bigint;
  blocks: bigint;
  /** atime, mtime, ctime, birthtime. */
  times: [sec: bigint, nsec: number][];
}

const TIMES = ['atime', 'mtime', 'ctime', 'birthtime'] as const;

/** glibc's makedev(), as libuv reports dev and rdev. */
function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major >>> 0);
  const mi = BigInt(minor >>> 0);
  return (
    ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn)
  );
}

function rawFromStatx(buf: Uint8Array): RawStats {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const time = (at: number): [bigint, number] => [
    v.getBigInt64(at, true),
    v.getUint32(at + 8, true),
  ];
  return {
    blksize: v.getUint32(4, true),
    nlink: v.getUint32(16, true),
    uid: v.getUint32(20, true),
    gid: v.getUint32(24, true),
    mode: v.getUint16(28, true),
    ino: v.getBigUint64(32, true),
    size: v.getBigUint64(40, true),
    blocks: v.getBigUint64(48, true),
    times: [time(64), time(112), time(96), time(80)],
    rdev: makedev(v.getUint32(128, true), v.getUint32(132, true)),
    dev: makedev(v.getUint32(136, true), v.getUint32(140, true)),
  };
}

function rawFromBigInt(st: fs.BigIntStats): RawStats {
  const ns = [st.atimeNs, st.mtimeNs, st.ctimeNs, st.birthtimeNs];
  return {
    dev: st.dev,
    mode: Number(st.mode),
    nlink: Number(st.nlink),
    uid: Number(st.uid),
    gid: Number(st.gid),
    rdev: st.rdev,
    blksize: Number(st.blksize),
    ino: st.ino,
    size: st.size,
    blocks: st.blocks,
    times: ns.map((t) => [t / 1_000_000_000n, Number(t % 1_000_000_000n)]),
  };
}

/**
 * What node's objects look like here, learned once from one of each: their prototypes, whether
 * the Date fields are own properties (Node 20) or getters, and the symbol-keyed nanosecond
 * parts some versions keep for their Temporal getters (Node 26).
 */
interface Shape {
  proto: object;
  ownDates: boolean;
  /** Symbol per time field (atime, mtime, ctime, birthtime), where node has one. */
  nsSymbols: (symbol | undefined)[];
}

let shapes: { number: Shape; bigint: Shape } | undefined;

function shapeOf(sample: object): Shape {
  const symbols = Object.getOwnPropertySymbols(sample);
  return {
    proto: Object.getPrototypeOf(sample) as object,
    ownDates: Object.prototype.hasOwnProperty.call(sample, 'atime'),
    nsSymbols: TIMES.map((t) =>
      symbols.find((s) => s.description?.toLowerCase().endsWith(`${t}ns`)),
    ),
  };
}

function learnShapes(): { number: Shape; bigint: Shape } {
  // A stat of the root directory: it always exists and costs one cached lookup, once per thread.
  shapes ??= {
    number: shapeOf(fs.statSync('/')),
    bigint: shapeOf(fs.statSync('/', { bigint: true })),
  };
  return shapes;
}

function build(raw: RawStats, bigint: boolean): fs.Stats | fs.BigIntStats {
  const shape = learnShapes()[bigint ? 'bigint' : 'number'];
  const o = Object.create(shape.proto) as Record<string | symbol, unknown>;
  const n = (x: number | bigint) => (bigint ? BigInt(x) : Number(x));
  o.dev = n(raw.dev);
  o.mode = n(raw.mode);
  o.nlink = n(raw.nlink);
  o.uid = n(raw.uid);
  o.gid = n(raw.gid);
  o.rdev = n(raw.rdev);
  o.blksize = n(raw.blksize);
  o.ino = n(raw.ino);
  o.size = n(raw.size);
  o.blocks = n(raw.blocks);
  const ms = raw.times.map(([sec, nsec]) =>
    bigint ? sec * 1000n + BigInt(Math.floor(nsec / 1e6)) : Number(sec) * 1000 + nsec / 1e6,
  );
  TIMES.forEach((t, i) => (o[`${t}Ms`] = ms[i]));
  if (bigint) {
    TIMES.forEach(
      (t, i) => (o[`${t}Ns`] = raw.times[i][0] * 1_000_000_000n + BigInt(raw.times[i][1])),
    );
  }
  if (shape.ownDates) {
    TIMES.forEach((t, i) => (o[t] = new Date(Math.round(Number(ms[i])))));
  }
  shape.nsSymbols.forEach((s, i) => {
    if (s !== undefined) o[s] = raw.times[i][1];
  });
  return o as unknown as fs.Stats | fs.BigIntStats;
}

/** node's Stats (or BigIntStats) from the struct statx the kernel filled. */
export function nodeStatsFromStatx(buf: Uint8Array, bigint: boolean): fs.Stats | fs.BigIntStats {
  return build(rawFromStatx(buf), bigint);
}

/** node's Stats (or BigIntStats) from the fs backend's BigIntStats. */
export function nodeStatsFromBigInt(
  st: fs.BigIntStats,
  bigint: boolean,
): fs.Stats | fs.BigIntStats {
  return bigint ? st : build(rawFromBigInt(st), false);
}
