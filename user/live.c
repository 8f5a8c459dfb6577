// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* live.c - the compact table printed every interval on a terminal. */
#include <string.h>
#include <time.h>

#include "fields.h"
#include "snapshot.h"

const char *ps_human(char *buf, size_t len, double v)
{
	static const char units[] = " kMGT";
	int u = 0;

	while (v >= 999.5 && u < 4) {
		v /= 1000;
		u++;
	}
	if (!u)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, v < 9.995 ? "%.2f%c" : v < 99.95 ? "%.1f%c" : "%.0f%c",
			 v, units[u]);
	return buf;
}

static double per_s(__u64 cur, __u64 prev, double secs)
{
	return cur >= prev ? (double)(cur - prev) / secs : 0;
}

static void l4_row(FILE *f, const char *dir, const char *proto,
		   const struct ps_l4_counters *c, const struct ps_l4_counters *p,
		   double secs)
{
	char a[16], b[16];
	int k;

	fprintf(f, "%-3s %-4s", dir, proto);
	for (k = 0; k < PS_PCLASS_MAX; k++)
		fprintf(f, " %7s/s %7sB/s", ps_human(a, sizeof(a),
			per_s(c->by_dst_class[k].packets, p->by_dst_class[k].packets, secs)),
			ps_human(b, sizeof(b),
			per_s(c->by_dst_class[k].bytes, p->by_dst_class[k].bytes, secs)));
	fputc('\n', f);
}

void ps_snapshot_table(FILE *f, const struct ps_snapshot *prev,
		       const struct ps_snapshot *cur)
{
	double secs = (cur->taken.tv_sec - prev->taken.tv_sec) +
		      (cur->taken.tv_nsec - prev->taken.tv_nsec) / 1e9;
	char a[16], b[16], ts[16];
	time_t now = time(NULL);
	struct tm tm;
	int d, k;

	if (secs <= 0)
		secs = 1;
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	fprintf(f, "\n%s  per second over %.1fs; tcp/udp by destination port class\n",
		ts, secs);
	/* Each class column is " %7s/s %7sB/s": 21 characters. */
	fprintf(f, "%8s", "");
	for (k = 0; k < PS_PCLASS_MAX; k++)
		fprintf(f, " %-20s", ps_pclass_names[k]);
	fputc('\n', f);
	for (d = 0; d < PS_DIR_MAX; d++) {
		const struct ps_counters *c = &cur->total[d], *p = &prev->total[d];
		const char *dn = d == PS_DIR_INGRESS ? "in" : "out";

		l4_row(f, dn, "tcp", &c->tcp, &p->tcp, secs);
		l4_row(f, dn, "udp", &c->udp, &p->udp, secs);
	}
	for (d = 0; d < PS_DIR_MAX; d++) {
		const struct ps_counters *c = &cur->total[d], *p = &prev->total[d];

		fprintf(f, "%-3s all  %s/s %sB/s ", d == PS_DIR_INGRESS ? "in" : "out",
			ps_human(a, sizeof(a), per_s(c->frames, p->frames, secs)),
			ps_human(b, sizeof(b), per_s(c->bytes, p->bytes, secs)));
		for (k = 0; k < PS_L3_MAX; k++)
			fprintf(f, " %s %s", ps_l3_names[k],
				ps_human(a, sizeof(a), per_s(c->l3[k], p->l3[k], secs)));
		fprintf(f, "  icmp %s icmpv6 %s frag %s\n",
			ps_human(a, sizeof(a), per_s(c->icmp.packets, p->icmp.packets, secs)),
			ps_human(b, sizeof(b), per_s(c->icmpv6.packets, p->icmpv6.packets, secs)),
			ps_human(ts, sizeof(ts), per_s(c->ipv4_fragments + c->ipv6_fragments,
						   p->ipv4_fragments + p->ipv6_fragments, secs)));
		fprintf(f, "    tcp flags");
		for (k = 0; k < PS_TCPF_MAX; k++) {
			if (k == PS_TCPF_NULL_ALL_BITS_ZERO || k == PS_TCPF_XMAS_EXACT)
				continue;	/* refinements: in the JSON only */
			fprintf(f, " %s %s", ps_tcpflag_names[k],
				ps_human(a, sizeof(a), per_s(c->tcp_flags[k], p->tcp_flags[k], secs)));
		}
		fputc('\n', f);
	}
	fflush(f);
}
