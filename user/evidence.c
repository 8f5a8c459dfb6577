// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * evidence.c - each alert's capture as a pcapng file in --evidence DIR,
 * DIR held under its size, and the requests of 'portsense capture'
 * (evidence.h).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "alerts.h"
#include "evidence.h"
#include "ps_hash.h"
#include "pcapng.h"

#define MAX_CAPS	(2 * PS_CAP_KEYS)	/* tracked: open, and ending */
#define MAX_IFS		8			/* interfaces in one file */
#define REPORT_EVERY_S	60			/* a write error, said again */
#define PREFIX		"portsense-"

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
	FILE *f;
	bool failed;			/* its file could not be made */
	char name[96];			/* in DIR */
	__u64 bytes;
	int ifindex[MAX_IFS];		/* IDB order */
	int n_ifs;
	bool commented;			/* the first frame's comment is written */
};

/* A file of DIR, closed, for the size cap (oldest first). */
struct old {
	char name[96];
	__u64 bytes;
};

struct ps_evidence {
	struct ps_evidence_opts o;
	struct cap caps[MAX_CAPS];
	int n;
	struct old *olds;
	int n_olds, cap_olds;
	__u64 total;			/* bytes of our files in DIR */
	__u64 unwritten;		/* frames not written, since the last report */
	__u32 closed[64];		/* the captures closed last: a late frame opens none */
	int n_closed;
	time_t reported;		/* the last error report */
	int reqs_done;			/* requests answered (for the log) */
};

static __u64 clock_ns(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return (__u64)t.tv_sec * 1000000000 + t.tv_nsec;
}

int ps_evidence_dir(const char *dir)
{
	struct stat st;

	if (!stat(dir, &st))
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	if (mkdir(dir, 0750) && errno != EEXIST) {
		fprintf(stderr, "portsense: cannot make the evidence directory %s: %s\n", dir,
			strerror(errno));
		return -errno;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct old *)a)->name, ((const struct old *)b)->name);
}

static void old_add(struct ps_evidence *ev, const char *name, __u64 bytes)
{
	struct old *o;

	if (ev->n_olds == ev->cap_olds) {
		o = realloc(ev->olds, (ev->cap_olds * 2 + 16) * sizeof(*o));
		if (!o)
			return;	/* then only the cap's arithmetic errs, on the safe side */
		ev->olds = o;
		ev->cap_olds = ev->cap_olds * 2 + 16;
	}
	o = &ev->olds[ev->n_olds++];
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->bytes = bytes;
}

/* Our files already in DIR (an earlier run's count toward the cap too). */
static void scan_dir(struct ps_evidence *ev)
{
	DIR *d = opendir(ev->o.dir);
	struct dirent *de;
	struct stat st;
	char path[PATH_MAX];
	size_t len;

	while (d && (de = readdir(d))) {
		len = strlen(de->d_name);
		if (strncmp(de->d_name, PREFIX, strlen(PREFIX)) || len < 8 ||
		    strcmp(de->d_name + len - 7, ".pcapng") || len >= sizeof(ev->olds->name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", ev->o.dir, de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		old_add(ev, de->d_name, st.st_size);
		ev->total += st.st_size;
	}
	if (d)
		closedir(d);
	/* Names begin with the UTC time: their order is their age. */
	if (ev->n_olds)
		qsort(ev->olds, ev->n_olds, sizeof(*ev->olds), by_name);
}

struct ps_evidence *ps_evidence_new(const struct ps_evidence_opts *o)
{
	struct ps_evidence *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->o = *o;
	if (o->dir) {
		if (ps_evidence_dir(o->dir)) {
			free(ev);
			return NULL;
		}
		scan_dir(ev);
	}
	return ev;
}

/* Frames that reach no file: counted with the sensor's own (CPU 0's slot). */
static void unwritten(struct ps_evidence *ev, const char *what, int err)
{
	int ncpu = libbpf_num_possible_cpus();
	__u32 g = PS_G_CAP_UNWRITTEN;
	__u64 *v = ncpu > 0 ? calloc(ncpu, sizeof(*v)) : NULL;
	time_t now = time(NULL);

	if (v && !bpf_map_lookup_elem(ev->o.global_fd, &g, v)) {
		v[0]++;
		bpf_map_update_elem(ev->o.global_fd, &g, v, BPF_ANY);
	}
	free(v);
	ev->unwritten++;
	if (err && now - ev->reported >= REPORT_EVERY_S) {
		fprintf(stderr, "portsense: evidence: %s: %s (%llu frames not written; said again in a minute at most)\n",
			what, strerror(err), (unsigned long long)ev->unwritten);
		ev->reported = now;
	}
}

/* Room for @n more bytes under the cap, the oldest closed files deleted for it. */
static bool room_for(struct ps_evidence *ev, __u64 n)
{
	char path[PATH_MAX];
	int k = 0;

	while (ev->total + n > ev->o.max_bytes && k < ev->n_olds) {
		snprintf(path, sizeof(path), "%s/%s", ev->o.dir, ev->olds[k].name);
		if (!unlink(path) || errno == ENOENT)
			ev->total -= ev->total < ev->olds[k].bytes ? ev->total : ev->olds[k].bytes;
		k++;
	}
	if (k) {
		memmove(ev->olds, ev->olds + k, (ev->n_olds - k) * sizeof(*ev->olds));
		ev->n_olds -= k;
	}
	return ev->total + n <= ev->o.max_bytes;
}

static struct cap *find(struct ps_evidence *ev, __u32 id)
{
	int i;

	for (i = 0; i < ev->n; i++)
		if (ev->caps[i].id == id)
			return &ev->caps[i];
	return NULL;
}

/* The kernel's entry of capture @id, if it is still there. */
static bool kernel_entry(struct ps_evidence *ev, __u32 id, struct ps_capkey *key, struct ps_cap *c)
{
	struct ps_capkey k, next;
	void *prev = NULL;
	int steps = 0;

	while (steps++ < 2 * PS_CAP_KEYS && !bpf_map_get_next_key(ev->o.capkeys_fd, prev, &next)) {
		k = next;
		prev = &k;
		if (!bpf_map_lookup_elem(ev->o.capkeys_fd, &k, c) && c->id == id) {
			*key = k;
			return true;
		}
	}
	return false;
}

static bool was_closed(const struct ps_evidence *ev, __u32 id)
{
	int i;

	for (i = 0; i < 64 && i < ev->n_closed; i++)
		if (ev->closed[i] == id)
			return true;
	return false;
}

static struct cap *track(struct ps_evidence *ev, __u32 id)
{
	struct cap *c = find(ev, id);
	struct ps_cap kc;

	if (c || !id || ev->n == MAX_CAPS || was_closed(ev, id))
		return c;
	c = &ev->caps[ev->n++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->alert = PS_ALERT_MAX;
	c->seen_ns = clock_ns(CLOCK_MONOTONIC);
	c->run_ns = ev->o.capture_ns;
	if (kernel_entry(ev, id, &c->key, &kc)) {
		c->keyed = true;
		c->alert = kc.alert;
		c->ondemand = kc.ondemand;
	}
	return c;
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

/* The capture's file, made on first need. */
static FILE *file_of(struct ps_evidence *ev, struct cap *c)
{
	char path[PATH_MAX], ts[32], ua[64];
	time_t now = time(NULL);
	struct tm tm;
	long n;

	if (c->f || c->failed || !ev->o.dir || c->ondemand)
		return c->f;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(c->name, sizeof(c->name), PREFIX "%s-%s-%u.pcapng", ts,
		 c->alert < PS_ALERT_MAX ? ps_alert_catalogue[c->alert].id : "capture", c->id);
	snprintf(path, sizeof(path), "%s/%s", ev->o.dir, c->name);
	if (!room_for(ev, 256)) {
		c->failed = true;
		return NULL;
	}
	c->f = fopen(path, "wbx");
	if (!c->f) {
		c->failed = true;
		unwritten(ev, path, errno);
		return NULL;
	}
	snprintf(ua, sizeof(ua), "portsense %s", ev->o.version);
	n = ps_pcapng_shb(c->f, ua);
	if (n < 0) {
		unwritten(ev, path, -n);
		return c->f;
	}
	c->bytes += n;
	ev->total += n;
	return c->f;
}

const char *ps_evidence_file(struct ps_evidence *ev, __u32 cap)
{
	static char path[PATH_MAX];
	struct cap *c;

	if (!ev || !ev->o.dir || !cap)
		return "";
	c = track(ev, cap);
	if (!c || !file_of(ev, c))
		return "";
	snprintf(path, sizeof(path), "%s/%s", ev->o.dir, c->name);
	return path;
}

/* The interface's IDB number in @c's file, written on first use; -1: none. */
static int ifid_of(struct ps_evidence *ev, struct cap *c, int ifindex)
{
	char name[IF_NAMESIZE];
	long n;
	int i;

	for (i = 0; i < c->n_ifs; i++)
		if (c->ifindex[i] == ifindex)
			return i;
	if (c->n_ifs == MAX_IFS)
		return -1;
	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "if%d", ifindex);
	n = ps_pcapng_idb(c->f, PS_LINKTYPE_ETHERNET, ev->o.snaplen, name);
	if (n < 0)
		return -1;
	c->bytes += n;
	ev->total += n;
	c->ifindex[c->n_ifs] = ifindex;
	return c->n_ifs++;
}

int ps_evidence_record(void *ctx, void *data, size_t size)
{
	struct ps_evidence *ev = ctx;
	const struct ps_caprec *r = data;
	char comment[192], key[64], path[PATH_MAX];
	struct cap *c;
	int ifid;
	long n;

	if (size < sizeof(*r) || r->caplen > PS_CAP_SNAP_MAX)
		return 0;
	c = track(ev, r->cap);
	if (!c || !file_of(ev, c) || c->ending > 1) {
		unwritten(ev, "no file for the capture", 0);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", ev->o.dir, c->name);
	/* Whole blocks only: an EPB is at most 32 bytes, the data and a comment. */
	if (!room_for(ev, r->caplen + 256)) {
		unwritten(ev, "--evidence-max-mb reached", ENOSPC);
		return 0;
	}
	ifid = ifid_of(ev, c, r->ifindex);
	if (ifid < 0) {
		unwritten(ev, path, EIO);
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
	/* The frame's time: the monotonic stamp on the wall clock, as alerts' are. */
	n = ps_pcapng_epb(c->f, ifid, r->ts_ns + (clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC)),
			  r->data, r->caplen, r->wire_len, comment[0] ? comment : NULL);
	if (n < 0) {
		unwritten(ev, path, -n);
		return 0;
	}
	c->bytes += n;
	ev->total += n;
	return 0;
}

static void close_file(struct ps_evidence *ev, struct cap *c)
{
	char path[PATH_MAX];

	if (!c->f)
		return;
	snprintf(path, sizeof(path), "%s/%s", ev->o.dir, c->name);
	if (fclose(c->f))
		unwritten(ev, path, errno);
	c->f = NULL;
	old_add(ev, c->name, c->bytes);
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
	struct ps_cap n = { .left = q->packets, .until_ns = (__u64)-1, .alert = PS_ALERT_MAX,
			    .ondemand = 1 };
	struct cap *c;

	/* Its time is kept here: the kernel's clock is its own (ps_now()). */
	n.id = __atomic_add_fetch(ev->o.seq, 1, __ATOMIC_RELAXED);
	if (bpf_map_update_elem(ev->o.capkeys_fd, &q->key, &n, BPF_ANY)) {
		q->state = PS_CAPREQ_DONE;
		q->id = 0;
	} else {
		q->state = PS_CAPREQ_OPEN;
		q->id = n.id;
		c = track(ev, n.id);
		if (c)
			c->run_ns = q->ns;
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
	__u64 now = clock_ns(CLOCK_MONOTONIC);
	struct kentry ke[PS_CAP_KEYS];
	bool changed = false;
	int i, j, n;

	if (!ev)
		return;
	requests(ev);
	n = kernel_entries(ev, ke);
	/* Every open capture is tracked, also those whose alert was lost. */
	for (j = 0; j < n; j++)
		track(ev, ke[j].cap.id);
	for (i = 0; i < ev->n; ) {
		struct cap *c = &ev->caps[i];

		if (c->ending) {
			/* A poll later: frames it took before it ended are written by now. */
			if (c->ending++ > 1) {
				close_file(ev, c);
				ev->closed[ev->n_closed++ % 64] = c->id;
				*c = ev->caps[--ev->n];
				continue;
			}
			i++;
			continue;
		}
		for (j = 0; j < n && ke[j].cap.id != c->id; j++)
			;
		if (j == n || ke[j].cap.left <= 0 || now - c->seen_ns > c->run_ns + 1000000000ULL) {
			if (j < n)
				bpf_map_delete_elem(ev->o.capkeys_fd, &ke[j].key);
			if (c->ondemand)
				request_done(ev, c->id);
			c->ending = 1;
			changed = true;
		}
		if (c->f)
			fflush(c->f);
		i++;
	}
	if (changed)
		rebuild(ev);
}

void ps_evidence_free(struct ps_evidence *ev)
{
	struct ps_capkey k;
	struct ps_cap kc;
	int i;

	if (!ev)
		return;
	for (i = 0; i < ev->n; i++) {
		if (ev->caps[i].keyed && kernel_entry(ev, ev->caps[i].id, &k, &kc))
			bpf_map_delete_elem(ev->o.capkeys_fd, &k);
		if (ev->caps[i].ondemand)
			request_done(ev, ev->caps[i].id);
		close_file(ev, &ev->caps[i]);
	}
	rebuild(ev);
	free(ev->olds);
	free(ev);
}
