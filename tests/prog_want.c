// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * prog_want.c - test_prog's expectations: a case's counter list read into
 * a whole struct ps_counters, and the expectation of each cut of its frame
 * derived from the whole frame's.
 *
 * Each case with more than one header is also cut at every header boundary
 * (and one byte before), and trunc_want() derives the expectation of each
 * cut by the rules of include/ps_parse.h and docs/counters.md, so that a
 * case written once checks every short frame of its kind.
 * BPF_PROG_TEST_RUN refuses frames under ETH_HLEN, so cuts start at 14
 * bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsense.h"
#include "fields.h"
#include "prog_cases.h"

/* ------------------------------------------------------------------ */
/* Small string helpers. */

#define MAX_TOKS 48

struct toks {
	char t[MAX_TOKS][64];
	int n;
};

static void split(const char *s, struct toks *k)
{
	k->n = 0;
	while (*s) {
		size_t l;

		s += strspn(s, " ");
		l = strcspn(s, " ");
		if (!l)
			break;
		if (k->n < MAX_TOKS && l < sizeof(k->t[0])) {
			memcpy(k->t[k->n], s, l);
			k->t[k->n++][l] = 0;
		}
		s += l;
	}
}

/* ------------------------------------------------------------------ */
/* Expectations. */

static int bump(__u64 *w, const char *name, __u64 v, struct sbuf *why)
{
	int i = ps_field_find(name);

	if (i < 0) {
		sb_add(why, "%sunknown counter '%s' in expectation",
		       why->n ? "; " : "", name);
		return -1;
	}
	w[i] += v;
	return 0;
}

/* @want (the notation above) for a frame of @len bytes, into @w. */
int want_counters(const char *want, size_t len, __u64 *w,
			 struct sbuf *why)
{
	struct toks k;
	int i, err = 0;

	memset(w, 0, sizeof(struct ps_counters));
	err |= bump(w, "frames", 1, why);
	err |= bump(w, "bytes", len, why);
	split(want, &k);
	for (i = 0; i < k.n; i++) {
		char *t = k.t[i], *eq = strchr(t, '='), name[128];
		__u64 v = 1;

		if (eq) {
			*eq = 0;
			v = strtoull(eq + 1, NULL, 0);
		}
		if (!strcmp(t, "tcp") || !strcmp(t, "udp")) {
			snprintf(name, sizeof(name), "%s.packets", t);
			err |= bump(w, name, v, why);
			snprintf(name, sizeof(name), "%s.bytes", t);
			err |= bump(w, name, v * len, why);
		} else if (strlen(t) > 8 && (!strncmp(t + 3, ".dst.", 5) ||
					     !strncmp(t + 3, ".src.", 5))) {
			snprintf(name, sizeof(name), "%.3s.by_%.3s_class.%s.packets",
				 t, t + 4, t + 8);
			err |= bump(w, name, v, why);
			snprintf(name, sizeof(name), "%.3s.by_%.3s_class.%s.bytes",
				 t, t + 4, t + 8);
			err |= bump(w, name, v * len, why);
		} else {
			err |= bump(w, t, v, why);
		}
	}
	return err;
}

/* Counted only once the L4 header was reached (ports, flags, type). */
static int l4_tok(const char *t)
{
	return !strncmp(t, "tcp", 3) || !strncmp(t, "udp", 3) ||
	       !strncmp(t, "icmp", 4) || !strcmp(t, "extras.land");
}

static void put(struct toks *o, const char *t)
{
	if (o->n < MAX_TOKS)
		snprintf(o->t[o->n++], sizeof(o->t[0]), "%s", t);
}

/* Append the tokens of @f for which @keep says yes. */
static void put_if(struct toks *o, const struct toks *f,
		   int (*keep)(const char *))
{
	int i;

	for (i = 0; i < f->n; i++)
		if (keep(f->t[i]))
			put(o, f->t[i]);
}

static int not_l4_tok(const char *t)
{
	return !l4_tok(t);
}

static int any_tok(const char *t)
{
	(void)t;
	return 1;
}

/* What an IPv4 header with its options cut still tells. */
static int ipv4_fixed_tok(const char *t)
{
	return !strcmp(t, "ipv4_fragments") ||
	       !strcmp(t, "extras.ipv4_src_eq_dst");
}

/*
 * Expected counters of the first @cut bytes of @p, whose whole frame counts
 * @full, into @out.  Walks the layers the way the rules read them: link
 * layer, L3 header, L4 header; the first one cut short decides.
 */
void trunc_want(const struct pkt *p, const char *full, size_t cut,
		       struct sbuf *out)
{
	const struct pb_layer *l3, *l4;
	int i, tags = 0, ntags = 0, frag6 = 0;
	struct toks f, o = { .n = 0 };
	size_t need;

	split(full, &f);
	for (i = 0; i < p->n; i++) {
		if (p->l[i].kind != PB_VLAN)
			continue;
		ntags++;
		tags += p->l[i].end <= cut;
	}
	/* A third TPID sits in the second tag: two tags read show it. */
	if (ntags > 2 && tags >= 2) {
		put_if(&o, &f, any_tok);
		goto done;
	}
	if (tags < ntags) {
		put(&o, "l3.other");
		if (tags)
			put(&o, "extras.vlan_tagged_frames");
		goto done;
	}
	if (tags)
		put(&o, "extras.vlan_tagged_frames");

	i = 1 + ntags;
	l3 = i < p->n ? &p->l[i] : NULL;
	switch (l3 ? l3->kind : PB_DATA) {
	case PB_ARP:
		if (cut < l3->start + 8) {
			put(&o, "l3.arp");
			put(&o, "extras.l3_header_incomplete");
			goto done;
		}
		goto whole;
	case PB_IPV4:
		if (cut < l3->start + 20) {
			put(&o, "l3.ipv4");
			put(&o, "extras.l3_header_incomplete");
			goto done;
		}
		if (l3->bad)
			goto whole;
		/* Options count for every fragment, later ones too. */
		if (cut < l3->end) {
			put(&o, "l3.ipv4");
			put(&o, "extras.l3_header_incomplete");
			put_if(&o, &f, ipv4_fixed_tok);
			goto done;
		}
		if (l3->later)
			goto whole;
		i++;
		break;
	case PB_IPV6:
		if (cut < l3->start + 40) {
			put(&o, "l3.ipv6");
			put(&o, "extras.l3_header_incomplete");
			goto done;
		}
		if (l3->bad)
			goto whole;
		for (i++; i < p->n && p->l[i].kind == PB_EXT6; i++) {
			if (cut < p->l[i].end) {
				put(&o, "l3.ipv6");
				if (frag6)
					put(&o, "ipv6_fragments");
				goto done;
			}
			frag6 |= p->l[i].frag;
			if (p->l[i].later)
				goto whole;
		}
		break;
	default:
		goto whole;
	}

	/* Less of the frame never reveals an L4 header the whole one hid. */
	l4 = i < p->n ? &p->l[i] : NULL;
	for (i = 0; i < f.n && !l4_tok(f.t[i]); i++)
		;
	if (!l4 || i == f.n)
		goto whole;
	need = l4->need ? l4->need : l4->end - l4->start;
	if (cut >= l4->start + need)
		goto whole;
	o.n = 0;
	put_if(&o, &f, not_l4_tok);
	if (l4->kind == PB_TCP)
		put(&o, "tcp.header_incomplete");
	else if (l4->kind == PB_UDP)
		put(&o, "udp.header_incomplete");
	else if (l4->kind == PB_ICMP)
		put(&o, "icmp.packets");	/* type byte not there */
	else if (l4->kind == PB_ICMP6)
		put(&o, "icmpv6.packets");
	goto done;
whole:
	o.n = 0;
	put_if(&o, &f, any_tok);
done:
	for (i = 0; i < o.n; i++)
		if (strcmp(o.t[i], "extras.frames_over_1514"))
			sb_add(out, "%s ", o.t[i]);
	if (cut > 1514)
		sb_add(out, "extras.frames_over_1514");
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Every header boundary of @p and the byte before it, sorted, unique. */
int cut_points(const struct pkt *p, size_t *cuts)
{
	size_t all[4 * PB_MAX_LAYERS];
	int i, n = 0, m = 0;

	for (i = 0; i < p->n; i++) {
		const struct pb_layer *l = &p->l[i];

		all[n++] = l->end;
		all[n++] = l->end - 1;
		if (l->need) {
			all[n++] = l->start + l->need;
			all[n++] = l->start + l->need - 1;
		}
	}
	qsort(all, n, sizeof(all[0]), cmp_size);
	for (i = 0; i < n; i++) {
		/* The kernel refuses frames shorter than an Ethernet header. */
		if (all[i] < 14 || all[i] >= p->len)
			continue;
		if (m && cuts[m - 1] == all[i])
			continue;
		cuts[m++] = all[i];
	}
	return m;
}
