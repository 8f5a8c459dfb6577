#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Helpers of tests/test_metrics.sh: HTTP in the test namespace, the
Prometheus API, and the map from the counter snapshot (docs/stats-json.md)
to the metric series (docs/metrics.md), written out here on its own so it
checks the sensor's rendering rather than repeating it.

  metrics_check.py fetch METHOD URL [OUT]      status, then headers; body to OUT
  metrics_check.py query PROM_URL PROMQL       the API's JSON result, one line
  metrics_check.py compare PROM_URL STATS_JSON differences, exit 1 if any
  metrics_check.py expected STATS_JSON         the series the snapshot implies
  metrics_check.py dashboard DASHBOARD SCRAPE [PROM_URL]
  metrics_check.py disconnect HOST PORT N      N clients reset mid-response
  metrics_check.py stall HOST PORT N URL       N clients that never read, then a scrape
"""
import json
import re
import socket
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

L4 = ("tcp", "udp")
CLASSES = ("well_known", "registered", "dynamic")
FLAGS = ("syn_noack", "synack", "rst", "fin", "null", "null_all_bits_zero",
         "xmas", "xmas_exact", "syn_fin")
EXTRAS = {
    "vlan_tagged_frames": "portsense_vlan_tagged_frames_total",
    "frames_over_2_vlan_tags": "portsense_frames_over_2_vlan_tags_total",
    "frames_over_1514": "portsense_frames_over_1514_total",
    "ipv4_src_eq_dst": "portsense_ipv4_src_eq_dst_total",
    "land": "portsense_land_packets_total",
    "l3_header_incomplete": "portsense_l3_header_incomplete_total",
    "l3_malformed": "portsense_l3_malformed_total",
    "mirror_dropped": "portsense_mirror_dropped_frames_total",
}
SENSOR = {
    "frames_unslotted": ("portsense_frames_unslotted_total", {}),
    "events_lost": ("portsense_events_lost_total", {}),
    "alerts_suppressed": ("portsense_alerts_suppressed_total", {}),
    "alerts_ratelimited": ("portsense_alerts_ratelimited_total", {}),
    "scan_admissions_denied": ("portsense_scan_admissions_total", {"result": "denied"}),
    "scan_sources_admitted": ("portsense_scan_admissions_total", {"result": "admitted"}),
    "rate_inserts": ("portsense_map_inserts_total", {"map": "ps_rates"}),
    "bind_inserts": ("portsense_map_inserts_total", {"map": "ps_binds"}),
    "flow_evictions": ("portsense_map_evictions_total", {"map": "ps_flows"}),
    "synq_evictions": ("portsense_map_evictions_total", {"map": "ps_synq"}),
    "evidence_captures": ("portsense_evidence_captures_total", {"result": "opened"}),
    "evidence_ratelimited": ("portsense_evidence_captures_total", {"result": "ratelimited"}),
    "evidence_table_full": ("portsense_evidence_captures_total", {"result": "table_full"}),
    "evidence_ring_lost": ("portsense_evidence_frames_lost_total", {"reason": "ring_full"}),
    "evidence_unwritten": ("portsense_evidence_frames_lost_total", {"reason": "unwritten"}),
    "hold_evictions": ("portsense_map_evictions_total", {"map": "ps_hold"}),
}


# The handshake series (docs/diagnosis.md): outcomes a role can have.
HS_OUTCOMES = {
    "server": ("completed", "refused", "unanswered", "reset_after_synack", "synack_unanswered"),
    "client": ("completed", "refused", "unanswered"),
}


def port_class(port):
    return "well_known" if port < 1024 else "registered" if port < 49152 else "dynamic"


def hs_expected(ifname, h, series):
    """The handshake families of one interface's "handshakes" object;
    raises on a figure this map does not know."""
    known = {"server", "client", "zero_window", "resets_after_handshake"}
    if set(h) != known:
        raise KeyError("handshake figures with no metric: %s" % sorted(set(h) - known))
    for role, outcomes in HS_OUTCOMES.items():
        r = h[role]
        series[key("portsense_tcp_syn_retransmits_total", {"interface": ifname, "role": role})] = \
            r["syn_retransmits"]
        items = [({"port_class": k}, r["by_port_class"][k]) for k in CLASSES]
        items += [({"port_class": port_class(int(p)), "port": p}, v) for p, v in r["by_port"].items()]
        for lb, s in items:
            base = {"interface": ifname, "role": role, **lb}
            if set(s) != set(outcomes) | {"latency"}:
                raise KeyError("%s %s: outcomes %s" % (role, lb, sorted(s)))
            for o in outcomes:
                series[key("portsense_tcp_handshakes_total", {**base, "outcome": o})] = s[o]
            cum = 0
            for le, n in s["latency"]["buckets"].items():
                cum += n
                series[key("portsense_tcp_handshake_seconds_bucket", {**base, "le": le})] = cum
            series[key("portsense_tcp_handshake_seconds_count", base)] = s["latency"]["count"]
            series[key("portsense_tcp_handshake_seconds_sum", base)] = s["latency"]["sum_ns"] / 1e9
    for d in ("ingress", "egress"):
        lb = {"interface": ifname, "direction": d}
        series[key("portsense_tcp_zero_window_total", lb)] = h["zero_window"][d]
        series[key("portsense_tcp_resets_after_handshake_total", lb)] = h["resets_after_handshake"][d]


def flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flatten(v, prefix + k + "."))
        else:
            out[prefix + k] = v
    return out


def key(name, labels):
    return (name, tuple(sorted(labels.items())))


def expected(stats):
    """{(family, labels): value} for every counter of the snapshot, and
    {(family, labels without family): total} for the counters exported
    only as a sum over a label (tcp.packets = sum over IP version).
    Raises on a snapshot counter this map does not know."""
    series, sums = {}, {}
    for ifname, per in stats["interfaces"].items():
        hs_expected(ifname, per["handshakes"], series)
        for dirn in ("ingress", "egress"):
            c = flatten(per[dirn])
            base = {"interface": ifname, "direction": dirn}
            used = set()

            def put(path, fam, **lb):
                used.add(path)
                series[key(fam, {**base, **lb})] = c[path]

            put("frames", "portsense_frames_total")
            put("bytes", "portsense_bytes_total")
            for l3 in ("ipv4", "ipv6", "arp", "other"):
                put("l3." + l3, "portsense_l3_frames_total", l3=l3)
            for p in L4:
                for fam in ("ipv4", "ipv6"):
                    put("%s.%s_packets" % (p, fam), "portsense_l4_packets_total", proto=p, family=fam)
                used.add(p + ".packets")
                sums[key("portsense_l4_packets_total", {**base, "proto": p})] = c[p + ".packets"]
                put(p + ".bytes", "portsense_l4_bytes_total", proto=p)
                put(p + ".header_incomplete", "portsense_l4_header_incomplete_total", proto=p)
                for side in ("dst", "src"):
                    for k in CLASSES:
                        path = "%s.by_%s_class.%s." % (p, side, k)
                        put(path + "packets", "portsense_port_class_packets_total",
                            proto=p, side=side, port_class=k)
                        put(path + "bytes", "portsense_port_class_bytes_total",
                            proto=p, side=side, port_class=k)
            for f in FLAGS:
                put("tcp." + f, "portsense_tcp_flags_total", flag=f)
            put("icmp.packets", "portsense_l4_packets_total", proto="icmp", family="ipv4")
            put("icmpv6.packets", "portsense_l4_packets_total", proto="icmpv6", family="ipv6")
            for p in ("icmp", "icmpv6"):
                for t in ("request", "reply"):
                    put("%s.echo_%s" % (p, t), "portsense_icmp_echo_total", proto=p, type=t)
            put("ipv4_fragments", "portsense_ip_fragments_total", family="ipv4")
            put("ipv6_fragments", "portsense_ip_fragments_total", family="ipv6")
            for op in ("request", "reply"):
                put("arp." + op, "portsense_arp_packets_total", op=op)
            for x, fam in EXTRAS.items():
                put("extras." + x, fam)
            left = set(c) - used
            if left:
                raise KeyError("snapshot counters with no metric: %s" % sorted(left))
    for name, v in stats["sensor"].items():
        if name not in SENSOR:
            raise KeyError("sensor counter with no metric: %s" % name)
        fam, lb = SENSOR[name]
        series[key(fam, lb)] = v
    # ps_scans' inserts are its admissions.
    series[key("portsense_map_inserts_total", {"map": "ps_scans"})] = \
        stats["sensor"]["scan_sources_admitted"]
    return series, sums


def http(method, url, timeout=10):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def query(prom, q):
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
    status, _, body = http("GET", url)
    return json.loads(body)


def prom_series(prom):
    """{(family, labels): value} of every portsense_ series Prometheus has now."""
    r = query(prom, '{__name__=~"portsense_.+"}')
    if r.get("status") != "success":
        raise RuntimeError("query failed: %s" % r)
    out = {}
    for s in r["data"]["result"]:
        m = dict(s["metric"])
        name = m.pop("__name__")
        m.pop("instance", None)
        m.pop("job", None)
        out[key(name, m)] = float(s["value"][1])
    return out


def compare(prom, stats_path):
    stats = json.load(open(stats_path))
    want, sums = expected(stats)
    got = prom_series(prom)
    diffs = []
    for k, v in sorted(want.items()):
        if k not in got:
            diffs.append("missing %s%s (want %d)" % (k[0], dict(k[1]), v))
        elif got[k] != v:
            diffs.append("%s%s = %g, snapshot %g" % (k[0], dict(k[1]), got[k], v))
    for (fam, lbs), v in sorted(sums.items()):
        lb = dict(lbs)
        total = sum(val for (n, l), val in got.items()
                    if n == fam and all(dict(l).get(a) == b for a, b in lb.items()))
        if total != v:
            diffs.append("sum of %s%s = %g, snapshot %d" % (fam, lb, total, v))
    for d in diffs[:10]:
        print(d)
    print("%d series compared, %d sums, %d differences" % (len(want), len(sums), len(diffs)))
    return 1 if diffs else 0


def families(scrape_path):
    names = set()
    for line in open(scrape_path):
        m = re.match(r"# TYPE (\S+) (\S+)", line)
        if m:
            names.add(m.group(1))
            if m.group(2) == "histogram":
                names.update(m.group(1) + x for x in ("_bucket", "_sum", "_count"))
    return names


def dashboard(path, scrape_path, prom=None):
    d = json.load(open(path))
    problems = []
    if d.get("schemaVersion", 0) < 36:
        problems.append("schemaVersion %s < 36" % d.get("schemaVersion"))
    tvars = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    if not any(v.get("type") == "datasource" and v.get("query") == "prometheus"
               for v in tvars.values()):
        problems.append("no Prometheus datasource variable")
    for want in ("node", "interface"):
        if want not in tvars:
            problems.append("no template variable %s" % want)
    exprs = []
    for v in tvars.values():
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        if v.get("type") == "query" and q:
            exprs.append(("variable " + v["name"], q))

    def walk(panels):
        for p in panels:
            walk(p.get("panels", []))
            for t in p.get("targets", []):
                if "expr" in t:
                    exprs.append((p.get("title", "?"), t["expr"]))
    walk(d.get("panels", []))
    have = families(scrape_path)
    used = set()
    for title, e in exprs:
        for name in re.findall(r"\bportsense_[a-z0-9_]+", e):
            used.add(name)
            if name not in have:
                problems.append("%s: %s is not in the scrape" % (title, name))
    empty = []
    if prom:
        for title, e in exprs:
            if e.startswith("label_values("):
                m = re.match(r"label_values\((.*),\s*(\w+)\)$", e)
                e = m.group(1) if m else e
            q = (e.replace("$__rate_interval", "1m").replace("$__interval", "15s")
                 .replace("$__range", "5m"))
            q = re.sub(r"\$\{?(node|interface)\}?", ".*", q)
            r = query(prom, q)
            if r.get("status") != "success":
                problems.append("%s: Prometheus refuses %r: %s" % (title, q, r.get("error")))
            elif not r["data"]["result"]:
                empty.append(title)
    for p in problems:
        print(p)
    print("%d expressions, %d metric names, all in a real scrape: %s; empty results: %s"
          % (len(exprs), len(used), "no" if problems else "yes", empty or "none"))
    return 1 if problems or empty else 0


def disconnect(host, port, n):
    """Clients that read the first bytes of /metrics, then reset."""
    for _ in range(n):
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        s.connect((host, port))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        data = s.recv(100)
        if not data.startswith(b"HTTP/1.1 200"):
            print("unexpected start: %r" % data[:40])
            return 1
        # RST, not FIN: the server's next write fails.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    print("%d clients reset after 100 bytes" % n)
    return 0


def stall(host, port, n, url):
    """N clients send a request and never read; a scrape still works."""
    held = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        s.connect((host, port))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        held.append(s)
    t0 = time.monotonic()
    status, _, body = http("GET", url, timeout=5)
    took = time.monotonic() - t0
    for s in held:
        s.close()
    print("%d stalled clients; a scrape meanwhile: %d, %d bytes in %.3f s"
          % (n, status, len(body), took))
    return 0 if status == 200 and b"portsense_frames_total" in body else 1


def main(argv):
    cmd = argv[1]
    if cmd == "fetch":
        status, headers, body = http(argv[2], argv[3])
        # The body first: a reader of the status line alone may close the pipe.
        if len(argv) > 4:
            open(argv[4], "wb").write(body)
        print(status)
        for k, v in headers.items():
            print("%s: %s" % (k, v))
        return 0
    if cmd == "query":
        print(json.dumps(query(argv[2], argv[3])))
        return 0
    if cmd == "compare":
        return compare(argv[2], argv[3])
    if cmd == "expected":
        want, sums = expected(json.load(open(argv[2])))
        print(len(want), len(sums))
        return 0
    if cmd == "dashboard":
        return dashboard(argv[2], argv[3], argv[4] if len(argv) > 4 else None)
    if cmd == "disconnect":
        return disconnect(argv[2], int(argv[3]), int(argv[4]))
    if cmd == "stall":
        return stall(argv[2], int(argv[3]), int(argv[4]), argv[5])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
