// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * evidence.c - the captures the kernel opens (evidence.h): tracked from
 * the alert or the first frame, their files (evfile.c) named after the
 * alert, ended when full or old, the kernel's address filter rebuilt;
 * and the requests of 'portsense capture'.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "alerts.h"
#include "clock.h"
#include "evfile.h"
#include "evidence.h"
#include "ps_hash.h"

#define MAX_CAPS	(2 * PS_CAP_KEYS)	/* tracked: open, and ending */

/* One capture the kernel opened. */
struct cap {
	__u32 id;
	__u32 alert;			/* enum ps_alert; PS_ALERT_MAX: not known */
	bool ondemand;			/* 'portsense capture''s: no file here */
	int ending;			/* polls since it ended (its file closes after one) */
	__u64 seen_ns;			/* CLOCK_MONOTONIC: first heard of */
	__u64 run_ns;			/* how long it runs */
	struct ps_capkey key;
	bool keyed;
	bool commented;			/* the first frame's comment is written */
	struct ps_evfile file;
};

struct ps_evidence {
	struct ps_evidence_opts o;
	struct ps_evdir dir;
	__u64 capture_ns;		/* how long an alert's capture runs (--evidence-time) */
	struct cap caps[MAX_CAPS];
	int n;
	/* The captures closed last: a late frame opens none, a summary names the file. */
	struct {
		__u32 id;
		char name[PS_EVFILE_NAME];	/* "" when it had none */
	} closed[64];
	int n_closed;
};

struct ps_evidence *ps_evidence_new(const struct ps_evidence_opts *o)
{
	struct ps_evidence *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->o = *o;
	ev->dir = (struct ps_evdir){ .dir = o->dir, .version = o->version, .global_fd = o->global_fd };
	if (o->dir && ps_evdir_open(&ev->dir)) {
		free(ev);
		return NULL;
	}
	return ev;
}

static struct cap *find(struct ps_evidence *ev, __u32 id)
{
	int i;

	for (i = 0; i < ev->n; i++)
		if (ev->caps[i].id == id)
			return &ev->caps[i];
	return NULL;
}

/*
 * Delete the kernel's entry of @key if it is still capture @id's: the
 * kernel replaces a finished capture's entry when a new alert has the key,
 * and that one must go on.  (A replacement between the lookup and the
 * delete, a microsecond, would still end the new capture early.)
 */
static void delete_entry(struct ps_evidence *ev, const struct ps_capkey *key, __u32 id)
{
	struct ps_cap kc;

	if (!bpf_map_lookup_elem(ev->o.capkeys_fd, key, &kc) && kc.id == id)
		bpf_map_delete_elem(ev->o.capkeys_fd, key);
}

/* The name capture @id's file had if it was closed lately, else NULL. */
static const char *was_closed(const struct ps_evidence *ev, __u32 id)
{
	int i;

	for (i = 0; i < 64 && i < ev->n_closed; i++)
		if (ev->closed[i].id == id)
			return ev->closed[i].name;
	return NULL;
}

/* Capture @id, tracked from the first time it is heard of (an alert, a record, the table). */
static struct cap *track(struct ps_evidence *ev, __u32 id)
{
	struct cap *c = find(ev, id);

	if (c || !id || ev->n == MAX_CAPS || was_closed(ev, id))
		return c;
	c = &ev->caps[ev->n++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->alert = PS_ALERT_MAX;
	c->seen_ns = ps_clock_ns(CLOCK_MONOTONIC);
	c->run_ns = ev->capture_ns;
	return c;
}

/* What opened @c and what it follows, from whoever says first. */
static void learn(struct cap *c, __u32 alert, const struct ps_capkey *key)
{
	if (c->alert == PS_ALERT_MAX && alert < PS_ALERT_MAX)
		c->alert = alert;
	if (!c->keyed && key) {
		c->key = *key;
		c->keyed = true;
	}
}

/* "198.18.0.1", "[2001:db8::1]:80": a capture key for names and comments. */
static void key_text(char *buf, size_t len, const struct ps_capkey *k)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, k->addr, a, sizeof(a));
	if (!k->port)
		snprintf(buf, len, "%s", a);
	else if (k->family == 6)
		snprintf(buf, len, "[%s]:%u", a, k->port);
	else
		snprintf(buf, len, "%s:%u", a, k->port);
}

/* The capture's file, made on first need; NULL: none. */
static FILE *file_of(struct ps_evidence *ev, struct cap *c)
{
	if (!ev->o.dir || c->ondemand)
		return NULL;
	ps_evfile_open(&ev->dir, &c->file, c->alert < PS_ALERT_MAX ?
		       ps_alert_catalogue[c->alert].id : "capture", c->id);
	return c->file.f;
}

const char *ps_evidence_file(struct ps_evidence *ev, __u32 cap, __u32 alert)
{
	static char path[PATH_MAX];
	struct cap *c;
	const char *old;

	if (!ev || !ev->o.dir || !cap)
		return "";
	/* Closed already (a summary, long after its alert): the file it had, if still there. */
	old = was_closed(ev, cap);
	if (old) {
		snprintf(path, sizeof(path), "%s/%s", ev->o.dir, old);
		return *old && !access(path, F_OK) ? path : "";
	}
	c = track(ev, cap);
	if (c)
		learn(c, alert, NULL);
	if (!c || !file_of(ev, c))
		return "";
	snprintf(path, sizeof(path), "%s/%s", ev->o.dir, c->file.name);
	return path;
}

void ps_evidence_tune(struct ps_evidence *ev, unsigned long long max_bytes, __u32 snaplen,
		      __u64 capture_ns)
{
	if (!ev)
		return;
	ev->dir.max_bytes = max_bytes;
	ev->dir.snaplen = snaplen;
	ev->capture_ns = capture_ns;
}

int ps_evidence_record(void *ctx, void *data, size_t size)
{
	struct ps_evidence *ev = ctx;
	const struct ps_caprec *r = data;
	char comment[192], key[64];
	struct cap *c;

	if (size < sizeof(*r) || r->caplen > PS_CAP_SNAP_MAX)
		return 0;
	c = track(ev, r->cap);
	if (c)
		learn(c, r->alert, &r->key);
	if (!c || c->ending > 1 || !file_of(ev, c)) {
		ps_evdir_unwritten(&ev->dir, "no file for the capture", 0, 1);
		return 0;
	}
	comment[0] = '\0';
	if (!c->commented) {
		key_text(key, sizeof(key), &c->key);
		snprintf(comment, sizeof(comment), "portsense %s alert, key %s: the frame that raised it",
			 c->alert < PS_ALERT_MAX ? ps_alert_catalogue[c->alert].id : "capture",
			 c->keyed ? key : "?");
		c->commented = true;
	}
	ps_evfile_write(&ev->dir, &c->file, r, comment[0] ? comment : NULL);
	return 0;
}

/*
 * The kernel's filter and count of open captures, anew from ps_capkeys.
 * An alert may open one meanwhile (ps_cap_gen moves): then again, so its
 * bit is never lost; at worst the count stays one high a tick.
 */
static void rebuild(struct ps_evidence *ev)
{
	__u64 mask[PS_CAP_MASK_WORDS], g;
	struct ps_capkey k, next;
	void *prev;
	int tries, w;
	__u32 live;

	for (tries = 0; tries < 4; tries++) {
		g = __atomic_load_n(ev->o.gen, __ATOMIC_ACQUIRE);
		memset(mask, 0, sizeof(mask));
		live = 0;
		prev = NULL;
		while (live < 2 * PS_CAP_KEYS && !bpf_map_get_next_key(ev->o.capkeys_fd, prev, &next)) {
			__u32 bit = ps_cap_bit(ps_addr_hash(next.family == 6 ? PS_L3_IPV6 : PS_L3_IPV4,
							     next.addr));

			k = next;
			prev = &k;
			ps_bitset_add(mask, bit);
			live++;
		}
		for (w = 0; w < PS_CAP_MASK_WORDS; w++)
			__atomic_store_n(&ev->o.mask[w], mask[w], __ATOMIC_RELEASE);
		__atomic_store_n(ev->o.live, live, __ATOMIC_RELEASE);
		if (__atomic_load_n(ev->o.gen, __ATOMIC_ACQUIRE) == g)
			return;
	}
}

/* 'portsense capture' asked for a capture: open it for the subcommand. */
static void take_request(struct ps_evidence *ev, __u32 slot, struct ps_capreq *q)
{
	struct ps_cap n = { .left = q->packets, .alert = PS_ALERT_MAX, .ondemand = 1, .armed = 1 };
	struct cap *c;

	/* Its time is kept here (the kernel's clock is its own, ps_now()); until_ns unused. */
	n.id = __atomic_add_fetch(ev->o.seq, 1, __ATOMIC_RELAXED);
	/* NOEXIST: an alert's capture of the same key keeps its frames and its file. */
	if (bpf_map_update_elem(ev->o.capkeys_fd, &q->key, &n, BPF_NOEXIST)) {
		q->state = PS_CAPREQ_DONE;
		q->id = 0;
	} else {
		q->state = PS_CAPREQ_OPEN;
		q->id = n.id;
		c = track(ev, n.id);
		if (c) {
			c->run_ns = q->ns;
			c->ondemand = true;
			learn(c, PS_ALERT_MAX, &q->key);
		}
		rebuild(ev);	/* its bit in the filter, and the count */
	}
	bpf_map_update_elem(ev->o.capreq_fd, &slot, q, BPF_ANY);
}

/* Requests: new ones taken; those of a subcommand gone, freed. */
static void requests(struct ps_evidence *ev)
{
	struct ps_capreq q;
	__u32 slot;

	for (slot = 0; slot < PS_CAP_REQS; slot++) {
		if (bpf_map_lookup_elem(ev->o.capreq_fd, &slot, &q))
			continue;
		if (q.state == PS_CAPREQ_ASKED) {
			take_request(ev, slot, &q);
		} else if (q.state != PS_CAPREQ_FREE && q.owner && kill(q.owner, 0) && errno == ESRCH) {
			if (q.state == PS_CAPREQ_OPEN && find(ev, q.id))
				find(ev, q.id)->run_ns = 0;	/* ends at this poll */
			q.state = PS_CAPREQ_FREE;
			bpf_map_update_elem(ev->o.capreq_fd, &slot, &q, BPF_ANY);
		}
	}
}

/* An on-demand capture ended: its subcommand reads what is left, then stops. */
static void request_done(struct ps_evidence *ev, __u32 id)
{
	struct ps_capreq q;
	__u32 slot;

	for (slot = 0; slot < PS_CAP_REQS; slot++) {
		if (!bpf_map_lookup_elem(ev->o.capreq_fd, &slot, &q) && q.id == id &&
		    q.state == PS_CAPREQ_OPEN) {
			q.state = PS_CAPREQ_DONE;
			bpf_map_update_elem(ev->o.capreq_fd, &slot, &q, BPF_ANY);
		}
	}
}

/* Is on-demand capture @id still wanted (its subcommand frees the slot when done)? */
static bool request_alive(struct ps_evidence *ev, __u32 id)
{
	struct ps_capreq q;
	__u32 slot;

	for (slot = 0; slot < PS_CAP_REQS; slot++)
		if (!bpf_map_lookup_elem(ev->o.capreq_fd, &slot, &q) && q.id == id &&
		    q.state == PS_CAPREQ_OPEN)
			return true;
	return false;
}

/* The kernel's open captures, read once a poll. */
struct kentry {
	struct ps_capkey key;
	struct ps_cap cap;
};

static int kernel_entries(struct ps_evidence *ev, struct kentry *e)
{
	struct ps_capkey k, next;
	void *prev = NULL;
	int n = 0, steps = 0;

	while (steps++ < 2 * PS_CAP_KEYS && n < PS_CAP_KEYS &&
	       !bpf_map_get_next_key(ev->o.capkeys_fd, prev, &next)) {
		k = next;
		prev = &k;
		if (!bpf_map_lookup_elem(ev->o.capkeys_fd, &k, &e[n].cap)) {
			e[n].key = k;
			n++;
		}
	}
	return n;
}

void ps_evidence_poll(struct ps_evidence *ev)
{
	struct kentry ke[PS_CAP_KEYS];
	__u64 now;
	bool changed = false;
	int i, j, n;

	if (!ev)
		return;
	requests(ev);
	now = ps_clock_ns(CLOCK_MONOTONIC);	/* after: a capture it opened is no older than now */
	n = kernel_entries(ev, ke);
	/* Every open capture is tracked, also those whose alert was lost. */
	for (j = 0; j < n; j++) {
		struct cap *c = track(ev, ke[j].cap.id);

		if (c) {
			learn(c, ke[j].cap.alert, &ke[j].key);
			c->ondemand = ke[j].cap.ondemand;
		}
	}
	for (i = 0; i < ev->n; ) {
		struct cap *c = &ev->caps[i];

		if (c->ending) {
			/* A poll later: frames it took before it ended are written by now. */
			if (c->ending++ > 1) {
				ps_evfile_close(&ev->dir, &c->file);
				ev->closed[ev->n_closed % 64].id = c->id;
				memcpy(ev->closed[ev->n_closed++ % 64].name, c->file.name, PS_EVFILE_NAME);
				*c = ev->caps[--ev->n];
				continue;
			}
			i++;
			continue;
		}
		for (j = 0; j < n && ke[j].cap.id != c->id; j++)
			;
		if (j == n || ke[j].cap.left <= 0 || now - c->seen_ns > c->run_ns + 1000000000ULL ||
		    (c->ondemand && !request_alive(ev, c->id))) {
			if (j < n)
				delete_entry(ev, &ke[j].key, c->id);
			if (c->ondemand)
				request_done(ev, c->id);
			c->ending = 1;
			changed = true;
		}
		ps_evfile_flush(&ev->dir, &c->file);
		i++;
	}
	if (changed)
		rebuild(ev);
	ps_evdir_count(&ev->dir);
}

void ps_evidence_free(struct ps_evidence *ev)
{
	int i;

	if (!ev)
		return;
	for (i = 0; i < ev->n; i++) {
		if (ev->caps[i].keyed)
			delete_entry(ev, &ev->caps[i].key, ev->caps[i].id);
		if (ev->caps[i].ondemand)
			request_done(ev, ev->caps[i].id);
		ps_evfile_close(&ev->dir, &ev->caps[i].file);
	}
	rebuild(ev);
	ps_evdir_count(&ev->dir);
	ps_evdir_free(&ev->dir);
	free(ev);
}
