#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""report.py RAW: the end-to-end sections of BENCHMARKS.md (issue 5, parts
2-5) from the measurements tools/bench/live.sh wrote, one tab-separated row
each.  Every number printed comes from RAW; the budgets are the issue's.
Each part's tables are in a module of its own (report_e2e.py, report_alt.py,
report_flood.py)."""
import sys

from report_alt import Alt
from report_common import MET, MISSED, Run
from report_e2e import E2E
from report_flood import Flood


class Report(E2E, Alt, Flood):
    def __init__(self, path):
        self.runs, self.rows, self.budgets = [], [], []
        for line in open(path):
            f = line.rstrip("\n").split("\t")
            if f[0] in ("e2e", "alt-max", "alt-mirror", "alt-100k", "flood"):
                self.runs.append(Run(f))
            else:
                self.rows.append(f)

    def pick(self, part, cfg, tpl="udp"):
        return [r for r in self.runs if r.part == part and r.cfg == cfg and r.tpl == tpl]

    def paired(self, part, tpl, a, b, fn):
        """fn(run of a, run of b) for every round that measured both."""
        ra = {r.round: r for r in self.pick(part, a, tpl)}
        rb = {r.round: r for r in self.pick(part, b, tpl)}
        return [fn(ra[k], rb[k]) for k in sorted(ra) if k in rb]

    def budget(self, what, measured, want, ok):
        self.budgets.append((what, measured, want, ok))
        return MET if ok else MISSED

    def summary(self):
        out = ["## Budgets (parts 2-5)", "", "| budget | measured | met? |", "|---|---|---|"]
        for what, measured, _, ok in self.budgets:
            out.append("| %s | %s | %s |" % (what, measured, MET if ok else MISSED))
        return out


def main():
    r = Report(sys.argv[1])
    lines = []
    for part in (r.e2e, r.alt, r.flood, r.mem):
        sec = part()
        if sec:
            lines += sec + [""]
    lines += r.summary()
    print("\n".join(lines))


if __name__ == "__main__":
    main()

