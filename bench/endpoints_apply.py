#!/usr/bin/env python3
"""Wall time and peak RSS of one cold `vpcwarden endpoints apply` process
(release build) on a PENDING event against moto, beside a plain boto3 script
making the same EC2 calls, in the same run, alternating, each on a fresh VPC.
Run by `make bench` (under scripts/with-standins.sh, which provides moto).
usage: endpoints_apply.py VPCWARDEN_BINARY [RUNS]"""
import json
import os
import statistics
import subprocess
import sys
import time

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10
env = dict(os.environ, AWS_ENDPOINT_URL=os.environ["VPCWARDEN_MOTO_URL"], AWS_ACCESS_KEY_ID="test",
           AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
           VPCWARDEN_SETTLE_MS="0", RUST_LOG="warn")
os.environ.update({k: env[k] for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")})
sys.path.insert(0, os.path.join(ROOT, "scripts"))
ec2 = boto3.client("ec2")
out_dir = os.path.join(ROOT, ".run", "bench")
os.makedirs(out_dir, exist_ok=True)


def fresh_event(i, who):
    """A new locked-down VPC (via the demo helper's layout) and a PENDING event for it,
    in an emptied moto: moto's cost per call grows with the resources it holds, and
    both contenders should meet the same emulator."""
    import urllib.request
    urllib.request.urlopen(urllib.request.Request(env["AWS_ENDPOINT_URL"] + "/moto-api/reset", method="POST")).read()
    w = json.loads(subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "demo_world.py"), "setup"],
                                  env=env, check=True, capture_output=True, text=True).stdout)
    path = os.path.join(out_dir, f"{who}-{i}.json")
    world = os.path.join(out_dir, f"{who}-{i}-world.json")
    json.dump(w, open(world, "w"))
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "demo_world.py"), "render",
                    os.path.join(ROOT, "tests", "fixtures", "mwaa-pending-private.json"), path, world], env=env, check=True)
    ev = json.load(open(path))
    name = f"bench-{who}-{i}"
    ev["detail"]["name"] = name
    ev["detail"]["arn"] = ev["detail"]["arn"].replace("analytics-prod", name)
    ev["detail"]["celeryExecutorQueue"] = f"arn:aws:sqs:us-east-1:123456789012:airflow-celery-{name}"
    json.dump(ev, open(path, "w"))
    return path, w, ev


TIME = "/usr/bin/time"
if not os.path.exists(TIME):
    sys.exit("GNU time is needed to read a child's own peak RSS: apt-get install time")


def measure(cmd):
    """Wall time and peak RSS of one cold process. The RSS comes from GNU time,
    not from wait4 here: a child forked from this 60+ MiB Python process would
    report the parent's pages as its own peak."""
    start = time.perf_counter()
    proc = subprocess.run([TIME, "-f", "maxrss_kib=%M", *cmd], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, close_fds=False)
    wall = time.perf_counter() - start
    err = proc.stderr.decode()
    if proc.returncode != 0:
        sys.exit(f"{cmd} failed: {err}")
    kib = int(err.strip().splitlines()[-1].split("=")[1])
    return wall, kib / 1024.0


def check(w, ev):
    eps = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [w["vpc"]]}])["VpcEndpoints"]
    live = [e for e in eps if e["State"] != "deleted"]
    assert len(live) == 3, f"expected sqs + 2 endpoints, got {len(live)}"
    sqs = [e for e in live if e["VpcEndpointId"] == w["sqs"]][0]
    assert ev["detail"]["celeryExecutorQueue"] in sqs["PolicyDocument"]


results = {"vpcwarden": [], "boto3": []}
for i in range(runs):
    for who in (("vpcwarden", "boto3") if i % 2 == 0 else ("boto3", "vpcwarden")):
        path, w, ev = fresh_event(i, who)
        cmd = [binary, "endpoints", "apply", "--event", path] if who == "vpcwarden" else \
            [sys.executable, os.path.join(ROOT, "bench", "boto3_provision.py"), path]
        results[who].append(measure(cmd))
        check(w, ev)

print(f"runs: {runs} each, alternating; PENDING event, PRIVATE_ONLY (2 endpoints + policy edit); moto at {env['AWS_ENDPOINT_URL']}")
print("| process | median wall (ms) | max wall (ms) | median peak RSS (MiB) | max peak RSS (MiB) |")
print("| --- | ---: | ---: | ---: | ---: |")
for who, rs in results.items():
    walls = [r[0] * 1000 for r in rs]
    rss = [r[1] for r in rs]
    print(f"| {who} | {statistics.median(walls):.0f} | {max(walls):.0f} | {statistics.median(rss):.1f} | {max(rss):.1f} |")
mw = statistics.median(r[0] for r in results["boto3"]) / statistics.median(r[0] for r in results["vpcwarden"])
mm = statistics.median(r[1] for r in results["boto3"]) / statistics.median(r[1] for r in results["vpcwarden"])
print(f"\nboto3 / vpcwarden: wall {mw:.1f}x, memory {mm:.1f}x")
