/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_budget.h - at most so many of a thing per second, whatever the keys:
 * alerts per id (ps_alert.h) and sources admitted to per-source scan state
 * (ps_scan.h), the two places where a spoofed flood, every packet a new
 * key, would otherwise buy work or state per packet.  Only the accounting
 * of the second is here; what a refusal means, and its counter, stays
 * with each caller.
 */
#ifndef PS_BUDGET_H
#define PS_BUDGET_H

#include <stdbool.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "ps_clock.h"

#define PS_BUDGET_PERIOD_NS	1000000000ULL	/* one second */

struct ps_budget {
	__u64 start_ns;		/* when the current second began (ps_now()) */
	__u64 taken;		/* taken in it */
};

/*
 * Take one of the @limit of this second from @b; false when they are
 * spent.  Not atomic as a whole: CPUs racing at the limit or at the turn
 * of the second only let a few more through.
 */
static __always_inline bool ps_budget_take(struct ps_budget *b, __u64 now,
					   __u64 limit)
{
	if (ps_window_over(now, b->start_ns, PS_BUDGET_PERIOD_NS)) {
		b->start_ns = now;
		b->taken = 0;
	}
	if (b->taken >= limit)
		return false;
	__sync_fetch_and_add(&b->taken, 1);
	return true;
}

#endif /* PS_BUDGET_H */
