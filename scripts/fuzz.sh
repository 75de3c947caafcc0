#!/usr/bin/env bash
# libFuzzer on the parsers a user's file reaches: the TOML gate (with workspace.toml's parser), the spec parser and
# the requirement parser, each for SECONDS (default 60): `scripts/fuzz.sh [SECONDS [TARGET...]]`. Builds them with
# -sanitize=fuzzer,address in .build-fuzz, starting from the repository's valid specs and requirements plus the
# corpus earlier runs kept. Fails if any target
# crashes, hangs or runs out of memory; the input that did it stays in .build-fuzz/crashes/ (replay it with
# `.build-fuzz/debug/<Target> <file>`). CI runs it briefly (scripts/test.sh), scripts/long-tests.sh for 10 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
targets=(FuzzTOMLGate FuzzSpec FuzzRequirement)
# Further arguments name the targets to run (all three by default): `scripts/fuzz.sh 600 FuzzRequirement`.
if (($# > 1)); then targets=("${@:2}"); fi
scratch=.build-fuzz

# gold cannot link the sanitized objects (an internal error in its DWARF reader), so lld; SwiftPM sees the fuzz
# targets only with KILN_FUZZ=1.
mkdir -p "$scratch"
for target in "${targets[@]}"; do
    if ! KILN_FUZZ=1 swift build --scratch-path "$scratch" -c debug -Xswiftc -sanitize=fuzzer,address \
        -Xswiftc -use-ld=lld --product "$target" >"$scratch/build-$target.log" 2>&1; then
        grep -v "Cannot export local symbol" "$scratch/build-$target.log" >&2
        echo "fuzz.sh: $target did not build" >&2
        exit 1
    fi
done

# The seeds, made afresh from the repository each run: every spec and settings file it holds, and each requirement
# in them and in Fuzz/Seeds/requirements.txt, one per file.
seeds="$scratch/seeds"
rm -rf "$seeds"
mkdir -p "$seeds/toml" "$seeds/requirements"
n=0
while IFS= read -r -d '' file; do
    n=$((n + 1))
    cp "$file" "$seeds/toml/$n.toml"
done < <(find sample-workspace Fuzz/Seeds/toml -name '*.toml' -print0)
n=0
while IFS= read -r line; do
    n=$((n + 1))
    printf '%s' "$line" >"$seeds/requirements/$n"
done < <(cat Fuzz/Seeds/requirements.txt; grep -ho '"[^"]*"' sample-workspace/saved/*/spec.toml | grep -v python: | tr -d '"')

failed=()
for target in "${targets[@]}"; do
    case "$target" in
        FuzzRequirement) seed="$seeds/requirements" options=(-max_len=512) ;;
        *) seed="$seeds/toml" options=(-max_len=65536 -dict=Fuzz/Seeds/toml.dict) ;;
    esac
    corpus="$scratch/corpus/$target"
    crashes="$scratch/crashes/$target"
    mkdir -p "$corpus" "$crashes"
    echo "fuzz.sh: $target for ${seconds}s"
    # In runs of at most 20 s, each starting from the corpus the last one grew: TOMLKit 0.6 never frees a parsed
    # table (github.com/LebJe/TOMLKit/issues/26), so a fuzzing process grows by about 50 MB a second, and leaks are
    # not looked for. Swift's backtracer would catch a crash's signal before AddressSanitizer and libFuzzer report it.
    left="$seconds"
    runs=0
    : >"$scratch/$target.log"
    while ((left > 0)); do
        chunk=$((left < 20 ? left : 20))
        left=$((left - chunk))
        if ! SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$scratch/debug/$target" "${options[@]}" \
            -max_total_time="$chunk" -timeout=10 -rss_limit_mb=3072 -detect_leaks=0 -print_final_stats=1 \
            -artifact_prefix="$crashes/" "$corpus" "$seed" >>"$scratch/$target.log" 2>&1; then
            failed+=("$target")
            tail -n 40 "$scratch/$target.log" >&2
            echo "fuzz.sh: $target failed; the input is in $crashes/, the log in $scratch/$target.log" >&2
            break
        fi
    done
    awk '/^stat::number_of_executed_units/ { n += $2 } END { print "fuzz.sh: " n " inputs" }' "$scratch/$target.log"
done
if ((${#failed[@]} > 0)); then
    echo "fuzz.sh: crashes in ${failed[*]}" >&2
    exit 1
fi
echo "fuzz.sh: no crash in ${#targets[@]} targets, ${seconds}s each"
