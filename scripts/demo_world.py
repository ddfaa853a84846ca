#!/usr/bin/env python3
"""Demo helper (boto3 against moto): lays out a realistic locked-down VPC,
fills event templates, and prints what the demo shows.

  demo_world.py setup                 -> JSON ids of the VPC it created
  demo_world.py render TEMPLATE OUT WORLD_JSON
  demo_world.py show WORLD_JSON       -> endpoints of the VPC and the SQS policy
  demo_world.py state WORLD_JSON      -> a stable dump for before/after comparison
"""
import datetime
import json
import re
import sys

import boto3

ec2 = boto3.client("ec2")

LOCKED_DOWN = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "AllowMwaaCeleryQueues",
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                   "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage"],
        "Resource": [],
    }],
}


def setup():
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "shared-vpc"}])
    subnets = []
    for i, az in enumerate(["us-east-1a", "us-east-1b"]):
        s = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i + 1}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
        ec2.create_tags(Resources=[s], Tags=[{"Key": "Name", "Value": f"private-{az}"}])
        subnets.append(s)
    sg = ec2.create_security_group(VpcId=vpc, GroupName="mwaa-analytics-prod", Description="MWAA")["GroupId"]
    sqs = ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.sqs",
                                  SubnetIds=subnets, SecurityGroupIds=[sg],
                                  PolicyDocument=json.dumps(LOCKED_DOWN, separators=(",", ":")))["VpcEndpoint"]["VpcEndpointId"]
    print(json.dumps({"vpc": vpc, "subnets": subnets, "sg": sg, "sqs": sqs}))


def render(template, out, world):
    w = json.load(open(world))
    text = open(template).read().replace("SUBNET_A", w["subnets"][0]).replace("SUBNET_B", w["subnets"][1])
    # Emitted now: an event older than the tool's last action for its
    # environment is stale (the fixtures' own times are in the past).
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = re.sub(r'"time": "[^"]*"', '"time": "%s"' % now, text)
    open(out, "w").write(text.replace("SECURITY_GROUP", w["sg"]))


def endpoints(vpc):
    eps = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
    return sorted((e for e in eps if e["State"] != "deleted"), key=lambda e: e["VpcEndpointId"])


def show(world):
    w = json.load(open(world))
    for e in endpoints(w["vpc"]):
        tags = {t["Key"]: t["Value"] for t in e.get("Tags", [])}
        print(f"  {e['VpcEndpointId']}  {e['State']:<9}  {e['ServiceName']:<58}  {tags.get('Name', '')}")
    sqs = [e for e in endpoints(w["vpc"]) if e["VpcEndpointId"] == w["sqs"]][0]
    print("  SQS endpoint policy:")
    print("    " + json.dumps(json.loads(sqs["PolicyDocument"]), indent=2).replace("\n", "\n    "))


def state(world):
    w = json.load(open(world))
    dump = [{"id": e["VpcEndpointId"], "service": e["ServiceName"], "policy": e.get("PolicyDocument"),
             "tags": sorted((t["Key"], t["Value"]) for t in e.get("Tags", []))} for e in endpoints(w["vpc"])]
    print(json.dumps(dump, sort_keys=True))


if __name__ == "__main__":
    cmd = sys.argv[1]
    {"setup": lambda: setup(), "render": lambda: render(*sys.argv[2:5]),
     "show": lambda: show(sys.argv[2]), "state": lambda: state(sys.argv[2])}[cmd]()
