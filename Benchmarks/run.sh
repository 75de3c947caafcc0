#!/usr/bin/env bash
# Kiln's benchmarks, one command: builds kiln in release mode, then runs every measure against its reference on
# temporary workspaces and prints the table.
#
#   bash Benchmarks/run.sh                  full run (~10 min); writes docs/benchmarks.md
#   bash Benchmarks/run.sh --smoke          small sizes, short durations; checks the suite runs, never a timing (CI)
#   bash Benchmarks/run.sh --only example   some measures (reaction,steady,builds,burst,example,disk,web,slurm, or startup:
#                                           start-up alone, not in a full run); writes
#                                           .build/benchmarks-partial.md, never over the full report
#
# The full run's example and disk measures use real wheels (pandas, scikit-learn, numpy for Python 3.10), downloaded
# from PyPI the first time into ~/.cache/kiln-bench-wheels/pandas (KILN_BENCH_WHEELS names another folder); a smoke
# run uses tiny local wheels only and never reaches an index. Other arguments go to the driver
# (Benchmarks/kiln_bench.py --help).
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0
partial=0
for arg in "$@"; do
    [ "$arg" = "--smoke" ] && smoke=1
    case "$arg" in --only | --only=*) partial=1 ;; esac
done

# The one release build that scripts/demo.sh also makes, with the same command, in the default `.build`: after the
# demo (or a first run here) this is a no-op, where a scratch path of its own cost a second full release build
# (minutes on two cores) for every newcomer running scripts/test.sh. Release products sit beside the debug ones
# (.build/release, .build/debug) and share the fetched packages. A debug build or test run started meanwhile is not
# disturbed: SwiftPM makes it wait for its lock on .build, and a short wait matters less than a second build.
swift build -c release --product kiln
kiln="$(swift build -c release --product kiln --show-bin-path)/kiln"

if [ "$smoke" = 1 ]; then
    out=.build/benchmarks-smoke.md
elif [ "$partial" = 1 ]; then
    out=.build/benchmarks-partial.md
else
    out=docs/benchmarks.md
fi
exec python3 Benchmarks/kiln_bench.py --kiln "$kiln" --out "$out" "$@"
