"""The DDL and SQL embedded in the template equal what the code generates.

usage: check_ddl.py TEMPLATE GENERATED_JSON   (GENERATED_JSON: `vpcwarden athena template`)

Each named query's QueryString is an Fn::Sub whose `${!x}` escapes stand for
Athena's own `${x}` (partition projection's template variables); with those
unescaped, the text must be byte-identical to the code's rendering with
`${Name}` substitutions. Exits 1 naming the resource that drifted.
"""
import difflib
import json
import sys

from cfnlint.decode import decode

template, generated = sys.argv[1], json.load(open(sys.argv[2]))
doc, matches = decode(template)
if matches:
    sys.exit(f"{template}: {matches}")
expected = {
    "CloudTrailTableDdl": generated["cloudtrail_table"],
    "SnapshotTableDdl": generated["snapshot_table"],
    "EventTableDdl": generated["event_table"],
    "LifecycleQuery": generated["lifecycle_query"],
    "ExtractionQuery": generated["extraction_query"],
}
failed = False
for name, want in expected.items():
    res = doc["Resources"].get(name)
    if res is None:
        print(f"{name}: missing from {template}")
        failed = True
        continue
    sub = res["Properties"]["QueryString"]["Fn::Sub"]
    text = (sub[0] if isinstance(sub, list) else sub).replace("${!", "${").rstrip("\n")
    if text != want:
        failed = True
        print(f"{name}: the template's text differs from `vpcwarden athena template`:")
        print("".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True), "generated", "template")))
    else:
        print(f"{name}: identical to the generated text ({len(want)} characters)")
sys.exit(1 if failed else 0)
