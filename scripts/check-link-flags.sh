#!/usr/bin/env bash
# The Dockerfile links `keyward` with flags no other build here uses (the static Swift runtime, lld, packed relative
# relocations), and no Docker engine runs here to try them. This builds a small Swift program with the same flags,
# taken from the Dockerfile's `swift build` line, and checks that it runs (Foundation, one JSON round trip) and
# carries DT_RELR. About 10 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
line=$(grep -E '^\s*swift build -c release --product keyward ' Dockerfile) \
  || { echo "check-link-flags: no 'swift build -c release --product keyward' line in the Dockerfile" >&2; exit 1; }
read -r -a words <<<"${line#*--product keyward}"
# SwiftPM's spelling to swiftc's: --static-swift-stdlib is -static-stdlib, -Xswiftc passes its argument as it is.
flags=()
i=0
while [ $i -lt ${#words[@]} ]; do
  case "${words[$i]}" in
    --static-swift-stdlib) flags+=(-static-stdlib) ;;
    -Xswiftc) i=$((i + 1)); flags+=("${words[$i]}") ;;
    -Xlinker) i=$((i + 1)); flags+=(-Xlinker "${words[$i]}") ;;
    '\' | '&&') break ;;
    *) echo "check-link-flags: no swiftc spelling for '${words[$i]}'" >&2; exit 1 ;;
  esac
  i=$((i + 1))
done
work=$(mktemp -d "${TMPDIR:-/tmp}/keyward-link.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat >"$work/main.swift" <<'SWIFT'
import Foundation
struct Probe: Codable, Equatable { var name: String; var at: Date }
let probe = Probe(name: "keyward", at: Date(timeIntervalSince1970: 1_800_000_000))
let decoded = try JSONDecoder().decode(Probe.self, from: JSONEncoder().encode(probe))
print(decoded == probe ? "ok" : "mismatch")
SWIFT
echo "swiftc -O ${flags[*]}"
swiftc -O "${flags[@]}" "$work/main.swift" -o "$work/probe"
[ "$("$work/probe")" = ok ] || { echo "check-link-flags: the program built with the Dockerfile's flags did not run" >&2; exit 1; }
if printf '%s\n' "${flags[@]}" | grep -qx pack-relative-relocs; then
  readelf -d "$work/probe" | grep -q '(RELR)' \
    || { echo "check-link-flags: pack-relative-relocs asked for, but the binary has no DT_RELR" >&2; exit 1; }
fi
if printf '%s\n' "${flags[@]}" | grep -qx -- -static-stdlib; then
  ! ldd "$work/probe" | grep -q libswiftCore \
    || { echo "check-link-flags: -static-stdlib asked for, but the binary loads libswiftCore" >&2; exit 1; }
fi
echo "the Dockerfile's link flags build a program that runs"
