#!/usr/bin/env bash
# Validates what users apply: the CRDs, the kubectl manifests (and their kustomize builds), the Helm chart rendered
# with the real Helm engine for every values set in charts/keyward/ci, the alert rules, and every example resource;
# that Package.swift declares exactly what each target imports (scripts/check-imports.sh), and that the Dockerfile's
# link flags work with this toolchain (scripts/check-link-flags.sh).
#
#   bash scripts/check-packaging.sh        # after scripts/install-tools.sh
#
# Tools: .venv-tools (kubernetes-validate, jsonschema, helm-python-sdk), .venv-checkov (checkov), kubectl for
# `kubectl kustomize` and promtool (Debian package prometheus) for the alert rules when installed.
# KEYWARD_SKIP_HEAVY_TOOLS=1 skips what needs checkov and helm-python-sdk (install-tools.sh then skips them too).
# KEYWARD_PACKAGING_OUT=DIR keeps the rendered chart and kustomize builds in DIR instead of a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=.venv-tools/bin
k8s_version=1.30
heavy=1
[ "${KEYWARD_SKIP_HEAVY_TOOLS:-0}" = 1 ] && heavy=0

need() { [ -x "$1" ] || { echo "check-packaging: $1 is missing: run scripts/install-tools.sh" >&2; exit 1; }; }
need "$tools/kubernetes-validate"
need "$tools/python"
if [ $heavy = 1 ]; then
  need .venv-checkov/bin/checkov
  "$tools/python" -c 'import helm_python' 2>/dev/null \
    || { echo "check-packaging: helm-python-sdk is missing: run scripts/install-tools.sh" >&2; exit 1; }
fi

if [ -n "${KEYWARD_PACKAGING_OUT:-}" ]; then
  out=$KEYWARD_PACKAGING_OUT; rm -rf "$out"; mkdir -p "$out"
else
  out=$(mktemp -d "${TMPDIR:-/tmp}/keyward-packaging.XXXXXX"); trap 'rm -rf "$out"' EXIT
fi

passed=0 failed=0 failures=()
run() {
  echo "-- $*"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$*"); fi
}

# kubernetes-validate --strict on FILES. It only warns on kinds it has no schema for: those must be custom
# resources that check-examples.py validates against their CRD schema (keyward.dev, monitoring.coreos.com).
validate() {
  local log status=0
  log=$("$tools/kubernetes-validate" --strict -k "$k8s_version" --quiet "$@" 2>&1) || status=$?
  [ -n "$log" ] && printf '%s\n' "$log"
  if printf '%s\n' "$log" | grep '^WARN' | grep -Ev "api version (keyward\.dev|monitoring\.coreos\.com)/" | grep -q .; then
    echo "a kind above has no Kubernetes $k8s_version schema and no CRD schema in this repository"; status=1
  fi
  [ $status = 0 ] && echo "valid against Kubernetes $k8s_version: $# file(s)"
  return $status
}

checkov() {
  .venv-checkov/bin/checkov -d "$1" --framework kubernetes --compact --quiet --skip-download
}

# 0. Package.swift declares exactly what each target imports; the Dockerfile's link flags build a program that runs.
run bash scripts/check-imports.sh
run bash scripts/check-link-flags.sh

# 1. CRDs and example custom resources.
shopt -s nullglob
run validate crds/*.keyward.dev.yaml
run "$tools/python" scripts/check-examples.py --self-test
run "$tools/python" scripts/check-examples.py

# 2. The manifests as files, and as kustomize builds (what `kubectl apply -k` sends).
mapfile -t manifest_files < <(find manifests -name '*.yaml' ! -name kustomization.yaml | sort)
run validate "${manifest_files[@]}"
if command -v kubectl >/dev/null; then
  mkdir -p "$out/kustomize"
  for dir in crds manifests manifests/namespaced manifests/shared-volume; do
    build="$out/kustomize/$(echo "$dir" | tr / -).yaml"
    run kubectl kustomize "$dir" -o "$build"
    [ -s "$build" ] && run validate "$build"
  done
else
  echo "-- kubectl not found: kustomize builds of manifests/ not checked"
fi

# 3. The Helm chart (real Helm engine), its alert rules, and the security posture of everything.
if [ $heavy = 1 ]; then
  run "$tools/python" scripts/check-chart.py "$out"
  renders=("$out"/chart-*/)
  for dir in "${renders[@]}"; do run validate "$dir"*.yaml; done
  run "$tools/python" scripts/check-examples.py "$out/chart-all-on" "$out/chart-single-replica"
  run "$tools/python" scripts/check-consistency.py "$out"
  run checkov manifests
  [ -d "$out/kustomize" ] && run checkov "$out/kustomize"
  for dir in "${renders[@]}"; do run checkov "$dir"; done
  if command -v promtool >/dev/null; then
    for variant in "$out"/alerts/*/; do
      name=$(basename "$variant")
      cp "scripts/testdata/alerts-$name.test.yaml" "$variant"
      run promtool check rules "$variant/rules.yaml"
      run bash -c "cd '$variant' && promtool test rules 'alerts-$name.test.yaml'"
    done
  else
    echo "-- promtool not found (Debian package prometheus): alert rules not evaluated"
  fi
else
  echo "-- KEYWARD_SKIP_HEAVY_TOOLS=1: Helm chart, checkov and alert rules not checked"
  run "$tools/python" scripts/check-consistency.py
fi

echo
if [ $failed -gt 0 ]; then
  printf 'packaging check failed: %s\n' "${failures[@]}"
fi
echo "packaging checks: $passed ok, $failed failing"
[ $failed = 0 ]
