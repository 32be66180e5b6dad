// ESLint 9 flat config for uring-loop.
//
// - TypeScript (api/, loop/, and any other *.ts): @eslint/js + typescript-eslint recommended,
//   syntax-only (no type-aware rules, so no tsconfig/project service is needed to lint).
// - JavaScript (test/, examples/, scripts/, bench/, root *.mjs/*.js): @eslint/js recommended
//   with Node.js globals; test/ also gets mocha's globals.
// - Unused arguments (and caught errors / destructured elements / variables) are allowed when
//   their name starts with `_`.
//
// The `globals` package is deliberately not used (it is not a direct devDependency): the Node.js
// and mocha globals are listed by hand below.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { defineConfig, globalIgnores } from 'eslint/config';

/** @param {string[]} names */
const readonly = (names) => Object.fromEntries(names.map((name) => [name, 'readonly']));

const nodeGlobals = readonly([
  'process',
  'Buffer',
  'console',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
  'queueMicrotask',
  'structuredClone',
  'URL',
  'URLSearchParams',
  'AbortController',
  'AbortSignal',
  'EventTarget',
  'Event',
  'DOMException',
  'TextEncoder',
  'TextDecoder',
  'SharedArrayBuffer',
  'performance',
  'global',
  // CommonJS module scope
  '__dirname',
  '__filename',
  'require',
  'module',
  'exports',
]);

const mochaGlobals = readonly([
  'describe',
  'it',
  'before',
  'after',
  'beforeEach',
  'afterEach',
  'context',
  'specify',
  'xdescribe',
  'xcontext',
  'xit',
  'xspecify',
]);

const unusedVarsOptions = {
  args: 'after-used',
  argsIgnorePattern: '^_',
  varsIgnorePattern: '^_',
  caughtErrors: 'all',
  caughtErrorsIgnorePattern: '^_',
  destructuredArrayIgnorePattern: '^_',
  ignoreRestSiblings: true,
};

const TS_FILES = ['**/*.ts', '**/*.mts', '**/*.cts'];
const JS_FILES = ['**/*.js', '**/*.mjs', '**/*.cjs'];

export default defineConfig([
  globalIgnores(['dist/', 'build/', 'build-asan/', 'node_modules/', 'coverage/', 'bench/results/']),

  // JavaScript: tests, examples, scripts, benchmarks, root-level entry points.
  {
    name: 'uring-loop/javascript',
    files: JS_FILES,
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 'latest',
      globals: nodeGlobals,
    },
    rules: {
      'no-unused-vars': ['error', unusedVarsOptions],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  // Plain .js files may be CommonJS (package.json has no "type") or ES modules (Node >= 20.19
  // detects ESM syntax). Parsing as `module` accepts both `require()` and `import`.
  {
    name: 'uring-loop/javascript-source-type',
    files: ['**/*.js'],
    languageOptions: { sourceType: 'module' },
  },
  {
    name: 'uring-loop/commonjs',
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },

  // TypeScript: the library sources in api/ and loop/ (and any other .ts file).
  {
    name: 'uring-loop/typescript',
    files: TS_FILES,
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: nodeGlobals,
    },
    rules: {
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': ['error', unusedVarsOptions],
      'no-empty': ['error', { allowEmptyCatch: true }],
      // The compiled addon has to be loaded with require(); allow that, nothing else.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['\\.node$'] }],
      // Still reported, but does not fail `npm run lint` (the N-API boundary is loosely typed).
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },

  // mocha tests.
  {
    name: 'uring-loop/test',
    files: [...JS_FILES, ...TS_FILES].map((pattern) => `test/${pattern}`),
    languageOptions: {
      globals: mochaGlobals,
    },
  },
  {
    // chai's property assertions (`expect(x).to.be.true`) are expressions by design.
    name: 'uring-loop/test-typescript',
    files: TS_FILES.map((pattern) => `test/${pattern}`),
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
]);
