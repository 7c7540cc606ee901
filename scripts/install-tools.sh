#!/usr/bin/env bash
# Installs what a fresh Debian bookworm machine lacks to build and test Keyward.
# Idempotent: re-running skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# pebble (ACME test CA + pebble-challtestsrv), bind9 + dnsutils (RFC 2136 DNS-01), prometheus-alertmanager
# (notification push): real outside parts the ACME and observability tests start on loopback.
for pkg in libcurl4-openssl-dev libyaml-dev pkg-config nginx-light openssl python3-venv \
    pebble bind9 bind9-dnsutils prometheus-alertmanager; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Python checkers live in project venvs (checkov in its own: it pins versions that fight the others).
PY=${PYTHON:-python3}
if [ ! -x .venv-tools/bin/lint_pkix_cert ] || [ ! -x .venv-tools/bin/kubernetes-validate ]; then
  "$PY" -m venv .venv-tools
  .venv-tools/bin/pip install -q --disable-pip-version-check \
    'pkilint==0.13.3' 'kubernetes-validate==1.37.0' 'jsonschema' 'PyYAML' 'kubernetes==37.0.2'
fi
if [ "${KEYWARD_SKIP_HEAVY_TOOLS:-0}" != 1 ]; then
  # promtool (from Debian's prometheus package) unit-tests the chart's alert rules.
  if ! command -v promtool >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  fi
  if [ ! -x .venv-checkov/bin/checkov ]; then
    "$PY" -m venv .venv-checkov
    .venv-checkov/bin/pip install -q --disable-pip-version-check 'checkov==3.3.30'
  fi
  if ! .venv-tools/bin/python -c 'import helm_python' 2>/dev/null; then
    .venv-tools/bin/pip install -q --disable-pip-version-check 'helm-python-sdk==0.2.2'
  fi
fi
