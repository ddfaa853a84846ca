"""`check_iam.py`, run by `make infra-lint` on both templates: each rule fails the broken form
(the one the templates had, or the one the rule exists for) and passes the fixed one. The
templates are written here by hand, in CloudFormation's documented YAML; check_iam runs as
make runs it (its own venv holds cfn-lint, whose decoder it uses).
"""

import subprocess
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv-lint" / "bin" / "python"
CHECK = ROOT / "infra" / "check_iam.py"


def run(template):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        f.write('AWSTemplateFormatVersion: "2010-09-09"\n' + template)
        f.flush()
        out = subprocess.run([str(PYTHON), str(CHECK), f.name], capture_output=True, text=True)
    return out.returncode, out.stdout


def policy(statement):
    indented = "\n".join("          " + line for line in statement.strip("\n").splitlines())
    return f"""Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
{indented}
"""


LEDGER = """- Effect: Allow
  Action: [ec2:CreateTags, ec2:DeleteTags]
  Resource: arn:aws:ec2:eu-west-1:111122223333:vpc-endpoint/*
  Condition:
    ForAllValues:StringLike:
      aws:TagKeys: ["vpcwarden:queue:*"]
"""
ASSUME = """- Effect: Allow
  Action: sts:AssumeRole
  Resource: arn:aws:iam::*:role/vpcwarden-mwaa-read
"""
DECRYPT = """- Effect: Allow
  Action: kms:Decrypt
  Resource: arn:aws:kms:eu-west-1:111122223333:key/abcd
"""


class CheckIam(unittest.TestCase):
    def assert_fails(self, template, needle):
        code, out = run(template)
        self.assertEqual(code, 1, out)
        self.assertIn(needle, out)

    def assert_passes(self, template):
        code, out = run(template)
        self.assertEqual(code, 0, out)

    def test_for_all_values_needs_a_null_guard(self):
        self.assert_fails(policy(LEDGER), 'without "Null"')
        self.assert_passes(policy(LEDGER + '    "Null":\n      aws:TagKeys: "false"\n'))

    def test_assume_role_in_any_account_needs_the_resource_organization(self):
        self.assert_fails(policy(ASSUME), "without aws:ResourceOrgID")
        self.assert_passes(policy(ASSUME + "  Condition:\n    StringEquals:\n      aws:ResourceOrgID: o-abcdefghij\n"))
        # Every branch of an Fn::If must carry it.
        either = ASSUME + (
            "  Condition: !If\n    - C\n    - StringEquals:\n        aws:ResourceOrgID: o-abcdefghij\n"
            "    - !Ref AWS::NoValue\n"
        )
        self.assert_fails(policy(either), "without aws:ResourceOrgID")
        self.assert_passes(policy(either.replace("!Ref AWS::NoValue", "StringEquals:\n        aws:ResourceAccount: '111122223333'")))

    def test_release_spares_kept_addresses_and_stays_in_its_regions(self):
        release = """- Effect: Allow
  Action: ec2:ReleaseAddress
  Resource: arn:aws:ec2:*:111122223333:elastic-ip/*
"""
        # The form the hub template had before issue 22: the keep guard, but any region.
        keep = release + '  Condition:\n    "Null":\n      aws:ResourceTag/vpcwarden:keep: "true"\n'
        self.assert_fails(policy(release), "a kept address could be released")
        self.assert_fails(policy(keep), "without an aws:RequestedRegion limit")
        self.assert_passes(policy(keep + "    StringEquals:\n      aws:RequestedRegion: [eu-west-1]\n"))

    def test_tags_on_addresses_are_limited_to_named_keys(self):
        mark = """- Effect: Allow
  Action: [ec2:CreateTags, ec2:DeleteTags]
  Resource: arn:aws:ec2:*:111122223333:elastic-ip/*
"""
        self.assert_fails(policy(mark), "without an aws:TagKeys limit")
        self.assert_passes(policy(mark + '  Condition:\n    ForAllValues:StringEquals:\n      aws:TagKeys: [vpcwarden:release-after]\n    "Null":\n      aws:TagKeys: "false"\n'))

    def test_decrypt_needs_via_service(self):
        self.assert_fails(policy(DECRYPT), "kms:Decrypt without kms:ViaService")
        self.assert_passes(policy(DECRYPT + "  Condition:\n    StringLike:\n      kms:ViaService: s3.*.amazonaws.com\n"))

    def test_a_service_principal_names_one_source(self):
        queue_policy = """Resources:
  Q:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [q]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: events.amazonaws.com }
            Action: sqs:SendMessage
            Resource: arn:aws:sqs:eu-west-1:111122223333:dlq
            Condition:
              ArnEquals:
                aws:SourceArn: arn:aws:events:eu-west-1:111122223333:rule/RULE
"""
        self.assert_fails(queue_policy.replace("RULE", "*"), "is a wildcard")
        self.assert_passes(queue_policy.replace("RULE", "stack-mwaa-status"))

    def test_an_open_bus_policy_limits_the_source(self):
        bus = """Resources:
  B:
    Type: AWS::Events::EventBusPolicy
    Properties:
      StatementId: s
      Statement:
        Effect: Allow
        Principal: "*"
        Action: events:PutEvents
        Resource: arn:aws:events:eu-west-1:111122223333:event-bus/default
        Condition:
          StringEquals:
            aws:PrincipalOrgID: o-abcdefghij
"""
        self.assert_fails(bus, "limit events:source")
        self.assert_passes(bus + "            events:source: aws.airflow\n")

    def test_an_arn_parameter_has_a_pattern(self):
        params = """Parameters:
  MwaaReaderRoleArns:
    Type: CommaDelimitedList
    Default: ""
Resources: {}
"""
        self.assert_fails(params, "Parameters.MwaaReaderRoleArns")
        self.assert_passes(params.replace('Default: ""', 'Default: ""\n    AllowedPattern: ^$|^arn:aws:iam::[0-9]{12}:role/.+$'))

    def test_the_templates_pass(self):
        for t in ("template.yaml", "member.yaml"):
            out = subprocess.run([str(PYTHON), str(CHECK), str(ROOT / "infra" / t)], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stdout)


if __name__ == "__main__":
    unittest.main()
