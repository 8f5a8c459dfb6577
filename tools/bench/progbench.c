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
 * --lines: where the program's own time goes, by source line.  PACKET (a
 * tests/pktbuild.h description, such as "ipv4 tcp:flags=0x002 pad:to=64")
 * runs in a loop while perf samples every CPU (cpu-clock: this VM has no
 * hardware counters, and this bpftool no 'prog profile'); each sample
 * inside the program's JIT image is charged to the source line the
 * kernel's line info maps its address to.  A stall lands on the
 * instruction after its cause (a return's on the line after the call).
 *
 * Warm: each packet of the mix runs REPEAT times in a kernel loop (the
 * kernel times the loop), ROUNDS times; the median of the rounds is the
 * cost.  The programs take turns, one loop each per round, so a change in
 * the machine's load (it is shared) falls on all of them alike.  Detector
 * state is warm: the same source, the same victim.
 * New source: a 64-byte SYN whose source address changes on every run
 * (inside 198.18.0.0/15), one run per call, the kernel's time of each run;
 * the median over the runs.  The baseline runs the same way, so the
 * timer's own cost is in both.
 *
 * The sensor is loaded as the loader loads it: default configuration, the
 * default bogon list and the installed port lists.
 */
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "portsense.h"
#include "portsense.skel.h"
#include "../../tests/harness.h"
#include "../../tests/pktbuild.h"

#define REPEAT		200000
#define NEW_SOURCES	20000
#define BLOCK		500	/* single runs of one program in a row */
#define PB_STR_(x)	#x
#define PB_STR(x)	PB_STR_(x)

static const struct {
	const char *name;
	const char *desc;
} mix[] = {
	{ "TCP SYN, 64 B", "ipv4 tcp:flags=0x002 pad:to=64" },
	{ "TCP data, 1514 B", "ipv4 tcp:flags=0x018 data:n=1460" },
	{ "UDP DNS query", "ipv4 udp:sport=40000,dport=53 data:n=40" },
	{ "IPv6 TCP + hop-by-hop", "ipv6 hbh tcp:flags=0x010 data:n=20" },
	{ "double VLAN TCP", "vlan:tpid=0x88a8 vlan ipv4 tcp data:n=20" },
	{ "IPv4 fragment", "ipv4:frag=0x2000 udp data:n=100" },
	{ "ARP request", "arp:op=1" },
};
#define N_MIX (sizeof(mix) / sizeof(mix[0]))

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Median ns per run of each of the @n programs @fd on @frame, into @ns,
 * over @rounds rounds of one kernel loop each, interleaved.  0 or -errno.
 */
static int warm(const int *fd, double *ns, int n, const struct pkt *frame, int rounds)
{
	static double v[8][64];
	int r, i;

	for (r = 0; r < rounds && r < 64; r++) {
		for (i = 0; i < n && i < 8; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame->b,
				    .data_size_in = frame->len, .repeat = REPEAT);

			if (bpf_prog_test_run_opts(fd[i], &o))
				return -errno;
			v[i][r] = o.duration;
		}
	}
	for (i = 0; i < n && i < 8; i++)
		ns[i] = median(v[i], r);
	return 0;
}

/*
 * Bytes that evict this CPU's L2 cache (twice its size, from sysfs; 2 MiB
 * when unknown): what a core's other work does to the sensor's lines
 * between frames at low rates.
 */
static size_t l2_evict_bytes(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index2/size", "r");
	unsigned long kb = 1024;
	char unit = 'K';

	if (f) {
		if (fscanf(f, "%lu%c", &kb, &unit) < 1 || !kb)
			kb = 1024;
		fclose(f);
	}
	return 2 * kb * 1024 * (unit == 'M' ? 1024 : 1);
}

/*
 * Single runs, one per call, the @n programs @fd in turn (blocks of BLOCK
 * runs): the median of the kernel's time of each run into @ns.  Each with
 * a new IPv4 source (@vary), or all with the first one.  @evict: before
 * every run, read a buffer twice the L2's size, so the programs' map and
 * code lines come from L3 as they would after a core's other work.
 * 0 or -errno.
 */
static int single_runs(const int *fd, double *ns, int n, struct pkt *frame,
		       size_t saddr_off, bool vary, bool evict)
{
	static double v[4][NEW_SOURCES];
	static volatile unsigned char *buf;
	static size_t len;
	int b, i, k;

	if (evict && !buf) {
		len = l2_evict_bytes();
		buf = malloc(len);
		if (!buf)
			return -ENOMEM;
		memset((void *)buf, 1, len);
	}
	/*
	 * In blocks of BLOCK runs per program, in turn: a program's runs
	 * follow each other as a sensor's frames do, and a change in the
	 * machine's load still falls on all programs alike.
	 */
	for (b = 0; b < NEW_SOURCES; b += BLOCK) {
		for (k = 0; k < n && k < 4; k++) {
			for (i = b; i < b + BLOCK && i < NEW_SOURCES; i++) {
				LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame->b,
					    .data_size_in = frame->len, .repeat = 1);
				__u32 src = 0xC6120000u + 1 +
					    (vary ? (__u32)i * 2654435761u % 131071 : 0);
				size_t j;

				frame->b[saddr_off] = src >> 24;
				frame->b[saddr_off + 1] = src >> 16;
				frame->b[saddr_off + 2] = src >> 8;
				frame->b[saddr_off + 3] = src;
				for (j = 0; evict && j < len; j += 64)
					(void)buf[j];	/* volatile: every line is read */
				if (bpf_prog_test_run_opts(fd[k], &o))
					return -errno;
				v[k][i] = o.duration;
			}
		}
	}
	for (k = 0; k < n && k < 4; k++)
		ns[k] = median(v[k], NEW_SOURCES);
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

/*
 * What the verifier processed for each program (its complexity, against the
 * kernel's limit of 1,000,000): a jump here is a parser or detector change
 * that multiplies paths, long before a load fails.
 */
static void verifier_table(struct portsense_bpf *skel)
{
	struct bpf_program *prog;

	printf("\nVerifier (instructions processed at load, limit 1000000; instructions in the program):\n\n");
	printf("| program | processed | instructions |\n|---|---|---|\n");
	bpf_object__for_each_program(prog, skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_program__fd(prog) < 0 ||
		    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			continue;
		printf("| %s | %u | %zu |\n", bpf_program__name(prog), info.verified_insns,
		       bpf_program__insn_cnt(prog));
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
 */
static int set_rodata_u32(struct bpf_object *obj, const char *var, __u32 val);

static int ab(const char *other, int rounds, const char *prog)
{
	bool tc = strcmp(prog, "ps_xdp") != 0;
	struct portsense_bpf *skel = portsense_bpf__open_and_load();
	struct bpf_object *base = NULL, *old = NULL;
	static struct pkt frame;
	double worst = -1e9;
	int ret = 1;
	size_t i;

	base = bpf_object__open_file("build/bench_base.bpf.o", NULL);
	/* No OTHER: this build without its capture code (ps_capture_on = 0, pruned at load). */
	old = bpf_object__open_file(other ? other : "build/portsense.bpf.o", NULL);
	if (!other && old && set_rodata_u32(old, "ps_capture_on", 0))
		old = NULL;
	if (!skel || !base || !old || bpf_object__load(base) || bpf_object__load(old) ||
	    ht_fill_lists(skel->obj) || ht_fill_lists(old) || ht_give_slot(skel->obj) || ht_give_slot(old)) {
		fprintf(stderr, "progbench: cannot load the programs: %s\n", strerror(errno));
		goto out;
	}
	printf("| packet | PASS %s | %s %s | this build | this - other, median of the rounds' |\n"
	       "|---|---|---|---|---|\n", tc ? "tc" : "xdp", other ? other : "no capture code", prog);
	for (i = 0; i < N_MIX; i++) {
		struct bpf_program *mine = bpf_object__find_program_by_name(skel->obj, prog);
		int fds[3] = { bpf_program__fd(bpf_object__find_program_by_name(base, tc ? "base_tc_pass" :
										  "base_xdp_pass")),
			       bpf_program__fd(bpf_object__find_program_by_name(old, prog)),
			       mine ? bpf_program__fd(mine) : -1 };
		static double v[3][64], d[64];
		double ns[3];
		int r;

		if (pb_build(&frame, mix[i].desc)) {
			fprintf(stderr, "progbench: %s: %s\n", mix[i].name, frame.err);
			goto out;
		}
		/* Paired by round: the difference of two loops run back to back. */
		for (r = 0; r < rounds; r++) {
			/* Every other round the two builds swap turns. */
			int sw = r & 1, order[3] = { fds[0], fds[1 + sw], fds[2 - sw] };

			if (warm(order, ns, 3, &frame, 1)) {
				fprintf(stderr, "progbench: %s: a test run failed\n", mix[i].name);
				goto out;
			}
			v[0][r] = ns[0];
			v[1][r] = ns[1 + sw];
			v[2][r] = ns[2 - sw];
			d[r] = v[2][r] - v[1][r];
		}
		printf("| %s | %.0f ns | %.0f ns | %.0f ns | %+.1f ns |\n", mix[i].name,
		       median(v[0], rounds), median(v[1], rounds), median(v[2], rounds),
		       median(d, rounds));
		if (median(d, rounds) > worst)
			worst = median(d, rounds);
	}
	if (!other)
		printf("\nBudget: the capture check, no capture open, adds at most 1 ns warm: "
		       "%+.1f ns at most: %s\n", worst, worst <= 1.0 ? "met" : "MISSED");
	ret = 0;
out:
	portsense_bpf__destroy(skel);
	bpf_object__close(base);
	bpf_object__close(old);
	return ret;
}

/* Point @map's initial value's variable @var at @val; 0 or -errno. */
static int set_rodata_u32(struct bpf_object *obj, const char *var, __u32 val)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	struct bpf_map *m;
	size_t size;
	int id, i;
	char *v;

	bpf_object__for_each_map(m, obj) {
		const char *dot = strrchr(bpf_map__name(m), '.');

		if (bpf_map__is_internal(m) && dot && !strcmp(dot, ".rodata"))
			break;
	}
	id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -ENOENT;
	if (!m || id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		if (strcmp(btf__name_by_offset(btf, btf__type_by_id(btf, vs->type)->name_off), var))
			continue;
		/* libbpf copies the value at load: a changed copy is all it takes. */
		v = malloc(bpf_map__value_size(m));
		if (!v)
			return -ENOMEM;
		memcpy(v, bpf_map__initial_value(m, &size), bpf_map__value_size(m));
		memcpy(v + vs->offset, &val, sizeof(val));
		i = bpf_map__set_initial_value(m, v, bpf_map__value_size(m));
		free(v);
		return i;
	}
	return -ENOENT;
}

/*
 * progbench --verifier [OBJ]: what the verifier processes for each program
 * of OBJ (default this build's object), with every detector on, each one
 * off alone and all off (ps_enabled, rodata).  A detector that is off must
 * be pruned at load: its row falls below the all-on row.  Counts do not
 * depend on the machine's load, so two objects compare run to run.
 */
static int verifier_runs(const char *path)
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
		if (!obj || set_rodata_u32(obj, "ps_enabled", on) || bpf_object__load(obj)) {
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

/* One line-info record of the JIT image: its address and source line. */
struct jline {
	__u64 addr;
	const char *where;	/* "file:line" */
	const char *text;
	unsigned long samples;
};

static int cmp_jline(const void *a, const void *b)
{
	const struct jline *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_samples(const void *a, const void *b)
{
	const struct jline *x = a, *y = b;

	return x->samples < y->samples ? 1 : x->samples > y->samples ? -1 : 0;
}

/*
 * The program's line info, by JIT address, into *@out (sorted); its image
 * spans [lo, hi).  The number of records, or -errno.
 */
static int jit_lines(int fd, struct jline **out, __u64 *lo, __u64 *hi, struct btf **btf)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), n, nj, nf, k;
	struct bpf_line_info *li = NULL;
	__u64 *jl = NULL, *ks = NULL;
	__u32 *fl = NULL;
	struct jline *v = NULL;
	int err = -ENOMEM;
	char *where;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	n = info.nr_line_info, nj = info.nr_jited_line_info, nf = info.nr_jited_ksyms;
	if (!n || n != nj || !nf || info.line_info_rec_size != sizeof(*li))
		return -ENODATA;	/* no BTF line info, or JIT addresses hidden */
	li = calloc(n, sizeof(*li));
	jl = calloc(n, sizeof(*jl));
	ks = calloc(nf, sizeof(*ks));
	fl = calloc(nf, sizeof(*fl));
	v = calloc(n, sizeof(*v));
	if (!li || !jl || !ks || !fl || !v)
		goto out;
	memset(&info, 0, sizeof(info));
	info.nr_line_info = n, info.line_info_rec_size = sizeof(*li);
	info.line_info = (__u64)(unsigned long)li;
	info.nr_jited_line_info = n, info.jited_line_info_rec_size = sizeof(*jl);
	info.jited_line_info = (__u64)(unsigned long)jl;
	info.nr_jited_ksyms = nf, info.jited_ksyms = (__u64)(unsigned long)ks;
	info.nr_jited_func_lens = nf, info.jited_func_lens = (__u64)(unsigned long)fl;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out;
	}
	*btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!*btf) {
		err = -errno;
		goto out;
	}
	*lo = ~0ULL, *hi = 0;
	for (k = 0; k < nf; k++) {
		*lo = ks[k] < *lo ? ks[k] : *lo;
		*hi = ks[k] + fl[k] > *hi ? ks[k] + fl[k] : *hi;
	}
	for (k = 0; k < n; k++) {
		const char *file = btf__name_by_offset(*btf, li[k].file_name_off);
		const char *base = file ? strrchr(file, '/') : NULL;

		if (asprintf(&where, "%s:%u", base ? base + 1 : file ? file : "?",
			     BPF_LINE_INFO_LINE_NUM(li[k].line_col)) < 0)
			goto out;
		v[k] = (struct jline){ .addr = jl[k], .where = where,
				       .text = btf__name_by_offset(*btf, li[k].line_off) };
	}
	qsort(v, n, sizeof(*v), cmp_jline);
	*out = v;
	v = NULL;
	err = n;
out:
	free(li);
	free(jl);
	free(ks);
	free(fl);
	free(v);
	return err;
}

/* progbench --lines: see the top of this file. */
static int lines(struct portsense_bpf *skel, const char *hook, const char *desc, int secs)
{
	int fd = bpf_program__fd(strcmp(hook, "tc") ? skel->progs.ps_xdp : skel->progs.ps_tc_in);
	char data[] = "/tmp/progbench-perf.XXXXXX", cmd[256], line[256];
	unsigned long total = 0, outside = 0, icl = 0, runs;
	static unsigned char seen[1 << 14];	/* 64-byte lines of a 1 MiB image */
	struct btf *btf = NULL;
	struct jline *v = NULL;
	static struct pkt frame;
	__u64 lo = 0, hi = 0, ip;
	int n, i, tmp, status;
	struct timespec t0, t;
	pid_t perf;
	FILE *f;

	if (pb_build(&frame, desc)) {
		fprintf(stderr, "progbench: %s: %s\n", desc, frame.err);
		return 1;
	}
	n = jit_lines(fd, &v, &lo, &hi, &btf);
	if (n < 0) {
		fprintf(stderr, "progbench: no line info for the program: %s\n", strerror(-n));
		return 1;
	}
	tmp = mkstemp(data);
	if (tmp < 0)
		return 1;
	close(tmp);
	perf = fork();
	if (perf == 0) {
		char s[16];

		snprintf(s, sizeof(s), "%d", secs);
		execlp("perf", "perf", "record", "-q", "-e", "cpu-clock", "-a", "-o", data,
		       "--", "sleep", s, (char *)NULL);
		_exit(127);
	}
	if (perf < 0) {
		unlink(data);
		return 1;
	}
	/* Run the frame until perf is done: bounded by SECONDS and 30 s more. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame.b, .data_size_in = frame.len,
			    .repeat = 100000);

		if (bpf_prog_test_run_opts(fd, &o)) {
			fprintf(stderr, "progbench: test run: %s\n", strerror(errno));
			kill(perf, SIGINT);
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (waitpid(perf, &status, WNOHANG) == 0 && t.tv_sec - t0.tv_sec < secs + 30);
	waitpid(perf, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "progbench: perf record failed (is perf installed?)\n");
		unlink(data);
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "perf script -i %s -F ip 2>/dev/null", data);
	f = popen(cmd, "r");
	while (f && fgets(line, sizeof(line), f)) {
		struct jline key;
		int a = 0, b = n;

		ip = strtoull(line, NULL, 16);
		if (ip < lo || ip >= hi) {
			outside++;
			continue;
		}
		if (((ip - lo) >> 6) < sizeof(seen) && !seen[(ip - lo) >> 6]++)
			icl++;
		/* The last record at or before ip. */
		key.addr = ip;
		while (a < b) {
			int m = (a + b) / 2;

			if (cmp_jline(&v[m], &key) <= 0)
				a = m + 1;
			else
				b = m;
		}
		if (a > 0) {
			v[a - 1].samples++;
			total++;
		}
	}
	if (f)
		pclose(f);
	unlink(data);
	/* Lines that several records name (inlined at several places) add up. */
	for (i = 0; i < n; i++) {
		int j;

		for (j = 0; j < i && v[i].samples; j++) {
			if (!strcmp(v[j].where, v[i].where)) {
				v[j].samples += v[i].samples;
				v[i].samples = 0;
			}
		}
	}
	qsort(v, n, sizeof(*v), cmp_samples);
	printf("%s, %s: %lu samples in the program (%lu elsewhere on the machine)\n\n",
	       strcmp(hook, "tc") ? "ps_xdp" : "ps_tc_in", desc, total, outside);
	/* The instruction-cache lines the path runs through: what a cold run refetches. */
	printf("Samples fell in %lu distinct 64-byte lines of the %llu-byte JIT image", icl,
	       (unsigned long long)(hi - lo));
	/* Runs of consecutive lines: how scattered the path's code is. */
	for (i = 0, runs = 0; i < (int)sizeof(seen) && (__u64)i << 6 < hi - lo; i++)
		runs += seen[i] && (!i || !seen[i - 1]);
	printf(", in %lu runs of consecutive lines:", runs);
	for (i = 0; i < (int)sizeof(seen) && (__u64)i << 6 < hi - lo; i++) {
		int j = i;

		if (!seen[i] || (i && seen[i - 1]))
			continue;
		while (j + 1 < (int)sizeof(seen) && seen[j + 1])
			j++;
		printf(j > i ? " %d-%d" : " %d", i, j);
	}
	printf(".\n\n");
	printf("| share | line | source |\n|---|---|---|\n");
	for (i = 0; i < n && i < 40 && v[i].samples; i++)
		printf("| %.1f%% | %s | `%s` |\n", 100.0 * v[i].samples / (total ? total : 1), v[i].where,
		       v[i].text ? v[i].text + strspn(v[i].text, " \t") : "");
	for (i = 0; i < n; i++)
		free((char *)v[i].where);
	free(v);
	btf__free(btf);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 15, ret = 1;
	struct portsense_bpf *skel = NULL, *quiet = NULL;
	struct bpf_object *base = NULL;
	int base_xdp, base_tc;
	double worst_warm = 0, x;
	static struct pkt frame;
	size_t i;

	if (argc >= 3 && !strcmp(argv[1], "--ab"))
		return ab(argv[2], argc > 3 && atoi(argv[3]) >= 1 && atoi(argv[3]) <= 64 ?
				   atoi(argv[3]) : 31, argc > 4 ? argv[4] : "ps_xdp");
	if (argc >= 2 && !strcmp(argv[1], "--ab-capture"))
		return ab(NULL, argc > 2 && atoi(argv[2]) >= 1 && atoi(argv[2]) <= 64 ?
				atoi(argv[2]) : 31, argc > 3 ? argv[3] : "ps_xdp");
	if (argc >= 2 && !strcmp(argv[1], "--verifier"))
		return verifier_runs(argc > 2 ? argv[2] : "build/portsense.bpf.o");
	if (argc >= 4 && !strcmp(argv[1], "--lines")) {
		skel = portsense_bpf__open_and_load();
		if (!skel || ht_fill_lists(skel->obj) || ht_give_slot(skel->obj)) {
			fprintf(stderr, "progbench: cannot load portsense: %s\n", strerror(errno));
			goto out;
		}
		i = argc > 4 ? (size_t)atoi(argv[4]) : 5;
		ret = lines(skel, argv[2], argv[3], i >= 1 && i <= 60 ? (int)i : 5);
		goto out;
	}
	if (rounds < 1 || rounds > 64)
		rounds = 15;
	base = bpf_object__open_file("build/bench_base.bpf.o", NULL);
	if (!base || bpf_object__load(base)) {
		fprintf(stderr, "progbench: cannot load build/bench_base.bpf.o (run from the source tree, after make)\n");
		goto out;
	}
	base_xdp = bpf_program__fd(bpf_object__find_program_by_name(base, "base_xdp_pass"));
	base_tc = bpf_program__fd(bpf_object__find_program_by_name(base, "base_tc_pass"));
	skel = portsense_bpf__open_and_load();
	/* The same sensor with every detector off: what counting alone costs. */
	quiet = portsense_bpf__open();
	if (quiet)
		quiet->rodata->ps_enabled = 0;
	if (!skel || !quiet || portsense_bpf__load(quiet) || ht_fill_lists(skel->obj) ||
	    ht_give_slot(skel->obj) || ht_give_slot(quiet->obj)) {
		fprintf(stderr, "progbench: cannot load portsense: %s\n", strerror(errno));
		goto out;
	}

	printf("| packet | PASS xdp | portsense xdp | ratio | no detectors | PASS tc | portsense tc | ratio |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < N_MIX; i++) {
		int fds[5] = { base_xdp, bpf_program__fd(skel->progs.ps_xdp),
			       bpf_program__fd(quiet->progs.ps_xdp), base_tc,
			       bpf_program__fd(skel->progs.ps_tc_in) };
		double ns[5], bx, px, qx, bt, pt;

		if (pb_build(&frame, mix[i].desc)) {
			fprintf(stderr, "progbench: %s: %s\n", mix[i].name, frame.err);
			goto out;
		}
		if (warm(fds, ns, 5, &frame, rounds)) {
			fprintf(stderr, "progbench: %s: a test run failed: %s\n", mix[i].name,
				strerror(errno));
			goto out;
		}
		bx = ns[0], px = ns[1], qx = ns[2], bt = ns[3], pt = ns[4];
		if (bx <= 0 || px <= 0 || qx <= 0 || bt <= 0 || pt <= 0) {
			fprintf(stderr, "progbench: %s: a test run failed\n", mix[i].name);
			goto out;
		}
		printf("| %s | %.0f ns | %.0f ns | %.2fx | %.0f ns | %.0f ns | %.0f ns | %.2fx |\n",
		       mix[i].name, bx, px, px / bx, qx, bt, pt, pt / bt);
		if (px / bx > worst_warm)
			worst_warm = px / bx;
	}
	pb_build(&frame, mix[0].desc);
	{
		static const struct { const char *name; bool vary, evict; } runs[] = {
			{ "the same on every packet", false, false },
			{ "the same, L2 evicted before each run", false, true },
			{ "new on every packet (" PB_STR(NEW_SOURCES) " in 198.18.0.0/15)", true, false },
		};
		int fds[3] = { base_xdp, bpf_program__fd(skel->progs.ps_xdp),
			       bpf_program__fd(quiet->progs.ps_xdp) };
		double ns[3];

		printf("\nOne run per call (64-byte SYN; median of the kernel's time of each run, its timer\n"
		       "included in all; the programs take turns every " PB_STR(BLOCK) " runs):\n\n");
		printf("| source | PASS xdp | portsense xdp | ratio | no detectors |\n|---|---|---|---|---|\n");
		for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
			if (single_runs(fds, ns, 3, &frame, 14 + 12, runs[i].vary, runs[i].evict)) {
				fprintf(stderr, "progbench: single runs failed: %s\n", strerror(errno));
				goto out;
			}
			printf("| %s | %.0f ns | %.0f ns | %.2fx | %.0f ns |\n", runs[i].name, ns[0],
			       ns[1], ns[1] / ns[0], ns[2]);
		}
		x = ns[1] / ns[0];	/* the last row: new sources */
	}
	verifier_table(skel);
	maps_table(skel);
	printf("\nBudget: warm mix <= 2x PASS (worst here %.2fx): %s; new sources <= 4x (%.2fx): %s\n",
	       worst_warm, worst_warm <= 2 ? "met" : "MISSED", x, x <= 4 ? "met" : "MISSED");
	ret = 0;
out:
	portsense_bpf__destroy(skel);
	portsense_bpf__destroy(quiet);
	bpf_object__close(base);
	return ret;
}
