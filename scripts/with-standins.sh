#!/usr/bin/env bash
# Starts the local stand-ins — moto (AWS emulator), a fault-injecting proxy in
# front of it, and `cargo lambda watch` serving our functions against moto —
# runs the given command with their addresses exported, then stops exactly the
# processes it started, by process group, also on failure or Ctrl-C.
#
# Exports: VPCWARDEN_MOTO_URL, VPCWARDEN_PROXY_URL, VPCWARDEN_MWAA_URL,
# VPCWARDEN_LAMBDA_URL, and AWS_ENDPOINT_URL_MWAA (the SDK's per-service
# endpoint variable) pointing the real aws-sdk-mwaa client at the MWAA stand-in.
# The endpoint-reconciler function reconciles $VPCWARDEN_RECONCILE_REGION only
# (default ap-northeast-3), so that it never meets other tests' environments.
# The EIP functions run with the stand-in configuration below (local engine
# over s3://vpcwarden-standin-trail/, data bucket vpcwarden-standin-data).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
RUN=$ROOT/.run
mkdir -p "$RUN"
PY="$VENV/bin/python"
export PATH="$VENV/bin:$PATH"

pgids=()
stop_all() {
  for g in "${pgids[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
  for g in "${pgids[@]}"; do
    for _ in $(seq 1 50); do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$g" 2>/dev/null || true
  done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

moto_port=$("$PY" "$ROOT/scripts/free_port.py")
setsid "$VENV/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$RUN/moto.log" 2>&1 &
pgids+=($!)
export VPCWARDEN_MOTO_URL="http://127.0.0.1:$moto_port"
"$PY" "$ROOT/scripts/wait_http.py" "$VPCWARDEN_MOTO_URL/moto-api/" 30

proxy_port=$("$PY" "$ROOT/scripts/free_port.py")
setsid "$PY" "$ROOT/scripts/fault_proxy.py" "$proxy_port" "$VPCWARDEN_MOTO_URL" "${FAULT_RATE:-0.1}" >"$RUN/proxy.log" 2>&1 &
pgids+=($!)
export VPCWARDEN_PROXY_URL="http://127.0.0.1:$proxy_port"
"$PY" "$ROOT/scripts/wait_http.py" "$VPCWARDEN_PROXY_URL/__faults" 30

mwaa_port=$("$PY" "$ROOT/scripts/free_port.py")
setsid "$PY" "$ROOT/scripts/mwaa_standin.py" "$mwaa_port" "$VPCWARDEN_MOTO_URL" >"$RUN/mwaa.log" 2>&1 &
pgids+=($!)
export VPCWARDEN_MWAA_URL="http://127.0.0.1:$mwaa_port"
# MWAA's operations carry the host prefix `api.`, which the SDK applies to a
# custom endpoint too; with a user-info part it lands before the `@`
# (../shared/MWAA-FACTS.md). Production endpoints keep the prefix.
export AWS_ENDPOINT_URL_MWAA="http://mwaa@127.0.0.1:$mwaa_port"
"$PY" "$ROOT/scripts/wait_http.py" "$VPCWARDEN_MWAA_URL/__calls" 30
export VPCWARDEN_RECONCILE_REGION=${VPCWARDEN_RECONCILE_REGION:-ap-northeast-3}

lambda_port=$("$PY" "$ROOT/scripts/free_port.py")
(
  cd "$ROOT"
  export AWS_ENDPOINT_URL="$VPCWARDEN_MOTO_URL" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  export AWS_REGION="${AWS_REGION:-us-east-1}" VPCWARDEN_SETTLE_MS="${VPCWARDEN_SETTLE_MS:-150}"
  # The EIP functions read their configuration at start, as in Lambda: the
  # stand-in buckets and topic are created by whoever uses them (tests, demo).
  export VPCWARDEN_BUCKET=vpcwarden-standin-data VPCWARDEN_ENGINE=local \
    VPCWARDEN_CLOUDTRAIL_URI=s3://vpcwarden-standin-trail/ VPCWARDEN_RELEASE=dry-run \
    VPCWARDEN_SNS_TOPIC_ARN=arn:aws:sns:us-east-1:123456789012:vpcwarden-standin-reports \
    VPCWARDEN_RECONCILE_REGIONS="$VPCWARDEN_RECONCILE_REGION"
  exec setsid cargo lambda watch -A 127.0.0.1 -P "$lambda_port" --ignore-changes --concurrency 24 >"$RUN/watch.log" 2>&1
) &
pgids+=($!)
export VPCWARDEN_LAMBDA_URL="http://127.0.0.1:$lambda_port"
"$PY" "$ROOT/scripts/wait_http.py" "$VPCWARDEN_LAMBDA_URL/" 60

# The first invocation builds the function if needed; do it now, not inside a test's time.
# A status unknown to vpcwarden: nothing is read or changed.
"$PY" - "$VPCWARDEN_LAMBDA_URL" <<'PYEOF'
import json, sys, urllib.request
ev = {"version": "0", "id": "warm-up", "source": "aws.airflow", "detail-type": "MWAA Environment Status Change",
      "account": "123456789012", "region": "us-east-1", "resources": [], "detail": {"name": "warmup", "status": "VPCWARDEN_WARM_UP"}}
req = urllib.request.Request(sys.argv[1] + "/2015-03-31/functions/endpoint-provisioner/invocations",
                             data=json.dumps(ev).encode(), headers={"Content-Type": "application/json"})
body = urllib.request.urlopen(req, timeout=900).read().decode()
if '"ignore"' not in body:
    sys.exit("warm-up invocation failed: " + body)
PYEOF

echo "stand-ins: moto $VPCWARDEN_MOTO_URL, fault proxy $VPCWARDEN_PROXY_URL, lambda $VPCWARDEN_LAMBDA_URL" >&2
"$@"
