#!/usr/bin/env bash
# The organization snapshot on moto: 50 accounts × 4 regions, 2 Elastic IPs
# each, read through the member role at the default account concurrency (and
# at 16 for comparison): wall time, EC2 API calls (counted by the fault proxy,
# which throttles nothing here), peak RSS.
#
# usage: FAULT_RATE=0 scripts/with-standins.sh bench/snapshot_accounts.sh VPCWARDEN_BIN
set -euo pipefail
BIN=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY="$ROOT/.venv/bin/python"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
REGIONS=us-east-1,eu-west-1,ap-southeast-2,sa-east-1
ACCOUNTS=$("$PY" - "$VPCWARDEN_MOTO_URL" "$REGIONS" <<'PYEOF'
import sys, boto3
moto, regions = sys.argv[1], sys.argv[2].split(",")
kw = dict(endpoint_url=moto, aws_access_key_id="test", aws_secret_access_key="test")
accounts = ["123456789012"] + [f"{100000000000 + i:012d}" for i in range(1, 50)]
boto3.client("s3", region_name="us-east-1", **kw).create_bucket(Bucket="bench-org-snapshots")
sts = boto3.client("sts", region_name="us-east-1", **kw)
for a in accounts:
    if a == "123456789012":
        creds = dict(aws_access_key_id="test", aws_secret_access_key="test")
    else:
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{a}:role/vpcwarden-snapshot-read", RoleSessionName="setup")["Credentials"]
        creds = dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
    for r in regions:
        ec2 = boto3.client("ec2", region_name=r, endpoint_url=moto, **creds)
        for _ in range(2):
            ec2.allocate_address(Domain="vpc")
print(",".join(accounts))
PYEOF
)
calls() { "$PY" -c 'import json,sys,urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/__faults"))["ec2_calls"])' "$VPCWARDEN_PROXY_URL"; }
for conc in 4 16; do
  before=$(calls)
  out=$(mktemp)
  # S3 straight to moto (the proxy reads bodies by Content-Length; PutObject streams).
  AWS_ENDPOINT_URL=$VPCWARDEN_PROXY_URL AWS_ENDPOINT_URL_S3=$VPCWARDEN_MOTO_URL /usr/bin/time -f '%e %M' -o "$out.time" "$BIN" eip snapshot \
    --bucket bench-org-snapshots --regions "$REGIONS" --accounts "$ACCOUNTS" --account-concurrency "$conc" >"$out" 2>"$out.err" \
    || { cat "$out.err" >&2; exit 1; }
  after=$(calls)
  read -r wall rss <"$out.time"
  "$PY" - "$out" "$conc" "$wall" "$rss" "$((after - before))" <<'PYEOF'
import json, sys
o = json.load(open(sys.argv[1]))
conc, wall, rss, calls = sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"account concurrency {conc:>2}: {wall:.2f} s, {calls} EC2 calls, peak RSS {rss/1024:.1f} MiB; "
      f"{o['addresses']} Elastic IPs, {o['public_ipv4_addresses']} public IPv4 addresses, "
      f"{o['regions_read']} account-regions read, {len(o['scope_failures'])} failures")
PYEOF
  rm -f "$out" "$out.time" "$out.err"
done
