// What a user can reach on an object, found by walking it at run time: its own properties beyond
// those of a bare instance of its Node base class, then its prototypes. Each member is classified
// by the package's own type declarations: declared public, or internal (`private`, `@internal`,
// or not declared at all) — an internal must not be reachable on a public object.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

function* declarationFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* declarationFiles(p);
    else if (entry.name.endsWith('.d.ts')) yield p;
  }
}

function memberKey(name) {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  if (ts.isPrivateIdentifier(name)) return undefined; // #private: not reachable at run time
  if (ts.isComputedPropertyName(name)) return name.expression.getText(); // 'Symbol.asyncIterator'
  return undefined;
}

/** class name -> Map(key -> 'public' | 'internal'); static members are keyed 'static <key>'. */
export function declaredClasses(distDir) {
  const classes = new Map();
  for (const file of declarationFiles(distDir)) {
    const source = ts.createSourceFile(
      file,
      fs.readFileSync(file, 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    const visit = (node) => {
      if (ts.isClassDeclaration(node) && node.name) {
        const members = classes.get(node.name.text) ?? new Map();
        classes.set(node.name.text, members);
        for (const m of node.members) {
          const key = memberKey(m.name);
          if (key === undefined) continue;
          const flags = ts.getCombinedModifierFlags(m);
          const hidden =
            (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 ||
            ts.getJSDocTags(m).some((tag) => tag.tagName.text === 'internal');
          const full = (flags & ts.ModifierFlags.Static ? 'static ' : '') + key;
          // Overloads: public if any declaration is.
          if (members.get(full) !== 'public') members.set(full, hidden ? 'internal' : 'public');
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  addMergedMembers(distDir, classes);
  return classes;
}

/**
 * Members a class gets from an interface of the same name (`interface Ring extends
 * RingMethods<...>`: the op methods), which only the type checker can list.
 */
function addMergedMembers(distDir, classes) {
  const program = ts.createProgram([...declarationFiles(distDir)], { noEmit: true });
  const checker = program.getTypeChecker();
  for (const source of program.getSourceFiles()) {
    if (!source.fileName.startsWith(distDir)) continue;
    ts.forEachChild(source, function visit(node) {
      if (ts.isInterfaceDeclaration(node) && classes.has(node.name.text) && node.heritageClauses) {
        const members = classes.get(node.name.text);
        const type = checker.getDeclaredTypeOfSymbol(checker.getSymbolAtLocation(node.name));
        for (const prop of checker.getPropertiesOfType(type)) {
          if (!members.has(prop.name)) members.set(prop.name, 'public');
        }
      }
      ts.forEachChild(node, visit);
    });
  }
}

/** Well-known symbols by the name the declarations use (Node 20's asyncDispose is its own symbol). */
const WELL_KNOWN = new Map(
  ['asyncIterator', 'iterator', 'asyncDispose', 'dispose', 'toPrimitive', 'toStringTag']
    .filter((name) => typeof Symbol[name] === 'symbol')
    .map((name) => [Symbol[name], `Symbol.${name}`]),
);
const declKey = (key) => (typeof key === 'symbol' ? (WELL_KNOWN.get(key) ?? key.description) : key);
export const keyName = (key) => (typeof key === 'symbol' ? `[${declKey(key)}]` : key);

function classify(declared, classNames, key) {
  let status = 'undeclared';
  for (const name of classNames) {
    const s = declared.get(name)?.get(key);
    if (s === 'public') return 'public';
    if (s === 'internal') status = 'internal';
  }
  return status;
}

/**
 * Members of `obj`: { key, name, kind, status, get, set, value }.
 * kind: 'method' (a function, own or inherited), 'accessor', 'data' (an own non-function value).
 * status: 'public' | 'internal' | 'undeclared' | 'node' (a public method of a Node base class
 * listed in `nodeProtos`, which routes into this package's overrides).
 * Walks prototypes until one of `stopAt`; `bare` is an instance of the Node base class whose own
 * keys (Node's bookkeeping) are not this package's.
 */
export function reachableMembers(obj, declared, { stopAt, nodeProtos = [], bare = {}, protocol }) {
  const classNames = [];
  const protos = [];
  for (let p = Object.getPrototypeOf(obj); p && !stopAt.includes(p); p = Object.getPrototypeOf(p)) {
    protos.push(p);
    if (!nodeProtos.includes(p) && typeof p.constructor === 'function') {
      classNames.push(p.constructor.name);
    }
  }
  const skip = new Set(Reflect.ownKeys(bare));
  const seen = new Set();
  const members = [];
  const add = (holder, key, node) => {
    if (seen.has(key) || key === 'constructor') return;
    seen.add(key);
    const d = Object.getOwnPropertyDescriptor(holder, key);
    // A protocol object (an iterator) is typed by its interface, which declares only these.
    const status = node
      ? 'node'
      : protocol
        ? 'public'
        : classify(declared, classNames, declKey(key));
    const name = keyName(key);
    if (d.get || d.set)
      members.push({ key, name, kind: 'accessor', status, get: d.get, set: d.set });
    else if (typeof d.value === 'function') {
      members.push({ key, name, kind: 'method', status, value: d.value });
    } else if (holder === obj) members.push({ key, name, kind: 'data', status, value: d.value });
  };
  for (const key of Reflect.ownKeys(obj)) if (!skip.has(key)) add(obj, key, false);
  for (const p of protos) {
    const node = nodeProtos.includes(p);
    for (const key of Reflect.ownKeys(p)) {
      // Node's own underscore members are its protocol with implementations, not API.
      if (node && typeof key === 'string' && key.startsWith('_')) continue;
      // Node's accessors are its state (writable.destroyed = true lies to Node, not to us).
      if (node && Object.getOwnPropertyDescriptor(p, key).get) continue;
      add(p, key, node);
    }
  }
  return members;
}

/** Static members of a class: own keys of the constructor but its name, length and prototype. */
export function staticMembers(ctor, declared) {
  const members = [];
  for (const key of Reflect.ownKeys(ctor)) {
    if (key === 'length' || key === 'name' || key === 'prototype') continue;
    const d = Object.getOwnPropertyDescriptor(ctor, key);
    const status = classify(declared, [ctor.name], `static ${declKey(key)}`);
    const name = `${ctor.name}.${keyName(key)}`;
    if (typeof d.value === 'function')
      members.push({ key, name, kind: 'method', status, value: d.value });
    else if (d.get || d.set)
      members.push({ key, name, kind: 'accessor', status, get: d.get, set: d.set });
    else members.push({ key, name, kind: 'data', status, value: d.value });
  }
  return members;
}

export const isClass = (fn) => /^class\b/.test(Function.prototype.toString.call(fn));
