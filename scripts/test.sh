#!/usr/bin/env bash
# The test command: README's, and CI's. Sets the machine up, then runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift format lint --strict --recursive Sources Tests Package.swift
swift build --build-tests
swift test --skip-build "$@"
# The benchmarks at small sizes: that the suite runs, never a timing.
bash Benchmarks/run.sh --smoke
