#!/usr/bin/env python3
"""EC2 and MWAA calls and wall time of one `vpcwarden endpoints reconcile`
over 50 environments in 10 VPCs: with nothing to do (the every-30-minutes
case), and with 10 drifts (5 lost PENDINGs, 5 vanished environments).
Against moto (EC2 calls counted by the fault proxy, run with FAULT_RATE=0)
and the MWAA stand-in (its own call counter). Default settings.
Run under scripts/with-standins.sh:
  FAULT_RATE=0 scripts/with-standins.sh .venv/bin/python bench/endpoints_reconcile.py BINARY [RUNS]"""
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

import boto3

binary, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
REGION, ACCOUNT = "us-west-2", "123456789012"
MWAA = os.environ["VPCWARDEN_MWAA_URL"]
PROXY = os.environ["VPCWARDEN_PROXY_URL"]
env = dict(os.environ, AWS_ENDPOINT_URL=PROXY, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
           AWS_REGION=REGION, RUST_LOG="warn")
ec2 = boto3.client("ec2", endpoint_url=os.environ["VPCWARDEN_MOTO_URL"], region_name=REGION,
                   aws_access_key_id="test", aws_secret_access_key="test")
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "AllowMwaaCeleryQueues", "Effect": "Allow",
    "Principal": "*", "Action": ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage"], "Resource": []}]}, separators=(",", ":"))


def http(method, path, body=None):
    req = urllib.request.Request(MWAA + path, data=json.dumps(body).encode() if body else None, method=method)
    return json.loads(urllib.request.urlopen(req).read() or b"{}")


def put(name, subnets, sg):
    http("PUT", f"/__env/{ACCOUNT}/{REGION}/{name}", {
        "Name": name, "Status": "AVAILABLE", "EndpointManagement": "CUSTOMER", "WebserverAccessMode": "PRIVATE_ONLY",
        "CeleryExecutorQueue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:airflow-celery-{name}",
        "DatabaseVpcEndpointService": f"com.amazonaws.vpce.{REGION}.vpce-svc-db{abs(hash(name)) % 10**12:012d}",
        "WebserverVpcEndpointService": f"com.amazonaws.vpce.{REGION}.vpce-svc-web{abs(hash(name)) % 10**12:012d}",
        "NetworkConfiguration": {"SubnetIds": subnets, "SecurityGroupIds": [sg]}})


def counters():
    ec2_calls = json.loads(urllib.request.urlopen(PROXY + "/__faults").read())["ec2_calls"]
    m = json.loads(urllib.request.urlopen(MWAA + "/__calls").read())
    return ec2_calls, m["ListEnvironments"] + m["GetEnvironment"]


def reconcile():
    e0, m0 = counters()
    t = time.perf_counter()
    out = subprocess.run([binary, "endpoints", "reconcile", "--region", REGION], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if out.returncode != 0:
        sys.exit(f"reconcile failed ({out.returncode}): {out.stderr[-2000:]}")
    e1, m1 = counters()
    report = json.loads(out.stdout)[0]
    return wall, e1 - e0, m1 - m0, len(report["drifts"]), report["environments"]


vpcs = []
for v in range(10):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
               for i, az in enumerate("ab")]
    sg = ec2.create_security_group(VpcId=vpc, GroupName=f"mwaa-{v}", Description="mwaa")["GroupId"]
    ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface", ServiceName=f"com.amazonaws.{REGION}.sqs",
                            SubnetIds=subnets, SecurityGroupIds=[sg], PolicyDocument=POLICY)
    vpcs.append((subnets, sg))
names = [f"env{v:02d}x{e}" for v in range(10) for e in range(5)]
for i, n in enumerate(names):
    put(n, *vpcs[i // 5])
wall, e, m, d, n = reconcile()
print(f"setup: {n} environments, {d} drifts healed in {wall:.1f} s", file=sys.stderr)

rows = {"in sync": [], "10 drifts": []}
for r in range(runs):
    rows["in sync"].append(reconcile())
    # 5 lost PENDINGs (new environments, no event) and 5 vanished ones.
    for k in range(5):
        put(f"new{r}x{k}", *vpcs[k])
        http("DELETE", f"/__env/{ACCOUNT}/{REGION}/{names[k * 10 + r % 5]}")
    rows["10 drifts"].append(reconcile())
    for k in range(5):  # back to 50 live environments
        http("DELETE", f"/__env/{ACCOUNT}/{REGION}/new{r}x{k}")
        put(names[k * 10 + r % 5], *vpcs[k])
    reconcile()

print("| case | environments | drifts | EC2 calls | MWAA calls | wall time, median (min-max) |")
print("| --- | --- | --- | --- | --- | --- |")
for case, rs in rows.items():
    walls = [x[0] for x in rs]
    print(f"| {case} | {rs[0][4]} | {rs[0][3]} | {statistics.median(x[1] for x in rs):.0f} | "
          f"{statistics.median(x[2] for x in rs):.0f} | {statistics.median(walls):.2f} s "
          f"({min(walls):.2f}-{max(walls):.2f}) |")
