#!/usr/bin/env bash
# Runs Keyward's whole test suite on a fresh Debian machine: installs what is missing, runs every Swift test
# (unit, real-TLS API server, kubectl, openssl, pkilint, nginx, the operator fault suite), then the packaging
# checks, a quick benchmark smoke run and a bounded libFuzzer run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-tools.sh
export PATH="$PWD/.venv-tools/bin:$PATH"

echo "== swift build (zero warnings allowed in Sources/, Tests/ and Package.swift)"
mkdir -p .build
swift build --build-tests 2>&1 | tee .build/swift-build.log
bash scripts/check-warnings.sh .build/swift-build.log
echo "== swift test"
# The suite runs in one process beside Pebble, BIND and nginx: about 2,500 descriptors at its peak, past the
# 1,024 some machines default to. Raise the soft limit to the hard one (what Go programs do at start).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "open-file limit: $(ulimit -n)"
# Bounded: a hung test must fail CI, not stall it.
if ! timeout --signal=INT --kill-after=60 2400 swift test --skip-build 2>&1 | tee .build/swift-test.log; then
    echo "== swift test failed; every recorded issue, with its details:"
    grep -E -A3 '✘ Test .*recorded an issue' .build/swift-test.log | head -150 || true
    exit 1
fi
echo "== packaging checks"
bash scripts/check-packaging.sh
echo "== benchmark smoke run (fails only if a suite breaks, never on a number)"
timeout --signal=INT --kill-after=30 900 .build/debug/keyward-bench --quick
echo "== fuzzing (${KEYWARD_FUZZ_SECONDS:-30}s per target, seed ${KEYWARD_FUZZ_SEED:=20261205})"
# A fixed seed: CI replays one known sequence of inputs (a prefix of what a longer run with that seed tries), so a
# red CI is a regression someone can reproduce, not a new discovery by chance; exploring is `scripts/fuzz.sh` unseeded.
KEYWARD_FUZZ_SEED="$KEYWARD_FUZZ_SEED" bash scripts/fuzz.sh "${KEYWARD_FUZZ_SECONDS:-30}"
