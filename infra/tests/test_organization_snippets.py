"""The log-archive statements in docs/organization.md (what a person adds to the trail bucket's
policy and its KMS key's policy) are valid JSON and least-privilege: read-only actions, the
trail's AWSLogs/ only, listing limited by s3:prefix, Decrypt only through S3, a named role as
principal. A widened statement fails the same checks (shown below)."""

import json
import re
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def snippets():
    text = (ROOT / "docs" / "organization.md").read_text()
    blocks = re.findall(r"```json\n(.*?)```", text, re.S)
    return [s for b in blocks for s in json.loads("[" + b + "]")]


def problems(statements):
    out = []
    for st in statements:
        sid = st.get("Sid", "?")
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        if st.get("Effect") != "Allow":
            out.append(f"{sid}: not an Allow")
        principal = (st.get("Principal") or {}).get("AWS", "")
        if ":role/" not in principal:
            out.append(f"{sid}: principal is not one role")
        for a in actions:
            if a.endswith("*") or a.split(":")[1].startswith(("Put", "Delete", "Create")):
                out.append(f"{sid}: {a} is not read-only")
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        if "s3:GetObject" in actions and not all(r.endswith("AWSLogs/*") for r in resources):
            out.append(f"{sid}: GetObject beyond AWSLogs/")
        if "s3:ListBucket" in actions:
            prefixes = ((st.get("Condition") or {}).get("StringLike") or {}).get("s3:prefix", [])
            if not prefixes or not all(p.endswith("AWSLogs/*") for p in prefixes):
                out.append(f"{sid}: ListBucket not limited to AWSLogs/ by s3:prefix")
        if "kms:Decrypt" in actions:
            via = ((st.get("Condition") or {}).get("StringLike") or {}).get("kms:ViaService", "")
            if not via.startswith("s3."):
                out.append(f"{sid}: kms:Decrypt not limited to S3 by kms:ViaService")
    return out


class OrganizationSnippets(unittest.TestCase):
    def test_the_documented_statements_are_least_privilege(self):
        sts = snippets()
        self.assertEqual({s["Sid"] for s in sts}, {"VpcwardenReadTrail", "VpcwardenListTrail", "VpcwardenDecryptTrailThroughS3"})
        self.assertEqual(problems(sts), [])

    def test_a_widened_statement_fails(self):
        sts = snippets()
        wide = [dict(s) for s in sts]
        wide[0]["Resource"] = "arn:aws:s3:::<trail-bucket>/*"
        wide[1] = dict(wide[1], Condition={})
        wide[2] = dict(wide[2], Condition={})
        self.assertEqual(len(problems(wide)), 3, problems(wide))


if __name__ == "__main__":
    unittest.main()
