# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""report.py's parts 4 and 5: the flood; memory and idle CPU."""
from report_common import num


class Flood:
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

