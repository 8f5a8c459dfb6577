/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * handshakes.h - the connection diagnosis for the loader: the counters of
 * ps_hs (include/ps_handshake.h) read, made ready for a run, summed and
 * rebased; their names, from the lists; a latency quantile; and the sweep
 * that gives handshakes past the timeout their outcome.  snapshot.c
 * writes them as JSON, prom.c as /metrics, top.c as its services view;
 * docs/diagnosis.md defines every figure.
 */
#ifndef PS_HANDSHAKES_H
#define PS_HANDSHAKES_H

#include <stdbool.h>

#include "portsense.h"

extern const char *const ps_hs_role_names[PS_HS_ROLE_MAX];
extern const char *const ps_hs_outcome_names[PS_HS_OUTCOME_MAX];
/* Each bucket's upper bound as a label ("0.0001" .. "10", "+Inf"). */
extern const char *const ps_hs_le[PS_HS_BUCKETS];
extern const __u64 ps_hs_bound_ns[PS_HS_BOUNDS];

/* Whether outcome @o can happen to a handshake of role @role. */
bool ps_hs_outcome_applies(int role, int o);

/* ps_hs's entry of @slot into @c.  0 or -errno. */
int ps_hs_read(int fd, __u32 slot, struct ps_hs_counters *c);

/*
 * Make ps_hs's entry of @slot count for this run's service ports @ports:
 * all zero when @fresh (a slot given to an interface anew), else only the
 * series whose port changed.  0 or -errno.
 */
int ps_hs_prepare(int fd, __u32 slot, const __u16 ports[PS_HS_SVC_PORTS], bool fresh);

/* @sum += @c, word by word (the service ports: @c's where @sum has none). */
void ps_hs_add(struct ps_hs_counters *sum, const struct ps_hs_counters *c);

/* @c -= @base: a run's own counts (the service ports stay). */
void ps_hs_sub(struct ps_hs_counters *c, const struct ps_hs_counters *base);

/* @d -= @s, word by word: a series over an interval (the services view). */
void ps_hs_series_sub(struct ps_hs_series *d, const struct ps_hs_series *s);

/* Handshakes of series @s that ended (all outcomes). */
__u64 ps_hs_ended(const struct ps_hs_series *s);

/* Handshakes in @s's latency histogram (its buckets summed: the completed ones). */
__u64 ps_hs_count(const struct ps_hs_series *s);

/*
 * The @q quantile of @s's latency in seconds, interpolated inside its
 * bucket as Prometheus's histogram_quantile() does; -1 when it has none.
 */
double ps_hs_quantile(const struct ps_hs_series *s, double q);

/*
 * Run the sweep program @prog_fd: handshakes waiting longer than
 * @timeout_ns get their outcome.  Their number into *@expired.  0 or -errno.
 */
int ps_hs_sweep_run(int prog_fd, __u64 timeout_ns, __u64 *expired);

#endif /* PS_HANDSHAKES_H */
