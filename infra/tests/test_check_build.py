"""`deploy.py check-build`, the last step of `make deploy-check`: `sam build` passes a function
whose prebuilt zip is missing straight through, so the built template's artifacts are checked.
The templates and zips here are written by hand in the shape `sam build` writes (CodeUri
relative to .aws-sam/build/template.yaml); the ELF headers are the first 20 bytes of an
x86-64 and an AArch64 executable (e_machine 0x3E / 0xB7).
"""

import io
import sys
import tempfile
import unittest
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import deploy  # noqa: E402

ELF_HEAD = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00"
ARM64 = ELF_HEAD + (0xB7).to_bytes(2, "little") + b"\x00" * 44
X86_64 = ELF_HEAD + (0x3E).to_bytes(2, "little") + b"\x00" * 44


def write_zip(path, body, mode=0o755):
    info = zipfile.ZipInfo("bootstrap")
    info.external_attr = (0o100000 | mode) << 16
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(info, body)


def built_template(root, uris):
    build = root / "infra" / ".aws-sam" / "build"
    build.mkdir(parents=True)
    functions = "".join(
        f"  F{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: {u}\n"
        for i, u in enumerate(uris)
    )
    path = build / "template.yaml"
    path.write_text("Resources:\n" + functions)
    return path


def run_check(template):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = deploy.main(["check-build", str(template)])
    return code, err.getvalue()


class CheckBuild(unittest.TestCase):
    def setUp(self):
        self.root = Path(tempfile.mkdtemp())
        (self.root / "infra" / ".build").mkdir(parents=True)

    def zip_at(self, name, body, mode=0o755):
        write_zip(self.root / "infra" / ".build" / name, body, mode)
        return f"../../.build/{name}"

    def test_arm64_executables_pass(self):
        uris = [self.zip_at("a.zip", ARM64), self.zip_at("b.zip", ARM64)]
        code, err = run_check(built_template(self.root, uris))
        self.assertEqual((code, err), (0, ""))

    def test_missing_wrong_arch_not_executable_and_source_dirs_fail_by_name(self):
        uris = [
            "../../.build/gone.zip",
            self.zip_at("x86.zip", X86_64),
            self.zip_at("noexec.zip", ARM64, mode=0o644),
            "../../",
        ]
        code, err = run_check(built_template(self.root, uris))
        self.assertEqual(code, 1)
        self.assertIn("gone.zip: missing (run `make package`)", err)
        self.assertIn("x86.zip: bootstrap is not an arm64 ELF", err)
        self.assertIn("noexec.zip: bootstrap is not executable", err)
        self.assertIn("../../: not a prebuilt zip", err)


if __name__ == "__main__":
    unittest.main()
