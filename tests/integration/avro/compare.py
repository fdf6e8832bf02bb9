#!/usr/bin/python3
"""compare.py LAKE EXPECT.json [--per-file N] [--key id]

Rows of every *.json data file under LAKE must equal the rows of
EXPECT.json (a list), compared as parsed JSON after sorting by key; with
--per-file N every data file holds the expected rows and there are N of
them (one output file per input file). Floats are compared exactly:
the JSON sink writes the shortest text that reads back to the value.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from check import data_files  # noqa: E402


def main():
    lake, expect_path = sys.argv[1], sys.argv[2]
    per_file = None
    key = "id"
    args = sys.argv[3:]
    while args:
        a = args.pop(0)
        if a == "--per-file":
            per_file = int(args.pop(0))
        elif a == "--key":
            key = args.pop(0)
    expect = json.load(open(expect_path))
    files = list(data_files(lake))
    groups = []
    if per_file is not None:
        if len(files) != per_file:
            sys.exit("expected %d data files, found %d" % (per_file, len(files)))
        for p in files:
            groups.append((p, [json.loads(l) for l in open(p, "rb")]))
    else:
        rows = []
        for p in files:
            rows += [json.loads(l) for l in open(p, "rb")]
        groups.append((lake, rows))
    for name, rows in groups:
        rows.sort(key=lambda r: json.dumps(r.get(key), sort_keys=True))
        exp = sorted(expect, key=lambda r: json.dumps(r.get(key), sort_keys=True))
        if len(rows) != len(exp):
            sys.exit("%s: %d rows, expected %d" % (name, len(rows), len(exp)))
        for got, want in zip(rows, exp):
            if got != want:
                diff = {k: (got.get(k), want.get(k))
                        for k in set(got) | set(want) if got.get(k) != want.get(k)}
                sys.exit("%s: row %s differs (got, want): %s"
                         % (name, want.get(key), json.dumps(diff)))
    print("ok: %d file(s), %d rows each" % (len(groups), len(expect)))


if __name__ == "__main__":
    main()
