/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * harness.h - the fixtures the BPF_PROG_TEST_RUN programs share (test_prog,
 * test_detect, fuzz_prog, fault_flood, tools/bench/progbench), so that
 * each knows one way to give the test device its counter slot, run a
 * frame, and read the sensor's counters back.
 *
 * The kernel runs a test frame as arriving on the loopback device
 * (ifindex 1).  The programs count an interface only when the loader gave
 * it a slot in ps_ifslot, so a test that reads counters gives lo slot
 * HT_SLOT first (ht_give_slot()), and its counters are then ps_stats
 * index ps_stats_index(HT_SLOT, dir).
 *
 * Functions that can fail return 0 or -errno (libbpf 1.x convention).
 */
#ifndef PS_TEST_HARNESS_H
#define PS_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "portsense.h"

struct bpf_map;
struct bpf_object;
struct bpf_object_open_opts;
struct portsense_bpf;
struct ring_buffer;

#define HT_IFINDEX	1	/* lo: where BPF_PROG_TEST_RUN frames come in */
#define HT_SLOT		1	/* the counter slot lo gets */

/* An skb test run takes at most one page of data: longer frames run at XDP only. */
#define HT_TC_MAX_LEN	3000

/* One of the sensor's three programs and the direction it counts. */
struct ht_prog {
	const char *name;
	int fd;
	bool xdp;
	enum ps_dir dir;
};

#define HT_NPROGS	3

/* ps_xdp, ps_tc_in and ps_tc_out of a loaded @skel, in that order. */
void ht_progs(const struct portsense_bpf *skel, struct ht_prog progs[HT_NPROGS]);

/* The verdict @pr gives every frame: it only observes. */
__u32 ht_observe_ret(const struct ht_prog *pr);

/* libbpf prints its warnings only: a test's own lines stay readable. */
void ht_quiet_libbpf(void);

/* Give lo counter slot HT_SLOT in the ps_ifslot map of loaded @obj, as the loader would. */
int ht_give_slot(struct bpf_object *obj);

/* The detectors' lists of loaded @obj as the loader fills them by default. */
int ht_fill_lists(struct bpf_object *obj);

/*
 * One BPF_PROG_TEST_RUN of @prog_fd on the @len bytes at @frame; the
 * verdict into *@retval.  @out may be NULL; else *@out_size is its room
 * and comes back as the length of the frame the program left there.
 */
int ht_run(int prog_fd, const void *frame, __u32 len, __u32 *retval,
	   void *out, __u32 *out_size);

/* True when the kernel refuses @frame in an skb test run (EINVAL) but not in an XDP one. */
bool ht_skb_run_refuses(const __u8 *frame, size_t len);

/* lo's counters of direction @dir (ps_stats map @stats_fd), summed over the CPUs. */
int ht_read_counters(int stats_fd, enum ps_dir dir, struct ps_counters *sum);

/* Zero lo's counters of both directions. */
int ht_clear_counters(int stats_fd);

/* Counter @g of the sensor itself (ps_global map @global_fd), summed over the CPUs. */
int ht_read_global(int global_fd, enum ps_global g, __u64 *sum);

/* The same, or ~0ULL (no real count) when it cannot be read. */
__u64 ht_global(int global_fd, enum ps_global g);

/* Entries of hash map @m, by walking its keys; -E2BIG for keys over 64 bytes. */
long ht_map_entries(struct bpf_map *m);

/*
 * One frame, the tests/pktbuild.h description @fmt (printf-style), run
 * through program @prog_fd once, padded to 60 bytes as Ethernet pads it.
 * 0, or -1 after a "# ..." line saying what failed.
 */
int ht_run_desc(int prog_fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The alerts a loaded sensor sends, as its ring buffer (ps_events) delivers them. */
#define HT_ALERTS_MAX	64
struct ht_alerts {
	struct ring_buffer *rb;
	struct ps_event ev[HT_ALERTS_MAX];	/* the first ones, in order */
	int n;
};

/* Start collecting the alerts of loaded @obj.  0 or -errno. */
int ht_alerts_open(struct ht_alerts *a, struct bpf_object *obj);
void ht_alerts_close(struct ht_alerts *a);

/* Alerts of id @id collected so far (the ring buffer read first); the last in *@last. */
int ht_alerts_of(struct ht_alerts *a, enum ps_alert id, const struct ps_event **last);

/*
 * A sensor as the detector suites load it: opened (alerts at any rate: a
 * scenario's alerts are its assertions), then the suite's own settings,
 * then loaded with its ring read.  in_fd runs a frame into this host
 * (ps_xdp), out_fd out of it (ps_tc_out).
 */
struct ht_sensor {
	struct portsense_bpf *skel;
	struct ht_alerts al;
	int in_fd, out_fd;
};

/* Opened with @oo (NULL: the defaults), not loaded.  0 or -errno. */
int ht_sensor_open(struct ht_sensor *x, const struct bpf_object_open_opts *oo);
/* Loaded, its alerts collected.  0 or -errno. */
int ht_sensor_load(struct ht_sensor *x);
/* Whatever of it was made, gone. */
void ht_sensor_close(struct ht_sensor *x);

/* splitmix64: the next of a deterministic sequence of 64-bit numbers from *@state. */
__u64 ht_splitmix64(__u64 *state);

/* A bounded string a test builds its failure message in. */
struct sbuf {
	char s[8192];
	size_t n;
};

void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* PS_TEST_HARNESS_H */
