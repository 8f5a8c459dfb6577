// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_prog.c - the runner of the BPF_PROG_TEST_RUN tests of ps_xdp,
 * ps_tc_in and ps_tc_out: every case's frame (prog_cases.c) and each of
 * its cuts (prog_want.c) goes through each program once, and the whole
 * struct ps_counters it leaves must equal the expectation, the verdict and
 * the frame the program leaves too; then --mirror's verdicts.
 *
 * Nothing is attached: the kernel runs the programs on a copy of the frame
 * with the loopback device (ifindex 1) as the interface, so the counters
 * land under key {1, ingress} (XDP, tc ingress) or {1, egress} (tc egress).
 *
 * Output: "ok - prog_run <prog> <case>" or "not ok - ...: <why>" per run
 * ("skip - ..." where the kernel refuses the frame, see ht_skb_run_refuses());
 * exit 1 when any run failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portsense.h"
#include "fields.h"
#include "portsense.skel.h"
#include "harness.h"
#include "pktbuild.h"
#include "prog_cases.h"

/* Running one program on one frame. */

static int stats_fd;
static __u8 data_out[PB_MAX_LEN];
static int failures;

static void run_case(const struct ht_prog *pr, const char *name,
		     const __u8 *frame, size_t len, const char *want, __u32 want_ret)
{
	const struct ps_field *fields = ps_fields();
	struct ps_counters got, other;
	__u64 exp[PS_COUNTERS_WORDS];
	struct sbuf why = { .n = 0 };
	__u32 ret, out_len = len;
	size_t w;
	int err;

	if (want_counters(want, len, exp, &why))
		goto report;
	err = ht_clear_counters(stats_fd);
	if (err) {
		sb_add(&why, "clearing ps_stats: %s", strerror(-err));
		goto report;
	}
	memset(data_out, 0xee, len);
	err = ht_run(pr->fd, frame, len, &ret, data_out, &out_len);
	if (err) {
		if (err == -EINVAL && !pr->xdp && ht_skb_run_refuses(frame, len)) {
			printf("skip - prog_run %s %s # the kernel's skb test run"
			       " refuses an IP frame shorter than the IP header"
			       " (XDP runs it)\n", pr->name, name);
			return;
		}
		sb_add(&why, "BPF_PROG_TEST_RUN of %zu bytes: %s", len,
		       strerror(-err));
		goto report;
	}
	if (ret != want_ret)
		sb_add(&why, "retval got %d want %d; ", (int)ret,
		       (int)want_ret);
	if (out_len != len)
		sb_add(&why, "data_size_out got %u want %zu; ",
		       out_len, len);
	else if (memcmp(data_out, frame, len))
		sb_add(&why, "data_out differs from data_in; ");

	err = ht_read_counters(stats_fd, pr->dir, &got);
	if (!err)
		err = ht_read_counters(stats_fd, !pr->dir, &other);
	if (err) {
		sb_add(&why, "reading ps_stats: %s", strerror(-err));
		goto report;
	}
	for (w = 0; w < PS_COUNTERS_WORDS; w++)
		if (ps_counter_word(&got, w) != exp[w])
			sb_add(&why, "%s got %llu want %llu; ", fields[w].name,
			       (unsigned long long)ps_counter_word(&got, w),
			       (unsigned long long)exp[w]);
	for (w = 0; w < PS_COUNTERS_WORDS; w++)
		if (ps_counter_word(&other, w))
			sb_add(&why, "%s %s got %llu want 0; ",
			       ps_dir_names[!pr->dir], fields[w].name,
			       (unsigned long long)ps_counter_word(&other, w));
	/* Drop the trailing "; ". */
	if (why.n >= 2)
		why.s[why.n -= 2] = 0;
report:
	if (why.n) {
		failures++;
		printf("not ok - prog_run %s %s: %s\n", pr->name, name, why.s);
	} else {
		printf("ok - prog_run %s %s\n", pr->name, name);
	}
}


/*
 * --mirror (ps_mirror_drop in bpf/portsense.bpf.c): ifindex 1 a mirror port
 * whose MAC is pktbuild.h's destination.  A unicast frame for another MAC
 * is counted like any frame, then counted as mirror_dropped and dropped;
 * the others pass.  Without --mirror (ps_mirror_on 0) every frame passes.
 */
static const struct mcase {
	const char *name;
	__u8 dst[6];
	__u32 port;	/* the ps_mirror entry's ifindex (test runs come in on 1) */
	bool drop;
} mcases[] = {
	{ "own MAC", { 0x02, 0, 0, 0, 0, 0x02 }, HT_IFINDEX, false },
	{ "another MAC", { 0x02, 0, 0, 0, 0, 0x03 }, HT_IFINDEX, true },
	{ "another MAC, first byte differs", { 0x06, 0, 0, 0, 0, 0x02 }, HT_IFINDEX, true },
	{ "another MAC, fifth byte differs", { 0x02, 0, 0, 0, 0x01, 0x02 }, HT_IFINDEX, true },
	{ "broadcast", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, HT_IFINDEX, false },
	{ "IPv4 multicast", { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, HT_IFINDEX, false },
	{ "IPv6 multicast", { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 }, HT_IFINDEX, false },
	{ "another MAC on another port", { 0x02, 0, 0, 0, 0, 0x03 }, HT_IFINDEX + 1, false },
};

static void mirror_cases(const struct ht_prog *plain)
{
	static const char *const want = "l3.ipv4 udp udp.ipv4_packets udp.dst.well_known udp.src.dynamic";
	static const char *const dropped = "l3.ipv4 udp udp.ipv4_packets udp.dst.well_known"
		" udp.src.dynamic extras.mirror_dropped";
	struct portsense_bpf *skel = portsense_bpf__open();
	static struct pkt pkt;
	struct ht_prog progs[HT_NPROGS];
	char name[96];
	size_t c;
	__u32 k = HT_IFINDEX & (PS_IFSLOT_SIZE - 1);
	int saved = stats_fd, err;

	if (!skel || pb_build(&pkt, "ipv4 udp")) {
		failures++;
		printf("not ok - prog_run mirror setup: %s\n", skel ? pkt.err : strerror(errno));
		portsense_bpf__destroy(skel);
		return;
	}
	/* The main skeleton has no --mirror: a frame for another MAC passes. */
	memcpy(pkt.b, mcases[1].dst, 6);
	for (c = 0; c < HT_NPROGS; c++)
		run_case(&plain[c], "another MAC without --mirror", pkt.b, pkt.len, want,
			 ht_observe_ret(&plain[c]));
	skel->rodata->ps_mirror_on = 1;
	bpf_map__set_max_entries(skel->maps.ps_mirror, PS_IFSLOT_SIZE);	/* as the loader does */
	err = portsense_bpf__load(skel) ? -errno : ht_give_slot(skel->obj);
	if (err) {
		failures++;
		printf("not ok - prog_run mirror setup: loading with ps_mirror_on: %s\n", strerror(-err));
		portsense_bpf__destroy(skel);
		return;
	}
	stats_fd = bpf_map__fd(skel->maps.ps_stats);
	ht_progs(skel, progs);
	for (c = 0; c < sizeof(mcases) / sizeof(mcases[0]); c++) {
		const struct mcase *m = &mcases[c];
		struct ps_mirror e = { .ifindex = m->port, .mac = { 0x02, 0, 0, 0, 0, 0x02 } };

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.ps_mirror), &k, &e, BPF_ANY)) {
			failures++;
			printf("not ok - prog_run mirror %s: ps_mirror: %s\n", m->name, strerror(errno));
			continue;
		}
		memcpy(pkt.b, m->dst, 6);
		snprintf(name, sizeof(name), "mirror %s", m->name);
		run_case(&progs[0], name, pkt.b, pkt.len, m->drop ? dropped : want,
			 m->drop ? XDP_DROP : XDP_PASS);
	}
	stats_fd = saved;
	portsense_bpf__destroy(skel);
}

int main(void)
{
	static struct pkt pkt;
	struct portsense_bpf *skel;
	struct ht_prog progs[HT_NPROGS];
	size_t c;
	int i, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ht_quiet_libbpf();
	if (!ps_fields()) {
		printf("not ok - prog_run setup: field table broken\n");
		return 1;
	}
	skel = portsense_bpf__open_and_load();
	if (!skel) {
		printf("not ok - prog_run setup: loading the skeleton failed: %s\n",
		       strerror(errno));
		return 1;
	}
	if (bpf_map__value_size(skel->maps.ps_stats) != sizeof(struct ps_counters)) {
		printf("not ok - prog_run setup: ps_stats value is %u bytes, struct ps_counters %zu\n",
		       bpf_map__value_size(skel->maps.ps_stats),
		       sizeof(struct ps_counters));
		portsense_bpf__destroy(skel);
		return 1;
	}
	stats_fd = bpf_map__fd(skel->maps.ps_stats);
	err = ht_give_slot(skel->obj);
	if (err) {
		printf("not ok - prog_run setup: cannot give ifindex 1 a slot: %s\n", strerror(-err));
		portsense_bpf__destroy(skel);
		return 1;
	}
	ht_progs(skel, progs);

	for (c = 0; c < prog_ncases; c++) {
		const struct tcase *tc = &prog_cases[c];
		size_t cuts[4 * PB_MAX_LAYERS];
		int k, ncuts = 0;

		if (pb_build(&pkt, tc->pkt)) {
			for (i = 0; i < HT_NPROGS; i++) {
				failures++;
				printf("not ok - prog_run %s %s: bad packet description: %s\n",
				       progs[i].name, tc->name, pkt.err);
			}
			continue;
		}
		if (pb_headers(&pkt) > 1)
			ncuts = cut_points(&pkt, cuts);
		for (i = 0; i < HT_NPROGS; i++) {
			if (pkt.len > HT_TC_MAX_LEN && !progs[i].xdp)
				continue;
			run_case(&progs[i], tc->name, pkt.b, pkt.len, tc->want, ht_observe_ret(&progs[i]));
			for (k = 0; k < ncuts; k++) {
				struct sbuf want = { .n = 0 };
				char name[160];

				trunc_want(&pkt, tc->want, cuts[k], &want);
				snprintf(name, sizeof(name), "%s cut %zu",
					 tc->name, cuts[k]);
				run_case(&progs[i], name, pkt.b, cuts[k], want.s, ht_observe_ret(&progs[i]));
			}
		}
	}
	mirror_cases(progs);
	portsense_bpf__destroy(skel);
	return failures ? 1 : 0;
}
