#!/usr/bin/python3
"""cols.py - compare zramctl's and zramfsctl's status output, column by
column, for the columns they share (by header name).

  cols.py raw ZRAMCTL_OUT ZRAMFSCTL_OUT    both --raw (with headers)
  cols.py table ZRAMCTL_OUT ZRAMFSCTL_OUT  both aligned tables, no empty cell
  cols.py json ZRAMCTL_RAW ZRAMFSCTL_JSON  zramctl --raw --bytes against
                                           zramfsctl --json --bytes

NAME is compared by its last component (/dev/zram0 against
MNT/dev/zram0).  Prints one line per mismatch and the shared column
names; exit status 1 on any mismatch or if nothing is shared.
"""
import json
import os
import sys


def raw_table(path, aligned=False):
    with open(path) as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    # aligned tables: cells split on runs of spaces (none may be empty)
    split = (lambda l: l.split()) if aligned else (lambda l: l.split(" "))
    head = split(lines[0])
    rows = []
    for l in lines[1:]:
        cells = split(l)
        cells += [""] * (len(head) - len(cells))
        rows.append(dict(zip(head, cells)))
    return head, rows


def norm(col, v):
    if v is None:
        return ""
    v = str(v)
    if col.upper() == "NAME":
        return os.path.basename(v)
    return v


def main():
    mode, a, b = sys.argv[1:4]
    head_a, rows_a = raw_table(a, mode == "table")
    if mode in ("raw", "table"):
        head_b, rows_b = raw_table(b, mode == "table")
    else:
        with open(b) as f:
            doc = json.load(f)
        rows_b = [{k.upper(): v for k, v in d.items()}
                  for d in doc["zramdevices"]]
        head_b = list(rows_b[0].keys()) if rows_b else []
    shared = [c for c in head_a if c in head_b]
    bad = 0
    if len(rows_a) != len(rows_b) or not rows_a:
        print("rows: zramctl %d, zramfsctl %d" % (len(rows_a), len(rows_b)))
        bad = 1
    for ra, rb in zip(rows_a, rows_b):
        for c in shared:
            if norm(c, ra[c]) != norm(c, rb[c]):
                print("%s: zramctl '%s', zramfsctl '%s'" % (c, ra[c], rb[c]))
                bad = 1
    print("shared: " + " ".join(shared))
    return 1 if bad or not shared else 0


sys.exit(main())
