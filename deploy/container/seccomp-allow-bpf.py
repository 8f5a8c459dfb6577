#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Writes a copy of a runtime's default seccomp profile that also allows
bpf(2) to a process holding CAP_BPF (and perf_event_open(2) to one holding
CAP_PERFMON), as containerd's default profile does (1.7 and later).

CRI-O and podman use the containers/common profile, which allows bpf(2)
only with CAP_SYS_ADMIN, so portsense with CAP_BPF alone gets EPERM under
seccompProfile RuntimeDefault there.  Install the output on each such node
as /var/lib/kubelet/seccomp/portsense.json and set the DaemonSet's
seccompProfile to {type: Localhost, localhostProfile: portsense.json}.

  seccomp-allow-bpf.py [IN [OUT]]   (IN default /usr/share/containers/seccomp.json, OUT stdout)
"""
import json
import sys

GRANTS = {"bpf": "CAP_BPF", "perf_event_open": "CAP_PERFMON"}

src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/containers/seccomp.json"
with open(src) as f:
    profile = json.load(f)
rules = []
for rule in profile.get("syscalls", []):
    names = rule.get("names", [])
    denied = [n for n in names if n in GRANTS] if rule.get("action") != "SCMP_ACT_ALLOW" else []
    rest = [n for n in names if n not in denied]
    if rest:
        rules.append(dict(rule, names=rest))
    # A rule that denies the call to a process without CAP_SYS_ADMIN must
    # also spare one holding the narrower capability (a rule is skipped when
    # the process has any capability its "excludes" lists).
    for n in denied:
        excl = dict(rule.get("excludes") or {})
        excl["caps"] = list(excl.get("caps", [])) + [GRANTS[n]]
        rules.append(dict(rule, names=[n], excludes=excl))
for n, cap in GRANTS.items():
    rules.append({"names": [n], "action": "SCMP_ACT_ALLOW", "includes": {"caps": [cap]}})
profile["syscalls"] = rules
out = open(sys.argv[2], "w") if len(sys.argv) > 2 else sys.stdout
json.dump(profile, out, indent=1)
out.write("\n")
