#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""table.py RESULTS [--never-fail]: prints the table of the figures that
the benchmarks recorded in RESULTS (bench/common.sh: F lines declare a
figure, S lines give one run's value): for each figure the median of
sluice's runs and of its baseline's, with their spread (min-max), their
ratio (sluice / baseline), the goal, and ok or MISS.  Exits 1 when a goal
is missed or a figure has no value, unless --never-fail."""
import statistics
import sys

figures = []
samples = {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[0] == "F":
        figures.append(f[1:5])
    else:
        samples.setdefault((f[1], f[2]), []).append(float(f[3]))


def cell(values):
    """median and spread of one side's values, or - without values"""
    if not values:
        return "-", None
    m = statistics.median(values)
    if len(values) == 1:
        return "%.4g" % m, m
    return "%.4g (%.4g-%.4g)" % (m, min(values), max(values)), m


def met(goal, value, ratio):
    """ok, MISS, or - for a figure without a goal"""
    if goal == "-":
        return "-"
    op, limit = goal.split()
    x = ratio if limit.endswith("x") else value
    if x is None:
        return "MISS"
    limit = float(limit.rstrip("x"))
    return "ok" if (x <= limit if op == "<=" else x >= limit) else "MISS"


rows = [("figure", "sluice", "baseline", "ratio", "goal", "met")]
missed = 0
for name, unit, base_name, goal in figures:
    s_text, s = cell(samples.get((name, "sluice"), []))
    b_text, b = cell(samples.get((name, "base"), []))
    ratio = s / b if s is not None and b else None
    verdict = met(goal, s, ratio)
    missed += verdict == "MISS"
    rows.append(("%s, %s" % (name, unit), s_text,
                 "-" if base_name == "-" else "%s: %s" % (base_name, b_text),
                 "-" if ratio is None else "%.2fx" % ratio, goal, verdict))
widths = [max(len(r[i]) for r in rows) for i in range(6)]
for r in rows:
    print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
print("%d of %d goals missed" % (missed, sum(1 for f in figures if f[3] != "-")))
sys.exit(1 if missed and "--never-fail" not in sys.argv else 0)
