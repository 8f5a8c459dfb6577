/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * snapshot.h - read the counters out of the maps (summed over CPUs) and
 * write them as JSON (docs/stats-json.md) or as a live text table.
 */
#ifndef PS_SNAPSHOT_H
#define PS_SNAPSHOT_H

#include <stdbool.h>
#include <stdio.h>
#include <net/if.h>

#include "portsense.h"

struct ps_if_counters {
	__u32 ifindex;
	__u32 slot;
	char name[IF_NAMESIZE];		/* as the instance saw it (ps_ifinfo) */
	__u64 since_ns;			/* CLOCK_REALTIME the counts run since; 0: unknown */
	struct ps_ifinfo info;		/* whose counts they are, whose went (ps_ifinfo) */
	struct ps_counters dir[PS_DIR_MAX];
	struct ps_hs_counters hs;	/* its handshakes (ps_hs), both roles */
};

struct ps_snapshot {
	struct ps_counters total[PS_DIR_MAX];	/* summed over interfaces */
	struct ps_if_counters *ifs;
	size_t n_ifs;
	__u64 global[PS_G_MAX];
	struct ps_hs_counters hs_total;		/* handshakes, summed over interfaces */
	__u64 since_ns;				/* the earliest interface's; 0: unknown */
	struct timespec taken;			/* CLOCK_MONOTONIC */
};

/* The maps a snapshot is read from (fds; ifinfo, global and hs may be -1). */
struct ps_snapshot_maps {
	int stats;
	int ifslot;
	int ifinfo;
	int global;
	int hs;		/* the handshakes (older pins have none) */
};

/*
 * All PS_IFSLOT_SIZE entries of ps_ifslot into @slots (one batch read where
 * the kernel has it).  0 or -errno.
 */
int ps_ifslot_read(int ifslot_fd, struct ps_ifslot *slots);

/*
 * Fill @s from the maps: every interface with a slot in ps_ifslot, its
 * counters in ps_stats.  Returns 0 or -errno.  Free with ps_snapshot_free().
 */
int ps_snapshot_read(const struct ps_snapshot_maps *m, struct ps_snapshot *s);
void ps_snapshot_free(struct ps_snapshot *s);

/*
 * A run's own counts: each interface's counters less what they held when
 * the run attached it (ps_slots_base(); an interface it did not attach is
 * left out), since then; @since_ns for the whole.
 */
struct ps_slots;
void ps_snapshot_rebase(struct ps_snapshot *s, const struct ps_slots *base, __u64 since_ns);

struct ps_json_meta {
	const char *event;	/* "stats" in periodic lines, NULL otherwise */
	const char *hook;	/* "xdp" / "tc", NULL when unknown */
};

/* One JSON object; @pretty: indented, else a single line. */
void ps_snapshot_json(FILE *f, const struct ps_snapshot *s,
		      const struct ps_json_meta *m, bool pretty);

/*
 * Write @s to @path atomically (a private temporary file in the same
 * directory, then rename), or to stdout for "-".  0 or -errno after a
 * message.
 */
int ps_snapshot_write(const char *path, const struct ps_snapshot *s,
		      const struct ps_json_meta *meta);

/* A CLOCK_REALTIME time in ns as RFC 3339 UTC with ms ("unknown" for 0). */
const char *ps_time_text(char *buf, size_t len, __u64 ns);

/* Human-scaled number into @buf: 950, 12.3k, 4.56M. */
const char *ps_human(char *buf, size_t len, double v);

/* Compact live table of rates between @prev and @cur. */
void ps_snapshot_table(FILE *f, const struct ps_snapshot *prev,
		       const struct ps_snapshot *cur);

/* Add one CPU's counters to @sum, word by word. */
void ps_counters_add(struct ps_counters *sum, const struct ps_counters *c);

#endif /* PS_SNAPSHOT_H */
