/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_clock.h - the detectors' clock: windows, hold-downs, admissions.
 *
 * Those need a tick's resolution, no more, which is what the coarse clock
 * has too: it is updated at the tick, as jiffies is.  But
 * bpf_ktime_get_coarse_ns() is a helper call (three calls and returns
 * deep, each return costing several nanoseconds under the kernel's
 * return-stack mitigations), where the verifier inlines bpf_jiffies64()
 * to one load.  So time is jiffies times the tick length in ns, with the
 * kernel's CONFIG_HZ read by libbpf from its config at load; with no
 * config to read (or an HZ without a whole number of ns per tick) it is
 * the coarse clock.  Only differences of ps_now() values mean anything:
 * the event's own timestamp stays CLOCK_MONOTONIC (ps_emit()).
 */
#ifndef PS_CLOCK_H
#define PS_CLOCK_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "portsense.h"

extern unsigned int CONFIG_HZ __kconfig __weak;

static __always_inline __u64 ps_now(void)
{
	/* CONFIG_HZ is a constant to the verifier: one branch survives. */
	__u64 tick = PS_NS_PER_TICK(CONFIG_HZ);

	return tick ? bpf_jiffies64() * tick : bpf_ktime_get_coarse_ns();
}

/*
 * ps_now() for a time a syscall program (the handshake sweep), where the
 * coarse helper is not allowed, reads too: without a tick length, the
 * precise clock instead.
 */
static __always_inline __u64 ps_now_anywhere(void)
{
	__u64 tick = PS_NS_PER_TICK(CONFIG_HZ);

	return tick ? bpf_jiffies64() * tick : bpf_ktime_get_ns();
}

/*
 * Times compare by their difference read as signed, as the kernel's
 * time_after() compares jiffies: right across a wrap, and when another CPU
 * has just stored a later "now" than the one this CPU read.  Written once
 * here, so that which side of an instant counts as "after" is decided in
 * one place and not by each comparison.
 */

/* @a is later than @b (not at the same instant). */
static __always_inline bool ps_time_after(__u64 a, __u64 b)
{
	return (__s64)(a - b) > 0;
}

/*
 * A window of @len opened at @start is over at @now: it holds the instants
 * start .. start + len - 1, so at start + len the next one begins.
 */
static __always_inline bool ps_window_over(__u64 now, __u64 start, __u64 len)
{
	return (__s64)(now - start) >= (__s64)len;
}

#endif /* PS_CLOCK_H */
