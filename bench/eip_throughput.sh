#!/usr/bin/env bash
# Local-engine throughput on >= 1 GB of generated CloudTrail, beside `gzip -dc`
# of the same files, same machine, same run; peak memory from GNU time.
#
# usage: bench/eip_throughput.sh VPCWARDEN_BIN [RUNS]
# The tree is generated once into $BENCH_TRAIL (default ~/.cache/vpcwarden/bench-trail)
# and reused; the half tree (first 15 of 30 days) shows memory does not grow with files.
# With libdeflate-gunzip on PATH (Debian: apt-get install libdeflate-tools) it also times two
# parallel libdeflate-gunzip runs over the same files: the inflate limit of this machine.
set -euo pipefail
BIN=$1
RUNS=${2:-3}
# v2: the noise mix has Auto Scaling instance events (RunInstances, Stop, Start, Terminate).
TRAIL=${BENCH_TRAIL:-$HOME/.cache/vpcwarden/bench-trail-v2}
NOW=2026-11-20T12:00:00Z
if [ ! -f "$TRAIL/.done" ]; then
  rm -rf "$TRAIL"
  echo "generating the benchmark trail in $TRAIL …" >&2
  "$BIN" gen-cloudtrail --out "$TRAIL" --now "$NOW" --all-gzip \
    --accounts 111122223333,444455556666,777788889999,123412341234 \
    --regions us-east-1,us-west-2,eu-west-1,ap-southeast-2 \
    --days 30 --files-per-day 24 --noise-per-file "${BENCH_NOISE:-600}" --seed 42 >"$TRAIL.summary.json"
  touch "$TRAIL/.done"
fi
ROOT=$TRAIL/cloudtrail
LIST=$(mktemp)
find "$ROOT" -name '*.json.gz' -print0 | sort -z >"$LIST"
FILES=$(tr -cd '\0' <"$LIST" | wc -c)
BYTES=$(xargs -0 stat -c %s <"$LIST" | awk '{s+=$1} END {print s}')
EMPTY=$(mktemp); : >"$EMPTY"
echo "tree: $FILES files, $BYTES bytes of gzip ($(nproc) cores)"
python3 - "$TRAIL.summary.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
n, f = s["instance_event_files"], s["files"]
print(f"files holding Run/Stop/Start/TerminateInstances records: {n} of {f} ({100 * n / f:.0f}%)")
PYEOF

# Warm the page cache for both.
xargs -0 cat <"$LIST" >/dev/null

measure() { # label, command...  → prints "label wall_s peak_kib"
  local label=$1; shift
  local t; t=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$t" "$@" >/dev/null 2>"$t.err" || { cat "$t.err" >&2; exit 1; }
  echo "$label $(cat "$t")"
  rm -f "$t" "$t.err"
}
gz() { xargs -0 gzip -dc <"$LIST"; }
# libdeflate's gunzip (Debian libdeflate-tools), the inflate limit: two processes, one per core,
# each over half of the files, to stdout.
ldg() { xargs -0 -P 2 -n $(( (FILES + 1) / 2 )) libdeflate-gunzip -c <"$LIST"; }
ours() { "$BIN" eip report --cloudtrail "$ROOT" --snapshot "$EMPTY" --now "$NOW" --days 30 --format json --output /dev/null; }
half() { "$BIN" eip report --cloudtrail "$ROOT" --snapshot "$EMPTY" --now 2026-11-05T12:00:00Z --days 15 --format json --output /dev/null; }
export -f gz ours half ldg
export LIST BIN ROOT EMPTY NOW FILES
LDG=$(command -v libdeflate-gunzip || true)

for i in $(seq 1 "$RUNS"); do
  measure gzip bash -c gz
  if [ -n "$LDG" ]; then measure libdeflate-x2 bash -c ldg; fi
  measure vpcwarden bash -c ours
  measure vpcwarden-half bash -c half
done | tee /tmp/eip_bench.txt
# One more run of ours for its own statistics line (records, events).
"$BIN" eip report --cloudtrail "$ROOT" --snapshot "$EMPTY" --now "$NOW" --days 30 --format json --output /dev/null 2>&1 | grep scanned
python3 - "$BYTES" "$FILES" <<'PYEOF'
import sys, statistics
b, files = int(sys.argv[1]), int(sys.argv[2])
runs = {}
for line in open("/tmp/eip_bench.txt"):
    label, wall, kib = line.split()
    runs.setdefault(label, []).append((float(wall), int(kib)))
med = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
peak = {k: max(m for _, m in v) for k, v in runs.items()}
for k in [k for k in ("gzip", "libdeflate-x2", "vpcwarden", "vpcwarden-half") if k in runs]:
    print(f"{k:15} median {med[k]:6.2f} s  {b/1e6/med[k] if k != 'vpcwarden-half' else float('nan'):8.1f} MB/s of gzip input  peak RSS {peak[k]/1024:7.1f} MiB")
print(f"speed-up vs gzip -dc: {med['gzip']/med['vpcwarden']:.2f}x")
if "libdeflate-x2" in med:
    print(f"vpcwarden vs two libdeflate-gunzip (the inflate limit): {med['libdeflate-x2']/med['vpcwarden']:.2f}x")
PYEOF
rm -f "$LIST" "$EMPTY"
