// Garbage of every type, for calling every reachable function with it. Each entry makes a fresh
// value per call, so nothing one call does to an array or object leaks into the next.

/** What the hostile values below throw: a library may let it through, it is the caller's own. */
export class GarbageError extends Error {
  constructor(what) {
    super(`garbage ${what} throws`);
    this.name = 'GarbageError';
  }
}

const thrower = (what) => () => {
  throw new GarbageError(what);
};

/** A Proxy whose every trap throws: typeof, instanceof, property reads, keys... */
function hostileProxy() {
  const traps = {};
  for (const trap of [
    'get',
    'set',
    'has',
    'ownKeys',
    'getOwnPropertyDescriptor',
    'defineProperty',
    'deleteProperty',
    'getPrototypeOf',
    'setPrototypeOf',
    'isExtensible',
    'preventExtensions',
  ]) {
    traps[trap] = thrower(`proxy ${trap}`);
  }
  return new Proxy({}, traps);
}

/** An object every property read of which throws, like one full of throwing getters. */
const throwingGetters = () => new Proxy({}, { get: thrower('getter') });

/** An object that cannot be turned into a primitive. */
function throwingPrimitive() {
  return {
    valueOf: thrower('valueOf'),
    toString: thrower('toString'),
    [Symbol.toPrimitive]: thrower('Symbol.toPrimitive'),
  };
}

function detachedArrayBuffer() {
  const ab = new ArrayBuffer(16);
  structuredClone(ab, { transfer: [ab] });
  return ab;
}

function detachedView() {
  const ab = new ArrayBuffer(16);
  const view = new Uint8Array(ab);
  structuredClone(ab, { transfer: [ab] });
  return view;
}

/** [name, make] pairs; `0` is also a valid descriptor (stdin, /dev/null in the child). */
export const GARBAGE = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['true', () => true],
  ['0', () => 0],
  ['-1', () => -1],
  ['-0', () => -0],
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['-2147483648', () => -2147483648],
  ['2**53', () => 2 ** 53],
  ['1n', () => 1n],
  ['-1n', () => -1n],
  ["''", () => ''],
  ["'x'", () => 'x'],
  ["'constructor'", () => 'constructor'],
  ['a 64 KiB string', () => 'L'.repeat(65536)],
  ['Symbol()', () => Symbol('garbage')],
  ['{}', () => ({})],
  ['[]', () => []],
  ['[undefined]', () => [undefined]],
  ['a function', () => () => undefined],
  ['a Proxy that throws on every trap', hostileProxy],
  ['an object whose getters throw', throwingGetters],
  ['an object whose valueOf/toString/toPrimitive throw', throwingPrimitive],
  ['a detached ArrayBuffer', detachedArrayBuffer],
  ['a view of a detached ArrayBuffer', detachedView],
  ['Buffer.alloc(0)', () => Buffer.alloc(0)],
  ['a SharedArrayBuffer view', () => new Uint8Array(new SharedArrayBuffer(16))],
  ['Object.create(null)', () => Object.create(null)],
  ['new Date(0)', () => new Date(0)],
  ['/x/', () => /x/],
  ['new Error()', () => new Error('garbage')],
];

/** Values that often pass a first check (a descriptor, a path, a buffer, an options bag), so that
 * random argument lists also reach the checks of later positions. */
export const PLAUSIBLE = [
  '0',
  "'x'",
  '{}',
  'a SharedArrayBuffer view',
  'Buffer.alloc(0)',
  'undefined',
].map((name) => GARBAGE.findIndex(([n]) => n === name));
