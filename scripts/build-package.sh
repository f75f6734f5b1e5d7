#!/bin/sh
# npm's `prepare` for lbfw: builds dist/ (the compiled library, CLI and man
# page) when it is missing, as in a fresh clone or a git URL being installed.
#
# npm installs a git dependency's devDependencies before running its prepare
# script, except for `npm install -g git+URL`: there the clone's install
# inherits the global flag and prefix, so TypeScript lands in the global
# prefix instead of the clone (npm/cli#8440, open) and the build finds no
# `tsc`. The clone then gets its own locked dev dependencies here, without
# scripts (this package's own install script runs when the packed result is
# installed).
set -eu
cd "$(dirname "$0")/.."
[ -f dist/src/cli/main.js ] && exit 0
if [ ! -f node_modules/typescript/bin/tsc ]; then
  npm ci --global=false --prefix="$PWD" --include=dev --ignore-scripts --no-audit --no-fund --loglevel=error
fi
npm run prepack
