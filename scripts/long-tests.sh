#!/usr/bin/env bash
# The long versions of what CI runs briefly: a million fuzzed specs through the TOML gate and the spec parser, a
# million generated requirement strings judged by Kiln and by packaging, libFuzzer on the TOML gate, the spec parser
# and the requirement parser for 10 minutes each, 200 rounds of killing the daemon with SIGKILL at random moments, 40
# runs of 12 batches of random user actions against the daemon (the property test), and a burst of 1,000 saves,
# built locally and as Slurm jobs (every one ready, each spec built once, the daemon's memory bounded).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
KILN_FUZZ_ITERATIONS="${KILN_FUZZ_ITERATIONS:-1000000}" swift test --skip-build --filter mutatedSpecsNeverCrash
KILN_FUZZ_ITERATIONS="${KILN_FUZZ_ITERATIONS:-1000000}" swift test --skip-build --filter generatedStringsAgree
bash scripts/fuzz.sh "${KILN_FUZZ_SECONDS:-600}"
KILN_CRASH_ROUNDS="${KILN_CRASH_ROUNDS:-200}" swift test --skip-build --filter CrashTests
KILN_PROPERTY_RUNS="${KILN_PROPERTY_RUNS:-40}" KILN_PROPERTY_STEPS="${KILN_PROPERTY_STEPS:-12}" \
    swift test --skip-build --filter PropertyTests
KILN_BURST_SIZE="${KILN_BURST_SIZE:-1000}" swift test --skip-build --filter BurstTests
