#!/usr/bin/env bash
# A/B of two vpcwarden binaries on the throughput benchmark's tree, alternating,
# same command as `ours` in bench/eip_throughput.sh; wall time, peak RSS and each
# binary's own statistics line.
#
# usage: bench/eip_ab.sh OLD_BIN NEW_BIN [RUNS]     (run bench/eip_throughput.sh once first)
set -euo pipefail
OLD=$1
NEW=$2
RUNS=${3:-3}
ROOT=${BENCH_TRAIL:-$HOME/.cache/vpcwarden/bench-trail-v2}/cloudtrail
EMPTY=$(mktemp)
for _ in $(seq 1 "$RUNS"); do
  for b in OLD NEW; do
    /usr/bin/time -f "$b %e s %M KiB" "${!b}" eip report --cloudtrail "$ROOT" --snapshot "$EMPTY" \
      --now 2026-11-20T12:00:00Z --days 30 --format json --output /dev/null 2>&1 | grep -E "^(OLD|NEW) |scanned"
  done
done
rm -f "$EMPTY"
