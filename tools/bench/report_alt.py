# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""report.py's part 3: against tcpdump and a libpcap counter."""
from report_common import MIRROR_MAC, NAMES, med, rng


class Alt:
    def unpaced(self, mx, label, path):
        """The unpaced table of part 3 for one scenario, and what bounds it."""
        out = ["| receiver | received Mpps | seen by the tool, Mpps | dropped by the tool | ns per frame "
               "(receiving core) | Mpps per core | portsense per core, x this | budget | met? |",
               "|---|---|---|---|---|---|---|---|---|"]
        ps = {r.round: r.ns for r in mx["b"]}
        ratio = {c: [r.ns / ps[r.round] for r in mx[c] if r.round in ps] for c in "ntp"}
        # a (no-op XDP_PASS) is run beside them for the bound, when it was;
        # w (--mirror) on a mirror port only.
        order = ("ntpab" if mx.get("a") else "ntpb") + ("w" if mx.get("w") else "")
        tcp_ns = {r.round: r.ns for r in mx["t"]}
        ratio["w"] = [tcp_ns[r.round] / r.ns for r in mx.get("w") or [] if r.round in tcp_ns]
        for c in order:
            rs = mx[c]
            seen = [(r.cap if r.cap is not None else r.counted if r.counted is not None else r.rx) / r.secs / 1e6
                    for r in rs]
            drop = [100.0 * r.capdrop / max(1, r.capdrop + r.cap) for r in rs if r.capdrop is not None]
            ns = [r.ns for r in rs]
            cells = [NAMES[c], "%.3f (%s)" % (med([r.received / 1e6 for r in rs]), rng([r.received / 1e6 for r in rs], "%.2f")),
                     "%.3f" % med(seen), "%.1f%%" % med(drop) if drop else "-",
                     "%.0f (%s)" % (med(ns), rng(ns, "%.0f")), "%.2f" % (1e3 / med(ns))]
            if c in "ab":
                cells += ["", "", ""]
            elif c == "w":
                cells += ["%.2fx tcpdump's (%s)" % (med(ratio[c]), rng(ratio[c], "%.2f")), ">= 1.7x",
                          self.budget("portsense --mirror per core >= 1.7x the rate tcpdump -w allows" + label,
                                      "%.2fx" % med(ratio[c]), "", med(ratio[c]) >= 1.7)]
            elif c == "t":
                cells += ["%.2fx (%s)" % (med(ratio[c]), rng(ratio[c], "%.2f")), ">= 1.7x",
                          self.budget("portsense per core >= 1.7x the rate tcpdump -w allows" + label,
                                      "%.2fx" % med(ratio[c]), "", med(ratio[c]) >= 1.7)]
            else:
                cells += ["%.2fx (%s)" % (med(ratio[c]), rng(ratio[c], "%.2f")), "", ""]
            out.append("| " + " | ".join(cells) + " |")
        nn, nt = med([r.ns for r in mx["n"]]), med([r.ns for r in mx["t"]])
        tdrop = med([100.0 * r.capdrop / max(1, r.capdrop + r.cap) for r in mx["t"] if r.capdrop is not None])
        tseen = med([r.cap / r.secs / 1e6 for r in mx["t"] if r.cap is not None])
        tool = med([r.tool_ns / r.rx for r in mx["t"] if r.rx])
        nb, got = med([r.ns for r in mx["b"]]), med(ratio["t"])
        if got >= 1.7:
            bound = ("Met (%s)%s." % (path, "; portsense's receiver spends less than the one with nothing "
                                      "attached (%.0f against %.0f ns): with an XDP program the veth receives "
                                      "by another path" % (nb, nn) if nb < nn else ""))
        else:
            # A sensor that costs nothing: the no-op XDP program when it ran,
            # else nothing attached.
            zc, zname = ("a", "a no-op XDP program") if mx.get("a") else ("n", "nothing attached")
            zero = med([r.ns for r in mx[zc]])
            # Judged as the budget is: the median of the rounds' own ratios.
            zns = {r.round: r.ns for r in mx[zc]}
            reach = med([r.ns / zns[r.round] for r in mx["t"] if r.round in zns])
            bound = ("What bounds the ratio: with nothing attached the receiving core spends %.0f ns per frame; "
                     "tcpdump's packet-socket copy brings that to %.0f (and its own process, on the other core, "
                     "spends %.0f more). A sensor that cost nothing at all (%s: %.0f ns) would reach %.2fx "
                     "tcpdump's receive rate here (the median of the rounds' ratios, as the budget is judged), "
                     "so 1.7x %s on this path (%s)." % (
                         nn, nt, tool, zname, zero, reach,
                         "is out of reach" if reach < 1.7 else "is within reach", path))
        out += ["", "%s %s" % (
                    bound,
                    "That process kept up." if tdrop < 1 else
                    "That process did not keep up: it dropped %.1f%% of what reached its socket and saw %.3f Mpps, "
                    "where portsense counted every frame it received; against what tcpdump saw, portsense's rate "
                    "is %.2fx." % (tdrop, tseen, med([r.received / 1e6 for r in mx["b"]]) / tseen))]
        return out

    # --- part 3 ----------------------------------------------------------
    def alt(self):
        mx = {c: self.pick("alt-max", c) for c in "ntpab"}
        if not all(mx[c] for c in "ntpb"):
            return []
        n = len({r.round for r in mx["n"]})
        out = ["## Against tcpdump and a libpcap counter",
               "",
               "The same 64-byte UDP frames into four more receivers of the same sandbox: nothing attached (GRO on, "
               "for NAPI), `tcpdump -i IF -w /dev/null`, `build/pcapcount` (tools/bench/pcapcount.c: libpcap with "
               "tcpdump's defaults, counting frames by IP version), and the XDP sensor from above, with the no-op "
               "XDP_PASS receiver beside them as a sensor that costs nothing. tcpdump and "
               "pcapcount start before each run and report their own counts when stopped (pcap_stats). The "
               "receiving thread does the packet-socket copy; the tools' processes run on either core.",
               "", "Unpaced, %d rounds of %.0f s: the rate each receiver takes, and what the tool saw." % (
                   n, med([r.secs for r in mx["n"]])), "",
               ]
        out += self.unpaced(mx, "", "frames passed to the stack; tcpdump's own process on the other core")
        mi = {c: self.pick("alt-mirror", c) for c in "ntpabw"}
        if all(mi[c] for c in "ntpb"):
            out += ["", "### On a mirror port",
                    "", "Where a sensor usually runs: a switch's mirror (SPAN) port, whose frames are for other "
                    "hosts. The same frames and receivers, the frames sent to a MAC address that is not the "
                    "receiver's (%s, of the documentation range): the stack drops them at its first look, tcpdump "
                    "(promiscuous, as by default) and portsense see them all. %s%d rounds of %.0f s." % (
                        MIRROR_MAC, "One more receiver runs portsense as an operator would on such a port, "
                        "`--mirror IF`: a frame for another host is counted and seen by the detectors, then "
                        "dropped at XDP instead of being built into an skb the stack only discards. "
                        if mi.get("w") else "", len({r.round for r in mi["n"]}), med([r.secs for r in mi["n"]])), ""]
            out += self.unpaced(mi, " (mirror port)", "frames for other hosts, which the stack drops at once")
            out += self.operated("w")
            if mi.get("w"):
                out += ["", "With `--mirror` the receiving core spends %.0f ns per frame (no skb is built for a frame "
                        "the stack would only discard) against tcpdump's %.0f. Without it the frames go through the "
                        "stack's first steps like any other, and the bound above holds." % (
                            med([r.ns for r in mi["w"]]), med([r.ns for r in mi["t"]]))]
        k = {c: self.pick("alt-100k", c) for c in "ntpb"}
        if not all(k.values()):
            return out

        def at100k(r):
            """(receiving core, tool process), % of a core, scaled to exactly 100 kpps."""
            s = 1e5 / r.received if r.rx else 0
            return 100 * r.rx_ns / r.secs / 1e9 * s, 100 * r.tool_ns / r.secs / 1e9 * s

        base = {r.round: at100k(r)[0] for r in k["n"]}
        added = {c: [at100k(r)[0] - base[r.round] + at100k(r)[1] for r in k[c] if r.round in base] for c in "tpb"}
        # portsense's cost is far below the subtraction's noise: it is taken
        # from its program's own run time (BPF statistics, a separate run at
        # 100 kpps) above the no-op program's in the same conditions (the
        # statistics' clock reads are in both), plus its loader's CPU.
        pb, pa = self.prog_ns("b", "udp", 100000.0), self.prog_ns("a", "udp", 100000.0)
        loader = med([at100k(r)[1] for r in k["b"]])
        prog = None if pb is None else pb - pa if pa is not None else pb
        direct = None if prog is None else prog * 1e5 / 1e9 * 100 + loader
        ps_cost = direct if direct is not None else med(added["b"])
        out += ["", "At 100 kpps (paced by the generator), %d rounds of %.0f s: CPU in %% of one core, scaled to exactly "
                "100 kpps by the rate each received. *Added, by subtraction* is the receiving core's CPU above the same "
                "traffic into the receiver with nothing attached (same round), plus the tool's own process (tcpdump, "
                "pcapcount, the portsense loader). Its spread is wider than portsense's whole cost, so portsense's "
                "cost in the last column is measured on its own: its XDP program's run time in a separate run at "
                "100 kpps with BPF statistics on, less the no-op XDP program's in the same conditions (%s), plus "
                "its loader." % (
                    len(base), med([r.secs for r in k["n"]]),
                    "the statistics' two clock reads a run are in both; the no-op's own few ns are left out"
                    if pa is not None else "no no-op run: the clock reads stay in, an overestimate"), "",
                "| receiver | received kpps | receiving core | tool process | added, by subtraction | added, "
                "x portsense's | budget | met? |", "|---|---|---|---|---|---|---|---|"]
        for c in "ntpb":
            rs = k[c]
            cells = [NAMES[c], "%.0f (%s)" % (med([r.received / 1e3 for r in rs]), rng([r.received / 1e3 for r in rs], "%.0f")),
                     "%.2f%%" % med([at100k(r)[0] for r in rs]), "%.2f%%" % med([at100k(r)[1] for r in rs])]
            if c == "n":
                cells += ["baseline", "", "", ""]
                out.append("| " + " | ".join(cells) + " |")
                continue
            cells.append("%.2f%% (%s)" % (med(added[c]), rng(added[c], "%.2f")))
            if c == "b":
                cells += ["%s: %.2f%% (program %.0f ns per frame%s, loader %.2f%%)" % (
                    "measured alone" if direct is not None else "by subtraction", ps_cost, prog or 0,
                    " above the no-op's %.0f" % pa if pa is not None and pb is not None else "", loader), "", ""]
            else:
                x = med(added[c]) / ps_cost if ps_cost > 0 else float("nan")
                cells.append("%.1fx" % x)
                if c == "t":
                    cells += [">= 10x", self.budget("portsense adds >= 10x less CPU than tcpdump -w at 100 kpps",
                                                    "%.1fx" % x, "", x >= 10)]
                else:
                    cells += ["", ""]
            out.append("| " + " | ".join(cells) + " |")
        if prog:
            t_ns = med(added["t"]) * 1e4 / 100
            out += ["", "What decides the ratio: tcpdump -w adds %.2f%% of a core at 100 kpps (%.0f ns per frame); "
                    "portsense's program alone costs %.0f ns per frame, and 10x allows it %.0f.%s" % (
                        med(added["t"]), t_ns, prog, t_ns / 10,
                        " The program's run time at this rate is mostly cache misses (docs/performance.md, "
                        "\"Cold caches\"), so it moves with what else the machine runs between frames."
                        if prog > t_ns / 10 * 0.7 else "")]
        out += ["", "Where tcpdump's receiving thread spends its time (unpaced):", ""] + self.profile(["t"])
        return out

