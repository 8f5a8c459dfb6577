// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * top.c - 'portsense top': a live view of a running instance for an
 * operator at a shell, read from its pins alone (counters, sampled
 * talkers, the last alerts), so it never competes with the instance for
 * its ring buffer and works beside a DaemonSet's pod.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "alerts.h"
#include "fields.h"
#include "handshakes.h"
#include "snapshot.h"
#include "names.h"
#include "top.h"

#define TOP_TALKERS	10
#define TOP_ALERTS	8

struct talker {
	struct ps_talker_key k;
	struct ps_talker cur;
	double rate;		/* estimated frames/s since the last frame */
};

struct top {
	const struct ps_top_opts *o;
	struct ps_snapshot_maps maps;
	int talkers_fd, recent_fd;
	struct talker *t, *prev;
	size_t n, n_prev;
};

static int open_pin(const char *dir, const char *map)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, map);
	return bpf_obj_get(path);
}

static int by_key(const void *a, const void *b)
{
	return memcmp(&((const struct talker *)a)->k, &((const struct talker *)b)->k,
		      sizeof(struct ps_talker_key));
}

static int by_rate(const void *a, const void *b)
{
	const struct talker *x = a, *y = b;
	__u64 tx = x->cur.samples[0] + x->cur.samples[1];
	__u64 ty = y->cur.samples[0] + y->cur.samples[1];

	if (x->rate != y->rate)
		return x->rate < y->rate ? 1 : -1;
	return tx < ty ? 1 : tx > ty ? -1 : 0;
}

/* Every talker now, with its rate from the previous read.  0 or -errno. */
static int read_talkers(struct top *t, double secs)
{
	struct ps_talker_key k, next;
	struct talker *cur, *p, key;
	size_t n = 0, cap = PS_TALKERS_MAX;
	void *prev = NULL;

	cur = calloc(cap, sizeof(*cur));
	if (!cur)
		return -ENOMEM;
	while (n < cap && !bpf_map_get_next_key(t->talkers_fd, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(t->talkers_fd, &k, &cur[n].cur))
			continue;	/* evicted meanwhile */
		cur[n].k = k;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		__u64 now = cur[i].cur.samples[0] + cur[i].cur.samples[1], then = 0;

		key.k = cur[i].k;
		p = t->n_prev ? bsearch(&key, t->prev, t->n_prev, sizeof(key), by_key) : NULL;
		if (p)
			then = p->cur.samples[0] + p->cur.samples[1];
		cur[i].rate = now >= then && secs > 0 ?
			      (double)(now - then) * PS_TALKER_SAMPLE / secs : 0;
	}
	qsort(cur, n, sizeof(*cur), by_key);
	free(t->prev);
	t->prev = cur;
	t->n_prev = n;
	/* The view sorts a copy: the keyed order serves the next read. */
	free(t->t);
	t->t = malloc((n ? n : 1) * sizeof(*cur));
	if (!t->t)
		return -ENOMEM;
	memcpy(t->t, cur, n * sizeof(*cur));
	qsort(t->t, n, sizeof(*cur), by_rate);
	t->n = n;
	return 0;
}

static void show_talkers(FILE *f, const struct top *t)
{
	char addr[INET6_ADDRSTRLEN], a[16], b[16], c[16];
	size_t i;

	fprintf(f, "\ntop talkers (remote address; one frame in %d sampled, so estimates)\n",
		PS_TALKER_SAMPLE);
	fprintf(f, "  %-39s %10s %12s %12s\n", "address", "frames/s", "frames in", "frames out");
	for (i = 0; i < t->n && i < TOP_TALKERS; i++) {
		const struct talker *x = &t->t[i];

		inet_ntop(x->k.family == 6 ? AF_INET6 : AF_INET, x->k.addr, addr, sizeof(addr));
		fprintf(f, "  %-39s %10s %11s~ %11s~\n", addr, ps_human(a, sizeof(a), x->rate),
			ps_human(b, sizeof(b), (double)x->cur.samples[PS_DIR_INGRESS] * PS_TALKER_SAMPLE),
			ps_human(c, sizeof(c), (double)x->cur.samples[PS_DIR_EGRESS] * PS_TALKER_SAMPLE));
	}
	if (!t->n)
		fprintf(f, "  (none sampled yet)\n");
}

static int by_time_desc(const void *a, const void *b)
{
	const struct ps_event *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? 1 : x->ts_ns > y->ts_ns ? -1 : 0;
}

static void show_alerts(FILE *f, const struct top *t)
{
	struct ps_event ev[PS_RECENT_SIZE];
	struct ps_alert_out out = { .f = f, .oneline = true, .node = "" };
	__u32 i;
	int n = 0, k;

	for (i = 0; i < PS_RECENT_SIZE; i++)
		if (!bpf_map_lookup_elem(t->recent_fd, &i, &ev[n]) && ev[n].ts_ns)
			n++;
	qsort(ev, n, sizeof(ev[0]), by_time_desc);
	fprintf(f, "\nrecent alerts (newest first)\n");
	for (k = 0; k < n && k < TOP_ALERTS; k++) {
		fputs("  ", f);
		ps_alert_print(&out, &ev[k], sizeof(ev[k]));
	}
	if (!n)
		fprintf(f, "  (none)\n");
}

static void show_ifaces(FILE *f, const struct ps_snapshot *prev, const struct ps_snapshot *cur,
			double secs)
{
	char a[16], b[16], c[16], d[16];
	size_t i, j;

	fprintf(f, "\n%-16s %10s %10s %10s %10s\n", "interface", "in fr/s", "in B/s", "out fr/s", "out B/s");
	for (i = 0; i < cur->n_ifs; i++) {
		const struct ps_if_counters *x = &cur->ifs[i], *p = NULL;
		double r[4];

		for (j = 0; j < prev->n_ifs; j++)
			if (prev->ifs[j].ifindex == x->ifindex)
				p = &prev->ifs[j];
		r[0] = p ? (x->dir[0].frames - p->dir[0].frames) / secs : 0;
		r[1] = p ? (x->dir[0].bytes - p->dir[0].bytes) / secs : 0;
		r[2] = p ? (x->dir[1].frames - p->dir[1].frames) / secs : 0;
		r[3] = p ? (x->dir[1].bytes - p->dir[1].bytes) / secs : 0;
		fprintf(f, "%-16s %10s %10s %10s %10s\n", x->name, ps_human(a, sizeof(a), r[0]),
			ps_human(b, sizeof(b), r[1]), ps_human(c, sizeof(c), r[2]), ps_human(d, sizeof(d), r[3]));
	}
}

/* A latency for the services view: "0.21ms", "41.3ms", "1.20s"; "-" for none. */
static const char *latency(char *buf, size_t len, double secs)
{
	if (secs < 0)
		snprintf(buf, len, "-");
	else if (secs < 1)
		snprintf(buf, len, "%.*fms", secs < 0.01 ? 2 : 1, secs * 1e3);
	else
		snprintf(buf, len, "%.2fs", secs);
	return buf;
}

/* "12%" of @n, or "-" when there is nothing to take it of. */
static const char *percent(char *buf, size_t len, __u64 part, __u64 n)
{
	if (n)
		snprintf(buf, len, "%.0f%%", 100.0 * part / n);
	else
		snprintf(buf, len, "-");
	return buf;
}

/* One row: series @c less @p (its value a frame ago), if it ever saw a handshake. */
static void service_row(FILE *f, const char *role, const char *port, const struct ps_hs_series *c,
			const struct ps_hs_series *p, double secs)
{
	struct ps_hs_series d = *c;
	char rate[16], mean[16], p50[16], p99[16], refused[16], none[16];
	__u64 n, done;

	if (!ps_hs_ended(c))
		return;
	ps_hs_series_sub(&d, p);
	n = ps_hs_ended(&d);
	done = d.outcome[PS_HS_COMPLETED];
	/* The mean is exact (sum and count); the quantiles are the buckets'. */
	fprintf(f, "  %-7s %-16s %8s %9s %9s %9s %8s %10s\n", role, port,
		ps_human(rate, sizeof(rate), n / secs),
		latency(mean, sizeof(mean), done ? d.sum_ns / 1e9 / done : -1),
		latency(p50, sizeof(p50), ps_hs_quantile(&d, 0.5)),
		latency(p99, sizeof(p99), ps_hs_quantile(&d, 0.99)),
		percent(refused, sizeof(refused), d.outcome[PS_HS_REFUSED], n),
		percent(none, sizeof(none), d.outcome[PS_HS_UNANSWERED] +
			d.outcome[PS_HS_SYNACK_UNANSWERED], n));
}

/*
 * The services view: TCP handshakes per --service-ports port and, for the
 * other ports, per class, over the last frame (docs/diagnosis.md).
 */
static void show_services(FILE *f, const struct ps_snapshot *prev, const struct ps_snapshot *cur,
			  double secs)
{
	const struct ps_hs_counters *c = &cur->hs_total, *p = &prev->hs_total;
	char name[32];
	int r, k, shown = 0;

	fprintf(f, "\nservices (TCP handshakes; server: this host answered, client: it opened)\n");
	fprintf(f, "  %-7s %-16s %8s %9s %9s %9s %8s %10s\n", "role", "port", "hs/s", "mean", "p50",
		"p99", "refused", "no answer");
	for (r = 0; r < PS_HS_ROLE_MAX; r++) {
		for (k = 0; k < PS_HS_SVC_PORTS; k++) {
			if (!c->svc_port[k])
				continue;
			snprintf(name, sizeof(name), "%u", (unsigned int)c->svc_port[k]);
			service_row(f, ps_hs_role_names[r], name, &c->role[r].svc[k],
				    c->svc_port[k] == p->svc_port[k] ? &p->role[r].svc[k] : &c->role[r].svc[k],
				    secs);
			shown += ps_hs_ended(&c->role[r].svc[k]) > 0;
		}
		for (k = 0; k < PS_PCLASS_MAX; k++) {
			snprintf(name, sizeof(name), "%s%s", c->svc_port[0] ? "other " : "", ps_pclass_names[k]);
			service_row(f, ps_hs_role_names[r], name, &c->role[r].cls[k], &p->role[r].cls[k], secs);
			shown += ps_hs_ended(&c->role[r].cls[k]) > 0;
		}
	}
	if (!shown)
		fprintf(f, "  (no handshake seen yet)\n");
}

static double secs_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

int ps_top(const struct ps_top_opts *o)
{
	struct top t = { .o = o };
	struct ps_snapshot prev = {}, cur = {};
	struct timespec start, ts;
	sigset_t sigs;
	bool tty = isatty(STDOUT_FILENO);
	int ret = 1, err;

	t.maps.stats = open_pin(o->pin_path, PS_MAP_NAME(ps_stats));
	t.maps.ifslot = open_pin(o->pin_path, PS_MAP_NAME(ps_ifslot));
	t.maps.global = open_pin(o->pin_path, PS_MAP_NAME(ps_global));
	t.maps.ifinfo = open_pin(o->pin_path, PS_MAP_NAME(ps_ifinfo));
	t.maps.hs = open_pin(o->pin_path, PS_MAP_NAME(ps_hs));	/* older pins: -1 */
	t.talkers_fd = open_pin(o->pin_path, PS_MAP_NAME(ps_talkers));
	t.recent_fd = open_pin(o->pin_path, PS_MAP_NAME(ps_recent));
	if (t.maps.stats < 0 || t.maps.ifslot < 0 || t.talkers_fd < 0 || t.recent_fd < 0) {
		fprintf(stderr, "portsense: no portsense pins in %s (%s)\n"
			"  start one (portsense IFACE), or pass its --pin-path\n",
			o->pin_path, strerror(errno));
		goto out;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	clock_gettime(CLOCK_MONOTONIC, &start);
	err = ps_snapshot_read(&t.maps, &prev) ?: read_talkers(&t, 0);
	if (err) {
		fprintf(stderr, "portsense: cannot read %s: %s\n", o->pin_path, strerror(-err));
		goto out;
	}
	for (;;) {
		double secs;

		ts.tv_sec = (time_t)o->interval;
		ts.tv_nsec = (long)((o->interval - ts.tv_sec) * 1e9);
		if (sigtimedwait(&sigs, NULL, &ts) > 0)
			break;
		err = ps_snapshot_read(&t.maps, &cur);
		if (err)
			break;
		secs = secs_between(&prev.taken, &cur.taken);
		if (secs <= 0)
			secs = o->interval;
		read_talkers(&t, secs);
		/* A terminal gets one screen redrawn; a pipe or file every frame. */
		fputs(tty ? "\033[H\033[2J" : "\n", stdout);
		printf("portsense top: %s, every %gs (Ctrl-C quits)", o->pin_path, o->interval);
		ps_snapshot_table(stdout, &prev, &cur);
		show_ifaces(stdout, &prev, &cur, secs);
		show_services(stdout, &prev, &cur, secs);
		show_talkers(stdout, &t);
		show_alerts(stdout, &t);
		printf("\nsensor: events lost %llu, alerts held down %llu, over budget %llu, frames without a slot %llu\n",
		       (unsigned long long)cur.global[PS_G_EVENTS_LOST],
		       (unsigned long long)cur.global[PS_G_ALERTS_SUPPRESSED],
		       (unsigned long long)cur.global[PS_G_ALERTS_RATELIMITED],
		       (unsigned long long)cur.global[PS_G_UNSLOTTED]);
		fflush(stdout);
		ps_snapshot_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ferror(stdout) || (o->duration && secs_between(&start, &ts) >= o->duration))
			break;
	}
	ret = ferror(stdout) ? 1 : 0;
out:
	ps_snapshot_free(&prev);
	free(t.t);
	free(t.prev);
	if (t.maps.stats >= 0)
		close(t.maps.stats);
	if (t.maps.ifslot >= 0)
		close(t.maps.ifslot);
	if (t.maps.global >= 0)
		close(t.maps.global);
	if (t.maps.hs >= 0)
		close(t.maps.hs);
	if (t.talkers_fd >= 0)
		close(t.talkers_fd);
	if (t.recent_fd >= 0)
		close(t.recent_fd);
	return ret;
}
