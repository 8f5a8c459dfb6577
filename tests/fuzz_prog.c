// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_prog - hostile frames through ps_xdp, ps_tc_in and ps_tc_out with
 * BPF_PROG_TEST_RUN, and what must hold whatever the frame:
 *
 *  - the verdict is XDP_PASS / TC_ACT_UNSPEC, and the frame comes back
 *    byte for byte (the sensor never writes);
 *  - the counters moved exactly as the same parser and counting code
 *    compiled for user space says (fuzz_model.c): the kernel's verifier,
 *    the BPF backend and the hooks agree with the C;
 *  - and, independent of that code, the relations docs/counters.md
 *    promises: frames = runs fed, bytes = the lengths fed, one L3 class per
 *    frame, the port classes by destination and by source each sum to the
 *    TCP (UDP) packets and bytes, at most one L4 header per frame, flag
 *    counters within the TCP packets, frames_over_1514 = frames fed longer
 *    than 1514, every counter monotonic;
 *  - a frame of an interface with a slot is never "frames_unslotted";
 *  - the detectors' state stays within its bounds: the LRU maps never hold
 *    more than max_entries, per-source scan entries never more than were
 *    admitted, admissions within PS_SCAN_ADMIT_RATE a second, the sensor's
 *    own counters monotonic, every ring-buffer event well formed.
 *
 * Frames: every frame of the captures in ../shared/pcaps (as recorded),
 * crafted edge cases (every base frame cut at every byte, IHL 0-15, IPv4
 * options of every type and length, IPv4 and IPv6 fragments at every
 * offset, extension-header lengths 0-255, VLAN stacks of 0-4 tags, TCP
 * data offsets and all 512 flag combinations, ARP sizes and fields, ICMP
 * types, length fields), then random mutations of those (bit flips, byte
 * and word sets, truncation, extension, splicing, header-aware edits)
 * until the time or packet budget is spent.
 *
 * Counters are checked after each batch of runs (BATCH runs), and after
 * every single run for one batch in SINGLE_EVERY and for all crafted
 * frames, so a double count is pinned to its frame.  A failing batch is
 * replayed run by run to find the frame (the counting is stateless).
 *
 * Deterministic: the frames depend only on --seed (printed at the start
 * and with every failure) and the files read; rerun with the same
 * --seed and --packets to get the same frames.
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
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
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
#include "pcapfile.h"
#include "pktbuild.h"

#define MAX_LEN		9216	/* XDP multi-buffer frames up to a jumbo */
/*
 * What an XDP test run puts in the first buffer: a page less the headroom
 * (256) and the skb_shared_info tail (320 on x86-64); the rest goes into
 * fragments the parser does not see.
 */
#define XDP_LINEAR	(4096 - 256 - 320)
#define BATCH		64	/* runs between two counter checks */
#define SINGLE_EVERY	16	/* every 16th batch is checked run by run */
#define POOL_MAX	200000

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
/* Deterministic randomness (splitmix64). */

static __u64 rng_state;

static __u64 rnd(void)
{
	return ht_splitmix64(&rng_state);
}

static unsigned int rnd_below(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

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

/* What was fed into one direction since the last check. */
struct fed {
	__u64 runs;
	__u64 bytes;
	__u64 over_1514;
	struct ps_counters want;	/* the model's sum */
};

#define CHK(cond, ...) do { if (!(cond)) sb_add(why, __VA_ARGS__); } while (0)

static void l4_relations(const char *name, const struct ps_l4_counters *l,
			 struct sbuf *why)
{
	__u64 dp = 0, db = 0, sp = 0, sbytes = 0;
	int k, ndst = 0, nsrc = 0;

	for (k = 0; k < PS_PCLASS_MAX; k++) {
		dp += l->by_dst_class[k].packets;
		db += l->by_dst_class[k].bytes;
		sp += l->by_src_class[k].packets;
		sbytes += l->by_src_class[k].bytes;
		ndst += !!l->by_dst_class[k].packets;
		nsrc += !!l->by_src_class[k].packets;
	}
	CHK(dp == l->packets, "%s.by_dst_class packets sum to %llu, %s.packets %llu; ",
	    name, (unsigned long long)dp, name, (unsigned long long)l->packets);
	CHK(sp == l->packets, "%s.by_src_class packets sum to %llu, %s.packets %llu; ",
	    name, (unsigned long long)sp, name, (unsigned long long)l->packets);
	CHK(db == l->bytes, "%s.by_dst_class bytes sum to %llu, %s.bytes %llu; ",
	    name, (unsigned long long)db, name, (unsigned long long)l->bytes);
	CHK(sbytes == l->bytes, "%s.by_src_class bytes sum to %llu, %s.bytes %llu; ",
	    name, (unsigned long long)sbytes, name, (unsigned long long)l->bytes);
	CHK(l->ipv4_packets + l->ipv6_packets == l->packets,
	    "%s ipv4_packets + ipv6_packets != packets; ", name);
	/* One frame: one class each way, never two. */
	CHK(l->packets > 1 || (ndst <= 1 && nsrc <= 1),
	    "one %s packet counted in %d destination and %d source classes; ", name, ndst, nsrc);
}

/*
 * The relations docs/counters.md promises between the counters a delta
 * @d of @f->runs runs moved.  They hold for one frame and so for sums.
 */
static void relations(const struct ps_counters *d, const struct fed *f,
		      struct sbuf *why)
{
	const __u64 *x = d->extras, *tf = d->tcp_flags;
	__u64 l3 = d->l3[PS_L3_IPV4] + d->l3[PS_L3_IPV6] + d->l3[PS_L3_ARP] + d->l3[PS_L3_OTHER];
	__u64 ip = d->l3[PS_L3_IPV4] + d->l3[PS_L3_IPV6];
	__u64 syn = tf[PS_TCPF_SYN_NOACK] + tf[PS_TCPF_SYNACK];

	CHK(d->frames == f->runs, "frames moved by %llu, %llu runs fed; ",
	    (unsigned long long)d->frames, (unsigned long long)f->runs);
	CHK(d->bytes == f->bytes, "bytes moved by %llu, %llu bytes fed; ",
	    (unsigned long long)d->bytes, (unsigned long long)f->bytes);
	CHK(l3 == d->frames, "l3 classes sum to %llu, frames %llu; ",
	    (unsigned long long)l3, (unsigned long long)d->frames);
	l4_relations("tcp", &d->tcp, why);
	l4_relations("udp", &d->udp, why);
	CHK(d->tcp.packets + d->tcp.header_incomplete + d->udp.packets +
	    d->udp.header_incomplete + d->icmp.packets + d->icmpv6.packets <= ip,
	    "more L4 headers than IP frames; ");
	CHK(d->icmp.echo[0] + d->icmp.echo[1] <= d->icmp.packets, "icmp echo > icmp packets; ");
	CHK(d->icmpv6.echo[0] + d->icmpv6.echo[1] <= d->icmpv6.packets,
	    "icmpv6 echo > icmpv6 packets; ");
	CHK(d->arp[0] + d->arp[1] <= d->l3[PS_L3_ARP], "arp ops > arp frames; ");
	CHK(d->ipv4_fragments <= d->l3[PS_L3_IPV4], "ipv4_fragments > ipv4 frames; ");
	CHK(d->ipv6_fragments <= d->l3[PS_L3_IPV6], "ipv6_fragments > ipv6 frames; ");
	CHK(syn + tf[PS_TCPF_NULL] <= d->tcp.packets, "syn + null flag counts > tcp packets; ");
	CHK(tf[PS_TCPF_RST] <= d->tcp.packets && tf[PS_TCPF_FIN] <= d->tcp.packets,
	    "rst or fin > tcp packets; ");
	CHK(tf[PS_TCPF_NULL_ALL_BITS_ZERO] <= tf[PS_TCPF_NULL], "null_all_bits_zero > null; ");
	CHK(tf[PS_TCPF_XMAS_EXACT] <= tf[PS_TCPF_XMAS] && tf[PS_TCPF_XMAS] <= tf[PS_TCPF_FIN],
	    "xmas_exact <= xmas <= fin broken; ");
	CHK(tf[PS_TCPF_SYN_FIN] <= tf[PS_TCPF_FIN] && tf[PS_TCPF_SYN_FIN] <= syn,
	    "syn_fin > fin or syn; ");
	CHK(x[PS_X_VLAN_TAGGED] <= d->frames, "vlan_tagged_frames > frames; ");
	CHK(x[PS_X_OVER_2_VLAN_TAGS] <= x[PS_X_VLAN_TAGGED] &&
	    x[PS_X_OVER_2_VLAN_TAGS] <= d->l3[PS_L3_OTHER],
	    "frames_over_2_vlan_tags not within vlan-tagged 'other' frames; ");
	CHK(x[PS_X_OVER_1514] == f->over_1514, "frames_over_1514 moved by %llu, %llu such frames fed; ",
	    (unsigned long long)x[PS_X_OVER_1514], (unsigned long long)f->over_1514);
	CHK(x[PS_X_LAND] <= x[PS_X_IPV4_SRC_EQ_DST] && x[PS_X_IPV4_SRC_EQ_DST] <= d->l3[PS_L3_IPV4],
	    "land <= ipv4_src_eq_dst <= ipv4 broken; ");
	CHK(x[PS_X_L3_INCOMPLETE] + x[PS_X_L3_MALFORMED] <= ip + d->l3[PS_L3_ARP],
	    "l3_header_incomplete + l3_malformed > ip and arp frames; ");
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

/* Highest detail of the alerts that carry an enum in it (0: any). */
static unsigned int detail_max(__u32 alert)
{
	switch (alert) {
	case PS_ALERT_INVALID_TCP_FLAGS: return PS_TCPINV_SYN_RST;
	case PS_ALERT_BACKDOOR_PORT: return PS_BACKDOOR_LISTENING;
	case PS_ALERT_SMURF: return PS_SMURF_AMPLIFIER;
	case PS_ALERT_SYN_FLOOD: return PS_SYNFLOOD_MANY_PORTS;
	case PS_ALERT_BACKSCATTER: return PS_BACKSCATTER_RST;
	case PS_ALERT_PORT_SCAN:
	case PS_ALERT_HOST_SWEEP: return PS_SCAN_KIND_MAX - 1;
	case PS_ALERT_ARP_SPOOF: return PS_ARPSPOOF_ND_ADVERT_FLOOD;
	default: return 0;
	}
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct ps_event *e = data;
	struct sbuf why = { .n = 0 };
	unsigned int dmax;

	(void)ctx;
	events_seen++;
	if (size != sizeof(*e)) {
		sb_add(&why, "size %zu, want %zu; ", size, sizeof(*e));
		goto out;
	}
	if (e->alert >= PS_ALERT_MAX) {
		sb_add(&why, "alert id %u; ", e->alert);
		goto out;
	}
	events_by_id[e->alert]++;
	dmax = detail_max(e->alert);
	if (e->dir >= PS_DIR_MAX)
		sb_add(&why, "dir %u; ", e->dir);
	if (e->family != 4 && e->family != 6)
		sb_add(&why, "family %u; ", e->family);
	if (e->ifindex != HT_IFINDEX)
		sb_add(&why, "ifindex %u; ", e->ifindex);
	/* No --evidence here: no alert opens a capture. */
	if (e->cap)
		sb_add(&why, "capture %u without --evidence; ", e->cap);
	if (e->holddown_ns != cfg->holddown_ns)
		sb_add(&why, "holddown_ns %llu; ", (unsigned long long)e->holddown_ns);
	if (e->window_ns && e->window_ns != cfg->window_ns && e->window_ns != cfg->scan_window_ns)
		sb_add(&why, "window_ns %llu; ", (unsigned long long)e->window_ns);
	if (!e->count)
		sb_add(&why, "count 0; ");
	if (dmax && (e->detail < 1 || e->detail > dmax))
		sb_add(&why, "detail %u outside 1..%u; ", e->detail, dmax);
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
	if (err) {
		sb_add(&why, "reading ps_global: %s; ", strerror(-err));
	} else {
		if (scans > (long)g[PS_G_SCAN_ADMITTED])
			sb_add(&why, "ps_scans holds %ld entries, only %llu admitted; ", scans,
			       (unsigned long long)g[PS_G_SCAN_ADMITTED]);
		/* One budget per second (coarse clock), one thread feeding. */
		if (g[PS_G_SCAN_ADMITTED] > PS_SCAN_ADMIT_RATE * ((__u64)secs + 2))
			sb_add(&why, "%llu sources admitted in %.0f s, budget %d/s; ",
			       (unsigned long long)g[PS_G_SCAN_ADMITTED], secs, PS_SCAN_ADMIT_RATE);
	}
	for (i = 0; i < PS_ALERT_MAX; i++)
		if (events_by_id[i] > cfg->alert_rate * ((__u64)secs + 2))
			sb_add(&why, "%llu events of alert %zu in %.0f s, --alert-rate %u; ",
			       (unsigned long long)events_by_id[i], i, secs, cfg->alert_rate);
	if (why.n)
		fail("detector state", why.s, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* Feeding. */

static __u8 data_out[MAX_LEN];

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
static __u8 batch_bytes[BATCH * MAX_LEN];
static int batch_n;
static __u32 batch_used;
static struct fed fed[PS_DIR_MAX];
static unsigned long long batches;

static void fed_add(struct fed *f, const struct ht_prog *pr, const __u8 *frame, __u32 len)
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
static bool check_counters(struct fed *f, const __u8 *frame, __u32 len, const char *what)
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
		relations(&delta, &f[d], &why);
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
	memset(f, 0, sizeof(struct fed) * PS_DIR_MAX);
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

	if (len < 14 || len > MAX_LEN)
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

/* ------------------------------------------------------------------ */
/* The pool of frames to mutate. */

struct frame {
	__u8 *b;
	__u32 len;
};

static struct frame pool[POOL_MAX];
static size_t pool_n;

static void pool_add(const __u8 *b, __u32 len)
{
	if (pool_n == POOL_MAX || len < 14 || len > MAX_LEN)
		return;
	pool[pool_n].b = malloc(len);
	if (!pool[pool_n].b)
		return;
	memcpy(pool[pool_n].b, b, len);
	pool[pool_n++].len = len;
}

static void on_pcap_frame(const __u8 *frame, __u32 len, void *ctx)
{
	(void)ctx;
	pool_add(frame, len);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every capture in @dir, in name order (the pool's order is the seed's). */
static int load_pcaps(const char *dir, size_t per_file, int *files)
{
	char *names[256], path[4096];
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0, i, err = 0;

	*files = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < 256) {
		size_t l = strlen(de->d_name);

		if ((l > 5 && !strcmp(de->d_name + l - 5, ".pcap")) ||
		    (l > 7 && !strcmp(de->d_name + l - 7, ".pcapng")))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n; i++) {
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		r = pcap_each(path, per_file, on_pcap_frame, NULL);
		if (r < 0) {
			printf("# %s: %s\n", path, strerror(-r));
			err = r;
		} else {
			(*files)++;
		}
		free(names[i]);
	}
	return err;
}

/* ------------------------------------------------------------------ */
/* Crafted edge cases. */

static struct pkt pb;

/* Build @desc; on a bad description the harness itself is broken. */
static bool build(const char *fmt, ...)
{
	char desc[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	if (pb_build(&pb, desc)) {
		fail("crafted frame", pb.err, NULL, 0);
		return false;
	}
	return true;
}

/* The frame, and the frame cut at every byte from 14 on. */
static void feed_all_cuts(const __u8 *b, __u32 len)
{
	__u32 cut;

	pool_add(b, len);
	for (cut = 14; cut <= len; cut++)
		feed(b, cut, true);
}

static const char *const bases[] = {
	"ipv4 tcp:flags=0x002",
	"ipv4:opt=9404000007070400000000 tcp:flags=0x012,doff=8 data:n=12",
	"ipv4 udp:dport=53 data:n=20",
	"ipv4 icmp:type=8 data:n=8",
	"ipv4:frag=0x2000 udp data:n=40",
	"ipv4:same=1 tcp:sport=139,dport=139",
	"vlan ipv4 tcp:flags=0x029",
	"vlan:tpid=0x88a8 vlan ipv6 udp",
	"vlan:tpid=0x9100 vlan vlan ipv4 tcp",
	"ipv6 tcp:flags=0x002,doff=10 data:n=20",
	"ipv6 hbh rt dstopt udp data:n=8",
	"ipv6 frag6:off=0,m=1 tcp",
	"ipv6 ah tcp:flags=0x004",
	"ipv6 icmp6:type=128 data:n=8",
	"ipv6 icmp6:type=135 data:n=24",
	"ipv6 icmp6:type=136 data:n=24",
	"arp:op=1",
	"eth:type=0x8035 arp:op=3",
	"ipv4 ipv4 tcp",
	"ipv4:len=0 tcp data:n=100",
	"ipv4 udp pad:to=60",
	"eth:type=0x88cc data:n=46",
};

/* An NDP solicitation/advert with a link-layer option where the parser reads it. */
static void nd_frame(__u8 type)
{
	if (!build("ipv6 icmp6:type=%u data:n=24", type))
		return;
	/* ICMPv6 at 54: target at 62, option at 78 (type, length 1, MAC). */
	pb.b[54 + 24] = type == 135 ? 1 : 2;
	pb.b[54 + 25] = 1;
	memcpy(pb.b + 54 + 26, "\x02\x00\x00\x00\x00\x09", 6);
	feed_all_cuts(pb.b, pb.len);
}

static void crafted(void)
{
	static const __u16 tpids[] = { 0x8100, 0x88a8, 0x9100, 0x0800 };
	static const __u16 edge_ports[] = { 0, 1, 1023, 1024, 49151, 49152, 65535 };
	size_t i;
	unsigned int v, k, n;

	/* Every base frame cut at every byte. */
	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		if (build("%s", bases[i]))
			feed_all_cuts(pb.b, pb.len);
	nd_frame(135);
	nd_frame(136);

	/* IHL 0-15 and version 0-15, TCP behind, each cut. */
	for (v = 0; v < 16; v++) {
		if (build("ipv4:ihl=%u,opt=" "0101010101010101010101010101010101010101"
			  "0101010101010101010101010101010101010101 tcp", v))
			feed_all_cuts(pb.b, pb.len);
		if (build("ipv4:ver=%u udp", v))
			feed(pb.b, pb.len, true);
		if (build("ipv6:ver=%u udp", v))
			feed(pb.b, pb.len, true);
	}
	/* Every IPv4 option type with lengths 0-12 in a 12-byte option area. */
	for (v = 0; v < 256; v++) {
		for (k = 0; k <= 12; k++) {
			if (!build("ipv4:opt=000000000000000000000000 tcp"))
				continue;
			pb.b[14 + 20] = v;
			pb.b[14 + 21] = k;
			pb.b[14 + 22] = 4;
			feed(pb.b, pb.len, k < 3);
		}
	}
	/* IPv4 fragments at every offset, with and without MF. */
	for (v = 0; v < 0x4000; v++)
		if (build("ipv4:frag=0x%x udp data:n=16", v & 0x3fff))
			feed(pb.b, pb.len, false);
	/* IPv6 fragment headers at every offset, M 0/1, behind hop-by-hop or not. */
	for (v = 0; v < 0x2000; v++)
		if (build("ipv6 %sfrag6:off=%u,m=%u udp data:n=16", v & 1 ? "hbh " : "", v, v & 1))
			feed(pb.b, pb.len, false);
	/* Extension-header length bytes 0-255 for each kind. */
	for (k = 0; k < 5; k++) {
		static const char *const ext[] = { "hbh", "rt", "dstopt", "ah", "frag6" };

		for (v = 0; v < 256; v++) {
			if (!build("ipv6 %s tcp data:n=64", ext[k]))
				continue;
			pb.b[54 + 1] = v;
			feed(pb.b, pb.len, true);
		}
	}
	/* Eight and nine extension headers, and a chain that loops to itself. */
	if (build("ipv6 dstopt dstopt dstopt dstopt dstopt dstopt dstopt dstopt udp"))
		feed_all_cuts(pb.b, pb.len);
	if (build("ipv6 dstopt dstopt dstopt dstopt dstopt dstopt dstopt dstopt dstopt udp"))
		feed(pb.b, pb.len, true);
	/* IPv4 total length and IPv6 payload length: small, exact, huge. */
	for (v = 0; v < 80; v++) {
		if (build("ipv4:len=%u tcp data:n=20", v))
			feed(pb.b, pb.len, true);
		if (build("ipv6:plen=%u tcp data:n=20", v))
			feed(pb.b, pb.len, true);
	}
	if (build("ipv4:len=65535 tcp") && (feed(pb.b, pb.len, true), build("ipv6:plen=65535 udp")))
		feed(pb.b, pb.len, true);
	/* VLAN stacks of 0-4 tags, every TPID order (0x0800 ends the stack early). */
	for (n = 0; n <= 4; n++) {
		unsigned int combos = 1, c;

		for (k = 0; k < n; k++)
			combos *= 4;
		for (c = 0; c < combos; c++) {
			char desc[256] = "";
			size_t off = 0;
			unsigned int x = c;

			for (k = 0; k < n; k++, x /= 4)
				off += snprintf(desc + off, sizeof(desc) - off, "vlan:tpid=0x%x ",
						tpids[x % 4]);
			if (build("%sipv4 tcp", desc))
				feed(pb.b, pb.len, true);
			if (build("%sarp:op=2", desc))
				feed(pb.b, pb.len, true);
			if (build("%sipv6 udp", desc))
				feed(pb.b, pb.len, n < 3);
		}
	}
	/* TCP data offsets 0-15 and every flag combination, IPv4 and IPv6. */
	for (v = 0; v < 16; v++)
		if (build("ipv4 tcp:doff=%u data:n=40", v))
			feed_all_cuts(pb.b, pb.len);
	for (v = 0; v < 512; v++) {
		if (build("ipv4 tcp:flags=0x%x", v))
			feed(pb.b, pb.len, true);
		if (build("ipv6 tcp:flags=0x%x,sport=%u", v, 1000 + v))
			feed(pb.b, pb.len, false);
	}
	/* Port class edges, both ways, TCP and UDP. */
	for (v = 0; v < 7; v++) {
		for (k = 0; k < 7; k++) {
			if (build("ipv4 tcp:sport=%u,dport=%u", edge_ports[v], edge_ports[k]))
				feed(pb.b, pb.len, true);
			if (build("ipv6 udp:sport=%u,dport=%u", edge_ports[v], edge_ports[k]))
				feed(pb.b, pb.len, true);
		}
	}
	/* ARP: every opcode 0-5, every header field off by one, cut at every byte. */
	for (v = 0; v < 6; v++)
		if (build("arp:op=%u", v))
			feed_all_cuts(pb.b, pb.len);
	for (k = 0; k < 6; k++) {
		if (!build("arp:op=2"))
			continue;
		pb.b[14 + k] ^= 1;
		feed_all_cuts(pb.b, pb.len);
	}
	/* ICMP and ICMPv6: every type. */
	for (v = 0; v < 256; v++) {
		if (build("ipv4 icmp:type=%u", v))
			feed(pb.b, pb.len, false);
		if (build("ipv6 icmp6:type=%u data:n=24", v))
			feed(pb.b, pb.len, false);
	}
	/* Lengths around the 1514 edge and jumbo frames (XDP multi-buffer). */
	for (v = 1450; v < 1480; v++)
		if (build("ipv4 udp data:n=%u", v))
			feed(pb.b, pb.len, true);
	for (v = 3400; v < 9000; v += 487)
		if (build("ipv6 tcp data:n=%u", v))
			feed(pb.b, pb.len, true);
	end_batch();
}

/* ------------------------------------------------------------------ */
/* Mutation. */

static const __u8 interesting8[] = { 0, 1, 2, 4, 5, 6, 8, 0x0f, 0x10, 0x11, 0x3a, 0x2c,
				     0x33, 0x3c, 0x2b, 0x40, 0x45, 0x4f, 0x60, 0x7f, 0x80,
				     0x81, 0x86, 0x88, 0x91, 0xdd, 0xfe, 0xff };
static const __u16 interesting16[] = { 0, 1, 0x0800, 0x86dd, 0x8100, 0x88a8, 0x9100,
				       0x0806, 0x8035, 0x2000, 0x3fff, 0x1fff, 1023, 1024,
				       49151, 49152, 0x7fff, 0x8000, 0xffff, 14, 20, 40, 60 };

/* Where the L3 header starts after VLAN tags (at most 4 looked at). */
static __u32 l3_off(const __u8 *b, __u32 len, __u16 *type)
{
	__u32 off = 12;
	int i;

	for (i = 0; i < 5 && off + 2 <= len; i++) {
		__u16 t = b[off] << 8 | b[off + 1];

		if (t != 0x8100 && t != 0x88a8 && t != 0x9100) {
			*type = t;
			return off + 2;
		}
		off += 4;
	}
	*type = 0;
	return len;
}

static void mutate_once(__u8 *b, __u32 *len)
{
	__u32 n = *len, pos = rnd_below(n), l3;
	__u16 type;
	const struct frame *o;

	switch (rnd_below(16)) {
	case 0:
	case 1:
		b[pos] ^= 1 << rnd_below(8);
		break;
	case 2:
		b[pos] = interesting8[rnd_below(sizeof(interesting8))];
		break;
	case 3:
		b[pos] = rnd();
		break;
	case 4:
		if (pos + 1 < n) {
			__u16 v = interesting16[rnd_below(sizeof(interesting16) / 2)];

			b[pos] = v >> 8;
			b[pos + 1] = v;
		}
		break;
	case 5:		/* truncate */
		*len = 14 + rnd_below(n - 13);
		break;
	case 6: {	/* extend: zeros or random */
		__u32 add = 1 + rnd_below(64), i;
		bool zero = rnd() & 1;

		if (n + add > HT_TC_MAX_LEN && !(rnd_below(16) == 0 && n + add <= MAX_LEN))
			break;
		for (i = 0; i < add; i++)
			b[n + i] = zero ? 0 : rnd();
		*len = n + add;
		break;
	}
	case 7:		/* splice: our head, another frame's tail */
		o = &pool[rnd_below(pool_n)];
		if (pool_n && pos < HT_TC_MAX_LEN) {
			__u32 from = rnd_below(o->len), take = o->len - from;

			if (pos + take > HT_TC_MAX_LEN)
				take = HT_TC_MAX_LEN - pos;
			memcpy(b + pos, o->b + from, take);
			*len = pos + take < 14 ? 14 : pos + take;
		}
		break;
	case 8:		/* insert a VLAN tag after the MACs */
		if (n + 4 <= HT_TC_MAX_LEN) {
			static const __u16 t[] = { 0x8100, 0x88a8, 0x9100 };
			__u16 tp = t[rnd_below(3)];

			memmove(b + 16, b + 12, n - 12);
			b[12] = tp >> 8;
			b[13] = tp;
			*len = n + 4;
		}
		break;
	case 9:		/* remove 4 bytes after the MACs */
		if (n >= 18 + 14) {
			memmove(b + 12, b + 16, n - 16);
			*len = n - 4;
		}
		break;
	case 10:	/* duplicate a range */
		if (n < HT_TC_MAX_LEN / 2) {
			__u32 l = rnd_below(n - pos) + 1;

			memmove(b + pos + l, b + pos, n - pos);
			*len = n + l;
		}
		break;
	default:	/* header-aware edits */
		l3 = l3_off(b, n, &type);
		if (l3 + 40 > n)
			break;
		if (type == 0x0800) {
			__u32 l4 = l3 + (b[l3] & 0xf) * 4;

			switch (rnd_below(6)) {
			case 0: b[l3] = (b[l3] & 0xf0) | rnd_below(16); break;	/* IHL */
			case 1: b[l3 + 9] = interesting8[rnd_below(sizeof(interesting8))]; break;
			case 2: b[l3 + 6] = rnd(); b[l3 + 7] = rnd(); break;	/* flags+offset */
			case 3: b[l3 + 2] = 0; b[l3 + 3] = rnd_below(80); break;	/* tot_len */
			case 4: if (l4 + 13 < n) b[l4 + 12] = (rnd_below(16) << 4) | (b[l4 + 12] & 15); break;
			default: if (l4 + 13 < n) b[l4 + 13] = rnd(); break;	/* TCP flags */
			}
		} else if (type == 0x86dd) {
			switch (rnd_below(4)) {
			case 0: b[l3 + 6] = interesting8[rnd_below(sizeof(interesting8))]; break;
			case 1: b[l3 + 4] = 0; b[l3 + 5] = rnd_below(80); break;	/* plen */
			case 2: if (l3 + 41 < n) b[l3 + 41] = rnd(); break;	/* ext length */
			default: if (l3 + 40 < n) b[l3 + 40] = interesting8[rnd_below(sizeof(interesting8))]; break;
			}
		} else {
			b[12] = 0x08;
			b[13] = rnd() & 1 ? 0x00 : 0x06;
		}
	}
}

static void random_phase(double seconds, unsigned long long max_packets)
{
	static __u8 b[MAX_LEN + 64];
	unsigned long long n = 0;
	double next_detect = elapsed() + 1, until = elapsed() + seconds;
	int k;

	while ((!max_packets || n < max_packets) && (max_packets || elapsed() < until)) {
		__u32 len;
		bool single = (batches % SINGLE_EVERY) == SINGLE_EVERY - 1;

		if (pool_n && rnd_below(32)) {
			const struct frame *f = &pool[rnd_below(pool_n)];

			len = f->len;
			memcpy(b, f->b, len);
		} else {
			/* Noise, with an Ethernet header half the time. */
			len = 14 + rnd_below(200);
			for (k = 0; k < (int)len; k++)
				b[k] = rnd();
			if (rnd() & 1) {
				b[12] = 0x08;
				b[13] = rnd() & 1 ? 0x00 : 0xdd;
				if (b[13] == 0xdd)
					b[12] = 0x86;
			}
		}
		for (k = 1 + rnd_below(8); k > 0; k--)
			mutate_once(b, &len);
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
	rng_state = seed;
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
		err = load_pcaps(pcaps, per_pcap, &files);
		if (err || !files || !pool_n)
			fail("reading the captures", err ? strerror(-err) : "no frames", NULL, 0);
		before = packets_fed;
		for (size_t i = 0; i < pool_n; i++)
			feed(pool[i].b, pool[i].len, false);
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
	crafted();
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
