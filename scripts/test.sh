#!/bin/sh
# The whole test suite: set up, build, type-check, lint, then node's test runner.
set -e
cd "$(dirname "$0")/.."
sh scripts/test-deps.sh
sh scripts/setup.sh
npx tsc -p .
npx biome check src test bench scripts
node --test --test-concurrency=1 dist/test/ "$@"
