#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""report.py RAW: the end-to-end sections of BENCHMARKS.md (issue 5, parts
2-5) from the measurements tools/bench/live.sh wrote, one tab-separated row
each.  Every number printed comes from RAW; the budgets are the issue's."""
import statistics
import sys

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


class Report:
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

    # --- part 2 ----------------------------------------------------------
    def e2e_table(self, tpl, spec):
        out = ["| receiver | offered Mpps | received Mpps | receiving core busy | NAPI wake-ups per 1k "
               "frames | ns per frame | Mpps per core | per core, vs baseline | received, vs baseline "
               "| budget | met? |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for cfg, base, need in spec:
            rs = self.pick("e2e", cfg, tpl)
            if not rs:
                continue
            ns = [r.ns for r in rs]
            cells = [NAMES[cfg], "%.2f" % med([r.offered / 1e6 for r in rs]),
                     "%.3f (%s)" % (med([r.received / 1e6 for r in rs]), rng([r.received / 1e6 for r in rs], "%.2f")),
                     "%.0f%%" % (100 * med([r.busy for r in rs])),
                     "%.1f" % med([1000.0 * r.wake / max(r.rx, 1) for r in rs]),
                     "%.0f (%s)" % (med(ns), rng(ns, "%.0f")), "%.2f" % (1e3 / med(ns))]
            if base:
                cap = self.paired("e2e", tpl, base, cfg, lambda x, y: x.ns / y.ns)
                rcv = self.paired("e2e", tpl, base, cfg, lambda x, y: y.received / x.received)
                cells += ["%.1f%% (%s)" % (100 * med(cap), rng([100 * c for c in cap], "%.0f")),
                          "%.0f%% (%s)" % (100 * med(rcv), rng([100 * c for c in rcv], "%.0f"))]
                wake = med([1000.0 * r.wake / max(r.rx, 1) for r in self.pick("e2e", base, tpl)])
                if need and wake > WAKE_MAX:
                    cells += [">= %.0f%% of %s" % (100 * need, NAMES[base]),
                              "not judged: the baseline idled (%.1f wake-ups per 1k frames)" % wake]
                elif need:
                    cells += [">= %.0f%% of %s" % (100 * need, NAMES[base]),
                              self.budget("%s: %s per core >= %.0f%% of %s" % (tpl, NAMES[cfg], 100 * need, NAMES[base]),
                                          "%.1f%%" % (100 * med(cap)), "", med(cap) >= need)]
                else:
                    cells += ["", ""]
            else:
                cells += ["baseline", "baseline", "", ""]
            out.append("| " + " | ".join(cells) + " |")
        return out

    def prog_runs(self, cfg, tpl, rate=0.0):
        """The receiver's program's run time per frame (BPF statistics), one per run."""
        return [int(f[4]) / int(f[5]) for f in self.rows
                if f[0] == "progstat" and f[1] == cfg and f[2] == tpl and float(f[3]) == rate and int(f[5])]

    def prog_ns(self, cfg, tpl, rate=0.0):
        """Their median, or None."""
        v = self.prog_runs(cfg, tpl, rate)
        return med(v) if v else None

    def progstat_table(self):
        have = [f for f in self.rows if f[0] == "progstat" and float(f[3]) == 0]
        if not have:
            return []
        probe = {f[1]: f[2] for f in self.rows if f[0] == "probe"}
        missing = [x for x in ("this bpftool is built without it" if probe.get("prog_profile") == "no" else "",
                               "this VM exposes no hardware counters (perf stat: not supported)"
                               if probe.get("hw_counters") == "no" else "") if x]
        out = ["", "### The programs' own run time",
               "", "Separate unpaced runs into the same receivers with the kernel's BPF statistics on (`livegen -S`; "
               "`run_time_ns / run_cnt` of the receiver's program, which includes the statistics' own clock reads, "
               "so the no-op programs show that floor), median and range of %d runs: the program's share of the "
               "receiving core's cost, apart from the noise of the rest.%s" % (len(self.prog_runs("a", "udp")),
                   " `bpftool prog profile` would count its cycles and instructions, but %s." % " and ".join(missing)
                   if missing else ""), "",
               "| program | 64-byte UDP, ns per frame | 64-byte SYN, ns per frame |", "|---|---|---|"]
        for c in "ablcdef":
            u, y = self.prog_runs(c, "udp"), self.prog_runs(c, "syn")
            if not u and not y:
                continue
            out.append("| %s | %s | %s |" % (NAMES[c], "%.0f (%s)" % (med(u), rng(u, "%.0f")) if u else "-",
                                              "%.0f (%s)" % (med(y), rng(y, "%.0f")) if y else "-"))
        return out

    def diff(self, tpl, a, b):
        """Median over rounds of b's ns per frame minus a's."""
        return med(self.paired("e2e", tpl, a, b, lambda x, y: y.ns - x.ns))

    def e2e(self):
        out = ["## End to end on a veth pair",
               "",
               "`tools/bench/live.sh` makes two network namespaces and one veth pair per receiver below, sets them all "
               "up at once (programs attached; three sensors started by the real loader, `build/portsense` and "
               "`build/portsense-drop`, each with its own `--pin-path`) and measures them in interleaved rounds, so "
               "the machine's background load falls on all of them alike. The generator is `build/livegen`: an XDP "
               "program returning XDP_TX, run by BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES out of the "
               "sending veth (batches of 64, one test run per measurement), pinned to CPU 0. Every receiving veth "
               "has threaded NAPI, its kthread SCHED_FIFO and pinned to CPU 1, so everything the receiver does "
               "(the program, the stack, packet sockets) is that thread's work. The receiving namespace has "
               "198.18.0.2/32 and no route back: the stack's answers (RST, ICMP) end at the route lookup.",
               "",
               "Measured per run: frames received (the veth's rx_packets; the sensors' own frame counters agree, "
               "below) and the receiving thread's CPU time (/proc/PID/schedstat). *ns per frame* is that CPU time "
               "over the frames, *Mpps per core* its inverse: what one core of this machine takes with this "
               "receiver. **Other engineers' builds and tests ran on this 2-vCPU VM during the run**: the received "
               "rate depends on how much of the time the generator (on CPU 0, with the other work) and the "
               "receiving thread had their cores (*busy*; on this kernel, built PREEMPT_NONE, even a real-time "
               "thread waits behind another task's kernel work, and the veth's 256-frame ring overflows "
               "meanwhile), while the thread's CPU time per frame does not. So the budgets are judged on the per-core "
               "ratio, computed per round against the same round's baseline (median, min-max over rounds); the "
               "received-rate ratio is beside it. A baseline that drains its ring faster than the generator fills it "
               "sleeps and wakes often (*wake-ups per 1k frames*), and each wake-up costs CPU time: its ns per "
               "frame is then an overestimate, which flatters the ratio against it."]
        for tpl in ("udp", "syn", "mix"):
            if not self.pick("e2e", "a", tpl):
                continue
            spec = [("a", None, 0), ("b", "a", 0.95), ("l", "a", 0)]
            if self.pick("e2e", "c", tpl):
                spec += [("c", None, 0), ("d", "c", 0.95)]
            spec += [("e", None, 0), ("h", "e", 0), ("f", "e", 0.70)]
            n = len({r.round for r in self.pick("e2e", "a", tpl)})
            out += ["", "### %s (%d rounds of %.0f s)" % (TEMPLATES[tpl][0].upper() + TEMPLATES[tpl][1:], n,
                                                           med([r.secs for r in self.pick("e2e", "a", tpl)])), ""]
            out += self.e2e_table(tpl, spec)
            cnt = [(r.counted, r.rx) for r in self.runs if r.part == "e2e" and r.tpl == tpl and r.counted is not None]
            if cnt:
                c, x = sum(a for a, _ in cnt), sum(b for _, b in cnt)
                out += ["", "The sensors counted %s frames; their interfaces received %s." % (num(c), num(x))]
            if self.pick("e2e", "d", tpl):
                tc = self.paired("e2e", tpl, "a", "d", lambda x, y: x.ns / y.ns)
                out += ["portsense on tc ingress against the no-op **XDP_PASS** program: %.0f%% (%s) per core." % (
                    100 * med(tc), rng([100 * v for v in tc], "%.0f"))]
        out += self.progstat_table()
        out += ["", "### Where the receiving thread's time goes",
                "", "perf, cpu-clock samples of the receiving thread only, one unpaced 64-byte UDP run each:", ""]
        out += self.profile(["a", "b"]) + [""] + self.profile(["e", "h", "f"])
        out += ["", "Samples in portsense's own programs (`ps_*`): %.1f%% with PASS, %.1f%% in the drop variant." % (
            self.prog_share("b"), self.prog_share("f"))]
        out += self.bounds()
        return out

    def bounds(self):
        """What the numbers above say bounds each budget; every figure measured."""
        a, b, e, f, h = (self.pick("e2e", c, "udp") for c in "abefh")
        if not (a and b and e and f):
            return []
        stack, drop = med([r.ns for r in a]), med([r.ns for r in e])
        out = ["", "### What bounds it", ""]
        pa, pb = self.prog_ns("a", "udp"), self.prog_ns("b", "udp")
        line = ("- **PASS, 64-byte UDP**: the no-op receiver spends %.0f ns per frame, nearly all of it in the stack "
                "(profile above); 95%% of its rate leaves %.0f ns per frame for a sensor." % (stack, stack / 19))
        pc, pd = self.prog_ns("c", "udp"), self.prog_ns("d", "udp")
        gap = self.diff("udp", "a", "b")
        if pa is not None and pb is not None:
            line += (" portsense's XDP program, measured on its own, runs %.0f ns per frame against the no-op "
                     "program's %.0f: %.0f ns, which alone gives %.1f%% of the no-op rate. %s" % (
                         pb, pa, pb - pa, 100 * stack / (stack + pb - pa),
                         "That is within the budget." if pb - pa <= stack / 19 else
                         "The budget is out of reach until the program itself is cheaper: part 1's *no detectors* "
                         "column splits its cost between parsing and counting, and the detectors."))
            line += " " + self.beside_spin("udp", gap, pb - pa)
        else:
            line += " portsense adds %.0f ns per frame (median of the rounds' differences)." % gap
        out.append(line)
        a_syn, psa, psb = self.pick("e2e", "a", "syn"), self.prog_ns("a", "syn"), self.prog_ns("b", "syn")
        if a_syn and self.pick("e2e", "b", "syn") and psa is not None and psb is not None:
            syn_stack, syn_gap = med([r.ns for r in a_syn]), self.diff("syn", "a", "b")
            out.append("- **PASS, 64-byte SYN**: the no-op receiver spends %.0f ns per frame (95%% leaves %.0f); "
                       "portsense's program runs %.0f ns against the no-op's %.0f: %.0f ns, %.1f%% of the no-op rate "
                       "by itself. %s" % (syn_stack, syn_stack / 19, psb, psa, psb - psa,
                                          100 * syn_stack / (syn_stack + psb - psa),
                                          self.beside_spin("syn", syn_gap, psb - psa)))
        c = self.pick("e2e", "c", "udp")
        if c and pc is not None and pd is not None:
            tcs = med([r.ns for r in c])
            out.append("- **tc, 64-byte UDP**: the no-op tc receiver spends %.0f ns per frame; portsense's tc program runs %.0f ns "
                       "against the no-op's %.0f, %.0f ns, which alone gives %.1f%% of the no-op tc rate (95%% "
                       "leaves %.0f ns)." % (tcs, pd, pc, pd - pc, 100 * tcs / (tcs + pd - pc), tcs / 19))
        if h:
            peek, logic = self.diff("udp", "e", "h"), self.diff("udp", "h", "f")
            pe, pf = self.prog_ns("e", "udp"), self.prog_ns("f", "udp")
            allow = drop / 0.7 - drop
            line = ("- **Drop ceiling, 64-byte UDP**: the no-op XDP_DROP receiver spends %.0f ns per frame (the veth's ring, and "
                    "returning each page to the generator's page pool under a lock the generator's core takes too: "
                    "the spinlock lines of the profiles, which vary from run to run); 70%% of its rate leaves %.0f ns per frame for a sensor. Reading the frame's "
                    "first bytes costs %+.0f ns, %s; portsense's drop variant %.0f ns more" % (
                        drop, allow, peek, "nothing measurable (the generator wrote the frame moments before, into a "
                        "cache the cores share)" if peek < 15 else "bringing the frame into the receiving core's cache",
                        logic))
            if pe is not None and pf is not None:
                line += ("; its program alone runs %.0f ns per frame against the no-op's %.0f: %.0f ns, %s the "
                         "%.0f ns the budget leaves, and %.1f%% of the XDP_DROP rate by itself" % (
                             pf, pe, pf - pe, "within" if pf - pe <= allow else "over", allow,
                             100 * drop / (drop + pf - pe)))
                out.append(line + (". What bounds the ceiling is the program's own run time." if pf - pe > allow
                                   else "."))
            else:
                out.append(line + ".")
        e_syn, pse, psf = self.pick("e2e", "e", "syn"), self.prog_ns("e", "syn"), self.prog_ns("f", "syn")
        if e_syn and self.pick("e2e", "f", "syn") and pse is not None and psf is not None:
            ens = [r.ns for r in e_syn]
            out.append("- **Drop ceiling, 64-byte SYN**: the no-op XDP_DROP receiver spends %.0f ns per frame "
                       "(%s over the rounds); the drop variant's program runs %.0f ns against the no-op's %.0f: "
                       "%.0f ns, %.1f%% of the XDP_DROP rate by itself (70%% leaves %.0f). The rounds' own "
                       "difference is %.0f ns (median)." % (
                           med(ens), rng(ens, "%.0f"), psf, pse, psf - pse,
                           100 * med(ens) / (med(ens) + psf - pse), med(ens) / 0.7 - med(ens),
                           self.diff("syn", "e", "f")))
        return out

    def beside_spin(self, tpl, gap, run):
        """The rounds' difference GAP (portsense - no-op) against the program's
        run time RUN, and the register loop's (l) as the control: does the
        stack run slower beside the sensor than beside any program as slow?"""
        line = "The rounds' own difference is %.0f ns (median)" % gap
        pl, pa = self.prog_ns("l", tpl), self.prog_ns("a", tpl)
        if not self.pick("e2e", "l", tpl) or pl is None or pa is None:
            return line + "."
        sgap = self.diff(tpl, "a", "l")
        own, ctl = gap - run, sgap - (pl - pa)
        line += ("; the register loop's (a program that runs %.0f ns more than the no-op and touches no memory) is "
                 "%.0f ns. Beyond its run time the sensor's receiver spent %+.0f ns per frame, the loop's %+.0f" % (
                     pl - pa, sgap, own, ctl))
        if own - ctl > max(10, 0.5 * abs(own)):
            return line + (": the stack runs slower beside the sensor than beside a program as slow, by about "
                           "%.0f ns (cache its maps and code take from the stack)." % (own - ctl))
        return line + (": no more than beside a program as slow that touches nothing, so what the sensor costs "
                       "here is its run time (and the rounds' scatter), not cache taken from the stack.")

    def profile(self, cfgs):
        prof = {c: [(f[2].split("%")[0], f[2].split("]", 1)[-1].strip()) for f in self.rows
                    if f[0] == "profile" and f[1] == c] for c in cfgs}
        if not any(prof.values()):
            return ["(no perf profile: perf missing or failed)"]
        out = ["| " + " | ".join("%s | share" % NAMES[c] for c in cfgs) + " |", "|" + "---|---|" * len(cfgs)]
        for i in range(min(max(len(v) for v in prof.values()), 15)):
            cells = []
            for c in cfgs:
                p = prof[c]
                cells += ["`%s`" % p[i][1], "%s%%" % p[i][0]] if i < len(p) else ["", ""]
            out.append("| " + " | ".join(cells) + " |")
        return out

    def prog_share(self, cfg):
        return sum(float(f[2].split("%")[0]) for f in self.rows
                   if f[0] == "profile" and f[1] == cfg and "_ps_" in f[2])

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

    # --- part 4 ----------------------------------------------------------
    def flood(self):
        run = [f for f in self.rows if f[0] == "flood-run"]
        if not run:
            return []
        (_, sent, secs, rx, rxdrop, rx_ns, ticks, wall, hz, rss_idle, hwm_idle, rss_max, hwm,
         start, scan_start, nsrc) = run[0][:16]
        sent, secs, rx, rx_ns, wall = int(sent), float(secs), int(rx), int(rx_ns), float(wall)
        seen = {f[1]: float(f[2]) for f in self.rows if f[0] == "flood-seen"}
        alerts = [f for f in self.rows if f[0] == "flood-alert"]
        sensor = {f[1]: int(f[2]) for f in self.rows if f[0] == "flood-sensor"}
        counted = [f for f in self.rows if f[0] == "flood-counted"]
        nmap = [f[1] for f in self.rows if f[0] == "flood-nmap"]
        base = self.pick("flood", "q", "syn6")
        loader = 100 * int(ticks) / float(hz) / wall
        syn_ms = (seen["syn_flood"] - float(start)) * 1000 if "syn_flood" in seen else None
        scan = [f for f in alerts if f[1] == "port_scan 198.18.0.1"]
        scan_ms = (seen["port_scan"] - float(scan_start)) * 1000 if "port_scan" in seen else None
        spoofed = sum(int(f[2]) for f in alerts if f[1].startswith("port_scan") and f[1] != "port_scan 198.18.0.1")
        out = ["## Under attack: a SYN flood from a million sources",
               "",
               "`build/livegen -t syn6 -s v6:%s`: TCP SYNs to [2001:db8::2]:80, each frame from the next of %s "
               "distinct sources in 2001:db8::/32 (IPv4's test range, 198.18.0.0/15, holds only 131072), unpaced, "
               "for %.0f s, into a fresh sensor with every detector on (`-o json`, default thresholds, `--evidence`: "
               "each alert's capture written as the flood runs), and the same "
               "flood into a no-op XDP_PASS receiver first, as the baseline. Three seconds in, `nmap -sS -p 1-200` "
               "scans 198.18.0.2 from 198.18.0.1. One run each. Alert latency is from the flood's first frame (the generator's "
               "clock) to the alert's line appearing on the loader's stdout (polled every 5 ms)." % (
                   num(nsrc), num(nsrc), secs), "",
               "| | no-op XDP_PASS | portsense, all detectors | budget | met? |", "|---|---|---|---|---|"]
        if base:
            b = base[0]
            out.append("| offered, Mpps | %.2f | %.2f | | |" % (b.offered / 1e6, sent / secs / 1e6))
            out.append("| received, Mpps | %.3f | %.3f | | |" % (b.received / 1e6, rx / secs / 1e6))
            out.append("| receiving core: busy, ns per frame | %.0f%%, %.0f ns | %.0f%%, %.0f ns | | |" % (
                100 * b.busy, b.ns, 100 * rx_ns / secs / 1e9, rx_ns / max(rx, 1)))
            out.append("| per core, Mpps | %.3f | %.3f (%.0f%%) | | |" % (1e3 / b.ns, 1e3 * rx / rx_ns, 100 * b.ns / (rx_ns / max(rx, 1))))
        if counted:
            out.append("| frames / SYNs counted by the sensor | | %s / %s | | |" % (num(counted[0][1]), num(counted[0][2])))
        out += ["| syn_flood alert on stdout, after the first frame | | %s | raised | %s |" % (
                    "%.0f ms" % syn_ms if syn_ms is not None else "none",
                    self.budget("syn_flood raised under the flood", "%.0f ms" % syn_ms if syn_ms else "none", "",
                                syn_ms is not None)),
                "| port_scan for the nmap scan inside the flood | | %s | raised | %s |" % (
                    "raised %.0f ms after nmap started" % scan_ms if scan and scan_ms is not None else "not raised",
                    self.budget("port_scan raised for a scan inside the flood",
                                "yes" if scan else "no", "", bool(scan))),
                "| port_scan for spoofed sources | | %d | 0 | %s |" % (
                    spoofed, self.budget("no port_scan for spoofed sources", str(spoofed), "", spoofed == 0))]
        for f in alerts:
            out.append("| alerts printed: %s | | %s | | |" % (f[1], f[2]))
        out.append("| ring-buffer losses (sensor.events_lost) | | %s | 0 | %s |" % (
            num(sensor.get("events_lost", -1)),
            self.budget("no ring-buffer losses under the flood", str(sensor.get("events_lost")), "",
                        sensor.get("events_lost", 1) == 0)))
        for key in ("alerts_ratelimited", "alerts_suppressed", "scan_sources_admitted", "scan_admissions_denied",
                    "evidence_captures", "evidence_ratelimited", "evidence_ring_lost", "evidence_unwritten"):
            if key in sensor:
                out.append("| sensor.%s | | %s | | |" % (key, num(sensor[key])))
        for f in self.rows:
            if f[0] == "lru":
                out.append("| %s entries at the end (LRU hash) | | %s of %s | | |" % (f[1], num(f[2]), num(f[3])))
        out += ["| loader CPU, utime+stime over %.1f s | | %.1f%% of a core | < 10%% | %s |" % (
                    wall, loader, self.budget("loader CPU < 10% during the flood", "%.1f%%" % loader, "", loader < 10)),
                "| loader VmRSS idle / max during the flood | | %s / %s KiB (VmHWM %s KiB) | | |" % (rss_idle, rss_max, hwm)]
        if nmap:
            out.append("| nmap | | %s | | |" % "; ".join(nmap))
        out += ["", "Evictions: the direct-mapped tables (the sketch, hold-down slots, flow and SYN-queue slots) "
                "overwrite rather than evict and count nothing; the LRU maps' live entries are above. Only sources the "
                "sketch admits get LRU state (scan_sources_admitted, capped per second; the excess is "
                "scan_admissions_denied), so a spoofed flood cannot evict a real scanner's entry."]
        return out

    # --- part 5 ----------------------------------------------------------
    def mem(self):
        maps = [f for f in self.rows if f[0] == "mem-map"]
        if not maps:
            return []
        loaders = [f for f in self.rows if f[0] == "mem-loader"]
        cpus = [f for f in self.rows if f[0] == "mem-cpus"]
        ncpu = int(cpus[0][1]) if cpus else 1
        by = {}
        for f in maps:
            by.setdefault(f[2], {})[f[1]] = f
        sizes = sorted({f[1] for f in maps}, key=int)
        # The value size as measured, so the sentence follows struct ps_counters.
        stats = list(by.get("ps_stats", {}).values())
        per_cpu = (" (`ps_stats`: (max-interfaces + 1) x 2 x %s B per CPU)" % stats[0][6]) if stats else ""
        out = ["## Memory and idle CPU", "",
               "Each map of a running sensor as the kernel charges it (bpftool's memlock), at two "
               "`--max-interfaces`, with %d possible CPUs here. Per-CPU maps grow linearly with the CPU count"
               "%s; the last column scales them to 64 CPUs "
               "(memlock x 64 / %d), the others do not change." % (ncpu, per_cpu, ncpu), "",
               "| map | type | entries | key | value | " + " | ".join("--max-interfaces %s" % s for s in sizes) +
               " | 64 CPUs, --max-interfaces %s |" % sizes[0], "|---|---|---|---|---|" + "---|" * (len(sizes) + 1)]
        tot, tot64 = {s: 0 for s in sizes}, 0
        for name in sorted(by, key=lambda n: -max(int(v[7]) for v in by[n].values())):
            v = by[name]
            f = v[sizes[0]] if sizes[0] in v else list(v.values())[0]
            x64 = int(f[7]) * 64 / ncpu if f[3].startswith("percpu") else int(f[7])
            tot64 += x64
            for s in sizes:
                tot[s] += int(v[s][7]) if s in v else 0
            out.append("| %s | %s | %s | %s B | %s B | %s | %.1f KiB |" % (
                name, f[3], "/".join(sorted({v[s][4] for s in v}, key=int)), f[5], f[6],
                " | ".join("%.1f KiB" % (int(v[s][7]) / 1024) if s in v else "-" for s in sizes), x64 / 1024))
        out.append("| total | | | | | %s | %.1f KiB |" % (" | ".join("%.1f KiB" % (tot[s] / 1024) for s in sizes),
                                                     tot64 / 1024))
        if loaders:
            out += ["", "The loader, idle (no traffic) for %s s after it started, default `--interval` 1:" % loaders[0][4], "",
                    "| --max-interfaces | VmRSS | VmHWM | CPU, utime+stime | CPU, schedstat | budget | met? |",
                    "|---|---|---|---|---|---|---|"]
            for f in loaders:
                n, ticks, ns, secs, hz, rss, hwm = f[1:8]
                pct = 100 * int(ticks) / float(hz) / float(secs)
                exact = 100 * int(ns) / 1e9 / float(secs)
                out.append("| %s | %s KiB | %s KiB | %.1f%% | %.2f%% | < 1%% of a core | %s |" % (
                    n, rss, hwm, pct, exact,
                    self.budget("loader idle < 1%% of a core (--max-interfaces %s)" % n, "%.2f%%" % exact, "", exact < 1)))
        return out

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
