/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* clock.h - the loader's clocks in nanoseconds, and the kernel's stamps on the wall clock. */
#ifndef PS_CLOCK_H
#define PS_CLOCK_H

#include <time.h>
#include <linux/types.h>

static inline __u64 ps_clock_ns(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return (__u64)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* A CLOCK_MONOTONIC stamp (bpf_ktime_get_ns()) as nanoseconds since the epoch. */
static inline __u64 ps_wall_ns(__u64 mono_ns)
{
	return mono_ns + (ps_clock_ns(CLOCK_REALTIME) - ps_clock_ns(CLOCK_MONOTONIC));
}

#endif /* PS_CLOCK_H */
