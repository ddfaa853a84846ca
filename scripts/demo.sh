#!/usr/bin/env bash
# The main job end to end, run by `make demo` under scripts/with-standins.sh:
# a locked-down VPC in moto, a PENDING event through the Lambda (cargo lambda),
# a redelivery that changes nothing, and a DELETED event that cleans up; a
# lost PENDING (PUBLIC_AND_PRIVATE) healed by the reconciler over the MWAA
# stand-in; then the idle Elastic IP analysis (scripts/demo_eip.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/.run/demo
mkdir -p "$OUT"
export AWS_ENDPOINT_URL="$VPCWARDEN_MOTO_URL" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
PY="$ROOT/.venv/bin/python"
world() { "$PY" "$ROOT/scripts/demo_world.py" "$@"; }
port=${VPCWARDEN_LAMBDA_URL##*:}
invoke() {
  cargo lambda invoke endpoint-provisioner -A 127.0.0.1 -P "$port" --data-file "$1" >"$2"
  "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print("  action=%s created=%d existing=%d deleted=%d policy_writes=%s skipped=%s" % (r["action"], len(r["created"]), len(r["existing"]), len(r["deleted"]), [p["writes"] for p in r["policies"]], r["skipped"]))' "$2"
}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. A shared VPC in moto: two private subnets, a security group, an SQS interface endpoint locked down to listed queues (none yet)"
world setup >"$OUT/world.json"
cat "$OUT/world.json"
world show "$OUT/world.json"
world render "$ROOT/tests/fixtures/mwaa-pending-private.json" "$OUT/pending.json" "$OUT/world.json"
world render "$ROOT/tests/fixtures/mwaa-deleted.json" "$OUT/deleted.json" "$OUT/world.json"

step "2. MWAA reports analytics-prod PENDING (PRIVATE_ONLY): invoke endpoint-provisioner through cargo lambda"
invoke "$OUT/pending.json" "$OUT/report-pending.json"
world show "$OUT/world.json"
world state "$OUT/world.json" >"$OUT/state-1.json"

step "3. EventBridge redelivers the same event"
invoke "$OUT/pending.json" "$OUT/report-redelivery.json"
world state "$OUT/world.json" >"$OUT/state-2.json"
if cmp -s "$OUT/state-1.json" "$OUT/state-2.json"; then
  echo "  nothing changed: same endpoints, same policy"
else
  echo "  ERROR: the redelivery changed the VPC" >&2
  diff "$OUT/state-1.json" "$OUT/state-2.json" >&2 || true
  exit 1
fi

step "4. MWAA reports analytics-prod DELETED"
invoke "$OUT/deleted.json" "$OUT/report-deleted.json"
world show "$OUT/world.json"
"$PY" - "$OUT/world.json" <<'PYEOF'
import json, sys, boto3
w = json.load(open(sys.argv[1]))
ec2 = boto3.client("ec2")
eps = [e for e in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [w["vpc"]]}])["VpcEndpoints"] if e["State"] != "deleted"]
assert [e["VpcEndpointId"] for e in eps] == [w["sqs"]], f"endpoints left: {eps}"
assert json.loads(eps[0]["PolicyDocument"])["Statement"][0]["Resource"] == [], "queue ARN still allowed"
print("  cleaned up: only the SQS endpoint is left, and its policy lists no queue again")
PYEOF

step "5. MWAA has etl-shared PENDING (PUBLIC_AND_PRIVATE, Airflow 3.2), but its event was lost: the scheduled reconciler (same library, run once here by the CLI) heals it"
"$PY" - "$OUT/world.json" <<'PYEOF'
import json, os, sys, urllib.request
w = json.load(open(sys.argv[1]))
env = {"Name": "etl-shared", "Status": "PENDING", "EndpointManagement": "CUSTOMER",
       "WebserverAccessMode": "PUBLIC_AND_PRIVATE",
       "CeleryExecutorQueue": "arn:aws:sqs:us-east-1:123456789012:airflow-celery-etl-shared",
       "DatabaseVpcEndpointService": "com.amazonaws.vpce.us-east-1.vpce-svc-0etl5hared0db01",
       "WebserverVpcEndpointService": "com.amazonaws.vpce.us-east-1.vpce-svc-0etl5hared0web1",
       "NetworkConfiguration": {"SubnetIds": w["subnets"], "SecurityGroupIds": [w["sg"]]}}
req = urllib.request.Request(os.environ["VPCWARDEN_MWAA_URL"] + "/__env/123456789012/us-east-1/etl-shared",
                             data=json.dumps(env).encode(), method="PUT")
urllib.request.urlopen(req).read()
print("  MWAA stand-in: etl-shared is PENDING; no event reached vpcwarden")
PYEOF
VPCWARDEN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/vpcwarden"
summary() { "$PY" -c 'import json,sys; [print("  region=%s environments=%d in_sync=%d drifts=%s errors=%s" % (r["region"], r["environments"], r["in_sync"], [(d["environment"], d["kinds"], d["action"]) for d in r["drifts"]], r["errors"])) for r in json.load(open(sys.argv[1]))]' "$1"; }
"$VPCWARDEN" endpoints reconcile --region us-east-1 --dry-run >"$OUT/reconcile-dry-run.json" 2>/dev/null
echo "  dry run:"; summary "$OUT/reconcile-dry-run.json"
"$VPCWARDEN" endpoints reconcile --region us-east-1 >"$OUT/reconcile.json" 2>/dev/null
echo "  run:"; summary "$OUT/reconcile.json"
world show "$OUT/world.json"
"$VPCWARDEN" endpoints reconcile --region us-east-1 --fail-on-drift >"$OUT/reconcile-again.json" 2>/dev/null \
  || { echo "  ERROR: the second run still found drift" >&2; summary "$OUT/reconcile-again.json" >&2; exit 1; }
echo "  second run:"; summary "$OUT/reconcile-again.json"
"$PY" - "$OUT/world.json" <<'PYEOF'
import json, sys, boto3
w = json.load(open(sys.argv[1]))
eps = boto3.client("ec2").describe_vpc_endpoints(Filters=[{"Name": "tag:vpcwarden:environment", "Values": ["etl-shared"]}])["VpcEndpoints"]
roles = sorted(t["Value"] for e in eps if e["State"] != "deleted" for t in e["Tags"] if t["Key"] == "vpcwarden:role")
assert roles == ["database", "webserver"], roles
print("  healed: database and webserver endpoints (PUBLIC_AND_PRIVATE needs both); the second run found nothing to do")
PYEOF

step "5b. Two accounts, one name: participant 222222222222 also runs analytics-prod in this shared VPC (its own queue and services); both are PENDING"
world render "$ROOT/tests/fixtures/mwaa-pending-private.json" "$OUT/pending-a.json" "$OUT/world.json"
"$PY" - "$OUT/pending-a.json" "$OUT/pending-b.json" <<'PYEOF'
import json, sys
a = json.load(open(sys.argv[1]))
b = json.loads(json.dumps(a).replace("123456789012", "222222222222"))
d = b["detail"]
d["celeryExecutorQueue"] = "arn:aws:sqs:us-east-1:999988887777:airflow-celery-5e6f7a8b-participant-b"
d["databaseVpcEndpointService"] = "com.amazonaws.vpce.us-east-1.vpce-svc-0db9b8b7b6b5b4b30"
d["webserverVpcEndpointService"] = "com.amazonaws.vpce.us-east-1.vpce-svc-0we9b8b7b6b5b4b30"
b["id"] = "participant-b-pending"
json.dump(b, open(sys.argv[2], "w"))
PYEOF
invoke "$OUT/pending-a.json" "$OUT/report-pending-a.json"
invoke "$OUT/pending-b.json" "$OUT/report-pending-b.json"
world show "$OUT/world.json"

step "5c. 123456789012's analytics-prod is DELETED: the other account's analytics-prod keeps its endpoints and its queue"
world render "$ROOT/tests/fixtures/mwaa-deleted.json" "$OUT/deleted-a.json" "$OUT/world.json"
invoke "$OUT/deleted-a.json" "$OUT/report-deleted-a.json"
world show "$OUT/world.json"
"$PY" - "$OUT/world.json" <<'PYEOF'
import json, sys, boto3
w = json.load(open(sys.argv[1]))
eps = [e for e in boto3.client("ec2").describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [w["vpc"]]}])["VpcEndpoints"] if e["State"] != "deleted"]
prod = [e for e in eps if {"Key": "vpcwarden:environment", "Value": "analytics-prod"} in e.get("Tags", [])]
assert len(prod) == 2 and all({"Key": "vpcwarden:account", "Value": "222222222222"} in e["Tags"] for e in prod), prod
policy = [e for e in eps if e["VpcEndpointId"] == w["sqs"]][0]["PolicyDocument"]
assert "participant-b" in policy and "0a1b2c3d" not in policy, policy
print("  222222222222's analytics-prod: 2 endpoints and its queue, granted to its account only; 123456789012's: gone")
PYEOF

echo
echo "Reports: $OUT/report-*.json, $OUT/reconcile*.json"

"$ROOT/scripts/demo_eip.sh"
