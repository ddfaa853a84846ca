"""`make deploy-member` against moto (scripts/with-standins.sh exports VPCWARDEN_MOTO_URL).

An organization with a management account, two OUs and three member accounts is made in moto;
`make deploy-member` runs as a user would (a plain shell, the management account's credentials,
AWS_ENDPOINT_URL at moto). moto deploys a service-managed StackSet's instances into the OUs'
accounts, so the roles are looked up in each member account, where the hub assumes them.
"""

import json
import os
import re
import shlex
import subprocess
import tempfile
import unittest
import uuid
from pathlib import Path

import sys

import boto3
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[2]
MOTO = os.environ.get("VPCWARDEN_MOTO_URL")
REGION = "us-east-1"
HUB = "111100000001"
HUB_SNAPSHOT_ROLE = f"arn:aws:iam::{HUB}:role/vpcwarden-hub-EipSnapshotFunctionRole-ABC"
HUB_READERS = (
    f"arn:aws:iam::{HUB}:role/vpcwarden-hub-EndpointProvisionerFunctionRole-A,"
    f"arn:aws:iam::{HUB}:role/vpcwarden-hub-EndpointReconcilerFunctionRole-B"
)
HUB_BUS = f"arn:aws:events:{REGION}:{HUB}:event-bus/default"
HUB_REPORT_ROLE = f"arn:aws:iam::{HUB}:role/vpcwarden-hub-EipReportFunctionRole-DEF"


def session_in(account):
    """moto switches account through sts:AssumeRole (any role name is accepted)."""
    sts = boto3.client("sts", endpoint_url=MOTO, region_name=REGION,
                       aws_access_key_id="test", aws_secret_access_key="test")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/admin", RoleSessionName="deploy-test")["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"],
    }


def client(service, creds):
    return boto3.client(service, endpoint_url=MOTO, region_name=REGION,
                        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
                        aws_session_token=creds["AWS_SESSION_TOKEN"])


def as_doc(doc):
    """A policy document as moto hands it back: a dict, JSON text, or (inline policies of a
    stack's role) the Python form of the dict."""
    if not isinstance(doc, str):
        return doc
    try:
        return json.loads(doc)
    except json.JSONDecodeError:
        import ast
        return ast.literal_eval(doc)


def new_account(first_digit):
    """A fresh 12-digit account id, so no other test's moto state is shared."""
    return first_digit + str(uuid.uuid4().int)[:11]


def make_organization(first_digit, placement):
    """A management account of its own with an organization, one OU per name in `placement`
    and one member account per entry (the OU's name). Returns (management credentials,
    organization id, {OU name: OU id}, member account ids in the order of `placement`)."""
    mgmt = session_in(new_account(first_digit))
    org = client("organizations", mgmt)
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root = org.list_roots()["Roots"][0]["Id"]
    ous = {name: org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
           for name in dict.fromkeys(placement)}
    members = []
    for i, name in enumerate(placement):
        status = org.create_account(Email=f"m{i}@example.com", AccountName=f"member-{i}")["CreateAccountStatus"]
        org.move_account(AccountId=status["AccountId"], SourceParentId=root, DestinationParentId=ous[name])
        members.append(status["AccountId"])
    return mgmt, org_id, ous, members


def make_member(creds, **params):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(creds)
    env.update({"AWS_ENDPOINT_URL": MOTO, "AWS_REGION": REGION})
    args = ["make", "--no-print-directory", "deploy-member"] + [f"{k}={v}" for k, v in params.items()]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@unittest.skipUnless(MOTO, "needs moto: run through scripts/with-standins.sh (make test does)")
class DeployMember(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mgmt, cls.org_id, ous, cls.members = make_organization("9", ["workloads", "workloads", "analytics"])
        cls.ous = [ous["workloads"], ous["analytics"]]

    def member_params(self, **extra):
        params = {
            "ORGANIZATION_ID": self.org_id,
            "SNAPSHOT_ROLE_ARN": HUB_SNAPSHOT_ROLE,
            "MWAA_READER_ROLE_ARNS": HUB_READERS,
            "MWAA_READ_ROLE_NAME": "vpcwarden-mwaa-read",
            "EVENT_BUS_ARN": HUB_BUS,
            "REGION": REGION,
        }
        params.update(extra)
        return params

    def test_stack_set_over_ous_gives_every_member_the_roles_and_is_idempotent(self):
        name = "vpcwarden-member-" + uuid.uuid4().hex[:6]
        params = self.member_params(MEMBER_OUS=",".join(self.ous), MEMBER_STACK=name)
        run = make_member(self.mgmt, **params)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("3 account(s), 0 not deployed", run.stdout)

        cf = client("cloudformation", self.mgmt)
        stack_set = cf.describe_stack_set(StackSetName=name)["StackSet"]
        self.assertEqual(stack_set["PermissionModel"], "SERVICE_MANAGED")
        # (moto does not echo Capabilities back; AWS refuses named roles without them.)
        given = {p["ParameterKey"]: p["ParameterValue"] for p in stack_set["Parameters"]}
        self.assertEqual(given["OrganizationId"], self.org_id)
        self.assertEqual(given["SnapshotFunctionRoleArn"], HUB_SNAPSHOT_ROLE)

        for account in self.members:
            iam = client("iam", session_in(account))
            role = iam.get_role(RoleName="vpcwarden-snapshot-read")["Role"]
            trust = role["AssumeRolePolicyDocument"]
            if isinstance(trust, str):
                trust = json.loads(trust)
            stmt = trust["Statement"][0]
            # Only the hub's snapshot function, and only from inside the organization.
            self.assertEqual(stmt["Principal"]["AWS"], HUB_SNAPSHOT_ROLE, account)
            self.assertEqual(stmt["Condition"]["StringEquals"]["aws:PrincipalOrgID"], self.org_id)
            iam.get_role(RoleName="vpcwarden-mwaa-read")
            rules = client("events", session_in(account)).list_rules()["Rules"]
            self.assertTrue(any("MWAA" in (r.get("Description") or "") for r in rules), account)

        # Redelivery: the same command again changes nothing and fails nothing.
        again = make_member(self.mgmt, **params)
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertIn("3 account(s), 0 not deployed", again.stdout)
        instances = cf.list_stack_instances(StackSetName=name)["Summaries"]
        self.assertEqual(sorted(i["Account"] for i in instances), sorted(self.members))

    def test_bad_input_names_the_field_and_creates_nothing(self):
        name = "vpcwarden-member-" + uuid.uuid4().hex[:6]
        cases = [
            ({"ORGANIZATION_ID": "org-123"}, "--organization-id"),
            ({"SNAPSHOT_ROLE_ARN": "arn:aws:iam::12:role/x"}, "--snapshot-role-arn"),
            ({"MWAA_READER_ROLE_ARNS": HUB_READERS + ",not-an-arn"}, "--mwaa-reader-role-arns"),
            ({"MEMBER_OUS": self.ous[0] + ",r-root"}, "--ous"),
        ]
        cf = client("cloudformation", self.mgmt)
        for bad, field in cases:
            params = self.member_params(MEMBER_OUS=",".join(self.ous), MEMBER_STACK=name)
            params.update(bad)
            run = make_member(self.mgmt, **params)
            self.assertNotEqual(run.returncode, 0, bad)
            self.assertIn(field, run.stderr, bad)
            with self.assertRaises(ClientError):
                cf.describe_stack_set(StackSetName=name)

    def test_the_release_role_is_opt_in_and_limited_to_its_regions(self):
        account = new_account("7")
        creds = session_in(account)
        iam = client("iam", creds)
        name = "vpcwarden-member-" + uuid.uuid4().hex[:6]
        # Off by default: no release role.
        run = make_member(creds, **self.member_params(MEMBER_STACK=name, MWAA_READER_ROLE_ARNS="", EVENT_BUS_ARN=""))
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertNotIn("vpcwarden-release", {r["RoleName"] for r in iam.list_roles()["Roles"]})
        bad = make_member(creds, **self.member_params(MEMBER_STACK=name + "b", MWAA_READER_ROLE_ARNS="", EVENT_BUS_ARN="",
                                                      RELEASE_ROLE_ARN=HUB_REPORT_ROLE, RELEASE_REGIONS="eu-west-1,mars"))
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("--release-regions", bad.stderr)
        # Opted in: the role trusts the hub's report function within the organization, and
        # releases only unkept addresses in the listed regions.
        name2 = name + "r"
        # (A second stack in the same account: the snapshot role is the first one's.)
        run = make_member(creds, **self.member_params(MEMBER_STACK=name2, MWAA_READER_ROLE_ARNS="", EVENT_BUS_ARN="",
                                                      SNAPSHOT_ROLE_ARN="", RELEASE_ROLE_ARN=HUB_REPORT_ROLE,
                                                      RELEASE_REGIONS="eu-west-1,us-east-1"))
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        role = iam.get_role(RoleName="vpcwarden-release")["Role"]
        trust = role["AssumeRolePolicyDocument"]
        trust = as_doc(trust)
        st = trust["Statement"][0]
        self.assertEqual(st["Principal"]["AWS"], HUB_REPORT_ROLE)
        self.assertEqual(st["Condition"]["StringEquals"]["aws:PrincipalOrgID"], self.org_id)
        doc = iam.get_role_policy(RoleName="vpcwarden-release", PolicyName="release-idle-addresses")["PolicyDocument"]
        doc = as_doc(doc)
        release = next(s for s in doc["Statement"] if s["Action"] == "ec2:ReleaseAddress")
        self.assertEqual(release["Condition"]["Null"], {"aws:ResourceTag/vpcwarden:keep": "true"})
        self.assertEqual(release["Condition"]["StringEquals"]["aws:RequestedRegion"], ["eu-west-1", "us-east-1"])

    def test_one_stack_in_the_hub_account_itself_creates_roles_but_no_forwarding_loop(self):
        # An account outside the StackSet's OUs (role names are per account), deploying with
        # its own bus as the hub's: its MWAA events are on that bus already.
        account = new_account("8")
        creds = session_in(account)
        name = "vpcwarden-member-" + uuid.uuid4().hex[:6]
        own_bus = f"arn:aws:events:{REGION}:{account}:event-bus/default"
        run = make_member(creds, **self.member_params(MEMBER_STACK=name, MWAA_READER_ROLE_ARNS="", EVENT_BUS_ARN=own_bus))
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        stack = client("cloudformation", creds).describe_stacks(StackName=name)["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE")
        roles = {r["RoleName"] for r in client("iam", creds).list_roles()["Roles"]}
        # No MWAA readers given: the snapshot role only, and no forwarding to itself.
        self.assertIn("vpcwarden-snapshot-read", roles)
        self.assertNotIn("vpcwarden-mwaa-read", roles)
        self.assertEqual(client("events", creds).list_rules()["Rules"], [])

# moto cannot run the SAM transform, so the hub stack here is a stand-in: a plain template with
# the hub's parameters and outputs that member.yaml needs (names checked against
# infra/template.yaml below, values shaped like the real ones).
HUB_STANDIN = """
Parameters:
  ForwardingOrganizationId: {Type: String}
  SnapshotRoleName: {Type: String, Default: vpcwarden-snapshot-read}
  MwaaReadRoleName: {Type: String, Default: vpcwarden-mwaa-read}
Resources:
  Queue: {Type: "AWS::SQS::Queue"}
Outputs:
  SnapshotFunctionRoleArn: {Value: "%s"}
  MwaaReaderRoleArns: {Value: "%s"}
  EventBusArn: {Value: "%s"}
""" % (HUB_SNAPSHOT_ROLE, HUB_READERS, HUB_BUS)


@unittest.skipUnless(MOTO, "needs moto: run through scripts/with-standins.sh (make test does)")
class HubNext(unittest.TestCase):
    def test_the_printed_line_deploys_the_members(self):
        template = (ROOT / "infra" / "template.yaml").read_text()
        outputs = template[template.index("\nOutputs:"):]
        for name in ("SnapshotFunctionRoleArn", "MwaaReaderRoleArns", "EventBusArn"):
            self.assertIn(f"\n  {name}:", outputs, f"infra/template.yaml has no output {name}")
        for name in ("ForwardingOrganizationId", "SnapshotRoleName", "MwaaReadRoleName"):
            self.assertIn(f"\n  {name}:", template, f"infra/template.yaml has no parameter {name}")

        hub = session_in(HUB)
        mgmt, org_id, ous, (member,) = make_organization("7", ["participants"])
        ou = ous["participants"]

        stack = "vpcwarden-hub-" + uuid.uuid4().hex[:6]
        client("cloudformation", hub).create_stack(
            StackName=stack, TemplateBody=HUB_STANDIN,
            Parameters=[{"ParameterKey": "ForwardingOrganizationId", "ParameterValue": org_id}],
        )
        config = Path(tempfile.mkdtemp()) / "samconfig.toml"
        config.write_text(
            f'version = 0.1\n[default.deploy.parameters]\nstack_name = "{stack}"\nregion = "{REGION}"\n'
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(hub)
        env.update({"AWS_ENDPOINT_URL": MOTO})
        printed = subprocess.run(
            [sys.executable, str(ROOT / "infra" / "deploy.py"), "hub-next", "--config", str(config)],
            env=env, capture_output=True, text=True, timeout=120,
        )
        self.assertEqual(printed.returncode, 0, printed.stderr)
        line = next(l for l in printed.stdout.splitlines() if "make deploy-member" in l)
        args = shlex.split(line.split("#")[0])
        params = dict(a.split("=", 1) for a in args if "=" in a)
        self.assertEqual(params["ORGANIZATION_ID"], org_id)
        self.assertEqual(params["SNAPSHOT_ROLE_ARN"], HUB_SNAPSHOT_ROLE)
        self.assertEqual(params["MWAA_READER_ROLE_ARNS"], HUB_READERS)
        self.assertEqual(params["EVENT_BUS_ARN"], HUB_BUS)
        self.assertTrue(re.match(r"^ou-", params.pop("MEMBER_OUS")))

        # The line, with the OU filled in and the management account's credentials, deploys.
        params["MEMBER_OUS"] = ou
        params["MEMBER_STACK"] = "vpcwarden-member-" + uuid.uuid4().hex[:6]
        run = make_member(mgmt, **params)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("1 account(s), 0 not deployed", run.stdout)
        client("iam", session_in(member)).get_role(RoleName="vpcwarden-mwaa-read")


if __name__ == "__main__":
    unittest.main()
