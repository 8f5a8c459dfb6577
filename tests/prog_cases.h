/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * prog_cases.h - what test_prog's runner needs of its cases: the table of
 * crafted frames (prog_cases.c) and the expectations they imply, whole and
 * cut (prog_want.c).  Apart so that a case can be added without reading
 * the runner, and the notation changed without touching the table.
 *
 * Expectations are lists of counter names; frames=1 and bytes=<frame
 * length> are implied.  A name is +1, "name=N" is +N, and two shorthands
 * save the repetition of bytes counters:
 *   "tcp", "udp"                   .packets +1 and .bytes +len
 *   "tcp.dst.well_known" etc.      .by_dst_class.well_known.packets +1 and
 *                                  .bytes +len (".src." for by_src_class)
 * Every name must exist (ps_field_find), so a typo fails the case.
 */
#ifndef PS_TEST_PROG_CASES_H
#define PS_TEST_PROG_CASES_H

#include <stddef.h>
#include <linux/types.h>

#include "harness.h"
#include "pktbuild.h"

struct tcase {
	const char *name;
	const char *pkt;	/* pktbuild.h description */
	const char *want;	/* counters besides frames and bytes */
};

extern const struct tcase prog_cases[];
extern const size_t prog_ncases;

/* @want (the notation above) for a frame of @len bytes, into @w.  0, or -1 with @why said. */
int want_counters(const char *want, size_t len, __u64 *w, struct sbuf *why);

/* Expected counters of the first @cut bytes of @p, whose whole frame counts @full, into @out. */
void trunc_want(const struct pkt *p, const char *full, size_t cut, struct sbuf *out);

/* Every header boundary of @p and the byte before it, sorted, unique: into @cuts, their count. */
int cut_points(const struct pkt *p, size_t *cuts);

#endif /* PS_TEST_PROG_CASES_H */
