#!/usr/bin/env bash
# The test command: README's, and CI's. Sets the machine up, then runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift format lint --strict --recursive Sources Tests Fuzz Package.swift
swift build --build-tests
swift test --skip-build "$@"
# libFuzzer on the TOML gate, the spec parser and the requirement parser, briefly (scripts/long-tests.sh: 10 minutes).
bash scripts/fuzz.sh "${KILN_FUZZ_SECONDS:-20}"
# The benchmarks at small sizes: that the suite runs, never a timing.
bash Benchmarks/run.sh --smoke
