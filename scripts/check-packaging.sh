#!/usr/bin/env bash
# Validates what users apply: CRDs, kubectl manifests, the Helm chart and the example resources.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=.venv-tools/bin
failed=0
run() { echo "-- $*"; "$@" || failed=1; }

shopt -s nullglob
crds=(crds/*.yaml)
if [ ${#crds[@]} -gt 0 ]; then run "$tools/kubernetes-validate" --strict -k 1.30 "${crds[@]}"; fi
if [ -f scripts/check-examples.py ]; then run "$tools/python" scripts/check-examples.py; fi
if [ -d manifests ] && ls manifests/*.yaml >/dev/null 2>&1; then
  run "$tools/kubernetes-validate" --strict -k 1.30 manifests/*.yaml
fi
exit $failed
