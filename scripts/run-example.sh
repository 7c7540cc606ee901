#!/usr/bin/env bash
# Runs Keyward's main job on the embedded default: standalone mode over examples/standalone, no cluster needed.
# Writes state to .keyward/state and certificate files to ./out, prints the status table, verifies with openssl.
set -euo pipefail
cd "$(dirname "$0")/.."
dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || KEYWARD_SKIP_HEAVY_TOOLS=1 bash scripts/install-tools.sh
swift build --product keyward
.build/debug/keyward run --once --manifests examples/standalone --state .keyward/state --out out
echo
for dir in out/*/*/; do
  [ -f "$dir/cert.pem" ] || continue
  if [ -f "$dir/ca.pem" ] && [ -f "$dir/chain.pem" ] && [ -s "$dir/chain.pem" ]; then
    openssl verify -CAfile "$dir/ca.pem" -untrusted "$dir/chain.pem" "$dir/cert.pem"
  elif [ -f "$dir/ca.pem" ]; then
    openssl verify -CAfile "$dir/ca.pem" "$dir/cert.pem"
  fi
done
