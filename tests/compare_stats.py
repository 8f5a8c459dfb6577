#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Compare a portsense --stats-json snapshot with one file's entry of
../shared/pcaps/expected.json, field by field.

usage: compare_stats.py EXPECTED_JSON PCAP_NAME SNAPSHOT_JSON
Exit 0 when every counter the oracle has matches the snapshot's "ingress"
and "egress" is empty; else prints each difference and exits 1.
"""
import json
import sys

# Oracle fields a sensor cannot know: file metadata, and wire_bytes /
# snaplen figures that describe the capture, not the frames replayed.
NOT_COUNTERS = {"sha256", "file_bytes", "link_type", "wire_bytes"}
NOT_SEEN_ON_WIRE = {"extras.malformed_frames", "extras.snaplen_truncated_frames",
                    "extras.max_cap_len", "extras.ipv4_src_martian",
                    "extras.ipv4_src_private_or_reserved"}


def flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        path = prefix + k
        if isinstance(v, dict):
            out.update(flatten(v, path + "."))
        else:
            out[path] = v
    return out


def main():
    exp_path, name, snap_path = sys.argv[1:4]
    exp = json.load(open(exp_path))["files"][name]
    snap = json.load(open(snap_path))
    got = flatten(snap["ingress"])
    diffs = []
    compared = 0
    for path, want in flatten(exp).items():
        if path.split(".")[-1] in NOT_COUNTERS or path in NOT_SEEN_ON_WIRE:
            continue
        if path not in got:
            diffs.append("%s: missing from snapshot (oracle %s)" % (path, want))
            continue
        compared += 1
        if got[path] != want:
            diffs.append("%s: sensor %s, oracle %s" % (path, got[path], want))
    if snap["egress"]["frames"]:
        diffs.append("egress.frames: %s (the veth was not quiet)" % snap["egress"]["frames"])
    if compared < 60:
        diffs.append("only %d fields compared" % compared)
    for d in diffs:
        print(d)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
