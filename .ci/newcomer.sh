#!/usr/bin/env bash
# The path of a new user, on the package as it would be published:
#   npm pack (builds the prebuilt addon), then in an empty project whose PATH holds node, npm and
#   sh and nothing else (no cmake, cc, c++, gcc, make): npm install <tarball>, and a CommonJS script,
#   an ES module and a TypeScript file (type-checked with tsc against the shipped types) that each
#   check ring.backend === 'io_uring', run a write -> fdatasync chain and a DurableLog append.
# Also checks what the tarball holds: no tests, benchmark results or build directories.
#   bash .ci/newcomer.sh            (from the repository, after npm ci)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
WORK="$(mktemp -d -t uring-loop-newcomer.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
fail() {
  printf 'newcomer: %s\n' "$*" >&2
  exit 1
}

# --- the tarball --------------------------------------------------------------------------------
npm pack --pack-destination "$WORK" --json </dev/null >"$WORK/pack.json"
TARBALL="$WORK/$(node -p 'require(process.argv[1])[0].filename' "$WORK/pack.json")"
node - "$WORK/pack.json" <<'EOF'
const [info] = require(process.argv[2]);
const files = info.files.map((f) => f.path);
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`tarball: ${info.filename}, ${files.length} files, ${kib(info.size)} packed, ${kib(info.unpackedSize)} unpacked`);
const forbidden = files.filter((f) =>
  /^(test|bench|build|build-asan|build-prebuild|examples|\.ci|node_modules)\//.test(f) ||
  /\.test\.m?js$|\.tgz$|(^|\/)results\//.test(f));
if (forbidden.length) {
  console.error(`the tarball must not hold: ${forbidden.join(', ')}`);
  process.exit(1);
}
for (const need of ['prebuilds/linux-x64/uring_loop.node', 'dist/api/index.js', 'dist/api/index.d.ts', 'index.mjs', 'scripts/build-native.js', 'CMakeLists.txt']) {
  if (!files.includes(need)) {
    console.error(`the tarball lacks ${need}`);
    process.exit(1);
  }
}
EOF

# --- a PATH with node and npm only ------------------------------------------------------------
BIN="$WORK/bin"
mkdir -p "$BIN"
ln -s "$(readlink -f "$(command -v node)")" "$BIN/node"
NPM_CLI="$(readlink -f "$(command -v npm)")"
ln -s "$NPM_CLI" "$BIN/npm"
ln -s "$(dirname "$NPM_CLI")/npx-cli.js" "$BIN/npx"
# npm runs lifecycle scripts with `sh -c`: every system has a shell, not every one a compiler.
ln -s "$(readlink -f /bin/sh)" "$BIN/sh"
for tool in cmake cc c++ gcc g++ clang make ninja; do
  if PATH="$BIN" command -v "$tool" >/dev/null 2>&1; then fail "$tool is reachable on the bare PATH"; fi
done
echo "PATH for the newcomer: $BIN ($(ls "$BIN" | tr '\n' ' '))"

# --- install into an empty project ------------------------------------------------------------
APP="$WORK/app"
mkdir -p "$APP"
cp .ci/newcomer/check.cjs .ci/newcomer/check.mjs .ci/newcomer/check.ts .ci/newcomer/tsconfig.json "$APP/"
cd "$APP"
bare() { env -i HOME="$HOME" PATH="$BIN" TMPDIR="${TMPDIR:-/tmp}" npm_config_cache="$WORK/npm-cache" \
  npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false "$@"; }
bare npm init -y >/dev/null
start=$(date +%s%N)
bare npm install --foreground-scripts "$TARBALL" </dev/null 2>&1 | tee "$WORK/install.log"
ms=$((($(date +%s%N) - start) / 1000000))
printf 'install of the tarball without a toolchain: %d.%d s (empty npm cache)\n' $((ms / 1000)) $((ms % 1000 / 100))
grep -q 'uring-loop: using the prebuilt addon' "$WORK/install.log" ||
  fail 'the install did not take the prebuilt addon'
[ ! -e node_modules/uring-loop/build ] || fail 'the install built the addon from source'

# --- the three programs -----------------------------------------------------------------------
bare node check.cjs
bare node check.mjs
bare npm install --no-save typescript@5 @types/node@20 </dev/null >/dev/null 2>&1
bare node node_modules/typescript/bin/tsc -p tsconfig.json
bare node out/check.js
echo "newcomer path OK"
