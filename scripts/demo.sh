#!/usr/bin/env bash
# Kiln's main job on the sample workspace: copies sample-workspace/ to a scratch folder (the tracked one stays
# clean), builds kiln, and runs the daemon on the copy in the foreground. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The same command as Benchmarks/run.sh, so scripts/test.sh (which runs the smoke benchmarks) reuses this build.
swift build -c release --product kiln
run="${1:-$(mktemp -d /tmp/kiln-sample.XXXXXX)}"
mkdir -p "$run"
cp -r sample-workspace/. "$run/"
echo "sample workspace copied to $run"
echo "in another shell:  export KILN_WORKSPACE=$run; $(pwd)/.build/release/kiln list"
exec .build/release/kiln serve "$run"
