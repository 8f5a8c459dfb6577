/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_rate.h - packets per window toward one victim, the state of the rate
 * detectors (floods, reflections, backscatter, amplification).
 */
#ifndef PS_RATE_H
#define PS_RATE_H

#include "portsense.h"
#include "ps_addr.h"
#include "ps_alert.h"
#include "ps_clock.h"
#include "ps_config.h"
#include "ps_global.h"
#include "ps_hash.h"
#include "ps_parse.h"

/*
 * Rate state, per victim: packets in the current window.  Keyed by the
 * destination, so a flood from random spoofed sources is one entry, not
 * one per packet.  LRU: a host has few addresses, and an old victim's entry
 * may go.
 */
struct ps_rate_key {
	__u32 alert;		/* enum ps_alert */
	__u32 family;		/* 4 or 6 (ps_addr.h) */
	__be32 addr[4];
};

struct ps_rate {
	__u64 start_ns;
	__u64 hits;
	__u64 aux;		/* smurf, udp_amplification, arp_spoof: the victim's requests */
	__u64 bytes;		/* udp_amplification */
	__u64 fired;		/* udp_amplification: this window has alerted */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PS_RATE_KEYS_MAX);
	__type(key, struct ps_rate_key);
	__type(value, struct ps_rate);
} ps_rates SEC(".maps");

/* The victim's rate entry, its window restarted if it ran out. */
static __always_inline struct ps_rate *ps_rate_of(enum ps_alert a,
						   const struct ps_pkt *p,
						   const __be32 addr[4], __u64 now)
{
	struct ps_rate_key k = { .alert = a, .family = ps_family(p->l3) };
	struct ps_rate *r;

	__builtin_memcpy(k.addr, addr, 16);
	r = bpf_map_lookup_elem(&ps_rates, &k);
	if (!r) {
		struct ps_rate z = { .start_ns = now };

		if (!bpf_map_update_elem(&ps_rates, &k, &z, BPF_NOEXIST))
			ps_global_add(PS_G_RATE_INSERTS);
		r = bpf_map_lookup_elem(&ps_rates, &k);
		if (!r)
			return NULL;
	}
	/* A racing reset loses a few counts, never an alert. */
	if (ps_window_over(now, r->start_ns, ps_cfg.window_ns))
		*r = (struct ps_rate){ .start_ns = now };
	return r;
}

/*
 * A rate detector's alert @a, key @key: @n packets to the victim, the
 * destination, in @r's window; @aux2 as struct ps_event says for @a.
 * @ev is room the caller declares: where that declaration sits decides
 * the stack layout the verifier walks (declared here, ps_xdp took 2% more
 * verifier work).
 */
static __always_inline void ps_rate_alert(enum ps_alert a, __u64 key, const struct ps_pkt *p,
					  const struct ps_rate *r, __u64 n, __u64 aux2,
					  __u32 ifindex, enum ps_dir dir, __u8 detail,
					  struct ps_evidence *ev)
{
	/* Zeroed where it is filled: an early zeroing costs every packet. */
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->count = n;
	ev->window_ns = ps_cfg.window_ns;
	ev->aux = r->aux;
	ev->aux2 = aux2;
	ev->who = PS_ADDR_DST;
	ev->src = PS_ADDR_SRC;
	ps_alert_ev(a, key, p, ifindex, dir, detail, ev);
}

/*
 * Count one packet toward @a for its victim, the destination; alert once the window
 * holds @threshold (the hold-down keeps it to one alert per period).
 * @detail goes into the event.
 */
static __always_inline void ps_rate_hit(enum ps_alert a, const struct ps_pkt *p,
					__u32 threshold,
					__u32 ifindex, enum ps_dir dir, __u8 detail)
{
	__u64 now = ps_now(), n;
	struct ps_rate *r = ps_rate_of(a, p, p->daddr, now);
	struct ps_evidence ev;

	if (!r)
		return;
	/*
	 * Past the threshold this window has had its chance to alert: a plain
	 * load, so a flood does not keep every CPU writing one cache line.
	 */
	if (r->hits >= threshold)
		return;
	n = __sync_fetch_and_add(&r->hits, 1) + 1;
	if (n != threshold)
		return;
	/* Answers to requests the victim sent (aux) are no reflection. */
	if (((a == PS_ALERT_SMURF && detail == PS_SMURF_VICTIM) ||
	     a == PS_ALERT_ARP_SPOOF) && n <= 10 * r->aux)
		return;
	ps_rate_alert(a, ps_mix(ps_mix_addr(a, p->daddr), detail), p, r, n, 0,
		      ifindex, dir, detail, &ev);
}

#endif /* PS_RATE_H */
