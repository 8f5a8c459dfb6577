// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * detect_scans.c - test_detect's scenarios of port_scan and host_sweep:
 * the exact thresholds they alert at, and the traffic that looks like a
 * scan and is none (a client of many services, this host's own
 * connections, a scanner the allow-list names).
 */
#include <bpf/bpf.h>

#include "detect.h"

static void allow_tune(struct ps_detect_cfg *c)
{
	c->allow = 1;
}

/* The allow-list spares a known scanner, and only for what it names. */
void allow_list(void)
{
	struct ps_lpm_key k = { .prefixlen = 8 + 32, .family = 4 };
	__u32 mask = 1U << PS_ALERT_PORT_SCAN;
	struct ht_sensor x;
	unsigned int i;

	if (setup(&x, allow_tune))
		return;
	k.addr[0] = 198, k.addr[1] = 18, k.addr[2] = 0, k.addr[3] = 66;
	bpf_map_update_elem(bpf_map__fd(x.skel->maps.ps_allow), &k, &mask, BPF_ANY);
	for (i = 0; i < 40; i++) {
		IN(&x, "ipv4:src=198.18.0.66,dst=" HOST " tcp:sport=51000,dport=%u," FIN ",seq=1", 100 + i);
		IN(&x, "ipv4:src=198.18.0.67,dst=" HOST " tcp:sport=51000,dport=%u," FIN ",seq=1", 100 + i);
	}
	check(alerts(&x, PS_ALERT_PORT_SCAN, NULL) == 1,
	      "--allow port_scan=198.18.0.66: only the other scanner alerts", "%d alerts",
	      alerts(&x, PS_ALERT_PORT_SCAN, NULL));
	ht_sensor_close(&x);
}

void sweep(void)
{
	const struct ps_event *e = NULL;
	struct ht_sensor x;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 40; i++)
		IN(&x, "ipv4:src=198.18.0.9,dst=198.18.2.%u icmp:type=8", i);
	n = alerts(&x, PS_ALERT_HOST_SWEEP, &e);
	check(n == 1 && e->detail == PS_SCAN_PING && e->count == PS_SWEEP_HOSTS_DEFAULT,
	      "host_sweep: pings to 40 addresses alert once, typed ping", "%d alerts", n);
	check(alerts(&x, PS_ALERT_PORT_SCAN, NULL) == 0, "a ping sweep is no port_scan",
	      "%d", alerts(&x, PS_ALERT_PORT_SCAN, NULL));
	ht_sensor_close(&x);
}

/* The thresholds count from a source's first probe, admission or not. */
void exact_thresholds(void)
{
	const struct ps_event *e = NULL;
	struct ht_sensor x;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	/*
	 * Ten scans of scattered port sets: each must alert at its 20th
	 * distinct port or a little later (hashed bits collide, which only
	 * undercounts), never before.
	 */
	unsigned int lo = 99, hi = 0;

	for (n = 0; n < 10; n++) {
		unsigned int at = 0;

		for (i = 0; i < 40 && !at; i++) {
			int before = alerts(&x, PS_ALERT_PORT_SCAN, NULL);

			IN(&x, "ipv4:src=198.18.1.%u,dst=" HOST " tcp:sport=51000,dport=%u," SYN
			   ",seq=1" OPT4, 70 + n, 1000 + (i * 7919 + n * 104729) % 30000);
			if (alerts(&x, PS_ALERT_PORT_SCAN, NULL) > before)
				at = i + 1;
		}
		lo = at && at < lo ? at : lo;
		hi = at > hi ? at : hi;
		if (!at)
			lo = 0;
	}
	check(lo >= PS_SCAN_PORTS_DEFAULT && hi <= PS_SCAN_PORTS_DEFAULT + 5,
	      "port_scan: ten scans alert at their 20th to 25th distinct port", "between %u and %u", lo, hi);
	/*
	 * Hosts are bits of a 128-bit set: two of 16 share one about half the
	 * time, so the alert comes at the 16th distinct bit, a host or two
	 * later.
	 */
	e = NULL;
	unsigned int sweep_at = 0;

	for (i = 0; i < 32 && !sweep_at; i++) {
		IN(&x, "ipv4:src=198.18.0.71,dst=198.18.3.%u tcp:sport=51000,dport=443," SYN
		   ",seq=1" OPT4, i);
		if (alerts(&x, PS_ALERT_HOST_SWEEP, &e))
			sweep_at = i + 1;
	}
	check(sweep_at >= PS_SWEEP_HOSTS_DEFAULT && sweep_at <= PS_SWEEP_HOSTS_DEFAULT + 4 && e &&
	      e->count == PS_SWEEP_HOSTS_DEFAULT && alerts(&x, PS_ALERT_HOST_SWEEP, NULL) == 1,
	      "host_sweep: a sweep alerts once, at its 16th to 20th host, counting 16", "at host %u, count %llu",
	      sweep_at, e ? (unsigned long long)e->count : 0);
	ht_sensor_close(&x);
}

/* This host's own connections: a server's ACKs and FIN+ACKs to them are no scan. */
void own_connections(void)
{
	struct ht_sensor x;
	unsigned int i;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 40; i++) {
		OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.80 tcp:sport=%u,dport=443," SYN ",seq=1" OPT20,
		    40000 + i);
		IN(&x, "ipv4:src=198.18.0.80,dst=" HOST " tcp:sport=443,dport=%u," SYNACK ",seq=1" OPT20,
		   40000 + i);
		IN(&x, "ipv4:src=198.18.0.80,dst=" HOST " tcp:sport=443,dport=%u," ACK ",seq=2" OPT12,
		   40000 + i);
		IN(&x, "ipv4:src=198.18.0.80,dst=" HOST " tcp:sport=443,dport=%u," FINACK ",seq=3" OPT12,
		   40000 + i);
	}
	check(alerts(&x, PS_ALERT_PORT_SCAN, NULL) == 0 && alerts(&x, PS_ALERT_BACKSCATTER, NULL) == 0,
	      "40 connections this host opened to one server: no port_scan, no backscatter", "%d, %d",
	      alerts(&x, PS_ALERT_PORT_SCAN, NULL), alerts(&x, PS_ALERT_BACKSCATTER, NULL));
	ht_sensor_close(&x);
}

/* A client using 25 services, all of which accept: no scan. */
void many_services(void)
{
	struct ht_sensor x;
	unsigned int i;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 25; i++) {
		IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=%u,dport=%u," SYN ",seq=1" OPT20,
		   45000 + i, 8000 + i);
		OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.5 tcp:sport=%u,dport=%u," SYNACK ",seq=1" OPT20,
		    8000 + i, 45000 + i);
	}
	check(alerts(&x, PS_ALERT_PORT_SCAN, NULL) == 0,
	      "25 ports that all accept are a client, not a port_scan", "%d alerts",
	      alerts(&x, PS_ALERT_PORT_SCAN, NULL));
	ht_sensor_close(&x);
}
