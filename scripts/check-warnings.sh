#!/usr/bin/env bash
# Fails when a `swift build` log holds a warning about this repository's own code or package: a compiler warning
# in Sources/ or Tests/ (SwiftPM already silences dependencies' code), or a SwiftPM warning about the root package
# (an unhandled file, say). Warnings about dependency packages (.build/checkouts) are not ours and are ignored.
#
#   swift build --build-tests 2>&1 | tee build.log; bash scripts/check-warnings.sh build.log
#
# Every warning is listed once (a file compiled for two products reports it twice).
set -euo pipefail
cd "$(dirname "$0")/.."
log=${1:?usage: check-warnings.sh BUILD_LOG}
root=$PWD
# SwiftPM names the root package after its folder (lowercased); the manifest's name is accepted too.
identity=$(basename "$root" | tr '[:upper:]' '[:lower:]')

ours=$(
  {
    # Compiler diagnostics: "path:line:col: warning: ..." or "macro expansion #expect:1:2: warning: ...".
    grep -E '^(/[^ ]+:[0-9]+:[0-9]+|macro expansion [^:]+:[0-9]+:[0-9]+): warning: ' "$log" \
      | grep -v -F "$root/.build/" || true
    # SwiftPM's own warnings name the package: only the root package's count.
    grep -E "^warning: '($identity|keyward)': " "$log" || true
  } | sort -u
)
if [ -n "$ours" ]; then
  count=$(printf '%s\n' "$ours" | wc -l)
  echo "check-warnings: $count warning(s) in Sources/, Tests/ or Package.swift (zero allowed):" >&2
  printf '%s\n' "$ours" >&2
  exit 1
fi
echo "check-warnings: no warnings in Sources/, Tests/ or Package.swift"
