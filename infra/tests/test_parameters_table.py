"""docs/parameters.md is what infra/parameters_table.py generates from the templates: a
parameter added to a template without regenerating it fails here (run `make params`)."""

import subprocess
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv-lint" / "bin" / "python"


def generate():
    out = subprocess.run([str(PYTHON), str(ROOT / "infra" / "parameters_table.py")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


class ParametersTable(unittest.TestCase):
    def test_the_checked_in_table_is_the_generated_one(self):
        self.assertEqual((ROOT / "docs" / "parameters.md").read_text(), generate(),
                         "docs/parameters.md is out of date: run `make params`")

    def test_every_parameter_of_both_templates_is_in_it(self):
        from_table = generate()
        for name in ("template.yaml", "member.yaml"):
            text = (ROOT / "infra" / name).read_text()
            params = text[text.index("\nParameters:\n"):]
            params = params[:min(i for i in (params.find("\nRules:"), params.find("\nConditions:"), params.find("\nResources:")) if i > 0)]
            for line in params.splitlines():
                if line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(":"):
                    self.assertIn(f"| `{line.strip()[:-1]}` |", from_table, f"{name}: {line.strip()}")

    def test_a_new_parameter_changes_the_table(self):
        # The check can fail: a template with one more parameter gives another table.
        with tempfile.TemporaryDirectory() as d:
            Path(d, "template.yaml").write_text((ROOT / "infra" / "template.yaml").read_text())
            Path(d, "member.yaml").write_text((ROOT / "infra" / "member.yaml").read_text().replace(
                "\nParameters:\n", "\nParameters:\n  ExtraKnob:\n    Type: String\n    Default: x\n    Description: new\n", 1))
            out = subprocess.run([str(PYTHON), str(ROOT / "infra" / "parameters_table.py"), "--templates", d],
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("`ExtraKnob`", out.stdout)
            self.assertNotEqual(out.stdout, generate())


class ExampleConfig(unittest.TestCase):
    def test_every_override_in_the_example_samconfig_is_a_template_parameter(self):
        import tomllib
        config = tomllib.loads((ROOT / "infra" / "samconfig.example.toml").read_text())
        overrides = config["default"]["deploy"]["parameters"]["parameter_overrides"]
        table = generate()
        self.assertGreater(len(overrides), 5)
        for o in overrides:
            name = o.split("=", 1)[0]
            self.assertIn(f"| `{name}` |", table, f"samconfig.example.toml: {name} is no template parameter")


if __name__ == "__main__":
    unittest.main()
