#!/usr/bin/env bash
# Runs Keyward's main job on the embedded default: standalone mode over examples/standalone, no cluster needed.
# Writes state to .keyward/state and certificate files to ./out, prints the status table, verifies with openssl.
set -euo pipefail
cd "$(dirname "$0")/.."
dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || KEYWARD_SKIP_HEAVY_TOOLS=1 bash scripts/install-tools.sh
swift build --product keyward
.build/debug/keyward run --once --manifests examples/standalone --state .keyward/state --out out
echo
# Every certificate folder (a `..data` swap directory) must verify against its CA with openssl.
verified=0
while IFS= read -r cert; do
  dir=$(dirname "$cert")
  if [ -s "$dir/chain.pem" ]; then
    openssl verify -CAfile "$dir/ca.pem" -untrusted "$dir/chain.pem" "$cert"
  else
    openssl verify -CAfile "$dir/ca.pem" "$cert"
  fi
  verified=$((verified + 1))
done < <(find out -name cert.pem -not -path '*/..*' | sort)
[ "$verified" -gt 0 ] || { echo "no certificate files under out/" >&2; exit 1; }
echo "openssl verified $verified certificate(s); run \`.build/debug/keyward status --state .keyward/state\` to see the table again"
