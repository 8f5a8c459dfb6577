/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_arp.h - arp_spoof: an address whose MAC binding changes (ARP for
 * IPv4, NDP for IPv6), and floods of ARP replies nobody asked for.
 *
 * Bindings live in an LRU keyed by address.  ARP and NDP stay on one
 * segment and come at human rates, so an insert per new address is
 * affordable; a flood of made-up addresses only churns the LRU (its size
 * bounds the cost), and the reply-flood rule catches that flood itself.
 *
 * A direct-mapped array (ps_bindhint) sits in front: the claim a slot
 * already holds, a busy neighbour's every ARP request, costs an array load
 * where the LRU lookup costs tens of nanoseconds.  A slot is written only
 * once ps_binds holds the same binding, so a hit never hides a change;
 * and a binding the LRU dropped (a neighbour only ever answered from its
 * slot looks idle to it) is still known from the slot.
 */
#ifndef PS_ARP_H
#define PS_ARP_H

#include "portsense.h"
#include "ps_addr.h"
#include "ps_alert.h"
#include "ps_clock.h"
#include "ps_config.h"
#include "ps_global.h"
#include "ps_hash.h"
#include "ps_parse.h"
#include "ps_rate.h"

struct ps_bind {
	__u8 mac[6];
	__u16 pad;
	__u64 seen_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PS_BIND_MAX);
	__type(key, struct ps_src_key);
	__type(value, struct ps_bind);
} ps_binds SEC(".maps");

struct ps_bind_hint {
	struct ps_src_key key;	/* as in ps_binds; all zero: empty */
	__u8 mac[6];
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_BIND_HINTS);
	__type(key, __u32);
	__type(value, struct ps_bind_hint);
} ps_bindhint SEC(".maps");

static __always_inline void ps_hint_set(struct ps_bind_hint *h, const struct ps_src_key *k,
					const __u8 *mac)
{
	h->key = *k;
	__builtin_memcpy(h->mac, mac, 6);
}

static __always_inline bool ps_mac_eq(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

/* A claim "@p->bind is at @p->mac" seen on ingress. */
static __always_inline void ps_binding(const struct ps_pkt *p, __u32 ifindex,
				       enum ps_dir dir)
{
	/* Hashed as IPv4 or IPv6: an ARP claim is an IPv4 address. */
	__u8 l3 = p->l3 == PS_L3_IPV6 ? PS_L3_IPV6 : PS_L3_IPV4;
	struct ps_src_key k = { .family = ps_family(l3) };
	struct ps_bind_hint *hint;
	struct ps_evidence ev;
	struct ps_bind *b, nb;
	__u8 old_mac[6];
	__u32 slot;

	/* ARP probes (sender 0.0.0.0) claim nothing. */
	if (!(p->bind[0] | p->bind[1] | p->bind[2] | p->bind[3]))
		return;
	slot = (__u32)ps_addr_hash(l3, p->bind) & (PS_BIND_HINTS - 1);
	hint = bpf_map_lookup_elem(&ps_bindhint, &slot);
	if (!hint)
		return;
	if (ps_key_eq(&hint->key, l3, p->bind) && ps_mac_eq(hint->mac, p->mac))
		return;		/* the binding as known */
	__builtin_memcpy(k.addr, p->bind, 16);
	b = bpf_map_lookup_elem(&ps_binds, &k);
	if (!b) {
		__builtin_memset(&nb, 0, sizeof(nb));
		__builtin_memcpy(nb.mac, p->mac, 6);
		nb.seen_ns = ps_now();
		if (!bpf_map_update_elem(&ps_binds, &k, &nb, BPF_ANY))
			ps_global_add(PS_G_BIND_INSERTS);
		/* New to the LRU; its slot may still know the old binding. */
		if (!ps_key_eq(&hint->key, l3, p->bind)) {
			ps_hint_set(hint, &k, p->mac);
			return;
		}
		__builtin_memcpy(old_mac, hint->mac, 6);
	} else if (ps_mac_eq(b->mac, p->mac)) {
		ps_hint_set(hint, &k, p->mac);
		return;
	} else {
		__builtin_memcpy(old_mac, b->mac, 6);
		/* The new claim stands: a flip back alerts again (after hold-down). */
		__builtin_memcpy(b->mac, p->mac, 6);
		b->seen_ns = ps_now();
	}
	ps_hint_set(hint, &k, p->mac);
	__builtin_memset(&ev, 0, sizeof(ev));
	ev.count = 1;
	__builtin_memcpy(ev.old_mac, old_mac, 6);
	__builtin_memcpy(ev.mac, p->mac, 6);
	/* The event names the address whose binding moved as its source. */
	ev.who = PS_ADDR_BIND;
	ev.src = PS_ADDR_BIND;
	ps_alert_ev(PS_ALERT_ARP_SPOOF, ps_mix_addr(ps_mix(PS_ALERT_ARP_SPOOF, p->l3), p->bind),
		    p, ifindex, dir,
		    p->l3 == PS_L3_IPV6 ? PS_ARPSPOOF_ND_MAC_CHANGE : PS_ARPSPOOF_MAC_CHANGE,
		    &ev);
}

/*
 * ARP replies (NDP advertisements) per target address and window;
 * unsolicited when more than ten times the requests (solicitations) that
 * address sent, seen on egress.
 */
static __always_inline bool ps_is_answer(const struct ps_pkt *p)
{
	if (p->l3 == PS_L3_ARP)
		return p->arp_op == 2;
	return p->icmp_type == PS_ND_ADVERT;
}

/* For ps_detect(), each frame with a claim (PS_PKT_BINDING). */
static __always_inline void ps_detect_arp(const struct ps_pkt *p, __u32 ifindex,
					  __u32 dir)
{
	if (!ps_alert_enabled(PS_ALERT_ARP_SPOOF))
		return;
	if (dir == PS_DIR_EGRESS) {
		if (!ps_is_answer(p)) {
			struct ps_rate *r = ps_rate_of(PS_ALERT_ARP_SPOOF, p, p->saddr,
						       ps_now());

			if (r)
				__sync_fetch_and_add(&r->aux, 1);
		}
		return;
	}
	ps_binding(p, ifindex, dir);
	if (ps_is_answer(p))
		ps_rate_hit(PS_ALERT_ARP_SPOOF, p, ps_cfg.arp_replies, ifindex, dir,
			    p->l3 == PS_L3_ARP ? PS_ARPSPOOF_REPLY_FLOOD :
						 PS_ARPSPOOF_ND_ADVERT_FLOOD);
}

#endif /* PS_ARP_H */
