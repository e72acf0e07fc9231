#!/bin/sh
# Installs what bpftrace-ts needs to build and run: npm dependencies, then the bundle.
set -e
cd "$(dirname "$0")/.."
if [ ! -d node_modules/koffi ] || [ ! -d node_modules/esbuild ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node scripts/build.mjs
