#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The reference pcapng for tests/test_loader.c's byte-for-byte check.

  pcapng_ref.py DESC REF

Builds frames with scapy (a SYN, a DNS answer cut to the snap length, an
ARP reply, odd lengths for the padding), writes what the C side needs to
write them too into DESC ("USERAPPL", "IFNAME SNAPLEN", then per frame
"TS_NS WIRELEN HEX [COMMENT]"), and writes REF with scapy's
RawPcapNgWriter: its own block framing and Enhanced Packet Blocks (the
timestamps at tsresol 10^-9); the Section Header and Interface Description
gain the options portsense writes (shb_userappl; if_name, if_tsresol),
which scapy does not, built here from the pcapng specification.  scapy
ends a comment with a newline: the comment given has one already.
"""
import logging
import struct
import sys
from decimal import Decimal

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import ARP, DNS, DNSQR, DNSRR, IP, TCP, UDP, Ether, raw  # noqa: E402
from scapy.utils import RawPcapNgWriter  # noqa: E402

USERAPPL = "portsense 0.1.0 (test)"
IFNAME, SNAPLEN = "psb0", 256


def option(code, value):
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


class Reference(RawPcapNgWriter):
    def __init__(self, filename):
        super().__init__(filename)
        self.tsresol = 10 ** 9

    def _write_block_shb(self):
        body = self.endian_magic + struct.pack("<HHq", 1, 0, -1)
        opts = option(4, USERAPPL.encode()) + struct.pack("<HH", 0, 0)
        self.f.write(self.build_block(b"\x0A\x0D\x0D\x0A", body, options=opts))

    def _write_block_idb(self):
        body = struct.pack("<HHI", self.linktype, 0, SNAPLEN)
        opts = option(2, IFNAME.encode()) + option(9, b"\x09") + struct.pack("<HH", 0, 0)
        self.f.write(self.build_block(struct.pack("<I", 1), body, options=opts))


mac_a, mac_b = "02:00:00:00:00:01", "02:00:00:00:00:02"
frames = [
    Ether(src=mac_a, dst=mac_b) / IP(src="198.18.0.1", dst="198.18.0.2") / TCP(sport=40000, dport=22, flags="S"),
    Ether(src=mac_b, dst=mac_a) / IP(src="198.18.0.2", dst="198.18.0.1") / UDP(sport=53, dport=40001) /
    DNS(qr=1, qd=DNSQR(qname="example.org"), an=DNSRR(rrname="example.org", type="TXT", rdata=[b"x" * 400])),
    Ether(src=mac_b, dst=mac_a) / ARP(op=2, psrc="198.18.0.3", hwsrc=mac_b, pdst="198.18.0.1", hwdst=mac_a),
    Ether(src=mac_a, dst=mac_b) / IP(src="198.18.0.1", dst="198.18.0.2") / UDP(sport=1, dport=7) / (b"z" * 7),
]
comments = ["portsense port_scan alert, key 198.18.0.1: the frame that raised it\n", None, None, None]
t0 = 1796580000123456789	# 2026-12-06, in ns: more digits than a float holds

desc, ref = sys.argv[1], sys.argv[2]
w = Reference(ref)
with open(desc, "w") as d:
    d.write(USERAPPL + "\n%s %d\n" % (IFNAME, SNAPLEN))
    for i, (f, c) in enumerate(zip(frames, comments)):
        b = raw(f)
        ts = t0 + i * 1000003
        cut = b[:SNAPLEN]
        w.write_header(None)
        w._write_block_epb(cut, timestamp=Decimal(ts) / 10 ** 9, caplen=len(cut), orglen=len(b), comment=c)
        d.write("%d %d %s%s\n" % (ts, len(b), cut.hex(), " " + c.rstrip("\n") if c else ""))
w.f.close()
