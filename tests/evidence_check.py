#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The evidence of a run (--evidence DIR), read by real readers.

  evidence_check.py alerts NAME OUT      every alert line of OUT (JSON lines)
  evidence_check.py cap DIR              the bytes of DIR's evidence files

'alerts' prints one TAP line per check, named after NAME (the scenario):
for each alert, its "evidence" file opens in tshark and tcpdump (the same
number of frames), its first frame is the one that raised the alert (the
alert's addresses and ports, its time within 1 ms, the comment naming the
alert and its key), every frame is its key's, and the file holds the
attack's frames (KINDS below: the scanner's probes, the flood's SYNs to
the flooded port, the spoofed ARP replies, ...).
"""
import datetime
import decimal
import json
import os
import re
import subprocess
import sys

FIELDS = ("frame.time_epoch", "frame.comment", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "arp.src.proto_ipv4", "arp.dst.proto_ipv4", "tcp.srcport", "tcp.dstport",
          "udp.srcport", "udp.dstport")
TSHARK = ["tshark", "-n", "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"]

# What an alert's file must hold, its first frame included: a display filter
# ({addr}: the capture key's address, {ip} its family's field, ip or ipv6;
# {and_port}: " && tcp.dstport == PORT" when the key has a port) and the
# frames it matches, at least.
KINDS = {
    "port_scan": ("ip.src == {addr}", 20, "the scanner's probes"),
    "host_sweep": ("ip.src == {addr}", 10, "the sweeper's probes"),
    "syn_flood": ("tcp.flags.syn == 1 && tcp.flags.ack == 0 && {ip}.dst == {addr}{and_port}", 20,
                  "the flood's SYNs to the flooded address (and port)"),
    "rst_flood": ("tcp.flags.reset == 1", 20, "the flood's RSTs"),
    "icmp_flood": ("icmp.type == 8 || icmpv6.type == 128", 20, "the flood's echo requests"),
    "smurf": ("icmp", 10, "the echo packets"),
    "backscatter": ("tcp.flags.ack == 1", 20, "the answers to connections never opened"),
    "udp_amplification": ("udp.srcport == 53", 20, "the amplified answers"),
    "arp_spoof": ("arp.opcode == 2 || icmpv6.type == 136", 1, "the spoofed replies (adverts)"),
    "land": ("ip.src == ip.dst", 1, "the land frames"),
    # The alert comes with the fragment past 65535 bytes: the last of its datagram.
    "ping_of_death": ("ip.frag_offset > 0", 1, "the oversized fragment"),
}


def tap(ok, name, why=""):
    print(("ok - %s" % name) if ok else ("not ok - %s: %s" % (name, why)))
    return ok


def frames(path, filt=None):
    cmd = TSHARK + ["-r", path, "-T", "fields", "-E", "separator=\t"]
    for f in FIELDS:
        cmd += ["-e", f]
    if filt:
        cmd += ["-Y", filt]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if p.returncode:
        raise RuntimeError("tshark: " + (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1])
    return [dict(zip(FIELDS, line.split("\t"))) for line in p.stdout.splitlines()]


def tcpdump_count(path):
    p = subprocess.run(["tcpdump", "-nn", "-r", path], capture_output=True, text=True, timeout=60)
    if p.returncode:
        raise RuntimeError("tcpdump: " + p.stderr.strip().splitlines()[-1])
    return len(p.stdout.splitlines())


def first(v):
    """A field's first value (tshark joins repeats with ',')."""
    return v.split(",")[0] if v else ""


def addrs(f, side):
    return {first(f["ip." + side]), first(f["ipv6." + side]),
            first(f["arp.%s.proto_ipv4" % side])} - {""}


def ports(f, side):
    return {f["tcp.%sport" % side], f["udp.%sport" % side]} - {""}


def epoch(ts):
    """The alert's "timestamp" (RFC 3339, UTC, microseconds) in seconds."""
    t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return decimal.Decimal(int(t.timestamp())) + decimal.Decimal(t.microsecond) / 1000000


def check_alert(name, a):
    what = "%s: %s's evidence" % (name, a["alert"])
    path = a.get("evidence")
    if not tap(bool(path) and os.path.isfile(path), what + " is a file", "evidence %r" % path):
        return
    try:
        fs = frames(path)
        n_dump = tcpdump_count(path)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        tap(False, what + " opens in tshark and tcpdump", str(e))
        return
    tap(len(fs) >= 1 and n_dump == len(fs), what + " opens in tshark and tcpdump",
        "tshark %d frames, tcpdump %d" % (len(fs), n_dump))
    if not fs:
        return
    f = fs[0]
    # The comment: "portsense ALERT alert, key KEY: ..."; KEY is ADDR, V4:PORT or [V6]:PORT.
    m = re.match(r"portsense (\w+) alert, key (\S+): ", f["frame.comment"])
    addr = port = None
    if m:
        addr = m.group(2)
        if addr.startswith("["):
            addr, _, port = addr[1:].partition("]:")
        elif addr.count(":") == 1:
            addr, port = addr.split(":")
    bad = []
    if not m or m.group(1) != a["alert"]:
        bad.append("comment %r" % f["frame.comment"])
    if "src_ip" in a and a["src_ip"] not in addrs(f, "src"):
        bad.append("src %s, frame's %s" % (a["src_ip"], addrs(f, "src")))
    if "dst_ip" in a and a["dst_ip"] not in addrs(f, "dst"):
        bad.append("dst %s, frame's %s" % (a["dst_ip"], addrs(f, "dst")))
    for side in ("src", "dst"):
        want = a.get(side + "_port")
        if want and ports(f, side) and str(want) not in ports(f, side):
            bad.append("%s port %s, frame's %s" % (side, want, ports(f, side)))
    lag = abs(decimal.Decimal(f["frame.time_epoch"]) - epoch(a["timestamp"]))
    if lag > decimal.Decimal("0.001"):
        bad.append("time %s s from the alert's" % lag)
    tap(not bad, what + ": the first frame is the alert's (addresses, ports, time within 1 ms, comment)",
        "; ".join(bad))
    if not m:
        return
    strays = [g for g in fs if addr not in addrs(g, "src") | addrs(g, "dst") or
              (port and port not in ports(g, "src") | ports(g, "dst"))]
    tap(not strays, what + ": every frame is its key's (%s%s)" % (addr, ":" + port if port else ""),
        "%d of %d are not" % (len(strays), len(fs)))
    kind = KINDS.get(a["alert"])
    if kind:
        filt = kind[0].format(addr=addr, ip="ipv6" if ":" in addr else "ip",
                              and_port=" && tcp.dstport == %s" % port if port else "")
        try:
            n = len(frames(path, filt))
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            n, filt = 0, "%s (%s)" % (filt, e)
        tap(n >= kind[1], what + " holds %s" % kind[2],
            "%d frames match '%s' (%d in the file), at least %d wanted" % (n, filt, len(fs), kind[1]))


def cmd_alerts(name, out):
    alerts = []
    for line in open(out):
        if line.startswith("{"):
            e = json.loads(line)
            if e.get("event") == "alert":
                alerts.append(e)
    # One check per capture file: a held-down repeat's alert shares its key's file.
    seen = set()
    for a in alerts:
        if a.get("evidence") not in seen:
            check_alert(name, a)
        seen.add(a.get("evidence"))
    return 0


def cmd_cap(d):
    total = 0
    for f in os.listdir(d):
        if f.startswith("portsense-") and f.endswith(".pcapng"):
            try:
                total += os.stat(os.path.join(d, f)).st_size
            except FileNotFoundError:
                pass	# deleted for the cap meanwhile
    print(total)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "alerts":
        sys.exit(cmd_alerts(sys.argv[2], sys.argv[3]))
    if len(sys.argv) == 3 and sys.argv[1] == "cap":
        sys.exit(cmd_cap(sys.argv[2]))
    sys.exit(__doc__)
