// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* What progbench's modes share: the packet mix, the timed loops (pb.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../../tests/pktbuild.h"
#include "pb.h"

const struct pb_packet pb_mix[] = {
	{ "TCP SYN, 64 B", "ipv4 tcp:flags=0x002 pad:to=64" },
	{ "TCP data, 1514 B", "ipv4 tcp:flags=0x018 data:n=1460" },
	{ "UDP DNS query", "ipv4 udp:sport=40000,dport=53 data:n=40" },
	{ "IPv6 TCP + hop-by-hop", "ipv6 hbh tcp:flags=0x010 data:n=20" },
	{ "double VLAN TCP", "vlan:tpid=0x88a8 vlan ipv4 tcp data:n=20" },
	{ "IPv4 fragment", "ipv4:frag=0x2000 udp data:n=100" },
	{ "ARP request", "arp:op=1" },
};
const size_t pb_n_mix = sizeof(pb_mix) / sizeof(pb_mix[0]);

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v. */
double pb_median(double *v, int n)
{
	if (n < 1)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * The programs take turns, one loop each per round, so a change in the
 * machine's load (it is shared) falls on all of them alike.  The kernel
 * times the loop itself, in whole ns per run: this thread's CPU time
 * around the call would resolve finer, but an XDP test run's call also
 * swaps the XDP dispatcher in and out (bpf_prog_change_xdp(): about 300 us
 * a call here, against 4 us for tc; 1.5 ns over 200000 runs, and it
 * varies), which the kernel's figure leaves out.  Differences of a few ns read in steps of 1 ns.
 */
int pb_loops(const int *fd, int n, const struct pkt *frame, int rounds, __u32 repeat,
	     long long want, double v[][PB_MAX_ROUNDS])
{
	int r, i;

	for (r = 0; r < rounds && r < PB_MAX_ROUNDS; r++) {
		for (i = 0; i < n && i < PB_MAX_PROGS; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame->b,
				    .data_size_in = frame->len, .repeat = repeat);

			if (bpf_prog_test_run_opts(fd[i], &o))
				return -errno;
			v[i][r] = o.duration;
			if (want != PB_ANY && o.retval != (__u32)want)
				return -EPROTO;
		}
	}
	return 0;
}

/* Point @map's initial value's variable @var at @val; 0 or -errno. */
int pb_set_rodata_u32(struct bpf_object *obj, const char *var, __u32 val)
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
 * The floor of program @fd on @frame: the lowest of a few short loops,
 * run just before the rounds it is compared with.  0 if a run failed.
 */
double pb_floor(int fd, const struct pkt *frame)
{
	static double v[1][PB_MAX_ROUNDS];
	double lo = 0;
	int r;

	if (pb_loops(&fd, 1, frame, PB_FLOOR_LOOPS, PB_REPEAT / 4, PB_ANY, v))
		return 0;
	for (r = 0; r < PB_FLOOR_LOOPS; r++)
		if (!r || v[0][r] < lo)
			lo = v[0][r];
	return lo;
}

/*
 * The PASS program's figure hardly depends on the frame (XDP: 5-6 ns a run
 * here, whatever the packet), so the lowest floor of it so far, @lo, is
 * its cost on a quiet machine.  A median over a row's rounds of more than
 * half as much again means other work took the core or its caches for a
 * stretch of the rounds (on this shared machine, another engineer's
 * benchmark).  Such work slows the sensor, which reads memory, more than
 * the PASS program, so paired differences do not cancel it: the row is
 * measured again.  Work that lasts through the whole run is not caught;
 * the page names what ran besides.
 */
bool pb_disturbed(const double *v, int rounds, double lo)
{
	double c[PB_MAX_ROUNDS];
	int r;

	for (r = 0; r < rounds && r < PB_MAX_ROUNDS; r++)
		c[r] = v[r];
	return lo > 0 && pb_median(c, r) > 1.5 * lo + 1;
}
