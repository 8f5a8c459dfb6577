/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * pb.h - what progbench's modes share (progbench.c: the default tables;
 * pb_budget.c: their budgets; pb_ab.c: --ab, --ab-capture, --verifier;
 * pb_lines.c: --lines; pb_util.c: the mix, the timed loops).
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

#define PB_STR_(x)	#x
#define PB_STR(x)	PB_STR_(x)	/* a number's macro in a string */
#define PB_FLOOR_LOOPS	5	/* short loops that give a PASS program's floor */
#define PB_TRIES	3	/* measurements of a packet whose rounds ran disturbed (1 s apart) */

/* The lowest figure of program @fd on @frame in a few short loops; 0 on failure. */
double pb_floor(int fd, const struct pkt *frame);
/* Whether @rounds figures of a PASS program ran far above @lo, its lowest floor so far: a disturbed machine. */
bool pb_disturbed(const double *v, int rounds, double lo);

struct portsense_bpf;
/* This build's sensor as the loader loads it: lists filled, a counter slot given; NULL+errno. */
struct portsense_bpf *pb_this(void);

/* Point the initial value of rodata variable @var of opened @obj at @val; 0 or -errno. */
int pb_set_rodata_u32(struct bpf_object *obj, const char *var, __u32 val);

enum { XDP, TC, HOOKS };
extern const char *const hook_name[HOOKS];

/* What progbench's tables measured, for the budgets and what bounds them (pb_budget.c). */
struct pb_figures {
	double warm[HOOKS], warm_quiet[HOOKS];	/* geometric means of the mix, ns added */
	double fresh[HOOKS], fresh_own[HOOKS];	/* new source: worst packet; of it, the source's own */
	double call[HOOKS], cold[HOOKS];	/* one run per call: nothing evicted; L2 evicted */
	double cold_quiet;			/* XDP, no detectors, cold */
	/* Each program's verifier work, every detector on and all off (the budget is per program). */
	__u32 verified[PB_MAX_PROGS], verified_quiet[PB_MAX_PROGS];
	const char *verified_prog[PB_MAX_PROGS];
	int n_verified;
};

/* "Budget: WHAT: MEASURED: met|MISSED", the form make bench greps for. */
void pb_budget(const char *what, const char *measured, bool ok);
/* Every budget line of @f, then a "What bounds" line for each one missed. */
void pb_budgets(const struct pb_figures *f);
/* Whether every entry into the kernel empties the TLB here (PTI without PCIDs). */
bool pb_tlb_flushed_per_call(void);

int pb_ab(const char *other, int rounds, const char *prog);
int pb_verifier_runs(const char *path);
int pb_lines(struct portsense_bpf *skel, const char *hook, const char *desc, int secs);

#endif
