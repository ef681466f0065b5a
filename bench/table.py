#!/usr/bin/env python3
"""table.py RUNS.TSV OUT.JSON - median of each metric per system, ratios
against kernel zram (same algorithm; on /dev/zram0 itself and through a
loop device as zramfs is) and the raw FUSE ceiling, each the median of the
per-rep ratios; one markdown table on stdout, the same as JSON."""
import csv, json, statistics, sys

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
METRICS = [("dd_write_MBps", "dd write MB/s"), ("dd_read_MBps", "dd read MB/s"),
           ("rr4k_qd1_iops", "4k randread qd1"), ("rr4k_qd16_iops", "4k randread qd16"),
           ("rw4k_qd1_iops", "4k randwrite qd1"), ("rw4k_qd16_iops", "4k randwrite qd16"),
           ("mem_per_GiB", "mem_used/GiB stored"), ("rss_over_MiB", "RSS beyond mem_used MiB")]


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def kv(s):
    return {k: num(v) for k, v in (p.split("=", 1) for p in s.split(",") if "=" in p)}


by = {}
for r in rows:
    m = kv(r["mem_after_corpus"])
    r["mem_per_GiB"] = m.get("mem_per_GiB")
    rss, used = m.get("rss_MiB"), m.get("mem_used")
    r["rss_over_MiB"] = rss - used / 1048576 if rss and used is not None and rss > 0 and not r["system"].startswith("rawfuse") else None
    r["verify_ok"] = r["verify"] == "OK"
    by.setdefault(r["system"], []).append(r)

med = {}
for sysname, rs in by.items():
    med[sysname] = {}
    for key, _ in METRICS:
        vals = [num(r[key]) for r in rs if num(r[key]) is not None]
        med[sysname][key] = statistics.median(vals) if vals else None
    med[sysname]["runs"] = len(rs)
    med[sysname]["verify"] = all(r["verify_ok"] for r in rs)


def paired_ratio(s, ref, key):
    """median over reps of s/ref within the same rep: the two ran minutes
    apart, so drift of this shared machine between reps cancels out"""
    refs = {r["rep"]: num(r[key]) for r in by[ref]}
    vals = [num(r[key]) / refs[r["rep"]] for r in by[s]
            if num(r[key]) is not None and refs.get(r["rep"])]
    return round(statistics.median(vals), 2) if vals else None


out = {"systems": med, "ratios": {}}
for s in med:
    if not s.startswith("zramfs-"):
        continue
    alg = s.split("-", 1)[1]
    rs = {}
    for ref in dict.fromkeys(("zram-" + alg, "zram-" + alg + "-loop", "zram-lz4",
                              "zram-lz4-loop", "rawfuse")):
        if ref in med:
            rs["vs_" + ref] = {k: paired_ratio(s, ref, k) for k, _ in METRICS[:7]}
    out["ratios"][s] = rs
json.dump(out, open(sys.argv[2], "w"), indent=2)

hdr = ["system", "runs", "verify"] + [t for _, t in METRICS]
print("| " + " | ".join(hdr) + " |")
print("|" + "---|" * len(hdr))
for s, m in med.items():
    cells = [s, str(m["runs"]), "OK" if m["verify"] else "BAD"]
    for k, _ in METRICS:
        v = m[k]
        cells.append("-" if v is None else (f"{v:.3f}" if k == "mem_per_GiB" else f"{v:.0f}" if v >= 100 else f"{v:.1f}"))
    print("| " + " | ".join(cells) + " |")
for s, rs in out["ratios"].items():
    for ref, vals in rs.items():
        print(f"\n{s} {ref.replace('_', ' ')} (median of per-rep ratios): " + ", ".join(f"{t} {vals[k]}x" for k, t in METRICS[:7] if vals.get(k) is not None))
