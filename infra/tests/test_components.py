"""`Components` deploys only the Elastic IP half (eip) or only the MWAA half (mwaa) of
infra/template.yaml: every resource and output is conditioned, directly or through an
`Fn::And` of conditions, on exactly one of `DeployEip` / `DeployMwaa` — a resource added
without one would be deployed in both, and fails here. cfn-lint (make infra-lint) checks that
no resource refers to one the other half leaves out."""

import subprocess
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv-lint" / "bin" / "python"

HALVES = r'''
import json, sys
from cfnlint.decode import decode
t, _ = decode(sys.argv[1])
conds = t.get("Conditions", {})

def implies(name, seen=()):
    """The halves a condition implies (it is false when that half is not deployed)."""
    if name in ("DeployEip", "DeployMwaa"):
        return {name}
    c = conds.get(name)
    if not isinstance(c, dict) or "Fn::And" not in c or name in seen:
        return set()
    out = set()
    for part in c["Fn::And"]:
        if isinstance(part, dict) and "Condition" in part:
            out |= implies(part["Condition"], seen + (name,))
    return out

rows = {}
for kind in ("Resources", "Outputs"):
    for name, r in (t.get(kind) or {}).items():
        rows[f"{kind}.{name}"] = sorted(implies(r.get("Condition", "")))
print(json.dumps(rows))
'''


def halves(template):
    out = subprocess.run([str(PYTHON), "-c", HALVES, str(template)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    import json
    return json.loads(out.stdout)


class Components(unittest.TestCase):
    def test_every_resource_and_output_belongs_to_exactly_one_half(self):
        rows = halves(ROOT / "infra" / "template.yaml")
        self.assertGreater(len(rows), 40)
        wrong = {k: v for k, v in rows.items() if len(v) != 1}
        self.assertEqual(wrong, {}, "each needs Condition DeployEip or DeployMwaa (directly or through Fn::And)")
        eip = [k for k, v in rows.items() if v == ["DeployEip"]]
        mwaa = [k for k, v in rows.items() if v == ["DeployMwaa"]]
        self.assertIn("Resources.EipReportFunction", eip)
        self.assertIn("Resources.EndpointProvisionerFunction", mwaa)

    def test_a_resource_without_a_half_fails(self):
        text = (ROOT / "infra" / "template.yaml").read_text().replace(
            "\nResources:\n", "\nResources:\n  Stray:\n    Type: AWS::SQS::Queue\n", 1)
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            f.write(text)
            f.flush()
            self.assertEqual(halves(f.name)["Resources.Stray"], [])


if __name__ == "__main__":
    unittest.main()
