# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""report.py's part 2: end to end on veth pairs, and what bounds its budgets."""
from report_common import NAMES, TEMPLATES, WAKE_MAX, med, num, rng


class E2E:
    # --- part 2 ----------------------------------------------------------
    def e2e_table(self, tpl, spec):
        out = ["| receiver | offered Mpps | received Mpps | receiving core busy | NAPI wake-ups per 1k "
               "frames | ns per frame | ns added | Mpps per core | per core, vs baseline | received, vs baseline "
               "| budget | met? |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for cfg, base, need in spec:
            rs = self.pick("e2e", cfg, tpl)
            if not rs:
                continue
            ns = [r.ns for r in rs]
            cells = [NAMES[cfg], "%.2f" % med([r.offered / 1e6 for r in rs]),
                     "%.3f (%s)" % (med([r.received / 1e6 for r in rs]), rng([r.received / 1e6 for r in rs], "%.2f")),
                     "%.0f%%" % (100 * med([r.busy for r in rs])),
                     "%.1f" % med([1000.0 * r.wake / max(r.rx, 1) for r in rs]),
                     "%.0f (%s)" % (med(ns), rng(ns, "%.0f"))]
            if base:
                add = self.paired("e2e", tpl, base, cfg, lambda x, y: y.ns - x.ns)
                cells.append("%+.0f (%+.0f to %+.0f)" % (med(add), min(add), max(add)) if add else "-")
            else:
                cells.append("")
            cells.append("%.2f" % (1e3 / med(ns)))
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
               "received-rate ratio is beside it, and so is *ns added*: the median over the rounds of the "
               "receiver's ns per frame less the same round's baseline's, what the receiving core pays per frame "
               "beyond its baseline. A baseline that drains its ring faster than the generator fills it "
               "sleeps and wakes often (*wake-ups per 1k frames*), and each wake-up costs CPU time: its ns per "
               "frame is then an overestimate, which flatters the ratio against it."]
        out += self.operated("bdf")
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

    def operated(self, cfgs):
        """What the sensors of CFGS ran with, and what their evidence capture
        and connection diagnosis did meanwhile (live.sh's op_sensor, op_state)."""
        args = {f[1]: f[2] for f in self.rows if f[0] == "sensor-args" and f[1] in cfgs}
        if not args:
            return []
        state = {f[1]: f for f in self.rows if f[0] == "op-state" and f[1] in cfgs}
        who = ("sensors", "they", "") if len(args) > 1 else ("sensor", "it", "s")
        out = ["", "The %s ran as an operator runs one, with everything %s measure%s on: %s." % (
            who + ("; ".join("%s `%s`" % (NAMES[c], args[c]) for c in cfgs if c in args),))]
        done = ["%s: %s evidence captures opened (%s files written), %s handshakes completed, %s refused, %s "
                "unanswered, %s SYN retransmissions (services: %s)" % (
                    NAMES[c], num(f[2]), num(f[3]), num(f[4]), num(f[5]), num(f[6]), num(f[7]), f[8] or "none")
                for c, f in sorted(state.items())]
        retx = any(int(f[7]) for f in state.values())
        if done:
            out[-1] += (" What %s did over these runs, from %s pins (the handshake figures count a connection once "
                        "it ends, answered or timed out%s): %s." % (
                            "they" if len(done) > 1 else "it", "their" if len(done) > 1 else "its",
                            "; the SYN template repeats one connection's SYN, so after the first each is a "
                            "retransmission of a handshake in progress" if retx else "", "; ".join(done)))
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
                       "by itself.%s %s" % (syn_stack, syn_stack / 19, psb, psa, psb - psa,
                                            100 * syn_stack / (syn_stack + psb - psa),
                                            self.alone(psb - psa, syn_stack / 19),
                                            self.beside_spin("syn", syn_gap, psb - psa)))
        c = self.pick("e2e", "c", "udp")
        if c and pc is not None and pd is not None:
            tcs = med([r.ns for r in c])
            out.append("- **tc, 64-byte UDP**: the no-op tc receiver spends %.0f ns per frame; portsense's tc program runs %.0f ns "
                       "against the no-op's %.0f, %.0f ns, which alone gives %.1f%% of the no-op tc rate (95%% "
                       "leaves %.0f ns).%s" % (tcs, pd, pc, pd - pc, 100 * tcs / (tcs + pd - pc), tcs / 19,
                                             self.alone(pd - pc, tcs / 19)))
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
                       "%.0f ns, %.1f%% of the XDP_DROP rate by itself (70%% leaves %.0f).%s The rounds' own "
                       "difference is %.0f ns (median)." % (
                           med(ens), rng(ens, "%.0f"), psf, pse, psf - pse,
                           100 * med(ens) / (med(ens) + psf - pse), med(ens) / 0.7 - med(ens),
                           self.alone(psf - pse, med(ens) / 0.7 - med(ens)), self.diff("syn", "e", "f")))
        return out

    @staticmethod
    def alone(run, allow):
        """Whether the program's own run time RUN (ns over the no-op's) fits
        the ALLOW ns per frame a budget leaves: the bound when it does not."""
        if run > allow:
            return (" The program's own run time alone misses the budget: it bounds it, whatever the rounds "
                    "do (part 1's tables split it between parsing and counting, and the detectors).")
        return ""

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

