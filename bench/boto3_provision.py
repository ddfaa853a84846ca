#!/usr/bin/env python3
"""Baseline for BENCHMARKS.md: a plain boto3 script making the same EC2 calls
as `vpcwarden endpoints apply` does for a PENDING event (lookup, create,
ledger tag, policy read-modify-write-verify), with the same JSON work.
usage: boto3_provision.py EVENT_JSON"""
import hashlib
import json
import sys

import boto3

ev = json.load(open(sys.argv[1]))
d = ev["detail"]
env, queue = d["name"], d["celeryExecutorQueue"]
ec2 = boto3.client("ec2")
live = {"Name": "vpc-endpoint-state", "Values": ["pendingAcceptance", "pending", "available"]}

subnets = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": d["networkConfiguration"]["subnetIds"]}])["Subnets"]
vpcs = {s["VpcId"] for s in subnets}
assert len(vpcs) == 1
vpc = vpcs.pop()
sqs = []
for page in ec2.get_paginator("describe_vpc_endpoints").paginate(Filters=[
        live, {"Name": "vpc-id", "Values": [vpc]}, {"Name": "service-name", "Values": ["com.amazonaws.us-east-1.sqs"]}]):
    sqs += page["VpcEndpoints"]
sqs = sqs[0]
policy = json.loads(sqs["PolicyDocument"])

services = [("database", d["databaseVpcEndpointService"])]
if d.get("webserverAccessMode") == "PRIVATE_ONLY":
    services.append(("webserver", d["webserverVpcEndpointService"]))


def own(role):
    return ec2.describe_vpc_endpoints(Filters=[live, {"Name": "vpc-id", "Values": [vpc]},
                                              {"Name": "tag:vpcwarden:managed-by", "Values": ["vpcwarden"]},
                                              {"Name": "tag:vpcwarden:environment", "Values": [env]},
                                              {"Name": "tag:vpcwarden:role", "Values": [role]}])["VpcEndpoints"]


todo = [(r, s) for r, s in services if not own(r)]
for role, service in todo:
    token = "vpcw-" + hashlib.sha256(f"{d['arn']}|{vpc}|{role}|{service}".encode()).hexdigest()[:59]
    tags = [{"Key": "Name", "Value": f"mwaa-{env}-{role}"}, {"Key": "vpcwarden:managed-by", "Value": "vpcwarden"},
            {"Key": "vpcwarden:environment", "Value": env}, {"Key": "vpcwarden:role", "Value": role}]
    ec2.create_vpc_endpoint(VpcEndpointType="Interface", VpcId=vpc, ServiceName=service,
                            SubnetIds=d["networkConfiguration"]["subnetIds"],
                            SecurityGroupIds=d["networkConfiguration"]["securityGroupIds"], PrivateDnsEnabled=False,
                            ClientToken=token, TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": tags}])
for role, _ in services:
    own(role)
ec2.create_tags(Resources=[sqs["VpcEndpointId"]], Tags=[{"Key": f"vpcwarden:queue:{env}", "Value": queue}])
current = ec2.describe_vpc_endpoints(VpcEndpointIds=[sqs["VpcEndpointId"]])["VpcEndpoints"][0]
policy = json.loads(current["PolicyDocument"])
stmts = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
for s in stmts:
    if s.get("Effect") == "Allow" and "Condition" not in s:
        res = s.get("Resource", [])
        s["Resource"] = (res if isinstance(res, list) else [res]) + [queue]
        break
ec2.modify_vpc_endpoint(VpcEndpointId=sqs["VpcEndpointId"], PolicyDocument=json.dumps(policy, separators=(",", ":")))
ec2.describe_vpc_endpoints(VpcEndpointIds=[sqs["VpcEndpointId"]])
print(json.dumps({"created": len(todo)}))
