// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * detect_arp.c - test_detect's scenario of arp_spoof: an IPv4 or IPv6
 * neighbour's binding moving to another MAC (also after the LRU dropped
 * it), and floods of replies or adverts nobody asked for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "detect.h"

/* Two MACs one address moves between, as pktbuild.h reads them and as bytes. */
#define M1 "02:00:00:00:00:11"
#define M2 "02:00:00:00:00:22"
static const __u8 m1[6] = { 2, 0, 0, 0, 0, 0x11 }, m2[6] = { 2, 0, 0, 0, 0, 0x22 };

/* An NDP advert of 2001:db8::T, from itself, at MAC M: arguments T, T, M. */
#define ND_ADVERT "ipv6:src=2001:db8::%x,dst=2001:db8::2,hlim=255" \
	" icmp6:type=136,target=2001:db8::%x,lla=%s"

void arp_spoof(void)
{
	const struct ps_event *e = NULL;
	struct ht_sensor x;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 5; i++)
		IN(&x, "arp:op=2,sha=" M1 ",spa=198.18.0.1,tpa=" HOST);
	check(alerts(&x, PS_ALERT_ARP_SPOOF, NULL) == 0, "arp: a stable binding is quiet",
	      "%d alerts", alerts(&x, PS_ALERT_ARP_SPOOF, NULL));
	IN(&x, "arp:op=2,sha=" M2 ",spa=198.18.0.1,tpa=" HOST);
	n = alerts(&x, PS_ALERT_ARP_SPOOF, &e);
	check(n == 1 && e->detail == PS_ARPSPOOF_MAC_CHANGE && !memcmp(e->mac, m2, 6) &&
	      !memcmp(e->old_mac, m1, 6) && e->saddr[3] == 1,
	      "arp_spoof: 198.18.0.1 moving to another MAC alerts, with both MACs", "%d alerts", n);
	/*
	 * A binding the LRU dropped (as it does to a neighbour only ever
	 * answered from its direct-mapped hint) is still known from the hint.
	 */
	for (i = 0; i < 3; i++)
		IN(&x, "arp:op=2,sha=" M1 ",spa=198.18.0.2,tpa=" HOST);
	{
		struct ps_src_key k = { .family = 4 };

		inet_pton(AF_INET, "198.18.0.2", k.addr);
		check(!bpf_map_delete_elem(bpf_map__fd(x.skel->maps.ps_binds), &k),
		      "arp: 198.18.0.2's binding is in ps_binds", "%s", strerror(errno));
	}
	IN(&x, "arp:op=2,sha=" M2 ",spa=198.18.0.2,tpa=" HOST);
	e = NULL;
	check(alerts(&x, PS_ALERT_ARP_SPOOF, &e) == n + 1 && e && !memcmp(e->old_mac, m1, 6) &&
	      !memcmp(e->mac, m2, 6) && e->saddr[3] == 2,
	      "arp_spoof: a move after the LRU dropped the binding alerts, with both MACs",
	      "%d alerts", alerts(&x, PS_ALERT_ARP_SPOOF, NULL));
	IN(&x, ND_ADVERT, 9, 9, M1);
	IN(&x, ND_ADVERT, 9, 9, M1);
	IN(&x, ND_ADVERT, 9, 9, M2);
	e = NULL;
	alerts(&x, PS_ALERT_ARP_SPOOF, &e);
	check(e && e->detail == PS_ARPSPOOF_ND_MAC_CHANGE && e->family == 6 && e->saddr[15] == 9,
	      "arp_spoof: an NDP advert moving 2001:db8::9 alerts", "last detail %u",
	      e ? e->detail : 0);
	/* Replies nobody asked for, to one target. */
	for (i = 0; i < 60; i++)
		IN(&x, "arp:op=2,sha=" M1 ",spa=198.18.0.%u,tpa=" HOST, 100 + i);
	e = NULL;
	n = alerts(&x, PS_ALERT_ARP_SPOOF, &e);
	check(e && e->detail == PS_ARPSPOOF_REPLY_FLOOD && e->count == PS_ARP_REPLIES_DEFAULT,
	      "arp_spoof: 60 unsolicited replies are a reply flood", "%d alerts, last detail %u",
	      n, e ? e->detail : 0);
	/* The NDP analog: adverts nobody solicited, each for its own target. */
	for (i = 0; i < 60; i++)
		IN(&x, ND_ADVERT, 100 + i, 100 + i, M1);
	e = NULL;
	alerts(&x, PS_ALERT_ARP_SPOOF, &e);
	check(e && e->detail == PS_ARPSPOOF_ND_ADVERT_FLOOD && e->family == 6,
	      "arp_spoof: 60 unsolicited neighbour adverts are an advert flood", "last detail %u",
	      e ? e->detail : 0);
	ht_sensor_close(&x);
}
