// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* progbench --lines: see progbench.c. */
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <signal.h>
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
#include "../../tests/pktbuild.h"
#include "pb.h"

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

/* progbench --lines: see progbench.c. */
int pb_lines(struct portsense_bpf *skel, const char *hook, const char *desc, int secs)
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
