#!/usr/bin/env bash
# Runs Keyward's main job on the embedded default: standalone mode over examples/standalone, no cluster needed.
# Writes state to .keyward/state and certificate files to ./out, prints the status table, verifies with openssl.
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what this job needs: libcurl's and libyaml's headers to build (pkg-config finds libyaml for SwiftPM), and the
# openssl command to verify (when it is missing). The test tools (nginx, the Python checkers) are
# scripts/install-tools.sh's business, run by scripts/test.sh.
need_apt=()
for pkg in libcurl4-openssl-dev libyaml-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing ${need_apt[*]} with apt-get${SUDO:+ (through sudo)}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
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
