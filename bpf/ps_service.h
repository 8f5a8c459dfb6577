/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_service.h - service_refusing: a service of this host (address, port)
 * that completed handshakes before now refuses most of them.  The kernel
 * answers a SYN with RST when nothing listens on the port (the service
 * stopped, crashed, is restarting) or, with tcp_abort_on_overflow, when
 * its accept queue is full: either way its clients fail, which a scan of
 * closed ports (which never completed) or one refused client does not
 * look like.  docs/diagnosis.md has the seed's cause table it answers.
 *
 * Per service and scan window: refusals (RST out answering a SYN, as the
 * handshake table decides them) and completions.  It alerts when the
 * window holds service_refusing refusals, they are at least
 * service_refusing_pct percent of the window's handshakes, and the
 * service completed some before.  Only a completion takes a slot, so
 * refusals at ports that never served (a scan) cost no state and cannot
 * push a real service's history out.
 */
#ifndef PS_SERVICE_H
#define PS_SERVICE_H

#include "portsense.h"
#include "ps_addr.h"
#include "ps_alert.h"
#include "ps_clock.h"
#include "ps_config.h"
#include "ps_hash.h"
#include "ps_parse.h"

struct ps_svc {
	struct ps_src_key addr;	/* the service's address: whose slot this is */
	__u32 port;
	__u64 start_ns;		/* this window's start */
	__u64 refused;		/* this window */
	__u64 done;		/* completed, this window */
	__u64 done_before;	/* completed in the windows before, while it held the slot */
	__u64 fired;		/* this window has alerted */
};

/* Direct-mapped by (address, port): a store, never a map insert. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_SVCQ_SLOTS);
	__type(key, __u32);
	__type(value, struct ps_svc);
} ps_svcq SEC(".maps");

/*
 * The state of service (@addr, @port), @h its address's hash, its window
 * restarted if it ran out.  @take: a completion, which takes the slot
 * over from another service.
 */
static __always_inline struct ps_svc *ps_svc_of(const struct ps_pkt *p, const __be32 addr[4],
						__u64 h, __u16 port, bool take, __u64 now)
{
	__u32 slot = (__u32)ps_mix(h, port) & (PS_SVCQ_SLOTS - 1);
	struct ps_svc *s = bpf_map_lookup_elem(&ps_svcq, &slot);

	if (!s)
		return NULL;
	if (s->port != port || !ps_key_eq(&s->addr, p->l3, addr)) {
		if (!take)
			return NULL;
		__builtin_memset(s, 0, sizeof(*s));
		s->addr.family = ps_family(p->l3);
		__builtin_memcpy(s->addr.addr, addr, 16);
		s->port = port;
		s->start_ns = now;
	}
	if (ps_window_over(now, s->start_ns, ps_cfg.scan_window_ns)) {
		s->done_before += s->done;
		s->done = 0;
		s->refused = 0;
		s->fired = 0;
		s->start_ns = now;
	}
	return s;
}

/* A handshake to a service of this host completed (the client's ACK in). */
static __always_inline void ps_svc_done(const struct ps_pkt *p)
{
	struct ps_svc *s;

	if (!ps_alert_enabled(PS_ALERT_SERVICE_REFUSING))
		return;
	s = ps_svc_of(p, p->daddr, p->hdst, p->dport, true, ps_now());
	if (s)
		__sync_fetch_and_add(&s->done, 1);
}

/* This host refused a handshake to one of its services (RST out). */
static __always_inline void ps_svc_refused(const struct ps_pkt *p, __u32 ifindex)
{
	struct ps_evidence ev = { .who = PS_ADDR_SRC, .src = PS_ADDR_SRC };
	struct ps_svc *s;
	__u64 n;

	if (!ps_alert_enabled(PS_ALERT_SERVICE_REFUSING))
		return;
	s = ps_svc_of(p, p->saddr, p->hsrc, p->sport, false, ps_now());
	if (!s || s->fired)
		return;
	n = __sync_fetch_and_add(&s->refused, 1) + 1;
	if (n < ps_cfg.service_refusing || !(s->done + s->done_before) ||
	    n * 100 < (__u64)ps_cfg.service_refusing_pct * (n + s->done))
		return;
	s->fired = 1;
	ev.count = n;
	ev.window_ns = ps_cfg.scan_window_ns;
	ev.aux = s->done;
	ev.aux2 = s->done_before;
	ps_alert_ev(PS_ALERT_SERVICE_REFUSING,
		    ps_mix(ps_mix_addr(PS_ALERT_SERVICE_REFUSING, p->saddr), p->sport), p,
		    ifindex, PS_DIR_EGRESS, 0, &ev);
}

#endif /* PS_SERVICE_H */
