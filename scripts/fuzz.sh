#!/usr/bin/env bash
# Fuzzes every keyward-fuzz target with libFuzzer for a bounded time each, starting from the seed corpus in
# fuzz/corpus/<target> with the dictionary in fuzz/dictionaries/<target>.dict.
#   bash scripts/fuzz.sh [seconds per target, default 30] [target …]
# KEYWARD_FUZZ_SEED=N fixes libFuzzer's seed: the run then tries the same inputs in the same order on every machine,
# a slower one stopping earlier in that sequence (scripts/test.sh uses this, so CI is reproducible; without it every
# run explores anew, which is what a local search for new findings wants).
# A crash, hang (10 s per input) or memory blow-up (2 GiB) fails the script and leaves the input in
# .build-fuzz/findings/; reproduce it in an ordinary build with `swift run keyward-fuzz <target> <file>`, fix it,
# and add the file to fuzz/corpus/<target>/ so it stays a regression input.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-30}"
shift || true
targets=("$@")
seed_option=()
[ -z "${KEYWARD_FUZZ_SEED:-}" ] || seed_option=("-seed=$KEYWARD_FUZZ_SEED")
[ ${#targets[@]} -gt 0 ] || targets=(pem watch duration manifest kubeconfig crl dns json)

toolchain="$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")"
runtime="$(find "$toolchain/lib" -name 'libclang_rt.fuzzer_no_main-x86_64.a' | head -1)"
if [ -z "$runtime" ]; then
    echo "fuzz: libclang_rt.fuzzer_no_main not found under $toolchain/lib (the Swift toolchain ships it on Linux)" >&2
    exit 1
fi

# Coverage instrumentation for libFuzzer on every Swift module (Swift requires a sanitizer alongside
# -sanitize-coverage; AddressSanitizer also catches what unsafe pointers could do), and libFuzzer's driver without
# its own main: keyward-fuzz's main picks the target and hands the rest of the arguments to LLVMFuzzerRunDriver.
echo "== fuzz: build (.build-fuzz)"
swift build --build-path .build-fuzz --product keyward-fuzz \
    -Xswiftc -sanitize=address \
    -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
    -Xcc -DKEYWARD_LIBFUZZER \
    -Xlinker "$runtime" -Xlinker -lstdc++
binary=.build-fuzz/debug/keyward-fuzz

mkdir -p .build-fuzz/findings
failed=()
for target in "${targets[@]}"; do
    echo "== fuzz: $target for ${seconds}s"
    work=".build-fuzz/corpus/$target"
    mkdir -p "$work"
    # Bounded twice over: libFuzzer's own clock, and a hard timeout in case the process itself hangs.
    if ! timeout --kill-after=30 $((seconds + 120)) "$binary" "$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -dict="fuzz/dictionaries/$target.dict" -artifact_prefix=".build-fuzz/findings/$target-" \
        -print_final_stats=1 ${seed_option[@]+"${seed_option[@]}"} "$work" "fuzz/corpus/$target" > ".build-fuzz/$target.log" 2>&1; then
        failed+=("$target")
        tail -60 ".build-fuzz/$target.log"
        ls -la .build-fuzz/findings/ || true
    else
        grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ +DONE" ".build-fuzz/$target.log" || true
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]} (inputs in .build-fuzz/findings/)" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no findings"
