// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_prog - runs hostile frames (fuzz_frames.c: the captures, crafted
 * edge cases, random mutations) through ps_xdp, ps_tc_in and ps_tc_out
 * with BPF_PROG_TEST_RUN, and checks after them what must hold whatever
 * the frame:
 *
 *  - the verdict is XDP_PASS / TC_ACT_UNSPEC, and the frame comes back
 *    byte for byte (the sensor never writes);
 *  - the counters moved exactly as the same parser and counting code
 *    compiled for user space says (fuzz_model.c): the kernel's verifier,
 *    the BPF backend and the hooks agree with the C;
 *  - every counter monotonic, and a frame of an interface with a slot
 *    never "frames_unslotted"; the LRU maps never over max_entries;
 *  - and, independent of the shared code, fuzz_invariants.c: the relations
 *    docs/counters.md promises, every ring-buffer event well formed, scan
 *    admissions and alert rates within their budgets.
 *
 * Counters are checked after each batch of runs (BATCH runs), and after
 * every single run for one batch in SINGLE_EVERY and for all crafted
 * frames, so a double count is pinned to its frame.  A failing batch is
 * replayed run by run to find the frame (the counting is stateless).
 *
 * Deterministic: rerun with the --seed printed (at the start and with
 * every failure) and the same --packets to get the same frames.
 *
 *   fuzz_prog [--seed N] [--seconds S] [--packets N] [--pcaps DIR]
 *             [--per-pcap N] [--no-random] [--plant class|double|frames|event]
 *
 * --plant makes the checker wrong on purpose (a self-test: the run must
 * fail): class, the model counts port 1023 as registered; double, one
 * delta read gets a TCP packet in a second destination class; frames, one
 * batch claims a run more than was fed; event, the first ring-buffer event
 * is held to a hold-down it does not carry.
 *
 * Output: "ok - fuzz ..." / "not ok - fuzz ...: why" lines; exit 1 on a
 * failure.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portsense.h"
#include "portsense.skel.h"
#include "fields.h"
#include "lists.h"
#include "harness.h"
#include "fuzz_model.h"
#include "fuzz_frames.h"
#include "fuzz_invariants.h"

/*
 * What an XDP test run puts in the first buffer: a page less the headroom
 * (256) and the skb_shared_info tail (320 on x86-64); the rest goes into
 * fragments the parser does not see.
 */
#define XDP_LINEAR	(4096 - 256 - 320)
#define BATCH		64	/* runs between two counter checks */
#define SINGLE_EVERY	16	/* every 16th batch is checked run by run */

static struct ht_prog progs[HT_NPROGS];
static struct portsense_bpf *skel;
static struct ring_buffer *rb;
static int stats_fd, global_fd;
static unsigned long long seed;
static const char *plant = "";
static bool planted;		/* the --plant lie was told */
static int failures;
static const struct ps_detect_cfg *cfg;

/* ------------------------------------------------------------------ */
/* Reporting. */

static unsigned long long packets_fed, runs_fed, pkt_index;
static const char *phase = "";

static void hexdump(const __u8 *b, __u32 len)
{
	__u32 i, n = len < 512 ? len : 512;

	printf("#   frame (%u bytes%s):", len, n < len ? ", first 512" : "");
	for (i = 0; i < n; i++)
		printf("%s%02x", i % 32 ? "" : "\n#     ", b[i]);
	printf("\n");
}

/* Stop after this many failures: one bug tends to fail every frame after. */
#define MAX_FAILURES 10

static void fail(const char *what, const char *why, const __u8 *frame, __u32 len)
{
	failures++;
	printf("not ok - fuzz %s: %s: %s (seed %llu, packet #%llu)\n", phase, what, why,
	       seed, pkt_index);
	if (frame)
		hexdump(frame, len);
	if (failures >= MAX_FAILURES) {
		printf("# stopping after %d failures; reproduce with --seed %llu\n", failures, seed);
		exit(1);
	}
}

/* ------------------------------------------------------------------ */
/* Counters. */

static struct ps_counters prev[PS_DIR_MAX];
static __u64 prev_global[PS_G_MAX];

/* Every counter of ps_global into @g. */
static int read_global(__u64 *g)
{
	int k, err;

	for (k = 0; k < PS_G_MAX; k++) {
		err = ht_read_global(global_fd, k, &g[k]);
		if (err)
			return err;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Events and detector state. */

static __u64 events_seen, events_by_id[PS_ALERT_MAX];
static struct timespec t_start;

static double elapsed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t_start.tv_sec) + (now.tv_nsec - t_start.tv_nsec) / 1e9;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct ps_event *e = data;
	struct sbuf why = { .n = 0 };

	(void)ctx;
	events_seen++;
	if (!fuzz_invariants_event(data, size, cfg, &why))
		goto out;
	events_by_id[e->alert]++;
	/* --plant event: the first event is judged against a wrong hold-down. */
	if (!planted && !strcmp(plant, "event")) {
		planted = true;
		if (e->holddown_ns != cfg->holddown_ns + 1)
			sb_add(&why, "holddown_ns %llu (planted expectation %llu); ",
			       (unsigned long long)e->holddown_ns,
			       (unsigned long long)cfg->holddown_ns + 1);
	}
out:
	if (why.n) {
		char what[64];

		snprintf(what, sizeof(what), "ring-buffer event (alert %u)",
			 size >= sizeof(*e) ? e->alert : ~0U);
		fail(what, why.s, NULL, 0);
	}
	return 0;
}

static void check_detectors(void)
{
	struct bpf_map *lru[] = { skel->maps.ps_rates, skel->maps.ps_scans, skel->maps.ps_binds };
	__u64 g[PS_G_MAX];
	struct sbuf why = { .n = 0 };
	double secs = elapsed();
	long scans = 0;
	size_t i;
	int err;

	for (i = 0; i < sizeof(lru) / sizeof(lru[0]); i++) {
		long n = ht_map_entries(lru[i]);

		if (lru[i] == skel->maps.ps_scans)
			scans = n;
		if (n < 0 || n > (long)bpf_map__max_entries(lru[i]))
			sb_add(&why, "%s holds %ld entries, max_entries %u; ", bpf_map__name(lru[i]),
			       n, bpf_map__max_entries(lru[i]));
	}
	err = read_global(g);
	if (err)
		sb_add(&why, "reading ps_global: %s; ", strerror(-err));
	fuzz_invariants_detectors(err ? NULL : g, scans, secs, events_by_id, cfg, &why);
	if (why.n)
		fail("detector state", why.s, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* Feeding. */

static __u8 data_out[FUZZ_MAX_LEN];

/*
 * 0 fed, 1 refused by the kernel (not fed: an skb run of an IP frame
 * shorter than its header), -1 failed (reported).
 */
static int run_one(const struct ht_prog *pr, const __u8 *frame, __u32 len)
{
	__u32 want = ht_observe_ret(pr), ret, out_len = sizeof(data_out);
	char why[160];
	int err = ht_run(pr->fd, frame, len, &ret, data_out, &out_len);

	if (err) {
		if (err == -EINVAL && !pr->xdp && ht_skb_run_refuses(frame, len))
			return 1;
		snprintf(why, sizeof(why), "BPF_PROG_TEST_RUN: %s", strerror(-err));
		fail(pr->name, why, frame, len);
		return -1;
	}
	if (ret != want) {
		snprintf(why, sizeof(why), "verdict %d, want %d", (int)ret, (int)want);
		fail(pr->name, why, frame, len);
		return -1;
	}
	if (out_len != len || memcmp(data_out, frame, len)) {
		snprintf(why, sizeof(why), "the frame came back changed (%u bytes out)",
			 out_len);
		fail(pr->name, why, frame, len);
		return -1;
	}
	runs_fed++;
	return 0;
}

/* The model's counts of @frame at @pr, into @c. */
static void model(const struct ht_prog *pr, const __u8 *frame, __u32 len, struct ps_counters *c)
{
	__u32 linear = pr->xdp && len > XDP_LINEAR ? XDP_LINEAR : len;

	fuzz_model_count(frame, linear, len, c);
	/* --plant class: an off-by-one at the class boundary. */
	if (!strcmp(plant, "class") && c->tcp.by_dst_class[PS_PCLASS_WELL_KNOWN].packets &&
	    len >= 14 + 20 + 4 && frame[12] == 0x08 && frame[13] == 0x00 &&
	    frame[14 + 9] == 6 && (frame[14] & 0xf) == 5 &&
	    (frame[14 + 20 + 2] << 8 | frame[14 + 20 + 3]) == 1023) {
		c->tcp.by_dst_class[PS_PCLASS_WELL_KNOWN].packets--;
		c->tcp.by_dst_class[PS_PCLASS_REGISTERED].packets++;
	}
}

static void add_words(struct ps_counters *to, const struct ps_counters *from)
{
	size_t w;

	for (w = 0; w < PS_COUNTERS_WORDS; w++)
		((__u64 *)to)[w] += ((const __u64 *)from)[w];
}

/* The runs of the current batch, kept so a failing batch can be replayed. */
struct run_rec {
	const struct ht_prog *pr;
	__u32 off, len;
	unsigned long long pkt;
};

static struct run_rec batch[BATCH];
static __u8 batch_bytes[BATCH * FUZZ_MAX_LEN];
static int batch_n;
static __u32 batch_used;
static struct fuzz_fed fed[PS_DIR_MAX];
static unsigned long long batches;

static void fed_add(struct fuzz_fed *f, const struct ht_prog *pr, const __u8 *frame, __u32 len)
{
	struct ps_counters c = {};

	model(pr, frame, len, &c);
	add_words(&f->want, &c);
	f->runs++;
	f->bytes += len;
	f->over_1514 += len > 1514;
}

/*
 * Read the counters, compare what moved since the last check with @f.
 * Returns true when they agree.  @frame (may be NULL) is shown on failure.
 */
static bool check_counters(struct fuzz_fed *f, const __u8 *frame, __u32 len, const char *what)
{
	struct ps_counters cur[PS_DIR_MAX];
	const struct ps_field *names = ps_fields();
	__u64 g[PS_G_MAX];
	bool good = true;
	int d;
	size_t w;

	for (d = 0; d < PS_DIR_MAX; d++) {
		struct ps_counters delta;
		struct sbuf why = { .n = 0 };

		if (ht_read_counters(stats_fd, d, &cur[d])) {
			fail(what, "reading ps_stats failed", NULL, 0);
			return false;
		}
		for (w = 0; w < PS_COUNTERS_WORDS; w++) {
			__u64 now = ps_counter_word(&cur[d], w), was = ps_counter_word(&prev[d], w);

			if (now < was)
				sb_add(&why, "%s went down; ", names[w].name);
			((__u64 *)&delta)[w] = now - was;
		}
		/* --plant: the checker is told something false, once. */
		if (!planted && !strcmp(plant, "double") && delta.tcp.packets) {
			delta.tcp.by_dst_class[PS_PCLASS_DYNAMIC].packets++;
			planted = true;
		}
		if (!planted && !strcmp(plant, "frames") && f[d].runs && batches == 100) {
			f[d].runs++;
			planted = true;
		}
		fuzz_invariants_counters(&delta, &f[d], &why);
		for (w = 0; w < PS_COUNTERS_WORDS; w++)
			if (((__u64 *)&delta)[w] != ((__u64 *)&f[d].want)[w])
				sb_add(&why, "%s moved by %llu, the model says %llu; ", names[w].name,
				       (unsigned long long)((__u64 *)&delta)[w],
				       (unsigned long long)((__u64 *)&f[d].want)[w]);
		if (why.n) {
			char w2[160];

			why.s[why.n - 2] = 0;	/* the last "; " */
			snprintf(w2, sizeof(w2), "%s, %s", what, ps_dir_names[d]);
			fail(w2, why.s, frame, len);
			good = false;
		}
		prev[d] = cur[d];
	}
	memset(f, 0, sizeof(struct fuzz_fed) * PS_DIR_MAX);
	if (read_global(g)) {
		fail(what, "reading ps_global failed", NULL, 0);
		return false;
	}
	for (d = 0; d < PS_G_MAX; d++) {
		if (g[d] < prev_global[d]) {
			fail(what, "a ps_global counter went down", NULL, 0);
			good = false;
		}
	}
	if (g[PS_G_UNSLOTTED] != prev_global[PS_G_UNSLOTTED]) {
		fail(what, "a frame of an interface with a counter slot was counted as frames_unslotted",
		     frame, len);
		good = false;
	}
	memcpy(prev_global, g, sizeof(g));
	ring_buffer__consume(rb);
	return good;
}

/* A failed batch: replay it run by run to name the frame. */
static void replay_batch(void)
{
	int i;

	for (i = 0; i < batch_n; i++) {
		const struct run_rec *r = &batch[i];
		const __u8 *frame = batch_bytes + r->off;
		unsigned long long saved = pkt_index;

		pkt_index = r->pkt;
		if (!run_one(r->pr, frame, r->len)) {
			fed_add(&fed[r->pr->dir], r->pr, frame, r->len);
			check_counters(fed, frame, r->len, r->pr->name);
		}
		pkt_index = saved;
	}
}

static void end_batch(void)
{
	if (!batch_n)
		return;
	batches++;
	if (!check_counters(fed, NULL, 0, "batch")) {
		printf("# replaying the batch's %d runs one by one\n", batch_n);
		replay_batch();
	}
	batch_n = 0;
	batch_used = 0;
}

/* Feed one frame to every program; @single: check after each run. */
static void feed(const __u8 *frame, __u32 len, bool single)
{
	int i;

	if (len < 14 || len > FUZZ_MAX_LEN)
		return;
	if (single)
		end_batch();	/* what was fed so far is checked as a batch */
	pkt_index = packets_fed++;
	for (i = 0; i < HT_NPROGS; i++) {
		const struct ht_prog *pr = &progs[i];

		if (!pr->xdp && len > HT_TC_MAX_LEN)
			continue;
		if (run_one(pr, frame, len))
			continue;
		fed_add(&fed[pr->dir], pr, frame, len);
		if (single) {
			check_counters(fed, frame, len, pr->name);
			continue;
		}
		batch[batch_n].pr = pr;
		batch[batch_n].off = batch_used;
		batch[batch_n].len = len;
		batch[batch_n].pkt = pkt_index;
		memcpy(batch_bytes + batch_used, frame, len);
		batch_used += len;
		if (++batch_n == BATCH)
			end_batch();
	}
}

static const struct fuzz_sink sink = { .feed = feed, .fail = fail };

static void random_phase(double seconds, unsigned long long max_packets)
{
	unsigned long long n = 0;
	double next_detect = elapsed() + 1, until = elapsed() + seconds;

	while ((!max_packets || n < max_packets) && (max_packets || elapsed() < until)) {
		const __u8 *b;
		__u32 len;
		bool single = (batches % SINGLE_EVERY) == SINGLE_EVERY - 1;

		b = fuzz_frames_random(&len);
		feed(b, len, single);
		if (single)
			batches++;
		n++;
		if (!(n & 1023) && elapsed() >= next_detect) {
			end_batch();
			check_detectors();
			next_detect = elapsed() + 1;
		}
	}
	end_batch();
}

/* ------------------------------------------------------------------ */

/* The detectors' lists, as the loader fills them by default. */
static int fill_lists(void)
{
	struct ps_lpm_key allow;
	__u32 all = (1U << PS_ALERT_MAX) - 1;
	int err = ht_fill_lists(skel->obj);

	/* One allow-listed prefix, so that path runs too. */
	if (!err && !ps_cidr_parse("198.18.0.0/24", &allow) &&
	    bpf_map_update_elem(bpf_map__fd(skel->maps.ps_allow), &allow, &all, BPF_ANY))
		err = -errno;
	return err;
}

static int setup(void)
{
	int err;

	skel = portsense_bpf__open();
	if (!skel)
		return -errno;
	skel->data->ps_cfg.allow = 1;
	cfg = &skel->data->ps_cfg;
	err = portsense_bpf__load(skel);
	if (err)
		return err;
	/* .data stays mapped: cfg reads what the programs read. */
	stats_fd = bpf_map__fd(skel->maps.ps_stats);
	global_fd = bpf_map__fd(skel->maps.ps_global);
	err = ht_give_slot(skel->obj);
	if (err)
		return err;
	err = fill_lists();
	if (err)
		return err;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.ps_events), on_event, NULL, NULL);
	if (!rb)
		return -errno;
	ht_progs(skel, progs);
	err = ht_read_counters(stats_fd, PS_DIR_INGRESS, &prev[PS_DIR_INGRESS]);
	if (!err)
		err = ht_read_counters(stats_fd, PS_DIR_EGRESS, &prev[PS_DIR_EGRESS]);
	if (!err)
		err = read_global(prev_global);
	return err;
}

static void usage(void)
{
	fprintf(stderr, "usage: fuzz_prog [--seed N] [--seconds S] [--packets N] [--pcaps DIR]\n"
		"                 [--per-pcap N] [--no-random] [--plant class|double|frames|event]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "packets", required_argument, NULL, 'n' },
		{ "pcaps", required_argument, NULL, 'p' },
		{ "per-pcap", required_argument, NULL, 'P' },
		{ "no-random", no_argument, NULL, 'R' },
		{ "plant", required_argument, NULL, 'x' },
		{ 0 },
	};
	const char *pcaps = NULL;
	double seconds = 20;
	unsigned long long max_packets = 0, before;
	size_t per_pcap = 3000;
	double t;
	bool no_random = false, seeded = false;
	int c, err, files = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 0); seeded = true; break;
		case 't': seconds = atof(optarg); break;
		case 'n': max_packets = strtoull(optarg, NULL, 0); break;
		case 'p': pcaps = optarg; break;
		case 'P': per_pcap = strtoul(optarg, NULL, 0); break;
		case 'R': no_random = true; break;
		case 'x':
			plant = optarg;
			if (strcmp(plant, "class") && strcmp(plant, "double") &&
			    strcmp(plant, "frames") && strcmp(plant, "event"))
				usage();
			break;
		default: usage();
		}
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (unsigned long long)ts.tv_sec * 1000003ULL ^ ts.tv_nsec ^ getpid();
	}
	fuzz_frames_seed(seed);
	printf("# fuzz_prog seed %llu (rerun: --seed %llu)%s%s\n", seed, seed,
	       *plant ? ", planted: " : "", plant);
	ht_quiet_libbpf();
	if (!ps_fields()) {
		printf("not ok - fuzz setup: field table broken\n");
		return 1;
	}
	err = setup();
	if (err) {
		printf("not ok - fuzz setup: loading the sensor: %s\n", strerror(-err));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t_start);

	phase = "captures";
	if (pcaps) {
		err = fuzz_frames_load_pcaps(pcaps, per_pcap, &files);
		if (err || !files || !fuzz_frames_pool_size())
			fail("reading the captures", err ? strerror(-err) : "no frames", NULL, 0);
		before = packets_fed;
		fuzz_frames_feed_pool(&sink);
		end_batch();
		check_detectors();
		if (!failures)
			printf("ok - fuzz captures: %llu frames of %d files, as recorded\n",
			       packets_fed - before, files);
	} else {
		printf("# no --pcaps: the random phase mutates crafted frames only\n");
	}

	phase = "crafted";
	before = packets_fed;
	c = failures;
	fuzz_frames_crafted(&sink);
	end_batch();
	check_detectors();
	if (failures == c)
		printf("ok - fuzz crafted: %llu edge-case frames (cuts at every byte, IHL, options, "
		       "fragment offsets, extension lengths, VLAN stacks, TCP offsets and flags, ARP)\n",
		       packets_fed - before);

	if (!no_random) {
		phase = "random";
		before = packets_fed;
		c = failures;
		t = elapsed();
		random_phase(seconds, max_packets);
		check_detectors();
		if (failures == c)
			printf("ok - fuzz random: %llu mutated frames in %.1f s\n", packets_fed - before,
			       elapsed() - t);
	}
	printf("# %llu frames, %llu program runs, %llu batches, %llu alerts in %.1f s; seed %llu\n",
	       packets_fed, runs_fed, batches, events_seen, elapsed(), seed);
	ring_buffer__free(rb);
	portsense_bpf__destroy(skel);
	return failures ? 1 : 0;
}
