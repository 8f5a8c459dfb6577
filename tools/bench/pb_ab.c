// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* progbench --ab, --ab-capture and --verifier: see progbench.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "portsense.h"
#include "portsense.skel.h"
#include "../../tests/harness.h"
#include "../../tests/pktbuild.h"
#include "pb.h"

/*
 * progbench --ab OTHER.bpf.o: this build's XDP program against another
 * build's (say, the last commit's build/portsense.bpf.o), warm, on the
 * mix, interleaved round by round with the PASS program.  A change that
 * saves a few ns shows here long before it shows end to end.  @prog:
 * ps_xdp, or ps_tc_in or ps_tc_out against the tc PASS program (a
 * change to what this host's own packets cost shows on egress).
 * --ab-capture (@other NULL): against this build with ps_capture_on = 0,
 * so what the evidence check costs a frame while no capture is open (its
 * budget: 1 ns).
 *
 * Each build is loaded twice, in the order this, other, other, this, and
 * each side's figure is the mean of its two.  Loaded once each, whichever
 * instance was loaded first ran a SYN 3 ns slower, the same object
 * against itself (where its maps landed: it moved with the load order, not
 * with the code), which read as a cost of the other build's change.
 */

/* The other build, once: a file, without its capture code when @other is NULL. */
static struct bpf_object *pb_other(const char *other)
{
	struct bpf_object *o = bpf_object__open_file(other ? other : "build/portsense.bpf.o", NULL);

	if (o && ((!other && pb_set_rodata_u32(o, "ps_capture_on", 0)) || bpf_object__load(o) ||
		  ht_fill_lists(o) || ht_give_slot(o))) {
		bpf_object__close(o);
		return NULL;
	}
	return o;
}

struct portsense_bpf *pb_this(void)
{
	struct portsense_bpf *s = portsense_bpf__open_and_load();
	int err;

	if (s && (ht_fill_lists(s->obj) || ht_give_slot(s->obj))) {
		err = errno;
		portsense_bpf__destroy(s);
		errno = err;
		return NULL;
	}
	return s;
}

int pb_ab(const char *other, int rounds, const char *prog)
{
	bool tc = strcmp(prog, "ps_xdp") != 0;
	struct portsense_bpf *skel = NULL, *skel2 = NULL;
	struct bpf_object *base = NULL, *old = NULL, *old2 = NULL;
	static struct pkt frame;
	double worst = -1e9;
	int ret = 1;
	size_t i;

	base = bpf_object__open_file("build/bench_base.bpf.o", NULL);
	if (!base || bpf_object__load(base) || !(skel = pb_this()) || !(old = pb_other(other)) ||
	    !(old2 = pb_other(other)) || !(skel2 = pb_this())) {
		fprintf(stderr, "progbench: cannot load the programs: %s\n", strerror(errno));
		goto out;
	}
	printf("| packet | PASS %s | %s %s | this build | this - other, median of the rounds' |\n"
	       "|---|---|---|---|---|\n", tc ? "tc" : "xdp", other ? other : "no capture code", prog);
	for (i = 0; i < pb_n_mix; i++) {
		struct bpf_program *mine = bpf_object__find_program_by_name(skel->obj, prog);
		struct bpf_program *mine2 = bpf_object__find_program_by_name(skel2->obj, prog);
		/* PASS, the other build's two instances, this build's two. */
		int fds[5] = { bpf_program__fd(bpf_object__find_program_by_name(base, tc ? "base_tc_pass" :
										  "base_xdp_pass")),
			       bpf_program__fd(bpf_object__find_program_by_name(old, prog)),
			       bpf_program__fd(bpf_object__find_program_by_name(old2, prog)),
			       mine ? bpf_program__fd(mine) : -1, mine2 ? bpf_program__fd(mine2) : -1 };
		static double v[3][PB_MAX_ROUNDS], d[PB_MAX_ROUNDS], one[5][PB_MAX_ROUNDS];
		double md;
		int r;

		if (pb_build(&frame, pb_mix[i].desc)) {
			fprintf(stderr, "progbench: %s: %s\n", pb_mix[i].name, frame.err);
			goto out;
		}
		static double lo;	/* the PASS program's lowest floor so far */
		bool busy = true;
		int tries;

		for (tries = 1; busy && tries <= PB_TRIES; tries++) {
			double f;

			if (tries > 1)
				sleep(1);	/* let a burst of other work pass */
			f = pb_floor(fds[0], &frame);
			lo = f > 0 && (!lo || f < lo) ? f : lo;
			/* Paired by round: the difference of two loops run back to back. */
			for (r = 0; r < rounds; r++) {
				/*
				 * other, this, this, other; every other round this,
				 * other, other, this: each build's two instances
				 * take the same places on average.
				 */
				int sw = (r & 1) * 2, order[5] = { fds[0], fds[1 + sw], fds[3 - sw],
								   fds[4 - sw], fds[2 + sw] };

				if (pb_loops(order, 5, &frame, 1, PB_REPEAT, PB_ANY, one)) {
					fprintf(stderr, "progbench: %s: a test run failed\n", pb_mix[i].name);
					goto out;
				}
				v[0][r] = one[0][0];
				/* Places 1 and 4 hold one build's instances, 2 and 3 the other's. */
				v[1][r] = (sw ? one[2][0] + one[3][0] : one[1][0] + one[4][0]) / 2;
				v[2][r] = (sw ? one[1][0] + one[4][0] : one[2][0] + one[3][0]) / 2;
				d[r] = v[2][r] - v[1][r];
			}
			busy = pb_disturbed(v[0], rounds, lo);
		}
		md = pb_median(d, rounds);
		printf("| %s%s | %.1f ns | %.1f ns | %.1f ns | %+.2f ns |\n", pb_mix[i].name,
		       tries == 2 ? "" : busy ? " (disturbed in all " PB_STR(PB_TRIES) " tries)" :
		       " (measured again: the machine was busy)",
		       pb_median(v[0], rounds), pb_median(v[1], rounds), pb_median(v[2], rounds), md);
		if (md > worst)
			worst = md;
	}
	if (!other) {
		char what[160], got[64];

		snprintf(what, sizeof(what), "the capture check (%s), no capture open, adds at most 1 ns warm "
			 "(the mix's worst packet)", prog);
		snprintf(got, sizeof(got), "%+.2f ns", worst);
		printf("\n");
		pb_budget(what, got, worst <= 1.0);
	}
	ret = 0;
out:
	portsense_bpf__destroy(skel);
	portsense_bpf__destroy(skel2);
	bpf_object__close(base);
	bpf_object__close(old);
	bpf_object__close(old2);
	return ret;
}

/*
 * progbench --verifier [OBJ]: what the verifier processes for each program
 * of OBJ (default this build's object), with every detector on, each one
 * off alone and all off (ps_enabled, rodata).  A detector that is off must
 * be pruned at load: its row falls below the all-on row.  Counts do not
 * depend on the machine's load, so two objects compare run to run.
 */
int pb_verifier_runs(const char *path)
{
	static const char *const progs[] = { "ps_xdp", "ps_tc_in", "ps_tc_out" };
	int a, i, ret = 1;

	/* Processed: the verifier's work.  Kept: what is left once it has removed the code it found dead. */
	printf("Verifier, instructions processed at load / kept after it (%s):\n\n", path);
	printf("| detectors (enum ps_alert) | ps_xdp | ps_tc_in | ps_tc_out |\n|---|---|---|---|\n");
	for (a = -2; a < PS_ALERT_MAX; a++) {
		__u32 on = (1U << PS_ALERT_MAX) - 1;
		struct bpf_object *obj = bpf_object__open_file(path, NULL);

		if (a >= 0)
			on &= ~(1U << a);
		else if (a == -1)
			on = 0;
		if (!obj || pb_set_rodata_u32(obj, "ps_enabled", on) || bpf_object__load(obj)) {
			fprintf(stderr, "progbench: cannot load %s: %s\n", path, strerror(errno));
			bpf_object__close(obj);
			return ret;
		}
		if (a == -2)
			printf("| all on |");
		else if (a == -1)
			printf("| all off |");
		else
			printf("| %d off |", a);
		for (i = 0; i < 3; i++) {
			struct bpf_program *p = bpf_object__find_program_by_name(obj, progs[i]);
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);

			if (!p || bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
				printf(" ? |");
			else
				printf(" %u / %u |", info.verified_insns,
				       info.xlated_prog_len / 8);
		}
		printf("\n");
		fflush(stdout);
		bpf_object__close(obj);
	}
	ret = 0;
	return ret;
}

