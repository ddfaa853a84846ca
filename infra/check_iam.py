#!/usr/bin/env python3
"""Least-privilege check of the IAM in a CloudFormation/SAM template. Exits 1
naming each offending statement or parameter:

- no mutating action is allowed on Resource "*" without a condition, unless
  the action is listed in AWS_OFFERS_NOTHING_NARROWER (and the template says
  why in a comment next to the statement); no NotAction in an Allow;
- a role that trusts an AWS principal (another account's role) requires
  aws:PrincipalOrgID, so a principal outside the organization can never
  assume it, whatever the parameters say;
- a ForAllValues: condition is guarded by "Null": {key: "false"}: ForAllValues
  holds for a request without that key (DeleteTags without tags deletes every tag);
- sts:AssumeRole on a role in any account (iam::*:) carries aws:ResourceOrgID,
  aws:ResourceOrgPaths or aws:ResourceAccount, in every branch of an Fn::If;
- an event bus policy open to a principal "*" limits events:source;
- a statement for a service principal never names a wildcard aws:SourceArn;
- kms:Decrypt carries kms:ViaService;
- ec2:ReleaseAddress (which cannot be undone) carries "Null":
  {"aws:ResourceTag/vpcwarden:keep": "true"} and an aws:RequestedRegion limit
  (in a branch of an Fn::If when the regions are a parameter that may be empty);
- ec2:CreateTags/DeleteTags on Elastic IPs is limited by aws:TagKeys;
- a parameter that takes an ARN (named *Arn or *Arns) has an AllowedPattern.
usage: check_iam.py TEMPLATE"""
import sys

from cfnlint.decode import decode

# Read-only prefixes: these never mutate.
READ_ONLY = ("Describe", "Get", "List")
# Mutating actions that support no resource-level permission or condition.
AWS_OFFERS_NOTHING_NARROWER = set()
RESOURCE_SCOPE = ("aws:ResourceOrgID", "aws:ResourceOrgPaths", "aws:ResourceAccount")


def statements(node, path):
    if isinstance(node, dict):
        if "Effect" in node and ("Action" in node or "NotAction" in node):
            yield path, node
        for k, v in node.items():
            yield from statements(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from statements(v, f"{path}[{i}]")


def as_list(v):
    return v if isinstance(v, list) else [v]


def branches(cond):
    """The condition blocks a statement may end up with: both sides of an Fn::If."""
    if isinstance(cond, dict) and "Fn::If" in cond:
        _, a, b = cond["Fn::If"]
        return branches(a) + branches(b)
    if isinstance(cond, dict) and cond.get("Ref") == "AWS::NoValue":
        return [{}]
    return [cond if isinstance(cond, dict) else {}]


def keys(block):
    """(operator, key, value) of one condition block."""
    return [(op, k, v) for op, kv in block.items() if isinstance(kv, dict) for k, v in kv.items()]


def actions(st):
    return [str(a) for a in as_list(st.get("Action", []))]


def check_statement(path, st, problems):
    if st.get("Effect") != "Allow":
        return
    if "NotAction" in st:
        problems.append(f"{path}: NotAction in an Allow grants everything else")
        return
    blocks = branches(st.get("Condition"))
    if "*" in as_list(st.get("Resource", [])) and not st.get("Condition"):
        for action in actions(st):
            name = action.split(":", 1)[-1]
            if action == "*" or (not name.startswith(READ_ONLY) and action not in AWS_OFFERS_NOTHING_NARROWER):
                problems.append(f'{path}: {action} on Resource "*" without a condition')
    for block in blocks:
        null = {k: str(v).lower() for op, k, v in keys(block) if op == "Null"}
        for op, k, _ in keys(block):
            if op.startswith("ForAllValues:") and null.get(k) != "false":
                problems.append(f'{path}: {op} {k} without "Null": {{"{k}": "false"}} also allows a request without {k}')
    if "sts:AssumeRole" in actions(st) and any("iam::*:" in str(r) for r in as_list(st.get("Resource", []))):
        for block in blocks:
            if not any(k in RESOURCE_SCOPE for _, k, _ in keys(block)):
                problems.append(f"{path}: sts:AssumeRole on a role in any account without aws:ResourceOrgID (or aws:ResourceAccount)")
    if "ec2:ReleaseAddress" in actions(st):
        for block in blocks:
            null = {k: str(v).lower() for op, k, v in keys(block) if op == "Null"}
            if null.get("aws:ResourceTag/vpcwarden:keep") != "true":
                problems.append(f'{path}: ec2:ReleaseAddress without "Null": {{"aws:ResourceTag/vpcwarden:keep": "true"}}: a kept address could be released')
        if "aws:RequestedRegion" not in str(st.get("Condition")):
            problems.append(f"{path}: ec2:ReleaseAddress without an aws:RequestedRegion limit")
    if any(a in ("ec2:CreateTags", "ec2:DeleteTags") for a in actions(st)) and any(
        "elastic-ip/" in str(r) for r in as_list(st.get("Resource", []))
    ):
        for block in blocks:
            if not any(k == "aws:TagKeys" for _, k, _ in keys(block)):
                problems.append(f"{path}: tags on Elastic IPs without an aws:TagKeys limit")
    if "kms:Decrypt" in actions(st):
        for block in blocks:
            if not any(k == "kms:ViaService" for _, k, _ in keys(block)):
                problems.append(f"{path}: kms:Decrypt without kms:ViaService")
    principal = st.get("Principal")
    if isinstance(principal, dict) and "Service" in principal:
        for block in blocks:
            for _, k, v in keys(block):
                if k == "aws:SourceArn" and "*" in str(v):
                    problems.append(f"{path}: aws:SourceArn {v} for a service principal is a wildcard; name the one resource")


def check_trust(name, res, problems):
    trust = (res.get("Properties") or {}).get("AssumeRolePolicyDocument") or {}
    for i, st in enumerate(as_list(trust.get("Statement", []))):
        principal = st.get("Principal") if isinstance(st, dict) else None
        if isinstance(principal, dict) and "AWS" in principal:
            cond = st.get("Condition") or {}
            if not any("aws:PrincipalOrgID" in (v or {}) for v in cond.values() if isinstance(v, dict)):
                problems.append(f"Resources.{name}: trust statement {i} lets an AWS principal assume the role without aws:PrincipalOrgID")


def check_bus_policy(name, res, problems):
    props = res.get("Properties") or {}
    for i, st in enumerate(as_list(props.get("Statement", []))):
        if isinstance(st, dict) and st.get("Principal") == "*":
            for block in branches(st.get("Condition")):
                if not any(k == "events:source" for _, k, _ in keys(block)):
                    problems.append(f"Resources.{name}: statement {i} lets any principal put any event; limit events:source")


def check_parameters(template, problems):
    for name, p in (template.get("Parameters") or {}).items():
        if (name.endswith("Arn") or name.endswith("Arns")) and "AllowedPattern" not in (p or {}):
            problems.append(f"Parameters.{name}: takes an ARN but has no AllowedPattern")


def check(template):
    problems = []
    count = 0
    for path, st in statements(template.get("Resources", {}), "Resources"):
        count += 1
        check_statement(path, st, problems)
    for name, res in template.get("Resources", {}).items():
        if not isinstance(res, dict):
            continue
        if res.get("Type") == "AWS::IAM::Role":
            check_trust(name, res, problems)
        if res.get("Type") == "AWS::Events::EventBusPolicy":
            check_bus_policy(name, res, problems)
    check_parameters(template, problems)
    return count, problems


def main():
    template, matches = decode(sys.argv[1])
    if template is None:
        sys.exit(f"cannot read {sys.argv[1]}: {matches}")
    count, problems = check(template)
    for p in problems:
        print(p)
    print(f"{count} IAM statements checked, {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
