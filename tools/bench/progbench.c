// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * progbench - per-packet cost of the portsense programs with
 * BPF_PROG_TEST_RUN, side by side with a baseline that only returns PASS,
 * built and run in the same process on the same packets.
 *
 *   progbench [ROUNDS]
 *   progbench --lines xdp|tc PACKET [SECONDS]
 *   progbench --ab OTHER.bpf.o [ROUNDS [PROG]]
 *   progbench --ab-capture [ROUNDS [PROG]]
 *   progbench --verifier [OBJ.bpf.o]
 *
 * The cost is the ns the sensor ADDS to a run of the no-op program,
 * measured beside it in the same run: what the test run itself costs (the
 * loop, the call into the program, the kernel's return-stack mitigations)
 * is in both and moves with the kernel (26-27 ns a run on one kernel of
 * this machine, 5 on the next), so a ratio to it moves too while the
 * sensor's work does not.  Ratios are printed beside, for information.
 *
 * Warm: each packet of the mix runs PB_REPEAT times in a kernel loop,
 * ROUNDS times; the programs take turns, one loop each per round, and each
 * round's difference sensor - PASS is paired: the median of those is what
 * the sensor adds.  Detector state is warm: the same source, the same
 * victim.
 * New source: the same kernel loops, but the frame's IPv4 source changes
 * on every run (tools/bench/vary.bpf.c rewrites it, then tail-calls the
 * program), so the code is as warm as above and only the per-source state
 * is new; the baseline is the same wrapper into a PASS program.
 * One run per call: the kernel's time of single runs (its timer in every
 * figure), blocks of BLOCK runs per program in turn; with nothing evicted,
 * and cold: a buffer twice the L2's size read before every run.
 *
 * --lines: where the program's own time goes, by source line.  PACKET (a
 * tests/pktbuild.h description, such as "ipv4 tcp:flags=0x002 pad:to=64")
 * runs in a loop while perf samples every CPU (cpu-clock: this VM has no
 * hardware counters, and this bpftool no 'prog profile'); each sample
 * inside the program's JIT image is charged to the source line the
 * kernel's line info maps its address to.  A stall lands on the
 * instruction after its cause (a return's on the line after the call).
 *
 * The sensor is loaded as the loader loads it: default configuration, the
 * default bogon list and the installed port lists.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>

#include "portsense.h"
#include "portsense.skel.h"
#include "../../tests/harness.h"
#include "../../tests/pktbuild.h"
#include "pb.h"

#define PER_CALL	20000	/* single runs of each program */
#define BLOCK		500	/* single runs of one program in a row */
#define CALL_PASSES	3	/* passes of the one-run-per-call table: its figure is their median */

/* Added ns below this count as it in a geometric mean (it takes no zero). */
#define GEO_FLOOR	0.5

/* The programs measured: [hook] PASS, the sensor, the sensor with no detectors. */
struct progs {
	int pass[HOOKS], ps[HOOKS], quiet[HOOKS];
};

static double geomean(const double *v, int n)
{
	double s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += log(v[i] > GEO_FLOOR ? v[i] : GEO_FLOOR);
	return n ? exp(s / n) : 0;
}

/* "MIN to MAX" of @n values, in a static buffer of two (one printf may use both). */
static const char *spread(const double *v, int n)
{
	static char buf[2][48];
	static int which;
	double lo = v[0], hi = v[0];
	int i;

	for (i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	which ^= 1;
	snprintf(buf[which], sizeof(buf[which]), "%+.0f to %+.0f", lo, hi);
	return buf[which];
}

/* Median over the rounds of v[a][r] - v[b][r]. */
static double paired(double v[][PB_MAX_ROUNDS], int a, int b, int rounds)
{
	double d[PB_MAX_ROUNDS];
	int r;

	for (r = 0; r < rounds; r++)
		d[r] = v[a][r] - v[b][r];
	return pb_median(d, rounds);
}

/*
 * Warm, the whole mix: per packet, PASS, the sensor and the sensor without
 * detectors at XDP and tc, one loop each per round.
 */
static int warm_table(const struct progs *p, int rounds, struct pb_figures *fig)
{
	static double v[6][PB_MAX_ROUNDS], add[4][16];
	static struct pkt frame;
	size_t i;
	int h;

	printf("| packet | PASS xdp | portsense xdp | added | ratio | no detectors, added | "
	       "PASS tc | portsense tc | added | ratio | no detectors, added |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < pb_n_mix && i < 16; i++) {
		int fds[6] = { p->pass[XDP], p->ps[XDP], p->quiet[XDP], p->pass[TC], p->ps[TC], p->quiet[TC] };
		double pass[HOOKS], ps[HOOKS];

		if (pb_build(&frame, pb_mix[i].desc)) {
			fprintf(stderr, "progbench: %s: %s\n", pb_mix[i].name, frame.err);
			return -EINVAL;
		}
		static double lo[HOOKS];	/* the PASS programs' lowest floors so far */
		bool busy = true;
		int tries;

		for (tries = 1; busy && tries <= PB_TRIES; tries++) {
			if (tries > 1)
				sleep(1);	/* let a burst of other work pass */
			for (h = 0; h < HOOKS; h++) {
				double f = pb_floor(h == XDP ? p->pass[XDP] : p->pass[TC], &frame);

				lo[h] = f > 0 && (!lo[h] || f < lo[h]) ? f : lo[h];
			}
			if (pb_loops(fds, 6, &frame, rounds, PB_REPEAT, PB_ANY, v)) {
				fprintf(stderr, "progbench: %s: a test run failed: %s\n", pb_mix[i].name,
					strerror(errno));
				return -EIO;
			}
			busy = pb_disturbed(v[0], rounds, lo[XDP]) || pb_disturbed(v[3], rounds, lo[TC]);
		}
		printf("| %s%s |", pb_mix[i].name, tries == 2 ? "" : busy ? " (disturbed in all " PB_STR(PB_TRIES)
		       " tries: PASS ran over 1.5 times its quiet figure)" : " (measured again: the machine was busy)");
		for (h = 0; h < HOOKS; h++) {
			add[2 * h][i] = paired(v, 3 * h + 1, 3 * h, rounds);
			add[2 * h + 1][i] = paired(v, 3 * h + 2, 3 * h, rounds);
			pass[h] = pb_median(v[3 * h], rounds);
			ps[h] = pb_median(v[3 * h + 1], rounds);
			printf(" %.1f ns | %.1f ns | **%+.1f ns** | %.2fx | %+.1f ns |", pass[h], ps[h],
			       add[2 * h][i], ps[h] / pass[h], add[2 * h + 1][i]);
		}
		printf("\n");
	}
	for (h = 0; h < HOOKS; h++) {
		fig->warm[h] = geomean(add[2 * h], i);
		fig->warm_quiet[h] = geomean(add[2 * h + 1], i);
	}
	printf("| geometric mean, ns added | | | **%.1f ns** | | %.1f ns | | | **%.1f ns** | | %.1f ns |\n",
	       fig->warm[XDP], fig->warm_quiet[XDP], fig->warm[TC], fig->warm_quiet[TC]);
	return 0;
}

/* build/bench_vary.bpf.o, its source stepping (@on) or fixed; NULL on failure. */
static struct bpf_object *vary_open(bool on)
{
	struct bpf_object *o = bpf_object__open_file("build/bench_vary.bpf.o", NULL);

	if (o && (pb_set_rodata_u32(o, "vary_on", on) || bpf_object__load(o))) {
		bpf_object__close(o);
		return NULL;
	}
	return o;
}

static int fd_of(struct bpf_object *o, const char *prog)
{
	struct bpf_program *p = o ? bpf_object__find_program_by_name(o, prog) : NULL;

	return p ? bpf_program__fd(p) : -1;
}

/* Slot 0 of @o's program array @map: program @fd. */
static int vary_to(struct bpf_object *o, const char *map, int fd)
{
	__u32 key = 0;

	return bpf_map_update_elem(bpf_object__find_map_fd_by_name(o, map), &key, &fd, BPF_ANY);
}

/*
 * A new source on every packet, warm otherwise: per hook and packet, one
 * loop each per round of the stepping wrapper into PASS, into the sensor,
 * and of the fixed wrapper into the sensor (the same work but the new
 * source: the control).
 */
static int fresh_table(const struct progs *p, int rounds, struct pb_figures *fig)
{
	static const char *const wrap[HOOKS] = { "vary_xdp", "vary_tc" };
	static const char *const arr[HOOKS] = { "vary_xdp_next", "vary_tc_next" };
	static const char *const pass[HOOKS] = { "vary_xdp_pass", "vary_tc_pass" };
	static const long long verdict[HOOKS] = { XDP_PASS, (__u32)TC_ACT_UNSPEC };
	static const size_t pkts[] = { 0, 2 };	/* the mix's SYN and DNS query: untagged IPv4 */
	struct bpf_object *step = vary_open(true), *same = vary_open(false);
	static double v[3][PB_MAX_ROUNDS], one[1][PB_MAX_ROUNDS];
	static struct pkt frame;
	int h, r, ret = -EIO;
	size_t k;

	if (!step || !same) {
		fprintf(stderr, "progbench: cannot load build/bench_vary.bpf.o: %s\n", strerror(errno));
		goto out;
	}
	printf("| packet | hook | PASS, new source | portsense, same source | portsense, new source | "
	       "added | ratio | of it, the new source's own |\n|---|---|---|---|---|---|---|---|\n");
	for (h = 0; h < HOOKS; h++) {
		fig->fresh[h] = -1e9;
		if (vary_to(same, arr[h], p->ps[h]))
			goto out;
		for (k = 0; k < sizeof(pkts) / sizeof(pkts[0]); k++) {
			double add, own, ps;

			if (pb_build(&frame, pb_mix[pkts[k]].desc))
				goto out;
			for (r = 0; r < rounds; r++) {
				int i;

				for (i = 0; i < 3; i++) {
					struct bpf_object *o = i == 2 ? same : step;

					if (i < 2 && vary_to(step, arr[h], i ? p->ps[h] : fd_of(step, pass[h])))
						goto out;
					if (pb_loops((int[]){ fd_of(o, wrap[h]) }, 1, &frame, 1, PB_REPEAT,
						     verdict[h], one)) {
						fprintf(stderr, "progbench: new sources, %s: a test run failed: %s\n",
							hook_name[h], strerror(errno));
						goto out;
					}
					v[i][r] = one[0][0];
				}
			}
			add = paired(v, 1, 0, rounds);
			own = paired(v, 1, 2, rounds);
			ps = pb_median(v[1], rounds);
			printf("| %s | %s | %.1f ns | %.1f ns | %.1f ns | **%+.1f ns** | %.2fx | %+.1f ns |\n",
			       pb_mix[pkts[k]].name, hook_name[h], pb_median(v[0], rounds),
			       pb_median(v[2], rounds), ps, add, ps / pb_median(v[0], rounds), own);
			if (add > fig->fresh[h]) {
				fig->fresh[h] = add;
				fig->fresh_own[h] = own;
			}
		}
	}
	ret = 0;
out:
	bpf_object__close(step);
	bpf_object__close(same);
	return ret;
}

/*
 * Bytes that evict this CPU's L2 cache (twice its size, from sysfs; 2 MiB
 * when unknown, and *@known false): what a core's other work does to the
 * sensor's lines between frames at low rates.
 */
static size_t l2_evict_bytes(bool *known)
{
	FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index2/size", "r");
	unsigned long kb = 1024;
	char unit = 'K';

	*known = false;
	if (f) {
		*known = fscanf(f, "%lu%c", &kb, &unit) >= 1 && kb;
		if (!*known)
			kb = 1024;
		fclose(f);
	}
	return 2 * kb * 1024 * (unit == 'M' ? 1024 : 1);
}

/*
 * Single runs, one per call, the @n programs @fd in turn (blocks of BLOCK
 * runs, as a sensor's frames follow each other, while a change in the
 * machine's load still falls on all alike): the median of the kernel's time
 * of each run into @ns.  @evict: before every run, read a buffer twice the
 * L2's size, so the programs' map and code lines come from L3 as they
 * would after a core's other work.  0 or -errno.
 */
static int single_runs(const int *fd, double *ns, int n, const struct pkt *frame, bool evict)
{
	static double v[PB_MAX_PROGS][PER_CALL];
	static volatile unsigned char *buf;
	static size_t len;
	bool known;
	int b, i, k;

	if (evict && !buf) {
		len = l2_evict_bytes(&known);
		buf = malloc(len);
		if (!buf)
			return -ENOMEM;
		memset((void *)buf, 1, len);
	}
	for (b = 0; b < PER_CALL; b += BLOCK) {
		for (k = 0; k < n && k < PB_MAX_PROGS; k++) {
			for (i = b; i < b + BLOCK && i < PER_CALL; i++) {
				LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame->b,
					    .data_size_in = frame->len, .repeat = 1);
				size_t j;

				for (j = 0; evict && j < len; j += 64)
					(void)buf[j];	/* volatile: every line is read */
				if (bpf_prog_test_run_opts(fd[k], &o))
					return -errno;
				v[k][i] = o.duration;
			}
		}
	}
	for (k = 0; k < n && k < PB_MAX_PROGS; k++)
		ns[k] = pb_median(v[k], PER_CALL);
	return 0;
}

static int call_table(const struct progs *p, struct pb_figures *fig)
{
	int fds[5] = { p->pass[XDP], p->ps[XDP], p->quiet[XDP], p->pass[TC], p->ps[TC] };
	static struct pkt frame;
	double ns[5], pass_ns[5][CALL_PASSES], add[3][CALL_PASSES], m[5], a[3];
	int e, k, n;

	printf("| 64-byte SYN, one run per call | PASS xdp | portsense xdp | added | no detectors, added | "
	       "PASS tc | portsense tc | added |\n|---|---|---|---|---|---|---|---|\n");
	pb_build(&frame, pb_mix[0].desc);
	for (e = 0; e < 2; e++) {
		/*
		 * Whole passes, each its own medians: the machine's other work
		 * moves a pass's figures by tens of ns (one run per call pays
		 * for every disturbance), so the page shows the passes' spread.
		 */
		for (n = 0; n < CALL_PASSES; n++) {
			if (single_runs(fds, ns, 5, &frame, e)) {
				fprintf(stderr, "progbench: single runs failed: %s\n", strerror(errno));
				return -EIO;
			}
			for (k = 0; k < 5; k++)
				pass_ns[k][n] = ns[k];
			add[0][n] = ns[1] - ns[0];
			add[1][n] = ns[2] - ns[0];
			add[2][n] = ns[4] - ns[3];
		}
		for (k = 0; k < 5; k++)
			m[k] = pb_median(pass_ns[k], CALL_PASSES);
		for (k = 0; k < 3; k++)
			a[k] = pb_median(add[k], CALL_PASSES);
		printf("| %s | %.0f ns | %.0f ns | **%+.0f ns** (%s) | %+.0f ns | %.0f ns | %.0f ns | **%+.0f ns** (%s) |\n",
		       e ? "cold: L2 evicted before each run" : "nothing evicted", m[0], m[1], a[0],
		       spread(add[0], CALL_PASSES), a[1], m[3], m[4], a[2], spread(add[2], CALL_PASSES));
		(e ? fig->cold : fig->call)[XDP] = a[0];
		(e ? fig->cold : fig->call)[TC] = a[2];
		if (e)
			fig->cold_quiet = a[1];
	}
	return 0;
}

/* The kernel's memlock charge of map @fd (its fdinfo), or -1. */
static long long memlock(int fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static __u32 verified(struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (!prog || bpf_program__fd(prog) < 0 ||
	    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		return 0;
	return info.verified_insns;
}

/*
 * What the verifier processed for each program (its complexity, against the
 * kernel's limit of 1,000,000), with every detector on and all off: a jump
 * here is a parser or detector change that multiplies paths, long before a
 * load fails.
 */
static void verifier_table(struct portsense_bpf *skel, struct portsense_bpf *quiet, struct pb_figures *fig)
{
	struct bpf_program *prog;

	printf("| program | processed | processed, no detectors | instructions |\n|---|---|---|---|\n");
	fig->n_verified = 0;
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		__u32 all = verified(prog), off = verified(bpf_object__find_program_by_name(quiet->obj, name));

		if (!all)
			continue;
		printf("| %s | %u | %u | %zu |\n", name, all, off, bpf_program__insn_cnt(prog));
		if (fig->n_verified < PB_MAX_PROGS) {
			fig->verified[fig->n_verified] = all;
			fig->verified_quiet[fig->n_verified] = off;
			fig->verified_prog[fig->n_verified++] = name;
		}
	}
}

/* Every map of the sensor at its defaults: what it costs in kernel memory. */
static void maps_table(struct portsense_bpf *skel)
{
	struct bpf_map *m;
	long long total = 0, v;

	printf("\nMaps at the defaults (%d possible CPUs; memlock as the kernel charges it):\n\n",
	       libbpf_num_possible_cpus());
	printf("| map | type | entries | key | value | memlock |\n|---|---|---|---|---|---|\n");
	bpf_object__for_each_map(m, skel->obj) {
		if (bpf_map__fd(m) < 0)
			continue;
		v = memlock(bpf_map__fd(m));
		total += v > 0 ? v : 0;
		printf("| %s | %s | %u | %u B | %u B | %.1f KiB |\n", bpf_map__name(m),
		       libbpf_bpf_map_type_str(bpf_map__type(m)), bpf_map__max_entries(m),
		       bpf_map__key_size(m), bpf_map__value_size(m), v / 1024.0);
	}
	printf("| total | | | | | %.1f KiB |\n", total / 1024.0);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 15, ret = 1, h;
	struct portsense_bpf *skel = NULL, *quiet = NULL;
	struct bpf_object *base = NULL;
	struct pb_figures fig = {};
	struct progs p;
	bool known;
	size_t l2;

	if (argc >= 3 && !strcmp(argv[1], "--ab"))
		return pb_ab(argv[2], argc > 3 && atoi(argv[3]) >= 1 && atoi(argv[3]) <= PB_MAX_ROUNDS ?
				      atoi(argv[3]) : 31, argc > 4 ? argv[4] : "ps_xdp");
	if (argc >= 2 && !strcmp(argv[1], "--ab-capture"))
		return pb_ab(NULL, argc > 2 && atoi(argv[2]) >= 1 && atoi(argv[2]) <= PB_MAX_ROUNDS ?
				   atoi(argv[2]) : 31, argc > 3 ? argv[3] : "ps_xdp");
	if (argc >= 2 && !strcmp(argv[1], "--verifier"))
		return pb_verifier_runs(argc > 2 ? argv[2] : "build/portsense.bpf.o");
	if (argc >= 4 && !strcmp(argv[1], "--lines")) {
		skel = pb_this();
		if (!skel) {
			fprintf(stderr, "progbench: cannot load portsense: %s\n", strerror(errno));
			goto out;
		}
		h = argc > 4 ? atoi(argv[4]) : 5;
		ret = pb_lines(skel, argv[2], argv[3], h >= 1 && h <= 60 ? h : 5);
		goto out;
	}
	if (rounds < 1 || rounds > PB_MAX_ROUNDS)
		rounds = 15;
	base = bpf_object__open_file("build/bench_base.bpf.o", NULL);
	if (!base || bpf_object__load(base)) {
		fprintf(stderr, "progbench: cannot load build/bench_base.bpf.o (run from the source tree, after make)\n");
		goto out;
	}
	skel = pb_this();
	/* The same sensor with every detector off: what parsing and counting alone cost. */
	quiet = portsense_bpf__open();
	if (quiet)
		quiet->rodata->ps_enabled = 0;
	if (!skel || !quiet || portsense_bpf__load(quiet) || ht_give_slot(quiet->obj)) {
		fprintf(stderr, "progbench: cannot load portsense: %s\n", strerror(errno));
		goto out;
	}
	p = (struct progs){
		.pass = { fd_of(base, "base_xdp_pass"), fd_of(base, "base_tc_pass") },
		.ps = { bpf_program__fd(skel->progs.ps_xdp), bpf_program__fd(skel->progs.ps_tc_in) },
		.quiet = { bpf_program__fd(quiet->progs.ps_xdp), bpf_program__fd(quiet->progs.ps_tc_in) },
	};

	printf("### Warm\n\nEach packet of the mix " PB_STR(PB_REPEAT) " times in a kernel loop, %d rounds; "
	       "*added* is the median of the rounds' paired differences, the sensor's loop less the PASS "
	       "program's in the same round (tc: ingress).\n\n", rounds);
	if (warm_table(&p, rounds, &fig))
		goto out;
	printf("\n### A new source on every packet\n\nThe same kernel loops, %d rounds, through "
	       "tools/bench/vary.bpf.c: it writes the next of 131071 sources in 198.18.0.0/15 into the frame, "
	       "then tail-calls the program, so only the per-source state is new. The baseline is the same "
	       "wrapper into a PASS program; the control (*same source*) the wrapper with a fixed source into "
	       "the sensor.\n\n", rounds);
	if (fresh_table(&p, rounds, &fig))
		goto out;
	l2 = l2_evict_bytes(&known);
	printf("\n### One run per call\n\nThe median of the kernel's time of each of " PB_STR(PER_CALL)
	       " single runs (its timer in every figure; the programs take turns every " PB_STR(BLOCK)
	       " runs), in " PB_STR(CALL_PASSES) " passes: the median of the passes, the range of what was added "
	       "beside it.%s Cold: %zu KiB read before each run, twice the L2%s, as a core's other work between "
	       "frames would.\n\n", pb_tlb_flushed_per_call() ? " Each call enters and leaves the kernel, which "
	       "here (page-table isolation without PCIDs) empties the TLB, so every row includes finding the "
	       "sensor's pages again." : "", l2 / 1024, known ? "" : " (sysfs gives no cache sizes here: 1 MiB assumed)");
	if (call_table(&p, &fig))
		goto out;
	printf("\n### Verifier\n\nInstructions processed at load (the kernel's limit: 1000000), every detector on "
	       "and all off; instructions in the program.\n\n");
	verifier_table(skel, quiet, &fig);
	maps_table(skel);
	pb_budgets(&fig);
	ret = 0;
out:
	portsense_bpf__destroy(skel);
	portsense_bpf__destroy(quiet);
	bpf_object__close(base);
	return ret;
}
