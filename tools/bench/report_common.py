# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""What report.py's parts share: the receivers' names, one measurement
(Run), the statistics.  Every number printed comes from live.sh's rows."""
import statistics

NAMES = {
    "a": "no-op XDP_PASS", "b": "portsense, XDP", "c": "no-op tc",
    "d": "portsense, tc ingress", "e": "no-op XDP_DROP", "f": "portsense drop variant",
    "h": "XDP_DROP after reading 24 bytes", "n": "nothing attached",
    "t": "tcpdump -w /dev/null", "p": "pcapcount (libpcap)", "q": "no-op XDP_PASS",
    "w": "portsense, XDP, --mirror", "l": "XDP_PASS after a register loop",
}
TEMPLATES = {
    "udp": "64-byte UDP frames to a closed port",
    "syn": "64-byte TCP SYNs to 198.18.0.2:80",
    "mix": "a mix, frame by frame: 64-byte SYN, DNS query, 1514-byte TCP data, IPv6 TCP ACK, 64-byte UDP",
}
MET, MISSED = "met", "**MISSED**"
MIRROR_MAC = "00:00:5e:00:53:01"	# live.sh's alt-mirror destination (RFC 7042)
# A baseline woken more often than this per 1000 frames spent a visible
# part of its CPU time waking up (a few us each): its ns per frame is then
# no ceiling to judge against.
WAKE_MAX = 2.0


def med(v):
    return statistics.median(v) if v else float("nan")


def rng(v, fmt):
    return (fmt % min(v)) + "-" + (fmt % max(v)) if v else "-"


def num(x):
    return format(int(x), ",")


class Run:
    """One measurement: a generator run into one receiver."""

    def __init__(self, f):
        (self.part, self.cfg, rnd, self.tpl, rate, sent, secs, rx, rxdrop, rx_ns, tool_ns,
         cap, capdrop, counted, wake) = f[:15]
        self.round, self.rate = int(rnd), float(rate)
        self.sent, self.secs, self.rx = int(sent), float(secs), int(rx)
        self.rxdrop, self.rx_ns, self.tool_ns = int(rxdrop), int(rx_ns), int(tool_ns)
        self.cap = None if cap == "-" else int(cap)
        self.capdrop = None if capdrop == "-" else int(capdrop)
        self.counted = None if counted == "-" else int(counted)
        self.wake = int(wake)

    offered = property(lambda s: s.sent / s.secs)
    received = property(lambda s: s.rx / s.secs)
    busy = property(lambda s: s.rx_ns / s.secs / 1e9)
    ns = property(lambda s: s.rx_ns / s.rx if s.rx else float("inf"))


