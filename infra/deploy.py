#!/usr/bin/env python3
"""Deployment helpers behind `make deploy` and `make deploy-member` (boto3 only).

  deploy.py hub-next  --config infra/samconfig.toml
      After the hub stack is deployed: read its outputs and parameters and print the
      `make deploy-member ...` line that deploys infra/member.yaml with matching values.

  deploy.py check-build infra/.aws-sam/build/template.yaml
      After `sam build`: every function's CodeUri is a zip that exists and holds an executable
      `bootstrap` for arm64 Linux (sam build itself passes a missing zip through).

  deploy.py member --organization-id o-... [--snapshot-role-arn ARN] [--mwaa-reader-role-arns A,B]
                   [--event-bus-arn ARN] [--snapshot-role-name N] [--mwaa-read-role-name N]
                   (--ous ou-...,ou-... [--call-as SELF|DELEGATED_ADMIN] | --stack-name NAME)
                   --region R
      With --ous: a CloudFormation StackSet with service-managed permissions over those OUs
      (automatic deployment to accounts that join them later), run with the management
      account's or a delegated administrator's credentials. Without: one stack in the account
      of the current credentials. Every value is checked before the first AWS call: a bad one
      names its field and nothing is created.
"""

import argparse
import re
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import boto3
from botocore.exceptions import ClientError, WaiterError

HERE = Path(__file__).resolve().parent
MEMBER_TEMPLATE = HERE / "member.yaml"

# The same patterns as member.yaml's AllowedPattern (and AWS's documented id formats), so
# bad input is refused here, before any AWS call, with the field's name.
PATTERNS = {
    "organization-id": r"^o-[a-z0-9]{10,32}$",
    "role-arn": r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$",
    "event-bus-arn": r"^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]+$",
    "role-name": r"^[A-Za-z0-9+=,.@_-]{1,64}$",
    "ou": r"^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$",
    "region": r"^[a-z]{2}(-[a-z]+)+-[0-9]$",
    "stack-name": r"^[A-Za-z][A-Za-z0-9-]{0,127}$",
}

OPERATION_DONE = {"SUCCEEDED", "FAILED", "STOPPED"}


class InputError(Exception):
    pass


def check(field, value, kind):
    if not re.match(PATTERNS[kind], value):
        raise InputError(f"{field}: {value!r} is not a valid {kind} ({PATTERNS[kind]})")
    return value


def split_list(value):
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def member_parameters(args):
    """The member template's parameters, every value checked."""
    params = {"OrganizationId": check("--organization-id", args.organization_id, "organization-id")}
    if args.snapshot_role_arn:
        params["SnapshotFunctionRoleArn"] = check("--snapshot-role-arn", args.snapshot_role_arn, "role-arn")
    readers = split_list(args.mwaa_reader_role_arns)
    for arn in readers:
        check("--mwaa-reader-role-arns", arn, "role-arn")
    if readers:
        params["MwaaReaderRoleArns"] = ",".join(readers)
    if args.event_bus_arn:
        params["ForwardToEventBusArn"] = check("--event-bus-arn", args.event_bus_arn, "event-bus-arn")
    if args.snapshot_role_name:
        params["SnapshotRoleName"] = check("--snapshot-role-name", args.snapshot_role_name, "role-name")
    if getattr(args, "release_role_arn", ""):
        params["ReleaseFunctionRoleArn"] = check("--release-role-arn", args.release_role_arn, "role-arn")
    if getattr(args, "release_role_name", ""):
        params["ReleaseRoleName"] = check("--release-role-name", args.release_role_name, "role-name")
    regions = split_list(getattr(args, "release_regions", ""))
    for r in regions:
        if not re.match(r"^[a-z]{2}(-[a-z]+)+-[0-9]$", r):
            raise InputError(f"--release-regions: {r!r} is not a region name")
    if regions:
        params["ReleaseRegions"] = ",".join(regions)
    if args.mwaa_read_role_name:
        params["MwaaReadRoleName"] = check("--mwaa-read-role-name", args.mwaa_read_role_name, "role-name")
    if not any(k in params for k in ("SnapshotFunctionRoleArn", "MwaaReaderRoleArns", "ForwardToEventBusArn", "ReleaseFunctionRoleArn")):
        raise InputError(
            "nothing to deploy: give at least one of --snapshot-role-arn, --mwaa-reader-role-arns, "
            "--event-bus-arn, --release-role-arn (`make deploy` prints them from the hub stack)"
        )
    return params


def cfn_parameters(params):
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()]


def wait_operation(cf, name, operation_id, call_as, timeout_s=3600):
    deadline = time.monotonic() + timeout_s
    while True:
        op = cf.describe_stack_set_operation(
            StackSetName=name, OperationId=operation_id, CallAs=call_as
        )["StackSetOperation"]
        if op["Status"] in OPERATION_DONE:
            return op
        if time.monotonic() > deadline:
            raise TimeoutError(f"StackSet operation {operation_id} still {op['Status']} after {timeout_s} s")
        time.sleep(10)


def deploy_stack_set(cf, name, params, ous, region, call_as):
    body = MEMBER_TEMPLATE.read_text()
    common = {
        "StackSetName": name,
        "TemplateBody": body,
        "Parameters": cfn_parameters(params),
        # The roles have fixed names (the hub assumes them by name in every account).
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "CallAs": call_as,
    }
    targets = {"OrganizationalUnitIds": ous}
    # One region: the roles are global, and MWAA environments in the hub's shared VPCs live in
    # the VPC's region, where the forwarding rule must be.
    preferences = {"FailureTolerancePercentage": 100, "MaxConcurrentPercentage": 25}
    try:
        cf.describe_stack_set(StackSetName=name, CallAs=call_as)
        exists = True
    except ClientError as e:
        if e.response["Error"]["Code"] != "StackSetNotFoundException":
            raise
        exists = False
    if exists:
        op_id = cf.update_stack_set(
            **common, DeploymentTargets=targets, Regions=[region], OperationPreferences=preferences
        )["OperationId"]
        report_operation(cf, name, wait_operation(cf, name, op_id, call_as), "update")
    else:
        cf.create_stack_set(
            **common,
            PermissionModel="SERVICE_MANAGED",
            # Accounts that join these OUs later get the roles; leaving removes them.
            AutoDeployment={"Enabled": True, "RetainStacksOnAccountRemoval": False},
        )
        print(f"created StackSet {name}")
    # Idempotent: accounts that already have an instance are left as they are.
    op_id = cf.create_stack_instances(
        StackSetName=name,
        DeploymentTargets=targets,
        Regions=[region],
        OperationPreferences=preferences,
        CallAs=call_as,
    )["OperationId"]
    report_operation(cf, name, wait_operation(cf, name, op_id, call_as), "instances")
    return summarise_instances(cf, name, call_as)


def report_operation(cf, name, op, what):
    print(f"StackSet {name}: {what} operation {op['OperationId']} {op['Status']}")


def summarise_instances(cf, name, call_as):
    failed = 0
    paginator = cf.get_paginator("list_stack_instances")
    rows = []
    for page in paginator.paginate(StackSetName=name, CallAs=call_as):
        for inst in page["Summaries"]:
            status = inst.get("StackInstanceStatus", {}).get("DetailedStatus", inst.get("Status"))
            rows.append((inst["Account"], inst["Region"], status, inst.get("StatusReason", "")))
    for account, region, status, reason in sorted(rows):
        print(f"  {account} {region} {status} {reason}".rstrip())
        if status not in ("SUCCEEDED", "CURRENT"):
            failed += 1
    print(f"{len(rows)} account(s), {failed} not deployed")
    return 1 if failed else 0


def deploy_stack(cf, name, params):
    """One stack in the current account: a change set, executed only if it changes something."""
    try:
        status = cf.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        if status == "ROLLBACK_COMPLETE":
            raise InputError(
                f"stack {name} is ROLLBACK_COMPLETE (its creation failed; see its events): "
                "delete it, then run this again"
            )
        change_type = "UPDATE"
    except ClientError as e:
        if "does not exist" not in e.response["Error"]["Message"]:
            raise
        change_type = "CREATE"
    cs_name = f"vpcwarden-{int(time.time())}"
    cf.create_change_set(
        StackName=name,
        ChangeSetName=cs_name,
        ChangeSetType=change_type,
        TemplateBody=MEMBER_TEMPLATE.read_text(),
        Parameters=cfn_parameters(params),
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    try:
        cf.get_waiter("change_set_create_complete").wait(
            StackName=name, ChangeSetName=cs_name, WaiterConfig={"Delay": 5}
        )
    except WaiterError:
        cs = cf.describe_change_set(StackName=name, ChangeSetName=cs_name)
        reason = cs.get("StatusReason", "")
        if "didn't contain changes" in reason or "No updates" in reason:
            cf.delete_change_set(StackName=name, ChangeSetName=cs_name)
            print(f"stack {name}: no changes")
            return 0
        raise
    cf.execute_change_set(StackName=name, ChangeSetName=cs_name)
    waiter = "stack_create_complete" if change_type == "CREATE" else "stack_update_complete"
    cf.get_waiter(waiter).wait(StackName=name, WaiterConfig={"Delay": 5})
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    print(f"stack {name}: {stack['StackStatus']}")
    for out in stack.get("Outputs", []):
        print(f"  {out['OutputKey']} = {out['OutputValue']}")
    return 0


def hub_next(args):
    if not Path(args.config).is_file():
        raise InputError(f"{args.config}: not found (run `make deploy` first; its guided run writes it)")
    config = tomllib.loads(Path(args.config).read_text())
    deploy = config.get(args.config_env, {}).get("deploy", {}).get("parameters", {})
    if "stack_name" not in deploy:
        raise InputError(f"{args.config}: no [{args.config_env}.deploy.parameters] stack_name (run `make deploy` first)")
    session = boto3.session.Session(region_name=deploy.get("region"))
    stack = session.client("cloudformation").describe_stacks(StackName=deploy["stack_name"])["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    params = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    org = params.get("ForwardingOrganizationId") or params.get("OrganizationId") or "o-REPLACE"
    line = [
        "make deploy-member",
        f"ORGANIZATION_ID={org}",
        f"REGION={session.region_name}",
        f"SNAPSHOT_ROLE_ARN={outputs.get('SnapshotFunctionRoleArn', '')}",
    ]
    if outputs.get("MwaaReaderRoleArns") and params.get("MwaaReadRoleName"):
        line += [
            f"MWAA_READER_ROLE_ARNS={outputs['MwaaReaderRoleArns']}",
            f"MWAA_READ_ROLE_NAME={params['MwaaReadRoleName']}",
        ]
    if outputs.get("EventBusArn"):
        line.append(f"EVENT_BUS_ARN={outputs['EventBusArn']}")
    if params.get("SnapshotRoleName"):
        line.append(f"SNAPSHOT_ROLE_NAME={params['SnapshotRoleName']}")
    # Opt-in: members that allow releases add this (docs/releasing.md).
    if outputs.get("ReleaseFunctionRoleArn"):
        line.append(f"RELEASE_ROLE_ARN={outputs['ReleaseFunctionRoleArn']}")
        if params.get("ReleaseRoleName"):
            line.append(f"RELEASE_ROLE_NAME={params['ReleaseRoleName']}")
    line.append("MEMBER_OUS=ou-…  # or leave out for a stack in the current account")
    print("Member accounts: with the management account's (or a StackSet delegated administrator's) credentials, run")
    print("  " + " ".join(line))
    return 0


def member(args):
    params = member_parameters(args)
    region = check("--region", args.region, "region")
    ous = split_list(args.ous)
    for ou in ous:
        check("--ous", ou, "ou")
    if args.call_as not in ("SELF", "DELEGATED_ADMIN"):
        raise InputError(f"--call-as: {args.call_as!r} is not SELF or DELEGATED_ADMIN")
    name = check("--stack-name", args.stack_name, "stack-name")
    cf = boto3.session.Session(region_name=region).client("cloudformation")
    if ous:
        return deploy_stack_set(cf, name, params, ous, region, args.call_as)
    return deploy_stack(cf, name, params)


ELF_AARCH64 = 0xB7


def check_build(args):
    built = Path(args.template)
    text = built.read_text()
    uris = re.findall(r"^\s+CodeUri:\s*(\S+)\s*$", text, re.MULTILINE)
    functions = len(re.findall(r"^\s+Type:\s*AWS::Serverless::Function\s*$", text, re.MULTILINE))
    problems = []
    if len(uris) != functions:
        problems.append(f"{functions} functions but {len(uris)} CodeUri")
    for uri in uris:
        path = (built.parent / uri).resolve()
        if not uri.endswith(".zip"):
            problems.append(f"{uri}: not a prebuilt zip (sam build would compile it)")
        elif not path.is_file():
            problems.append(f"{uri}: missing (run `make package`)")
        else:
            with zipfile.ZipFile(path) as z:
                try:
                    info = z.getinfo("bootstrap")
                except KeyError:
                    problems.append(f"{uri}: no bootstrap inside")
                    continue
                head = z.read("bootstrap")[:20]
                mode = info.external_attr >> 16
                if head[:4] != b"\x7fELF" or int.from_bytes(head[18:20], "little") != ELF_AARCH64:
                    problems.append(f"{uri}: bootstrap is not an arm64 ELF executable")
                if not mode & 0o111:
                    problems.append(f"{uri}: bootstrap is not executable (mode {oct(mode)})")
                print(f"{uri}: bootstrap arm64, {info.file_size} bytes, zip {path.stat().st_size} bytes")
    for p in problems:
        print(f"deploy-check: {p}", file=sys.stderr)
    return 1 if problems else 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    nxt = sub.add_parser("hub-next", help="print the deploy-member line from the hub stack")
    nxt.add_argument("--config", default=str(HERE / "samconfig.toml"))
    nxt.add_argument("--config-env", default="default")
    chk = sub.add_parser("check-build", help="check the functions' artifacts in the built template")
    chk.add_argument("template")
    mem = sub.add_parser("member", help="deploy infra/member.yaml (StackSet over OUs, or one stack)")
    mem.add_argument("--organization-id", required=True)
    mem.add_argument("--snapshot-role-arn", default="")
    mem.add_argument("--mwaa-reader-role-arns", default="")
    mem.add_argument("--event-bus-arn", default="")
    mem.add_argument("--snapshot-role-name", default="")
    mem.add_argument("--mwaa-read-role-name", default="")
    mem.add_argument("--release-role-arn", default="")
    mem.add_argument("--release-role-name", default="")
    mem.add_argument("--release-regions", default="")
    mem.add_argument("--ous", default="")
    mem.add_argument("--call-as", default="SELF")
    mem.add_argument("--stack-name", default="vpcwarden-member")
    mem.add_argument("--region", required=True)
    args = parser.parse_args(argv)
    try:
        command = {"hub-next": hub_next, "check-build": check_build, "member": member}[args.command]
        return command(args)
    except InputError as e:
        print(f"deploy: {e}", file=sys.stderr)
        return 2
    except ClientError as e:
        err = e.response["Error"]
        print(f"deploy: {e.operation_name}: {err.get('Code')}: {err.get('Message')}", file=sys.stderr)
        return 1
    except (WaiterError, TimeoutError) as e:
        print(f"deploy: {e} (the stack's or StackSet operation's events say why)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
