#!/usr/bin/env bash
# The idle-EIP part of `make demo`, under scripts/with-standins.sh: addresses
# in moto, the eip-snapshot function, a generated CloudTrail trail in S3, the
# eip-report function (local engine over S3, release dry-run, SNS), the report.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/.run/demo/eip
rm -rf "$OUT" && mkdir -p "$OUT"
export AWS_ENDPOINT_URL="$VPCWARDEN_MOTO_URL" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
PY="$ROOT/.venv/bin/python"
CLI="$CARGO_TARGET_DIR/debug/vpcwarden"
port=${VPCWARDEN_LAMBDA_URL##*:}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "6. Elastic IPs in moto: an idle one, one on an instance, one tagged vpcwarden:keep (us-east-1), an idle one in eu-west-1"
"$PY" - <<'PYEOF'
import boto3
for name in ("vpcwarden-standin-data", "vpcwarden-standin-trail"):
    boto3.client("s3").create_bucket(Bucket=name)
boto3.client("sns").create_topic(Name="vpcwarden-standin-reports")
def alloc(ec2, name, extra=()):
    tags = [{"Key": "Name", "Value": name}, *extra]
    return ec2.allocate_address(Domain="vpc", TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": tags}])
east, west = boto3.client("ec2", region_name="us-east-1"), boto3.client("ec2", region_name="eu-west-1")
a = alloc(east, "forgotten-bastion")
b = alloc(east, "web-1")
image = east.describe_images()["Images"][0]["ImageId"]
inst = east.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
east.associate_address(AllocationId=b["AllocationId"], InstanceId=inst)
c = alloc(east, "dr-standby", [{"Key": "vpcwarden:keep", "Value": "disaster recovery"}])
d = alloc(west, "old-vpn")
for x, what in ((a, "idle"), (b, f"on {inst}"), (c, "idle, vpcwarden:keep"), (d, "idle, eu-west-1")):
    print(f"  {x['AllocationId']}  {x['PublicIp']:<15} {what}")
PYEOF

step "7. The scheduled eip-snapshot function (cargo lambda): every address in every enabled region → S3"
cargo lambda invoke eip-snapshot -A 127.0.0.1 -P "$port" --data-ascii '{"source":"aws.scheduler"}' >"$OUT/snapshot.json"
"$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print("  s3://vpcwarden-standin-data/%s: %d addresses from %d regions, %d region failures" % (r["key"], r["addresses"], r["regions_read"], len(r["region_failures"])))' "$OUT/snapshot.json"

step "8. A generated CloudTrail trail (100 days, noise from other services) with the stories of more addresses (the generator's catalog), uploaded to s3://vpcwarden-standin-trail/"
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
FROM=$(date -u -d "$(date -u -d "$NOW" +%Y-%m-%d\ %H:%M:%S) UTC 90 days ago" +%Y-%m-%dT%H:%M:%SZ)
"$CLI" gen-cloudtrail --out "$OUT/gen" --now "$NOW" --accounts 111122223333,123456789012 --regions us-east-1,eu-west-1 --days 100 --files-per-day 2 --noise-per-file 60 >"$OUT/gen.json"
"$PY" - "$OUT" <<'PYEOF'
import json, os, sys, boto3, datetime
out = sys.argv[1]
s = json.load(open(f"{out}/gen.json"))
s3 = boto3.client("s3")
root = os.path.join(out, "gen", s["cloudtrail"])
n = 0
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        s3.upload_file(p, "vpcwarden-standin-trail", os.path.relpath(p, root)); n += 1
print(f"  {n} files, {s['bytes']/1e6:.1f} MB, {s['records']} records ({s['story_records']} of them about Elastic IPs)")
# The generated addresses join moto's in the newest snapshot (the trail tells their history).
snap = json.load(open(f"{out}/snapshot.json"))["key"]
body = s3.get_object(Bucket="vpcwarden-standin-data", Key=snap)["Body"].read()
body += open(os.path.join(out, "gen", s["snapshot"]), "rb").read()
later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
s3.put_object(Bucket="vpcwarden-standin-data", Key=later.strftime("snapshots/dt=%Y-%m-%d/%H%M%S.jsonl"), Body=body)
earlier = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=100)
s3.put_object(Bucket="vpcwarden-standin-data", Key=earlier.strftime("snapshots/dt=%Y-%m-%d/%H%M%S.jsonl"),
              Body=open(os.path.join(out, "gen", s["earlier_snapshot"]), "rb").read())
PYEOF
sleep 2

step "9. The scheduled eip-report function: local engine over the S3 trail, joined with the newest snapshot, release dry-run"
cargo lambda invoke eip-report -A 127.0.0.1 -P "$port" --data-ascii '{"source":"aws.scheduler"}' >"$OUT/report.json"
"$PY" - "$OUT" <<'PYEOF'
import json, sys, boto3
out = sys.argv[1]
r = json.load(open(f"{out}/report.json"))
e = r["engine"]
print(f"  engine {e['engine']}: {e['files']} files, {e['input_bytes']/1e6:.1f} MB, {e['lifecycle_events']} lifecycle events, {len(e['unreadable'])} unreadable")
st = e["store"]
print(f"  event store {st['location']} (v{st['version']}): {st['days_extracted']} of {st['days_in_window']} day folders extracted (the first run backfills), {st['events_in_store']} events stored")
print(f"  written: " + ", ".join(f"s3://vpcwarden-standin-data/{k}" for k in r["reports"].values()))
print(f"  SNS summary message {r['sns_message_id']}; metrics (EMF): IdleAddresses={r['metrics']['IdleAddresses']} FlaggedAddresses={r['metrics']['FlaggedAddresses']} MonthlyWasteUSD={r['metrics']['MonthlyWasteUSD']}")
acts = {}
for x in r["released"]:
    acts[x["action"]] = acts.get(x["action"], 0) + 1
print(f"  release dry-run: {acts}")
c = r["coverage"]
print(f"  trail coverage: {'complete' if c['complete'] else 'GAPS'}, {c['required_days']} days ({c['first_day']} to {c['last_day']}), "
      + ", ".join(f"{x['account']}/{x['region']} {x['days_covered']}/{c['required_days']}" for x in c["scopes"]))
s3 = boto3.client("s3")
md = s3.get_object(Bucket="vpcwarden-standin-data", Key=r["reports"]["markdown"])["Body"].read().decode()
html = s3.get_object(Bucket="vpcwarden-standin-data", Key=r["reports"]["html"])
open(f"{out}/idle-eips.html", "wb").write(html["Body"].read())
print(f"  the HTML report ({html['ContentType']}) copied to {out}/idle-eips.html: open it in a browser")
print()
for line in md.splitlines()[:14]:
    print("  " + line)
print(f"  … ({len(md.splitlines())} lines)")
report = json.loads(s3.get_object(Bucket="vpcwarden-standin-data", Key=r["reports"]["json"])["Body"].read())
rows = {a["allocation_id"]: a for a in report["addresses"]}
truth = json.load(open(f"{out}/gen/truth.json"))
def since(a):
    if a["idle_since_basis"] == "before_window":
        return "before_window"
    s = a.get("idle_since")
    return s.replace("+00:00", "Z") if s else None
ok = sum(1 for t in truth["addresses"]
         if (a := rows.get(t["allocation_id"])) and a["status"] == t["status"] and a["flagged"] == t["flagged"]
         and a["attachment_count"] == t["attachment_count"] and (since(a) or None) == (t["idle_since"] or None))
print(f"\n  generated addresses matching the generator's ground truth: {ok}/{len(truth['addresses'])}")
if ok != len(truth["addresses"]):
    sys.exit("ERROR: the report disagrees with the ground truth")
PYEOF

step "9b. Every public IPv4 address (not only Elastic IPs): the report the same run wrote from the snapshot's public-ipv4/ file"
"$PY" - "$OUT" <<'PYEOF'
import json, sys, boto3
r = json.load(open(f"{sys.argv[1]}/report.json"))
p = r["public_ipv4"]
print(f"  read s3://vpcwarden-standin-data/{p['snapshot_key']}; wrote " + ", ".join(p["reports"].values()))
md = boto3.client("s3").get_object(Bucket="vpcwarden-standin-data", Key=p["reports"]["markdown"])["Body"].read().decode()
for line in md.splitlines()[:9]:
    print("  " + line[:160])
if p["totals"]["addresses"] < 4:
    sys.exit("ERROR: the moto addresses (an instance's public IP, its Elastic IP, the idle ones) are missing")
PYEOF

step "9c. The report again: the event store already holds the window, so only the last days are read"
cargo lambda invoke eip-report -A 127.0.0.1 -P "$port" --data-ascii '{"source":"aws.scheduler"}' >"$OUT/report-again.json"
"$PY" - "$OUT" <<'PYEOF'
import json, sys
out = sys.argv[1]
a, b = (json.load(open(f"{out}/{n}.json")) for n in ("report", "report-again"))
sa, sb = a["engine"]["store"], b["engine"]["store"]
print(f"  {sb['days_extracted']} of {sb['days_in_window']} day folders extracted: {sb['raw_bytes_read']/1e6:.2f} MB of CloudTrail read (first run: {sa['raw_bytes_read']/1e6:.2f} MB)")
print(f"  metrics (EMF): DaysExtracted={b['metrics']['DaysExtracted']} RawBytesRead={b['metrics']['RawBytesRead']} StoreEvents={b['metrics']['StoreEvents']}")
same = a["summary"] == b["summary"]
print(f"  same summary as the first run: {same}")
if not same or sb["days_extracted"] >= sa["days_extracted"]:
    sys.exit("ERROR: the second run should read fewer days and give the same answer")
PYEOF

step "10. The same analysis from the CLI, local engine over the generated directory"
"$CLI" eip report --cloudtrail "$OUT/gen/cloudtrail" --snapshot "$OUT/gen/snapshot-latest.jsonl" --earlier "$OUT/gen/snapshot-earlier.jsonl" --now "$NOW" --format markdown 2>&1 | head -6 | sed 's/^/  /'

step "10b. The same snapshot over an empty folder (a mistyped path): nothing is flagged, every free address is unknown, and the report says why"
mkdir -p "$OUT/empty-trail"
code=0
"$CLI" eip report --cloudtrail "$OUT/empty-trail" --snapshot "$OUT/gen/snapshot-latest.jsonl" --now "$NOW" --fail-on-gaps \
    >"$OUT/empty-report.md" 2>"$OUT/empty-report.err" || code=$?
grep -v '^scanned' "$OUT/empty-report.err" | head -3 | cut -c1-200 | sed 's/^/  /'
head -6 "$OUT/empty-report.md" | cut -c1-200 | sed 's/^/  /'

echo "  exit code $code (1: the answer is incomplete, with --fail-on-gaps)"
[ "$code" = 1 ] || { echo "ERROR: expected exit 1 for a trail with gaps" >&2; exit 1; }

step "11. The Athena engine (production) for an organization trail: the generated table's partition projection, and the query with its execution parameters"
TABLE=(--cloudtrail-bucket org-trail-logs --organization-id o-a1b2c3d4e5 --accounts 111122223333,444455556666 --regions us-east-1,eu-west-1 --data-bucket vpcwarden-standin-data)
"$CLI" athena ddl "${TABLE[@]}" | awk '/^TBLPROPERTIES/ {f = 1} f {print "  " $0} f && /^\)/ {exit}'
"$CLI" athena sql "${TABLE[@]}" --from "$FROM" --to "$NOW" | sed 's/^/  /'

step "12. The sample reports in docs/examples (idle EIPs and public IPv4, every format), from fixed inputs: what a deployment writes"
cargo run -q -p vpcwarden-e2e --bin samples -- "$ROOT/docs/examples" | sed 's/^/  /'
echo
echo "Generated trail, truth and reports: $OUT"
