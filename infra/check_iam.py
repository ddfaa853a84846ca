#!/usr/bin/env python3
"""Least-privilege check of the IAM in a CloudFormation/SAM template: no
mutating action is allowed on Resource "*" without a condition, unless the
action is listed in AWS_OFFERS_NOTHING_NARROWER (and the template says why
in a comment next to the statement). Exits 1 naming each offending statement.
A role that trusts an AWS principal (another account's role) must also
require aws:PrincipalOrgID, so a principal outside the organization can never
assume it, whatever the parameters say.
usage: check_iam.py TEMPLATE"""
import sys

from cfnlint.decode import decode

# Read-only prefixes: these never mutate.
READ_ONLY = ("Describe", "Get", "List")
# Mutating actions that support no resource-level permission or condition.
AWS_OFFERS_NOTHING_NARROWER = set()


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


def main():
    template, matches = decode(sys.argv[1])
    if template is None:
        sys.exit(f"cannot read {sys.argv[1]}: {matches}")
    problems = []
    count = 0
    for path, st in statements(template.get("Resources", {}), "Resources"):
        count += 1
        if st.get("Effect") != "Allow":
            continue
        if "NotAction" in st:
            problems.append(f"{path}: NotAction in an Allow grants everything else")
            continue
        if "*" not in as_list(st.get("Resource", [])) or st.get("Condition"):
            continue
        for action in as_list(st["Action"]):
            name = str(action).split(":", 1)[-1]
            if action == "*" or (not name.startswith(READ_ONLY) and action not in AWS_OFFERS_NOTHING_NARROWER):
                problems.append(f'{path}: {action} on Resource "*" without a condition')
    for name, res in template.get("Resources", {}).items():
        if not isinstance(res, dict) or res.get("Type") != "AWS::IAM::Role":
            continue
        trust = (res.get("Properties") or {}).get("AssumeRolePolicyDocument") or {}
        for i, st in enumerate(as_list(trust.get("Statement", []))):
            principal = st.get("Principal") if isinstance(st, dict) else None
            if isinstance(principal, dict) and "AWS" in principal:
                cond = st.get("Condition") or {}
                if not any("aws:PrincipalOrgID" in (v or {}) for v in cond.values() if isinstance(v, dict)):
                    problems.append(f"Resources.{name}: trust statement {i} lets an AWS principal assume the role without aws:PrincipalOrgID")
    for p in problems:
        print(p)
    print(f"{count} IAM statements checked, {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
