/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * summary.h - one summary line per hold-down period of an aggregated alert
 * (PS_AGG_ALERTS in portsense.h): packets, distinct sources, samples.  The
 * run loop hands it each alert before printing it, polls it, and flushes
 * it at exit.  Every call accepts a NULL @s.
 */
#ifndef PS_SUMMARY_H
#define PS_SUMMARY_H

#include "alerts.h"
#include "portsense.h"

struct ps_summaries;

/* Summaries read from ps_agg (its fd) and printed to @out.  NULL: no memory. */
struct ps_summaries *ps_summaries_new(int agg_fd, struct ps_alert_out *out);
void ps_summaries_free(struct ps_summaries *s);

/* An alert came in (before it is printed): the period it ends is summed up. */
void ps_summaries_event(struct ps_summaries *s, const struct ps_event *e);

/* The periods whose hold-down ran out quietly: summed up. */
void ps_summaries_poll(struct ps_summaries *s);

/* At exit: every period still open, summed up so far. */
void ps_summaries_flush(struct ps_summaries *s);

/* A period's distinct sources into @sum (exact when few, else estimated). */
void ps_summary_sources(const struct ps_agg_period *c, struct ps_alert_summary *sum);

#endif /* PS_SUMMARY_H */
