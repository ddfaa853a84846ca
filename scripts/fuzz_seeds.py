#!/usr/bin/env python3
"""Seed corpora for `make fuzz` (written under fuzz/corpus/, which is git-ignored).

- extract_record: every record of ../shared/real-cloudtrail/records.jsonl when that folder
  sits beside the repository (real published records: read here, never copied into the repo),
  plus the records of a small generated trail (the project's own generator), one file each.
- mwaa_event: the `detail` of each tests/fixtures/mwaa-*.json event (hand-written to the
  MWAA API shape).
"""
import glob
import gzip
import json
import os
import subprocess
import sys
import tempfile

corpus = sys.argv[1]
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.path.join(corpus, "extract_record")
n = 0

real = os.path.join(repo, "..", "shared", "real-cloudtrail", "records.jsonl")
if os.path.exists(real):
    for i, line in enumerate(open(real, encoding="utf-8")):
        if line.strip():
            with open(os.path.join(out, f"real-{i:03}.json"), "w", encoding="utf-8") as f:
                f.write(line.strip())
            n += 1

cli = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(repo, "target")), "debug", "vpcwarden")
if os.path.exists(cli):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([cli, "gen-cloudtrail", "--out", tmp, "--days", "3", "--files-per-day", "1",
                        "--noise-per-file", "5", "--accounts", "111122223333", "--regions", "us-east-1"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for path in glob.glob(os.path.join(tmp, "cloudtrail", "**", "*.json*"), recursive=True):
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as f:
                for rec in json.load(f)["Records"]:
                    with open(os.path.join(out, f"gen-{n:04}.json"), "w", encoding="utf-8") as g:
                        json.dump(rec, g)
                    n += 1

m = 0
for path in glob.glob(os.path.join(repo, "tests", "fixtures", "mwaa-*.json")):
    detail = json.load(open(path, encoding="utf-8"))["detail"]
    with open(os.path.join(corpus, "mwaa_event", os.path.basename(path)), "w", encoding="utf-8") as f:
        json.dump(detail, f)
    m += 1
print(f"fuzz seeds: {n} CloudTrail records, {m} MWAA event details")
