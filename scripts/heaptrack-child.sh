#!/usr/bin/env bash
# Runs one keyward-bench controller child under heaptrack:
#   KEYWARD_BENCH_CHILD_WRAPPER=scripts/heaptrack-child.sh .build/release/keyward-bench memory
# Each child writes $HEAPTRACK_OUT/child.<pid>.zst (default /tmp/keyward-heaptrack). The bench ends a child with
# SIGTERM; heaptrack's own script does not pass that on, so this one hands it to the controller, lets heaptrack
# finish its file, and exits.
set -u
out=${HEAPTRACK_OUT:-/tmp/keyward-heaptrack}
mkdir -p "$out"
heaptrack -o "$out/child.$$" "$@" >/dev/null &
tracker=$!
stop() {
    for pid in $(pgrep -P "$tracker"); do
        if [[ "$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)" == "$1 "* ]]; then kill -TERM "$pid"; fi
    done
    wait "$tracker"
    exit 0
}
trap 'stop "$1"' TERM
wait "$tracker"
