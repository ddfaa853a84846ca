#!/usr/bin/env bash
# The event store on a generated 90-day trail: raw CloudTrail bytes read and
# wall time of the first run (backfill) and of the next day's run (steady
# state), beside a full rescan; the Athena bytes the steady-state run's
# queries would scan (the bytes under the day partitions they select) beside
# the full-window query's; and the store's size as gzip JSON Lines and as Parquet.
#
# usage: bench/eip_store.sh VPCWARDEN_BIN
# The tree is generated once into $BENCH_STORE_TRAIL (default ~/.cache/vpcwarden/bench-store-trail).
set -euo pipefail
BIN=$1
TRAIL=${BENCH_STORE_TRAIL:-$HOME/.cache/vpcwarden/bench-store-trail}
# The report's schedule is 06:00 UTC: the day's folder holds six hours when it runs.
NOW=2026-11-20T06:00:00Z
FIRST=2026-11-19T06:00:00Z
PY=${PYTHON:-$(dirname "$0")/../.venv/bin/python}
if [ ! -f "$TRAIL/.done" ]; then
  rm -rf "$TRAIL"
  echo "generating the benchmark trail in $TRAIL …" >&2
  "$BIN" gen-cloudtrail --out "$TRAIL" --now "$NOW" --all-gzip \
    --accounts 111122223333,444455556666,777788889999,123412341234 \
    --regions us-east-1,us-west-2,eu-west-1,ap-southeast-2 \
    --days 95 --files-per-day 8 --noise-per-file 300 --seed 43 >"$TRAIL.summary.json"
  touch "$TRAIL/.done"
fi
ROOT=$TRAIL/cloudtrail
OUT=$(mktemp -d)
STORE=$OUT/store
echo "tree: $(find "$ROOT" -name '*.json.gz' | wc -l) files, $(du -sb "$ROOT" | cut -f1) bytes ($(nproc) cores)"
find "$ROOT" -name '*.json.gz' -print0 | xargs -0 cat >/dev/null  # page cache warm for every run

run() { # label, now, extra args… → JSON report in $OUT/label.json; prints wall and peak RSS
  local label=$1 now=$2; shift 2
  /usr/bin/time -f '%e %M' -o "$OUT/$label.time" "$BIN" eip report --cloudtrail "$ROOT" \
    --snapshot "$TRAIL/snapshot-latest.jsonl" --earlier "$TRAIL/snapshot-earlier.jsonl" \
    --now "$now" --format json --output "$OUT/$label.json" "$@" 2>"$OUT/$label.err" \
    || { cat "$OUT/$label.err" >&2; exit 1; }
}
run first "$FIRST" --store "$STORE"
run steady "$NOW" --store "$STORE"
run full "$NOW"
run rerun "$NOW" --store "$STORE"

"$PY" - "$OUT" "$ROOT" "$STORE" "$NOW" <<'PYEOF'
import datetime as dt, gzip, json, os, sys
out, root, store, now = sys.argv[1:5]
now = dt.datetime.fromisoformat(now.replace("Z", "+00:00"))

def load(label):
    doc = json.load(open(f"{out}/{label}.json"))
    wall, rss = open(f"{out}/{label}.time").read().split()
    return doc, float(wall), int(rss)

full, full_wall, full_rss = load("full")
print(f"{'run':<28} {'days read':>9} {'raw bytes read':>15} {'wall s':>7} {'peak RSS MiB':>12}")
for label, what in (("first", "first run (backfill)"), ("steady", "next day (steady state)"), ("rerun", "same day again")):
    doc, wall, rss = load(label)
    st = doc["engine"]["store"]
    if label != "first":  # the first run is a day earlier
        assert doc["addresses"] == full["addresses"], f"{label}: the store's report differs from the full rescan"
        assert doc["coverage"] == full["coverage"], label
    print(f"{what:<28} {st['days_extracted']:>9} {st['raw_bytes_read']:>15,} {wall:>7.2f} {rss/1024:>12.1f}")
print(f"{'full rescan (no store)':<28} {'93':>9} {full['engine']['input_bytes']:>15,} {full_wall:>7.2f} {full_rss/1024:>12.1f}")
first = load("first")[0]["engine"]["store"]["raw_bytes_read"]
steady = load("steady")[0]["engine"]["store"]["raw_bytes_read"]
print(f"steady state / first run: 1/{first / steady:.1f} of the bytes (goal: at most 1/30)")
print("the steady-state and rerun reports equal the full rescan's, row for row (checked)")

# Athena bills the bytes of the objects under the partitions a query selects.
def folder_bytes(first_day, last_day):
    total = 0
    for d, _, files in os.walk(root):
        parts = d.split(os.sep)
        if len(parts) < 3 or not all(p.isdigit() for p in parts[-3:]):
            continue
        day = dt.date(int(parts[-3]), int(parts[-2]), int(parts[-1]))
        if first_day <= day <= last_day:
            total += sum(os.path.getsize(os.path.join(d, f)) for f in files)
    return total
today = now.date()
steady_scan = folder_bytes(today - dt.timedelta(days=2), today + dt.timedelta(days=1))
full_scan = folder_bytes((now - dt.timedelta(days=91)).date(), today + dt.timedelta(days=1))
tb = 5 / 1e12
print(f"Athena, steady-state extraction query: {steady_scan:,} bytes (${steady_scan * tb:.6f}; Athena bills at least 10 MB a query)")
print(f"Athena, today's full-window query:     {full_scan:,} bytes (${full_scan * tb:.6f}) — {full_scan / steady_scan:.1f}x")

# The store: gzip JSON Lines as written, beside Parquet of the same events (DuckDB).
objs = [os.path.join(d, f) for d, _, fs in os.walk(store) for f in fs]
size = sum(os.path.getsize(p) for p in objs)
lines = [l for p in objs for l in gzip.open(p, "rt").read().splitlines()[1:]]
print(f"store: {len(objs)} day objects, {size:,} bytes gzip JSON Lines, {len(lines)} events ({size / max(len(lines), 1):.0f} B/event)")
try:
    import duckdb
    con = duckdb.connect()
    for codec in ("zstd", "snappy"):
        total = 0
        for i, p in enumerate(objs):  # one Parquet file per day, as the store would hold them
            day = gzip.open(p, "rt").read().splitlines()[1:]
            if not day:
                continue
            src, pq = os.path.join(out, "day.jsonl"), os.path.join(out, f"day{i}.parquet")
            open(src, "w").write("\n".join(day) + "\n")
            con.execute(f"COPY (SELECT * FROM read_json_auto('{src}')) TO '{pq}' (FORMAT PARQUET, COMPRESSION {codec})")
            total += os.path.getsize(pq)
            os.remove(pq)
        print(f"  the same days as Parquet ({codec}): {total:,} bytes")
except ImportError:
    print("  (duckdb not installed: no Parquet comparison)")
PYEOF
rm -rf "$OUT"
