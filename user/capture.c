// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * capture.c - 'portsense capture': what a key sends, on demand, through a
 * running instance, as pcapng.
 *
 * The subcommand loads nothing: it writes a request into the instance's
 * pinned ps_capreq, the instance opens the capture in the kernel (the same
 * path an alert's takes, its frames routed to the pinned ps_capod ring),
 * and the subcommand reads that ring and writes the file.  One capture on
 * demand at a time per instance: the ring is shared.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "host.h"
#include "lists.h"
#include "names.h"
#include "pcapng.h"
#include "sensor.h"
#include "subcmds.h"

#ifndef PS_VERSION
#define PS_VERSION "0.1.0"
#endif

struct capture {
	const struct ps_config *cfg;
	__u32 id;
	FILE *f;
	__u64 written, wanted;
	int ifindex[8], n_ifs;
	int only_ifindex;		/* IFACE given: its frames only */
	int err;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Does the frame go the way --src/--dst asked (either, with --host)? */
static bool wanted(const struct capture *c, const struct ps_caprec *r)
{
	const struct ps_config *cfg = c->cfg;
	const __u8 *d = r->data;
	const __u8 *want = (const __u8 *)cfg->cap_key.addr;
	__u32 off = 14, alen;
	__u16 type;

	if (c->only_ifindex && (int)r->ifindex != c->only_ifindex)
		return false;
	if (cfg->cap_side == PS_CAP_EITHER || r->caplen < 14)
		return true;
	/* Past up to two VLAN tags, the IP header's source or destination. */
	type = d[12] << 8 | d[13];
	while ((type == 0x8100 || type == 0x88a8) && off + 4 <= r->caplen) {
		type = d[off + 2] << 8 | d[off + 3];
		off += 4;
	}
	if (type == 0x0800) {
		alen = 4;
		off += cfg->cap_side == PS_CAP_SRC ? 12 : 16;
	} else if (type == 0x86dd) {
		alen = 16;
		off += cfg->cap_side == PS_CAP_SRC ? 8 : 24;
	} else if (type == 0x0806 && cfg->cap_key.family == 4) {
		alen = 4;	/* ARP: the sender's protocol address, or the target's */
		off += cfg->cap_side == PS_CAP_SRC ? 14 : 24;
	} else {
		return false;
	}
	return off + alen <= r->caplen && !memcmp(d + off, want, alen);
}

/* "frames from 198.18.0.9, port 80", as asked. */
static void key_text(char *buf, size_t len, const struct ps_config *cfg)
{
	static const char *const side[] = { "from or to", "from", "to" };
	char a[INET6_ADDRSTRLEN];
	int n;

	inet_ntop(cfg->cap_key.family == 6 ? AF_INET6 : AF_INET, cfg->cap_key.addr, a, sizeof(a));
	n = snprintf(buf, len, "frames %s %s", side[cfg->cap_side], a);
	if (cfg->cap_key.port && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, ", port %u", cfg->cap_key.port);
}

static int ifid_of(struct capture *c, int ifindex)
{
	char name[IF_NAMESIZE];
	int i;

	for (i = 0; i < c->n_ifs; i++)
		if (c->ifindex[i] == ifindex)
			return i;
	if (c->n_ifs == 8)
		return -1;
	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "if%d", ifindex);
	if (ps_pcapng_idb(c->f, PS_LINKTYPE_ETHERNET, c->cfg->detect.evidence_snap, name) < 0)
		return -1;
	c->ifindex[c->n_ifs] = ifindex;
	return c->n_ifs++;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct capture *c = ctx;
	const struct ps_caprec *r = data;
	int ifid;

	if (size < sizeof(*r) || r->cap != c->id || c->written >= c->wanted || !wanted(c, r))
		return 0;
	ifid = ifid_of(c, r->ifindex);
	if (ifid < 0 || ps_pcapng_epb(c->f, ifid, ps_wall_ns(r->ts_ns),
				      r->data, r->caplen, r->wire_len, NULL) < 0) {
		c->err = errno ? errno : EIO;
		return -1;
	}
	c->written++;
	return 0;
}

static int open_pin(const struct ps_config *cfg, const char *map)
{
	char path[4096];

	ps_pin_file(path, sizeof(path), cfg->pin_path, map);
	return bpf_obj_get(path);
}

/* A free request slot (none of a live capture), or -EBUSY with its owner. */
static int free_slot(int fd, __u32 *owner)
{
	struct ps_capreq q;
	__u32 slot, found = PS_CAP_REQS;

	for (slot = 0; slot < PS_CAP_REQS; slot++) {
		if (bpf_map_lookup_elem(fd, &slot, &q))
			return -errno;
		if (q.state == PS_CAPREQ_ASKED || q.state == PS_CAPREQ_OPEN) {
			if (q.owner && (!kill(q.owner, 0) || errno != ESRCH)) {
				*owner = q.owner;
				return -EBUSY;
			}
		}
		if (found == PS_CAP_REQS && q.state != PS_CAPREQ_ASKED && q.state != PS_CAPREQ_OPEN)
			found = slot;
	}
	return found < PS_CAP_REQS ? (int)found : -EBUSY;
}

/*
 * Ask the instance for the capture until it opens it, or @until.  It
 * refuses while an alert's capture holds the same key (or the table is
 * full): then ask again, the alert's capture ending within --evidence-time.
 * 0 when open (q->id set), else 1 after a message.
 */
static int ask(const struct ps_config *cfg, int req_fd, __u32 slot, struct ps_capreq *q, __u64 until)
{
	struct ps_capreq asked = *q;
	bool said = false;
	__u64 answer_by;

	while (!stop) {
		*q = asked;
		if (bpf_map_update_elem(req_fd, &slot, q, BPF_ANY)) {
			fprintf(stderr, "portsense: cannot ask for the capture: %s\n", strerror(errno));
			return 1;
		}
		answer_by = ps_clock_ns(CLOCK_MONOTONIC) + 2000000000ULL;
		while (!stop && ps_clock_ns(CLOCK_MONOTONIC) < answer_by) {
			if (!bpf_map_lookup_elem(req_fd, &slot, q) && q->state != PS_CAPREQ_ASKED)
				break;
			usleep(20000);
		}
		if (q->state == PS_CAPREQ_OPEN)
			return 0;
		if (q->state == PS_CAPREQ_ASKED) {
			fprintf(stderr, "portsense: the instance on %s did not take the request in 2 s\n",
				cfg->pin_path);
			return 1;
		}
		if (ps_clock_ns(CLOCK_MONOTONIC) + 500000000ULL >= until)
			break;
		if (!said)
			fprintf(stderr, "portsense capture: an alert's capture of this key is open (its frames\n"
				"  go to its --evidence file) or all %d are taken; waiting for it to end\n",
				PS_CAP_KEYS);
		said = true;
		usleep(500000);
	}
	fprintf(stderr, "portsense: the instance on %s could not open the capture in time\n", cfg->pin_path);
	return 1;
}

int ps_cmd_capture(const struct ps_config *cfg, char **names, int n)
{
	struct capture c = { .cfg = cfg, .wanted = cfg->cap_count };
	struct ring_buffer *rb = NULL;
	int req_fd, od_fd, lock, slot, ret = 1;
	struct ps_capreq q = {}, none = {};
	__u64 until;
	__u32 owner = 0;
	char ua[96];

	if (ps_check_caps())
		return 1;
	if (!cfg->cap_key.family)
		return ps_usage_error("portsense capture needs a key: --host, --src or --dst ADDR");
	if (n > 1)
		return ps_usage_error("portsense capture takes one interface at most");
	if (n && !(c.only_ifindex = if_nametoindex(names[0])))
		return ps_usage_error("no such interface: %s (see 'ip -br link')", names[0]);
	if (!cfg->cap_file && isatty(STDOUT_FILENO))
		return ps_usage_error("pcapng is no text for a terminal: give -w FILE, or '-w -' into a pipe");
	/* A live instance holds the pin directory's lock; taking it means there is none. */
	lock = ps_lock_pin_dir(cfg->pin_path);
	req_fd = open_pin(cfg, PS_MAP_NAME(ps_capreq));
	od_fd = open_pin(cfg, PS_MAP_NAME(ps_capod));
	if (lock >= 0 || req_fd < 0 || od_fd < 0) {
		fprintf(stderr, "portsense: no running portsense with --pin-path %s to capture through\n"
			"  start one (portsense IFACE), or pass its --pin-path\n", cfg->pin_path);
		if (lock >= 0) {
			close(lock);
			rmdir(cfg->pin_path);	/* only if it was made for nothing */
		}
		goto out;
	}
	slot = free_slot(req_fd, &owner);
	if (slot < 0) {
		fprintf(stderr, "portsense: another 'portsense capture' (pid %u) is running on %s: one at a time\n",
			owner, cfg->pin_path);
		goto out;
	}
	c.f = !cfg->cap_file || !strcmp(cfg->cap_file, "-") ? stdout : fopen(cfg->cap_file, "wb");
	if (!c.f) {
		fprintf(stderr, "portsense: cannot write %s: %s\n", cfg->cap_file, strerror(errno));
		goto out;
	}
	snprintf(ua, sizeof(ua), "portsense %s (portsense capture)", PS_VERSION);
	ps_pcapng_shb(c.f, ua);
	/* Frames both ways: --src and --dst pick here, so the kernel counts none for nothing. */
	q = (struct ps_capreq){ .state = PS_CAPREQ_ASKED, .owner = getpid(),
				.packets = cfg->cap_side == PS_CAP_EITHER && !c.only_ifindex ?
					   cfg->cap_count : 1U << 30,
				.ns = (__u64)(cfg->duration * 1e9), .key = cfg->cap_key };
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	until = ps_clock_ns(CLOCK_MONOTONIC) + q.ns;
	if (ask(cfg, req_fd, slot, &q, until))
		goto out;
	c.id = q.id;
	rb = ring_buffer__new(od_fd, on_record, &c, NULL);
	if (!rb)
		goto out;
	key_text(ua, sizeof(ua), cfg);
	fprintf(stderr, "portsense capture: capturing %s through %s (at most %u frames, %g s)\n", ua,
		cfg->pin_path, cfg->cap_count, cfg->duration);
	while (!stop && c.written < c.wanted && ps_clock_ns(CLOCK_MONOTONIC) < until && !c.err) {
		ring_buffer__poll(rb, 100);
		/* Ended by the instance (its frames all taken): what is in the ring, then out. */
		if (!bpf_map_lookup_elem(req_fd, &slot, &q) && q.state != PS_CAPREQ_OPEN) {
			ring_buffer__consume(rb);
			break;
		}
	}
	fflush(c.f);
	ret = c.err || ferror(c.f) ? 1 : 0;
	fprintf(stderr, "portsense capture: %llu frames%s%s\n", (unsigned long long)c.written,
		cfg->cap_file && strcmp(cfg->cap_file, "-") ? " written to " : "",
		cfg->cap_file && strcmp(cfg->cap_file, "-") ? cfg->cap_file : "");
out:
	/* The request freed: the instance ends the capture at its next poll. */
	if (req_fd >= 0 && q.owner == (__u32)getpid())
		bpf_map_update_elem(req_fd, &slot, &none, BPF_ANY);
	ring_buffer__free(rb);
	if (c.f && c.f != stdout)
		fclose(c.f);
	if (req_fd >= 0)
		close(req_fd);
	if (od_fd >= 0)
		close(od_fd);
	return ret;
}
