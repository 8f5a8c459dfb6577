#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Helpers of tests/test_diagnosis.sh: what the handshake figures of two
`portsense stats --json` snapshots say happened between them, and what
tshark says a capture of the same traffic holds.

  diagnosis_check.py delta IF A B PATH
      B's less A's value at PATH under interfaces.IF.handshakes
      ("server.by_port.8080.latency.sum_ns").
  diagnosis_check.py within IF A B ROLE SERIES N LO HI
      SERIES (a by_port port, or by_port_class.CLASS) of ROLE completed N
      more handshakes between A and B (N+: at least N), every one in a
      bucket inside (LO, HI] seconds, and ended no other way.  Prints the
      buckets; exit 1 if not.
  diagnosis_check.py handshakes PCAP ROLE PORT
      One line per handshake of the capture, in order: its latency in ns
      as portsense defines it, from the capture.  server (this host, the
      capture's, answered on PORT): its SYN-ACK to the client's ACK;
      client (it connected to PORT): tshark's tcp.analysis.initial_rtt.
  diagnosis_check.py crosscheck PCAP ROLE PORT LATFILE MAX_NS
      The capture's latencies against LATFILE (portsense's, one a line, in
      the same order): equal in number, each within MAX_NS.  Prints the
      largest difference; exit 1 if not.
  diagnosis_check.py count PCAP FILTER
      Frames of the capture that match the display filter.
"""
import json
import subprocess
import sys


def hs(path, ifname):
    return json.load(open(path))["interfaces"][ifname]["handshakes"]


def at(d, path):
    for k in path.split("."):
        d = d[k]
    return d


def series(d, role, name):
    r = d[role]
    if name.startswith("by_port_class."):
        return r["by_port_class"][name.split(".", 1)[1]]
    return r["by_port"][name]


def within(ifname, a, b, role, name, n, lo, hi):
    sa, sb = series(hs(a, ifname), role, name), series(hs(b, ifname), role, name)
    ba, bb = sa["latency"]["buckets"], sb["latency"]["buckets"]
    les = list(bb)
    delta = {le: bb[le] - ba.get(le, 0) for le in les}
    got = sum(delta.values())
    shown = " ".join("le=%s:%d" % (le, v) for le, v in delta.items() if v)
    outside = []
    prev = 0.0
    for le in les:
        up = float("inf") if le == "+Inf" else float(le)
        if delta[le] and (prev < lo or up > hi):
            outside.append(le)
        prev = up
    other = {k: sb[k] - sa[k] for k in sb if k not in ("latency", "completed") and sb[k] != sa[k]}
    want_n = int(n.rstrip("+"))
    ok_n = got >= want_n if n.endswith("+") else got == want_n
    done = sb["completed"] - sa["completed"]
    if ok_n and not outside and not other and done == got:
        print("%d handshakes, in (%g, %g] s: %s" % (got, lo, hi, shown))
        return 0
    print("%d handshakes (want %s, %d completed), outside (%g, %g]: %s; other outcomes: %s; buckets: %s"
          % (got, n, done, lo, hi, outside or "none", other or "none", shown or "none"))
    return 1


def tshark(pcap, flt, fields):
    cmd = ["tshark", "-r", pcap, "-Y", flt, "-T", "fields", "-E", "separator=,"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split(",") for line in out.splitlines() if line]


def handshakes(pcap, role, port):
    rows = tshark(pcap, "tcp.port == %s" % port,
                  ["tcp.stream", "frame.time_epoch", "tcp.flags.syn", "tcp.flags.ack",
                   "tcp.srcport", "tcp.analysis.initial_rtt"])
    streams, order = {}, []
    for stream, t, syn, ack, sport, irtt in rows:
        if stream not in streams:
            streams[stream] = {"synack": None, "ack": None, "irtt": None}
            order.append(stream)
        s = streams[stream]
        syn, ack = syn in ("1", "True"), ack in ("1", "True")
        if role == "client":
            if irtt and s["irtt"] is None:
                s["irtt"] = round(float(irtt) * 1e9)
        elif syn and ack and sport == port and s["synack"] is None:
            s["synack"] = float(t)
        elif not syn and ack and sport != port and s["synack"] is not None and s["ack"] is None:
            s["ack"] = float(t)
    out = []
    for stream in order:
        s = streams[stream]
        if role == "client" and s["irtt"] is not None:
            out.append(s["irtt"])
        elif role == "server" and s["ack"] is not None:
            out.append(round((s["ack"] - s["synack"]) * 1e9))
    return out


def crosscheck(pcap, role, port, latfile, max_ns):
    cap = handshakes(pcap, role, port)
    mine = [int(x) for x in open(latfile).read().split()]
    if len(cap) != len(mine) or not cap:
        print("%d handshakes in the capture, %d measured" % (len(cap), len(mine)))
        return 1
    diffs = [abs(a - b) for a, b in zip(cap, mine)]
    worst = max(diffs)
    print("%d handshakes, %s: capture %.3f..%.3f ms, portsense %.3f..%.3f ms, largest difference %.3f ms"
          % (len(cap), role, min(cap) / 1e6, max(cap) / 1e6, min(mine) / 1e6, max(mine) / 1e6,
             worst / 1e6))
    return 0 if worst <= max_ns else 1


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "delta":
        print(at(hs(argv[4], argv[2]), argv[5]) - at(hs(argv[3], argv[2]), argv[5]))
        return 0
    if cmd == "within":
        return within(argv[2], argv[3], argv[4], argv[5], argv[6], argv[7],
                      float(argv[8]), float(argv[9]))
    if cmd == "handshakes":
        for v in handshakes(argv[2], argv[3], argv[4]):
            print(v)
        return 0
    if cmd == "crosscheck":
        return crosscheck(argv[2], argv[3], argv[4], argv[5], int(argv[6]))
    if cmd == "count":
        print(len(tshark(argv[2], argv[3], ["frame.number"])))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
