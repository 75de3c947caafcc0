#!/usr/bin/env bash
# Kiln's benchmarks, one command: builds kiln in release mode, then runs every measure against its reference on
# temporary workspaces and prints the table.
#
#   bash Benchmarks/run.sh            full run (~10 min); writes docs/benchmarks.md
#   bash Benchmarks/run.sh --smoke    small sizes, short durations; checks the suite runs, never a timing (CI)
#
# Other arguments go to the driver (Benchmarks/kiln_bench.py --help).
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0
for arg in "$@"; do [ "$arg" = "--smoke" ] && smoke=1; done

# Its own scratch path: `.build` may be in use by a debug build or a test run at the same time.
swift build -c release --product kiln --scratch-path .build-bench
kiln="$(swift build -c release --product kiln --scratch-path .build-bench --show-bin-path)/kiln"

if [ "$smoke" = 1 ]; then
    out=.build-bench/benchmarks-smoke.md
else
    out=docs/benchmarks.md
fi
exec python3 Benchmarks/kiln_bench.py --kiln "$kiln" --out "$out" "$@"
