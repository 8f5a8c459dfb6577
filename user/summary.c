// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * summary.c - the summaries of aggregated alerts (PS_AGG_ALERTS): for each
 * hold-down period an alert opened, once it ends, one line with the
 * packets, the distinct sources and a few of them, read from ps_agg.
 *
 * The kernel sums a period in ps_agg's 'cur' while it runs, and moves it
 * to 'prev' when the next alert of the key opens a new one.  So a period
 * ends one of two ways: its hold-down runs out quietly (the attack
 * stopped: read 'cur' then), or a packet after it opens the next period
 * (read 'prev' when that alert arrives, before it is printed).  A period
 * is matched by the time stamp of the alert that opened it, so a slot
 * another key took over is never summed up as this one's.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "summary.h"

/* Periods opened and not yet summed up: few victims at a time. */
#define PS_PENDING_MAX 1024
#define PS_TICK_GRACE_NS (20 * 1000 * 1000)

struct pending {
	struct ps_event open;		/* the alert that opened the period */
	__u64 due_ns;			/* CLOCK_MONOTONIC: its hold-down runs out */
};

struct ps_summaries {
	int agg_fd;
	struct ps_alert_out *out;
	struct pending *p;
	int n;
	unsigned long long dropped;	/* periods not watched: the list was full */
};

struct ps_summaries *ps_summaries_new(int agg_fd, struct ps_alert_out *out)
{
	struct ps_summaries *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->p = calloc(PS_PENDING_MAX, sizeof(*s->p));
	if (!s->p) {
		free(s);
		return NULL;
	}
	s->agg_fd = agg_fd;
	s->out = out;
	return s;
}

void ps_summaries_free(struct ps_summaries *s)
{
	if (!s)
		return;
	free(s->p);
	free(s);
}

/*
 * Distinct sources, from the HyperLogLog registers (Flajolet et al., with
 * linear counting while registers are empty).  Fewer than the samples'
 * room: the samples themselves, exact.  Never more than the packets.
 */
void ps_summary_sources(const struct ps_agg_period *c, struct ps_alert_summary *sum)
{
	const double m = PS_AGG_REGISTERS, alpha = 0.709;	/* alpha for m = 64 */
	double inv = 0, est;
	unsigned int j, reg, zeros = 0;

	if (c->n_samples < PS_AGG_SAMPLES) {
		sum->sources = c->n_samples;
		sum->sources_exact = true;
		return;
	}
	for (j = 0; j < PS_AGG_REGISTERS; j++) {
		reg = c->hll[j];
		inv += ldexp(1, -(int)reg);
		zeros += !reg;
	}
	est = alpha * m * m / inv;
	if (est <= 2.5 * m && zeros)
		est = m * log(m / zeros);
	if (est < PS_AGG_SAMPLES)
		est = PS_AGG_SAMPLES;
	if (est > c->packets)
		est = c->packets;
	sum->sources = (__u64)(est + 0.5);
	sum->sources_exact = false;
}

static void print(struct ps_summaries *s, const struct ps_event *open,
		  const struct ps_agg_period *c, __u64 end_ns)
{
	struct ps_alert_summary sum = { .open = open, .packets = c->packets };
	unsigned int i;

	/* One packet is the alert itself: nothing to add. */
	if (c->packets < 2)
		return;
	ps_summary_sources(c, &sum);
	sum.ms = end_ns > open->ts_ns ? (end_ns - open->ts_ns) / 1000000 : 0;
	for (i = 0; i < c->n_samples && i < PS_AGG_SAMPLES; i++) {
		inet_ntop(open->family == 6 ? AF_INET6 : AF_INET, c->samples[i],
			  sum.samples[i], sizeof(sum.samples[i]));
		sum.n_samples++;
	}
	ps_alert_print_summary(s->out, &sum);
}

static __u64 mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void drop(struct ps_summaries *s, int i)
{
	s->p[i] = s->p[--s->n];
}

void ps_summaries_event(struct ps_summaries *s, const struct ps_event *e)
{
	__u32 slot;
	struct ps_agg a;
	int i;

	if (!s || !e->agg)
		return;
	slot = e->agg - 1;
	/* The period this alert ends, if one of ours: summed up before it. */
	for (i = 0; i < s->n; i++) {
		if (s->p[i].open.agg != e->agg)
			continue;
		if (!bpf_map_lookup_elem(s->agg_fd, &slot, &a) &&
		    a.prev.alert_ts == s->p[i].open.ts_ns)
			print(s, &s->p[i].open, &a.prev, e->ts_ns);
		drop(s, i);
		break;
	}
	if (s->n == PS_PENDING_MAX) {
		s->dropped++;
		return;
	}
	/* The kernel ends a period by its tick clock, up to a tick after this one. */
	s->p[s->n++] = (struct pending){ .open = *e,
					 .due_ns = e->ts_ns + e->holddown_ns + PS_TICK_GRACE_NS };
}

/* Sum up the periods @now has passed the end of (all of them: UINT64_MAX). */
static void poll_until(struct ps_summaries *s, __u64 now)
{
	struct ps_agg a;
	__u32 slot;
	int i;

	for (i = 0; i < s->n; ) {
		struct pending *p = &s->p[i];

		if (p->due_ns > now) {
			i++;
			continue;
		}
		slot = p->open.agg - 1;
		if (!bpf_map_lookup_elem(s->agg_fd, &slot, &a) && a.cur.alert_ts == p->open.ts_ns)
			print(s, &p->open, &a.cur, now < p->due_ns ? now : p->due_ns);
		drop(s, i);
	}
}

void ps_summaries_poll(struct ps_summaries *s)
{
	if (s)
		poll_until(s, mono_ns());
}

void ps_summaries_flush(struct ps_summaries *s)
{
	__u64 now = mono_ns();
	int i;

	if (!s)
		return;
	/* Periods still running: summed up so far. */
	for (i = 0; i < s->n; i++)
		if (s->p[i].due_ns > now)
			s->p[i].due_ns = now;
	poll_until(s, now);
}
