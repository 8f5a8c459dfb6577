/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * fuzz_invariants.h - the checks of fuzz_invariants.c: what must hold of
 * the counters, the ring-buffer events and the detectors' state whatever
 * the frame.  Each appends what it finds wrong to @why ("...; " each) and
 * does nothing else.
 */
#ifndef FUZZ_INVARIANTS_H
#define FUZZ_INVARIANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "portsense.h"

struct sbuf;

/* What was fed into one direction since the last check. */
struct fuzz_fed {
	__u64 runs;
	__u64 bytes;
	__u64 over_1514;
	struct ps_counters want;	/* the model's sum */
};

/* The relations docs/counters.md promises between the counters @d that @f moved. */
void fuzz_invariants_counters(const struct ps_counters *d, const struct fuzz_fed *f,
			      struct sbuf *why);

/*
 * A ring-buffer record of @size bytes at @data against the configuration
 * @cfg.  False when it is no event of a known alert id: then its fields
 * mean nothing and are not looked at.
 */
bool fuzz_invariants_event(const void *data, size_t size, const struct ps_detect_cfg *cfg,
			   struct sbuf *why);

/*
 * The detectors' state after @secs seconds of feeding: @g the ps_global
 * counters (NULL: they could not be read), @scans the entries ps_scans
 * holds, @events_by_id the events seen of each alert id.
 */
void fuzz_invariants_detectors(const __u64 *g, long scans, double secs,
			       const __u64 *events_by_id, const struct ps_detect_cfg *cfg,
			       struct sbuf *why);

#endif /* FUZZ_INVARIANTS_H */
