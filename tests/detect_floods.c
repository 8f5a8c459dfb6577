// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * detect_floods.c - test_detect's scenarios of the rate detectors: a SYN
 * flood (and the scanner hidden in it, and what its random sources must
 * not cost), handshakes that complete or only half open, backscatter, UDP
 * amplification; each with the traffic of the same shape that must NOT
 * alert, since that is where a rate detector goes wrong.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <bpf/bpf.h>

#include "detect.h"

/* An IPv4 address in the form a description takes. */
struct addr {
	char s[INET_ADDRSTRLEN];
};

/* A spoofed source inside 198.18.0.0/15 for packet @i. */
static struct addr spoofed(unsigned int i)
{
	struct addr a;

	snprintf(a.s, sizeof(a.s), "198.%u.%u.%u", 18 + (i >> 16 & 1), i >> 8 & 0xff, i & 0xff);
	return a;
}

void flood_and_scan(void)
{
	const struct ps_event *e = NULL;
	struct ht_sensor x;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	/* 3000 SYNs to port 80, each from a new source; a scanner among them. */
	for (i = 0; i < 3000; i++) {
		IN(&x, "ipv4:src=%s,dst=" HOST " tcp:sport=%u,dport=80," SYN ",seq=%u",
		   spoofed(0x10000 + i * 7).s, 40000 + i % 20000, i);
		if (i % 50 == 0)
			IN(&x, "ipv4:src=198.18.0.66,dst=" HOST " tcp:sport=51000,dport=%u," SYN
			   ",seq=%u" OPT4, 1 + i / 50, i);
	}
	n = alerts(&x, PS_ALERT_SYN_FLOOD, &e);
	check(n == 1 && e && e->dport == 80 && e->detail == PS_SYNFLOOD_ONE_PORT &&
	      e->count == 1000, "syn_flood: 3000 random-source SYNs, one alert at 1000 for port 80",
	      "%d alerts (port %u, detail %u, count %llu)", n, e ? e->dport : 0,
	      e ? e->detail : 0, e ? (unsigned long long)e->count : 0);
	e = NULL;
	n = alerts(&x, PS_ALERT_PORT_SCAN, &e);
	check(n == 1 && e && e->saddr[3] == 66 && e->detail == PS_SCAN_SYN,
	      "port_scan: a SYN scanner inside the flood is found", "%d alerts, source .%u kind %u",
	      n, e ? e->saddr[3] : 0, e ? e->detail : 0);
	{
		/* The sources spread: a weak hash piles a /16 into a few slots. */
		int fd = bpf_map__fd(x.skel->maps.ps_sketch);
		unsigned int used = 0;
		struct ps_sketch v;
		__u32 k;

		for (k = 0; k < bpf_map__max_entries(x.skel->maps.ps_sketch); k++)
			if (!bpf_map_lookup_elem(fd, &k, &v) && v.start_ns)
				used++;
		check(used >= 2500, "sketch: 3000 sources of one /15 fill at least 2500 of its 16384 slots",
		      "%u slots", used);
	}
	check(global(&x, PS_G_SCAN_ADMITTED) <= 2 &&
	      ht_map_entries(x.skel->maps.ps_scans) <= 2,
	      "sketch: the flood's 3000 sources bought no per-source state",
	      "%llu admitted", (unsigned long long)global(&x, PS_G_SCAN_ADMITTED));
	check(alerts(&x, PS_ALERT_HALF_OPEN, NULL) == 0 && alerts(&x, PS_ALERT_HOST_SWEEP, NULL) == 0,
	      "syn flood: no half_open (no SYN-ACK seen) and no host_sweep", "%d/%d",
	      alerts(&x, PS_ALERT_HALF_OPEN, NULL), alerts(&x, PS_ALERT_HOST_SWEEP, NULL));
	ht_sensor_close(&x);
}

/* Complete handshakes: many SYNs that all finish are load, not a flood. */
void handshakes(bool complete)
{
	const struct ps_event *e = NULL;
	struct ht_sensor x;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 1500; i++) {
		struct addr client = spoofed(0x100 + i);
		unsigned int cport = 30000 + i;

		IN(&x, "ipv4:src=%s,dst=" HOST " tcp:sport=%u,dport=443," SYN ",seq=%u" OPT20,
		   client.s, cport, i);
		OUT(&x, "ipv4:src=" HOST ",dst=%s tcp:sport=443,dport=%u," SYNACK ",seq=7" OPT20,
		    client.s, cport);
		if (complete)
			IN(&x, "ipv4:src=%s,dst=" HOST " tcp:sport=%u,dport=443," ACK ",seq=%u" OPT12,
			   client.s, cport, i + 1);
	}
	if (complete) {
		check(alerts(&x, PS_ALERT_SYN_FLOOD, NULL) == 0 &&
		      alerts(&x, PS_ALERT_HALF_OPEN, NULL) == 0,
		      "1500 completed handshakes in a window: no syn_flood, no half_open", "%d, %d",
		      alerts(&x, PS_ALERT_SYN_FLOOD, NULL), alerts(&x, PS_ALERT_HALF_OPEN, NULL));
	} else {
		n = alerts(&x, PS_ALERT_SYN_FLOOD, &e);
		check(n == 1 && e->aux == 0 && e->aux2 >= 999,
		      "syn_flood: 1500 answered, never completed", "%d alerts, done %llu synacks %llu",
		      n, e ? (unsigned long long)e->aux : 0, e ? (unsigned long long)e->aux2 : 0);
		e = NULL;
		n = alerts(&x, PS_ALERT_HALF_OPEN, &e);
		check(n == 1 && e->sport == 443 && e->count == PS_HALF_OPEN_DEFAULT,
		      "half_open: SYN-ACKs from port 443 never completed", "%d alerts", n);
	}
	ht_sensor_close(&x);
}

void backscatter(void)
{
	const struct ps_event *e = NULL;
	struct ht_sensor x;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	/* This host's own connections: SYN out, SYN-ACK or RST+ACK (seq 0) back. */
	for (i = 0; i < 300; i++) {
		OUT(&x, "ipv4:src=" HOST ",dst=198.18.1.1 tcp:sport=%u,dport=80," SYN ",seq=5" OPT20,
		    40000 + i);
		IN(&x, "ipv4:src=198.18.1.1,dst=" HOST " tcp:sport=80,dport=%u,%s,seq=%u", 40000 + i,
		   i & 1 ? SYNACK : RSTACK, i & 1 ? 99 : 0);
	}
	check(alerts(&x, PS_ALERT_BACKSCATTER, NULL) == 0,
	      "answers to this host's own SYNs are no backscatter", "%d alerts",
	      alerts(&x, PS_ALERT_BACKSCATTER, NULL));
	/* Answers to SYNs someone else sent with this host's address. */
	for (i = 0; i < 150; i++)
		IN(&x, "ipv4:src=%s,dst=" HOST " tcp:sport=80,dport=%u," SYNACK ",seq=%u",
		   spoofed(0x200 + i).s, 20000 + i, 1000 + i);
	n = alerts(&x, PS_ALERT_BACKSCATTER, &e);
	check(n == 1 && e->detail == PS_BACKSCATTER_SYNACK && e->count == PS_BACKSCATTER_DEFAULT,
	      "backscatter: 150 unsolicited SYN-ACKs alert once", "%d alerts", n);
	ht_sensor_close(&x);
}

void amplification(bool requested)
{
	const struct ps_event *e = NULL;
	struct ht_sensor x;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	if (requested) {
		for (i = 0; i < 100; i++)
			OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.53 udp:sport=%u,dport=53 data:n=30",
			    20000 + i);
	}
	/* 900 DNS answers from 9 resolvers, 1000 bytes each (IP length). */
	for (i = 0; i < 900; i++) {
		/* Below 32768, where a udp scan would be counted. */
		IN(&x, "ipv4:src=198.18.0.%u,dst=" HOST " udp:sport=53,dport=%u data:n=992",
		   53 + i % 9, 20000 + i);
	}
	n = alerts(&x, PS_ALERT_UDP_AMPLIFICATION, &e);
	if (requested)
		check(n == 0, "udp_amplification: 900 answers to 100 requests (9 each) do not alert",
		      "%d alerts", n);
	else
		check(n == 1 && e->sport == 53 && e->aux == 0,
		      "udp_amplification: 900 unrequested DNS answers alert once", "%d alerts", n);
	check(alerts(&x, PS_ALERT_PORT_SCAN, NULL) == 0,
	      requested ? "answers from port 53 are not a udp scan (requested)" :
			  "answers from port 53 are not a udp scan", "%d alerts",
	      alerts(&x, PS_ALERT_PORT_SCAN, NULL));
	ht_sensor_close(&x);
}
