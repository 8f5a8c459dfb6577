/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * pb.h - what progbench's modes share (progbench.c: the default tables;
 * pb_ab.c: --ab, --ab-capture, --verifier; pb_lines.c: --lines; pb_util.c:
 * the mix, the timed loops).
 */
#ifndef PS_PROGBENCH_H
#define PS_PROGBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct bpf_object;
struct pkt;
struct portsense_bpf;

#define PB_REPEAT	200000	/* runs of one kernel loop */
#define PB_MAX_ROUNDS	64
#define PB_MAX_PROGS	8
#define PB_ANY		(-2LL)	/* pb_loops(): any verdict */

/* The issue-5 packet mix: a name and a tests/pktbuild.h description each. */
struct pb_packet {
	const char *name;
	const char *desc;
};
extern const struct pb_packet pb_mix[];
extern const size_t pb_n_mix;

double pb_median(double *v, int n);

/*
 * One kernel loop of @repeat runs of each of the @n programs @fd on @frame,
 * in turn, @rounds times: ns per run of program i in round r into
 * v[i][r].  @want: the verdict every run must return (the kernel reports
 * it as a __u32), or PB_ANY.
 * 0 or -errno.
 */
int pb_loops(const int *fd, int n, const struct pkt *frame, int rounds, __u32 repeat,
	     long long want, double v[][PB_MAX_ROUNDS]);

/* Point the initial value of rodata variable @var of opened @obj at @val; 0 or -errno. */
int pb_set_rodata_u32(struct bpf_object *obj, const char *var, __u32 val);

/* "Budget: WHAT: MEASURED: met|MISSED", the form make bench greps for. */
void pb_budget(const char *what, const char *measured, bool ok);

int pb_ab(const char *other, int rounds, const char *prog);
int pb_verifier_runs(const char *path);
int pb_lines(struct portsense_bpf *skel, const char *hook, const char *desc, int secs);

#endif
