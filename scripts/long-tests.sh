#!/usr/bin/env bash
# The long versions of what CI runs briefly: a million fuzzed specs through the TOML gate and the spec parser.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
KILN_FUZZ_ITERATIONS="${KILN_FUZZ_ITERATIONS:-1000000}" swift test --skip-build --filter mutatedSpecsNeverCrash
