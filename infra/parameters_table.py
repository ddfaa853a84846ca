#!/usr/bin/env python3
"""Writes docs/parameters.md: every parameter of infra/template.yaml and
infra/member.yaml (name, default, allowed values, description), in the
templates' own group order, so the documented table cannot drift from the
templates. `make test` runs infra/tests/test_parameters_table.py, which fails
when the checked-in file differs from what this prints.

usage: parameters_table.py [--templates DIR] [OUTPUT]   (default: infra/, stdout)"""
import sys
from pathlib import Path

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[1]


def cell(v):
    text = " ".join(str(v).split())
    return text.replace("|", "\\|")


def default_of(p):
    if "Default" not in p:
        return "— (required)"
    d = p["Default"]
    if isinstance(d, list):
        d = ",".join(str(x) for x in d)
    return f"`{d}`" if str(d) != "" else "empty"


def allowed_of(p):
    parts = []
    if "AllowedValues" in p:
        parts.append(", ".join(f"`{v}`" for v in p["AllowedValues"]))
    if "MinValue" in p and "MaxValue" in p:
        parts.append(f"{p['MinValue']}–{p['MaxValue']}")
    elif "MinValue" in p:
        parts.append(f"≥ {p['MinValue']}")
    elif "MaxValue" in p:
        parts.append(f"≤ {p['MaxValue']}")
    if "AllowedPattern" in p:
        parts.append(f"pattern `{p['AllowedPattern']}`")
    return "; ".join(parts)


def section(path):
    template, matches = decode(str(path))
    if template is None:
        sys.exit(f"cannot read {path}: {matches}")
    params = template.get("Parameters") or {}
    groups = (template.get("Metadata") or {}).get("AWS::CloudFormation::Interface", {}).get("ParameterGroups", [])
    order, seen = [], set()
    for g in groups:
        label = (g.get("Label") or {}).get("default", "")
        names = [n for n in g.get("Parameters", []) if n in params]
        order.append((label, names))
        seen.update(names)
    rest = [n for n in params if n not in seen]
    if rest:
        order.append(("Other", rest))
    lines = [f"## `infra/{path.name}` ({len(params)} parameters)", ""]
    for label, names in order:
        if not names:
            continue
        lines += [f"### {label}", "", "| parameter | default | allowed | meaning |", "| --- | --- | --- | --- |"]
        for n in names:
            p = params[n]
            lines.append(f"| `{n}` | {default_of(p)} | {cell(allowed_of(p))} | {cell(p.get('Description', ''))} |")
        lines.append("")
    return lines


def render(templates=ROOT / "infra"):
    out = [
        "# Deployment parameters",
        "",
        "Generated from the templates by `infra/parameters_table.py` (`make params`); `make test`",
        "fails when this file and the templates disagree.",
        "",
    ]
    for name in ("template.yaml", "member.yaml"):
        out += section(Path(templates) / name)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    args = sys.argv[1:]
    templates = ROOT / "infra"
    if args[:1] == ["--templates"]:
        templates, args = Path(args[1]), args[2:]
    text = render(templates)
    if args:
        Path(args[0]).write_text(text)
    else:
        sys.stdout.write(text)
