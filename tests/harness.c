// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * harness.c - the fixtures the BPF_PROG_TEST_RUN programs share; what each
 * is for is in harness.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "lists.h"
#include "pktbuild.h"
#include "portsense.skel.h"

void ht_progs(const struct portsense_bpf *skel, struct ht_prog progs[HT_NPROGS])
{
	progs[0] = (struct ht_prog){ "ps_xdp", bpf_program__fd(skel->progs.ps_xdp), true,
				     PS_DIR_INGRESS };
	progs[1] = (struct ht_prog){ "ps_tc_in", bpf_program__fd(skel->progs.ps_tc_in), false,
				     PS_DIR_INGRESS };
	progs[2] = (struct ht_prog){ "ps_tc_out", bpf_program__fd(skel->progs.ps_tc_out), false,
				     PS_DIR_EGRESS };
}

__u32 ht_observe_ret(const struct ht_prog *pr)
{
	return pr->xdp ? XDP_PASS : (__u32)TC_ACT_UNSPEC;
}

static int print_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

void ht_quiet_libbpf(void)
{
	libbpf_set_print(print_warnings);
}

int ht_run_desc(int prog_fd, const char *fmt, ...)
{
	static struct pkt pkt;
	char desc[512];
	__u32 verdict;
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	if (pb_build(&pkt, desc)) {
		printf("# bad frame '%s': %s\n", desc, pkt.err);
		return -1;
	}
	/* Ethernet pads a frame to 60 bytes; pb_build() zeroed what follows it. */
	if (pkt.len < 60)
		pkt.len = 60;
	err = ht_run(prog_fd, pkt.b, pkt.len, &verdict, NULL, NULL);
	if (err) {
		printf("# test run failed: %s: %s\n", desc, strerror(-err));
		return -1;
	}
	return 0;
}

static int on_alert(void *ctx, void *data, size_t size)
{
	struct ht_alerts *a = ctx;

	if (size >= sizeof(struct ps_event) && a->n < HT_ALERTS_MAX)
		memcpy(&a->ev[a->n++], data, sizeof(struct ps_event));
	return 0;
}

/* The fd of map @name of @obj, or -ENOENT. */
static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

int ht_alerts_open(struct ht_alerts *a, struct bpf_object *obj)
{
	int fd = map_fd(obj, "ps_events");

	memset(a, 0, sizeof(*a));
	if (fd < 0)
		return fd;
	a->rb = ring_buffer__new(fd, on_alert, a, NULL);
	return a->rb ? 0 : -errno;
}

void ht_alerts_close(struct ht_alerts *a)
{
	ring_buffer__free(a->rb);
	a->rb = NULL;
}

int ht_sensor_open(struct ht_sensor *x, const struct bpf_object_open_opts *oo)
{
	memset(x, 0, sizeof(*x));
	x->in_fd = x->out_fd = -1;
	x->skel = portsense_bpf__open_opts(oo);
	if (!x->skel)
		return -errno;
	x->skel->data->ps_cfg.alert_rate = 100000;
	return 0;
}

int ht_sensor_load(struct ht_sensor *x)
{
	int err = portsense_bpf__load(x->skel);

	if (!err)
		err = ht_alerts_open(&x->al, x->skel->obj);
	if (err)
		return err;
	x->in_fd = bpf_program__fd(x->skel->progs.ps_xdp);
	x->out_fd = bpf_program__fd(x->skel->progs.ps_tc_out);
	return 0;
}

void ht_sensor_close(struct ht_sensor *x)
{
	ht_alerts_close(&x->al);
	portsense_bpf__destroy(x->skel);
	x->skel = NULL;
}

int ht_alerts_of(struct ht_alerts *a, enum ps_alert id, const struct ps_event **last)
{
	int i, n = 0;

	ring_buffer__consume(a->rb);
	for (i = 0; i < a->n; i++) {
		if (a->ev[i].alert == (__u32)id) {
			n++;
			if (last)
				*last = &a->ev[i];
		}
	}
	return n;
}

int ht_give_slot(struct bpf_object *obj)
{
	struct ps_ifslot e = { .ifindex = HT_IFINDEX, .slot = HT_SLOT };
	__u32 k = HT_IFINDEX & (PS_IFSLOT_SIZE - 1);
	int fd = map_fd(obj, "ps_ifslot");

	if (fd < 0)
		return fd;
	return bpf_map_update_elem(fd, &k, &e, BPF_ANY) ? -errno : 0;
}

int ht_fill_lists(struct bpf_object *obj)
{
	struct ps_list_maps m = {
		.bogons = map_fd(obj, "ps_bogons"),
		.bogon1st = map_fd(obj, "ps_bogon1st"),
		.bdports = map_fd(obj, "ps_bdports"),
		.amp = map_fd(obj, "ps_ampports"),
	};
	/* Too large for the stack: PS_BOGONS_MAX prefixes and two port lists. */
	struct ps_lists *l = calloc(1, sizeof(*l));
	char path[4096];
	int err;

	if (!l)
		return -ENOMEM;
	if (m.bogons < 0 || m.bogon1st < 0 || m.bdports < 0 || m.amp < 0) {
		err = -ENOENT;
		goto cleanup;
	}
	ps_bogons_default(&l->bogons);
	/* A list that is not installed stays empty, as the loader's does. */
	if (!ps_data_file("backdoor-ports.txt", path, sizeof(path)))
		ps_port_file(path, &l->ports);
	if (!ps_data_file("amplifier-ports.txt", path, sizeof(path)))
		ps_port_file(path, &l->amp);
	err = ps_lists_fill(l, &m);
cleanup:
	free(l);
	return err;
}

int ht_run(int prog_fd, const void *frame, __u32 len, __u32 *retval,
	   void *out, __u32 *out_size)
{
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = frame,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = out ? *out_size : 0,
		.repeat = 1,
	);
	int err = bpf_prog_test_run_opts(prog_fd, &o) ? -errno : 0;

	*retval = o.retval;
	if (out)
		*out_size = o.data_size_out;
	return err;
}

/*
 * An skb test run (6.18 at least) fails with EINVAL when the ethertype is
 * IPv4 or IPv6 and the frame is shorter than that header.  Only such a
 * refusal is a skip; any other failure of the run is a failure.
 */
bool ht_skb_run_refuses(const __u8 *frame, size_t len)
{
	__u16 type = frame[12] << 8 | frame[13];

	return (type == 0x0800 && len < 14 + 20) ||
	       (type == 0x86dd && len < 14 + 40);
}

/*
 * Room for a per-CPU map value of @size bytes a CPU, *@ncpus CPUs; NULL
 * with errno set.  Kept from call to call: fuzz_prog reads the counters
 * after every run of some batches, and an allocation each time cost it
 * about 3% of the frames of a timed run.
 */
static void *percpu_value(size_t size, int *ncpus)
{
	static void *buf;
	static size_t room;
	int n = libbpf_num_possible_cpus();

	if (n < 0) {
		errno = -n;
		return NULL;
	}
	if (room < size * n) {
		free(buf);
		buf = malloc(size * n);
		room = buf ? size * n : 0;
	}
	*ncpus = n;
	return buf;
}

int ht_read_counters(int stats_fd, enum ps_dir dir, struct ps_counters *sum)
{
	__u32 key = ps_stats_index(HT_SLOT, dir);
	struct ps_counters *v;
	int c, ncpus;
	size_t w;

	v = percpu_value(sizeof(*v), &ncpus);
	if (!v || bpf_map_lookup_elem(stats_fd, &key, v))
		return -errno;
	memset(sum, 0, sizeof(*sum));
	for (c = 0; c < ncpus; c++)
		for (w = 0; w < PS_COUNTERS_WORDS; w++)
			((__u64 *)sum)[w] += ((__u64 *)&v[c])[w];
	return 0;
}

int ht_clear_counters(int stats_fd)
{
	int d, ncpus = libbpf_num_possible_cpus();
	struct ps_counters *zero;
	int err = 0;

	if (ncpus < 0)
		return ncpus;
	zero = calloc(ncpus, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	for (d = 0; d < PS_DIR_MAX && !err; d++) {
		__u32 key = ps_stats_index(HT_SLOT, d);

		if (bpf_map_update_elem(stats_fd, &key, zero, BPF_ANY))
			err = -errno;
	}
	free(zero);
	return err;
}

int ht_read_global(int global_fd, enum ps_global g, __u64 *sum)
{
	__u32 key = g;
	int c, ncpus;
	__u64 *v;

	v = percpu_value(sizeof(*v), &ncpus);
	if (!v || bpf_map_lookup_elem(global_fd, &key, v))
		return -errno;
	*sum = 0;
	for (c = 0; c < ncpus; c++)
		*sum += v[c];
	return 0;
}

__u64 ht_global(int global_fd, enum ps_global g)
{
	__u64 sum;

	return ht_read_global(global_fd, g, &sum) ? ~0ULL : sum;
}

long ht_map_entries(struct bpf_map *m)
{
	__u8 key[64], next[64];
	__u32 key_size = bpf_map__key_size(m);
	int fd = bpf_map__fd(m);
	void *prev = NULL;
	long n = 0;

	if (key_size > sizeof(key))
		return -E2BIG;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		/* A walk that keeps coming back must not spin: any count past max_entries fails. */
		if (++n > 4L * bpf_map__max_entries(m))
			break;
	}
	return n;
}

__u64 ht_splitmix64(__u64 *state)
{
	__u64 z = (*state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (b->n >= sizeof(b->s) - 1)
		return;
	va_start(ap, fmt);
	r = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		b->n += (size_t)r < sizeof(b->s) - b->n ? (size_t)r : sizeof(b->s) - b->n - 1;
}
