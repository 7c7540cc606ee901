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
# Bounded: a hung test must fail CI, not stall it.
timeout --signal=INT --kill-after=60 2400 swift test --skip-build 2>&1 | tee .build/swift-test.log
echo "== packaging checks"
bash scripts/check-packaging.sh
echo "== benchmark smoke run (fails only if a suite breaks, never on a number)"
timeout --signal=INT --kill-after=30 900 .build/debug/keyward-bench --quick
echo "== fuzzing (${KEYWARD_FUZZ_SECONDS:-30}s per target)"
bash scripts/fuzz.sh "${KEYWARD_FUZZ_SECONDS:-30}"
