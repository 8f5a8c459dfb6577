// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * handshakes.c - the connection diagnosis' counters for the loader
 * (handshakes.h): names from the lists, reading, preparing, summing and
 * rebasing an interface's entry, quantiles, and running the sweep.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "handshakes.h"

#define NAME_OF(e, word, ...)	[e] = #word,
#define LE_OF(le, ns)		le,
#define NS_OF(le, ns)		ns,

const char *const ps_hs_role_names[PS_HS_ROLE_MAX] = { PS_HS_ROLE_LIST(NAME_OF) };
const char *const ps_hs_outcome_names[PS_HS_OUTCOME_MAX] = { PS_HS_OUTCOME_LIST(NAME_OF) };
const char *const ps_hs_le[PS_HS_BUCKETS] = { PS_HS_BOUNDS_LIST(LE_OF) "+Inf" };
const __u64 ps_hs_bound_ns[PS_HS_BOUNDS] = { PS_HS_BOUNDS_LIST(NS_OF) };

bool ps_hs_outcome_applies(int role, int o)
{
	/* A client's SYN-ACK comes in: what follows it is no handshake's. */
	return role == PS_HS_SERVER ||
	       (o != PS_HS_RESET_AFTER_SYNACK && o != PS_HS_SYNACK_UNANSWERED);
}

int ps_hs_read(int fd, __u32 slot, struct ps_hs_counters *c)
{
	return bpf_map_lookup_elem(fd, &slot, c) ? -errno : 0;
}

int ps_hs_prepare(int fd, __u32 slot, const __u16 ports[PS_HS_SVC_PORTS], bool fresh)
{
	struct ps_hs_counters c = {};
	bool changed = fresh;
	int i, r, err;

	if (!fresh) {
		err = ps_hs_read(fd, slot, &c);
		if (err)
			return err;
	}
	for (i = 0; i < PS_HS_SVC_PORTS; i++) {
		if (c.svc_port[i] == ports[i])
			continue;
		for (r = 0; r < PS_HS_ROLE_MAX; r++)
			memset(&c.role[r].svc[i], 0, sizeof(c.role[r].svc[i]));
		c.svc_port[i] = ports[i];
		changed = true;
	}
	/*
	 * Written back only when a port changed: a slot whose interface goes
	 * on may be counting right now (another instance's programs), and a
	 * read and a write would lose what came between.
	 */
	if (!changed)
		return 0;
	return bpf_map_update_elem(fd, &slot, &c, BPF_ANY) ? -errno : 0;
}

void ps_hs_add(struct ps_hs_counters *sum, const struct ps_hs_counters *c)
{
	__u64 *d = (__u64 *)sum;
	const __u64 *s = (const __u64 *)c;
	size_t i;

	for (i = 0; i < PS_HS_SVC_PORTS; i++)
		if (!sum->svc_port[i])
			sum->svc_port[i] = c->svc_port[i];
	for (i = PS_HS_SVC_PORTS; i < PS_HS_WORDS; i++)
		d[i] += s[i];
}

void ps_hs_sub(struct ps_hs_counters *c, const struct ps_hs_counters *base)
{
	__u64 *d = (__u64 *)c;
	const __u64 *s = (const __u64 *)base;
	size_t i;

	for (i = PS_HS_SVC_PORTS; i < PS_HS_WORDS; i++)
		d[i] -= s[i];
}

void ps_hs_series_sub(struct ps_hs_series *d, const struct ps_hs_series *s)
{
	__u64 *x = (__u64 *)d;
	const __u64 *w = (const __u64 *)s;
	size_t i;

	for (i = 0; i < sizeof(*s) / sizeof(__u64); i++)
		x[i] -= w[i];
}

__u64 ps_hs_ended(const struct ps_hs_series *s)
{
	__u64 n = 0;
	int o;

	for (o = 0; o < PS_HS_OUTCOME_MAX; o++)
		n += s->outcome[o];
	return n;
}

__u64 ps_hs_count(const struct ps_hs_series *s)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < PS_HS_BUCKETS; i++)
		n += s->bucket[i];
	return n;
}

double ps_hs_quantile(const struct ps_hs_series *s, double q)
{
	__u64 total = ps_hs_count(s), below = 0;
	double rank, lo, hi;
	int i;

	if (!total)
		return -1;
	rank = q * total;
	for (i = 0; i < PS_HS_BUCKETS; i++) {
		if (below + s->bucket[i] >= rank && s->bucket[i])
			break;
		below += s->bucket[i];
	}
	/* Over the last bound: as Prometheus, the last bound is the answer. */
	if (i >= PS_HS_BOUNDS)
		return ps_hs_bound_ns[PS_HS_BOUNDS - 1] / 1e9;
	lo = i ? ps_hs_bound_ns[i - 1] / 1e9 : 0;
	hi = ps_hs_bound_ns[i] / 1e9;
	return lo + (hi - lo) * (rank - below) / s->bucket[i];
}

int ps_hs_sweep_run(int prog_fd, __u64 timeout_ns, __u64 *expired)
{
	struct ps_hs_sweep_args a = { .timeout_ns = timeout_ns };
	/* A syscall program's context comes back where it came from. */
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &a, .ctx_size_in = sizeof(a));

	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -errno;
	if (expired)
		*expired = a.expired;
	return 0;
}
