#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The man page against the option table, as --help shows it.

  man_check.py PORTSENSE docs/portsense.8

--help is made from the one option table (user/options.c); the man page is
prose around the same options.  This checks that they name the same
options (every subcommand's), the same config file sections and keys, the
same thresholds with the same defaults, and that each default --help
states appears in the option's man page entry.  Prints "ok - ..." or
"not ok - ...: why" lines.
"""
import re
import subprocess
import sys

portsense, man_path = sys.argv[1], sys.argv[2]
SUBCMDS = ["", "stats", "top", "detach", "capture"]


def result(good, name, why=""):
    print(("ok - man page: %s" if good else "not ok - man page: %s: " + why) % name)


def help_of(sub):
    argv = [portsense] + ([sub] if sub else []) + ["--help"]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def unroff(s):
    s = s.replace("\\-", "-").replace("\\fI", "").replace("\\fR", "").replace("\\fB", "")
    return re.sub(r'^\.(BR|BI|B|I|IR|RB|RI)\s+', "", s).replace('"', "")


# --help: options (with their stated defaults), thresholds, config keys.
opts, defaults = set(), {}
for sub in SUBCMDS:
    for line in help_of(sub).splitlines():
        m = re.match(r"^  (?:-\w, |    )--([a-z][a-z-]*)", line)
        if m:
            opts.add(m.group(1))
            d = re.search(r"\(default ([^)]+)\)$", line)
            if d:
                defaults[m.group(1)] = d.group(1)
text = help_of("")
knobs = dict(re.findall(r"^  ([a-z_]+)=(\d+) ", text, re.M))
sections = {m.group(1): [k.strip() for k in m.group(2).split(",")]
            for m in re.finditer(r"^  \[([a-z]+)\] +(.*)$", text, re.M)}

# The man page: OPTIONS entries (.TP, then the option line, then its text).
man = open(man_path).read().splitlines()
start = man.index(".SH OPTIONS")
end = next(i for i in range(start + 1, len(man)) if man[i].startswith(".SH "))
entries, cur = {}, None
for i in range(start + 1, end):
    if man[i] == ".TP":
        names = re.findall(r"--([a-z][a-z-]*)", unroff(man[i + 1]))
        cur = names[0] if names else None
        if cur:
            entries[cur] = []
    elif cur:
        entries[cur].append(unroff(man[i]))

missing, extra = sorted(opts - entries.keys()), sorted(entries.keys() - opts)
result(not missing and not extra, "OPTIONS lists every option of every subcommand's --help (%d)" % len(opts),
       "not in the man page: %s; not an option: %s" % (missing, extra))

bad = [o for o, d in defaults.items() if o in entries and d not in " ".join(entries[o])]
result(not bad, "each default --help states is in its option's entry (%d)" % len(defaults),
       ", ".join("--%s (default %s)" % (o, defaults[o]) for o in bad))

conf = " ".join(entries.get("config", []))
man_sections = {m.group(1): [k.strip() for k in m.group(2).split(",")]
                for m in re.finditer(r"\[([a-z]+)\]\s*\(([^)]*)\)", conf)}
# Keys as sets: the prose may order them its own way; NAME = V sections by name only.
want = {s: set(k) for s, k in sections.items() if "=" not in " ".join(k)}
got = {s: set(k) for s, k in man_sections.items() if "=" not in " ".join(k)}
result(want == got and set(sections) == set(man_sections),
       "--config's entry names the config file's sections and keys",
       "--help: %s; man page: %s" % (sections, man_sections))

thr = " ".join(entries.get("threshold", []))
man_knobs = {k: v for k, v in re.findall(r"\b([a-z_]+)\s+\((\d+)", thr) if k != "threshold"}
result(man_knobs == knobs, "--threshold's entry names every threshold with its default (%d)" % len(knobs),
       "--help: %s; man page: %s" % (knobs, man_knobs))
