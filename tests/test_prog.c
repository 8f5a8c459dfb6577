// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_prog.c - table-driven BPF_PROG_TEST_RUN tests of ps_xdp, ps_tc_in and
 * ps_tc_out: every case's frame goes through each program once, and the
 * whole struct ps_counters it leaves must equal the expectation.
 *
 * Nothing is attached: the kernel runs the programs on a copy of the frame
 * with the loopback device (ifindex 1) as the interface, so the counters
 * land under key {1, ingress} (XDP, tc ingress) or {1, egress} (tc egress).
 *
 * Expectations are lists of counter names; frames=1 and bytes=<frame
 * length> are implied.  A name is +1, "name=N" is +N, and two shorthands
 * save the repetition of bytes counters:
 *   "tcp", "udp"                   .packets +1 and .bytes +len
 *   "tcp.dst.well_known" etc.      .by_dst_class.well_known.packets +1 and
 *                                  .bytes +len (".src." for by_src_class)
 * Every name must exist (ps_field_find), so a typo fails the case.
 *
 * Each case with more than one header is also cut at every header boundary
 * (and one byte before), and trunc_want() derives the expectation of each
 * cut from the whole frame's by the rules of include/ps_parse.h and
 * docs/counters.md.  BPF_PROG_TEST_RUN refuses frames under ETH_HLEN, so
 * cuts start at 14 bytes.
 *
 * Output: "ok - prog_run <prog> <case>" or "not ok - ...: <why>" per run
 * ("skip - ..." where the kernel refuses the frame, see ht_skb_run_refuses());
 * exit 1 when any run failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portsense.h"
#include "fields.h"
#include "portsense.skel.h"
#include "harness.h"
#include "pktbuild.h"

struct tcase {
	const char *name;
	const char *pkt;	/* pktbuild.h description */
	const char *want;	/* counters besides frames and bytes */
};

/* The default ports of pktbuild.h: 50000 (dynamic) to 80 or 53. */
#define TCP4 "l3.ipv4 tcp tcp.ipv4_packets tcp.dst.well_known tcp.src.dynamic"
#define UDP4 "l3.ipv4 udp udp.ipv4_packets udp.dst.well_known udp.src.dynamic"
#define TCP6 "l3.ipv6 tcp tcp.ipv6_packets tcp.dst.well_known tcp.src.dynamic"
#define UDP6 "l3.ipv6 udp udp.ipv6_packets udp.dst.well_known udp.src.dynamic"
#define TCP4P "l3.ipv4 tcp tcp.ipv4_packets "	/* ports spelled out */
#define VLAN " extras.vlan_tagged_frames"
#define MALFORMED4 "l3.ipv4 extras.l3_malformed"

/* 40 option bytes of NOP: the longest IPv4 header. */
#define NOP40 "01010101010101010101010101010101010101010101010101010101010101010101010101010101"

static const struct tcase cases[] = {
	/* Link layer. */
	{ "eth lldp 0x88cc", "eth:type=0x88cc data:n=46", "l3.other" },
	{ "eth 802.3 length 0x0026", "eth:type=0x0026 data:n=38", "l3.other" },
	{ "arp request", "arp:op=1", "l3.arp arp.request" },
	{ "arp reply", "arp:op=2", "l3.arp arp.reply" },
	{ "rarp opcode 3", "eth:type=0x8035 arp:op=3", "l3.arp" },
	{ "vlan 8100 arp reply", "vlan arp:op=2", "l3.arp arp.reply" VLAN },
	{ "vlan 8100 ipv4 tcp", "vlan ipv4 tcp", TCP4 VLAN },
	{ "vlan 88a8 8100 ipv4 tcp", "vlan:tpid=0x88a8 vlan ipv4 tcp", TCP4 VLAN },
	{ "vlan 9100 8100 ipv4 tcp", "vlan:tpid=0x9100 vlan ipv4 tcp", TCP4 VLAN },
	{ "vlan 88a8 ipv6 udp", "vlan:tpid=0x88a8 ipv6 udp", UDP6 VLAN },
	{ "vlan 88a8 8100 8100 ipv4 tcp", "vlan:tpid=0x88a8 vlan vlan ipv4 tcp",
	  "l3.other extras.vlan_tagged_frames extras.frames_over_2_vlan_tags" },

	/* TCP flags, IPv4, 50000 -> 80. */
	{ "ipv4 tcp ack", "ipv4 tcp:flags=0x010", TCP4 },
	{ "ipv4 tcp syn", "ipv4 tcp:flags=0x002", TCP4 " tcp.syn_noack" },
	{ "ipv4 tcp syn ece cwr", "ipv4 tcp:flags=0x0c2", TCP4 " tcp.syn_noack" },
	{ "ipv4 tcp syn ack", "ipv4 tcp:flags=0x012", TCP4 " tcp.synack" },
	{ "ipv4 tcp rst", "ipv4 tcp:flags=0x004", TCP4 " tcp.rst" },
	{ "ipv4 tcp rst ack", "ipv4 tcp:flags=0x014", TCP4 " tcp.rst" },
	{ "ipv4 tcp fin ack", "ipv4 tcp:flags=0x011", TCP4 " tcp.fin" },
	{ "ipv4 tcp null", "ipv4 tcp:flags=0x000",
	  TCP4 " tcp.null tcp.null_all_bits_zero" },
	{ "ipv4 tcp ns only", "ipv4 tcp:flags=0x100", TCP4 " tcp.null" },
	{ "ipv4 tcp ece cwr only", "ipv4 tcp:flags=0x0c0", TCP4 " tcp.null" },
	{ "ipv4 tcp xmas", "ipv4 tcp:flags=0x029",
	  TCP4 " tcp.xmas tcp.xmas_exact tcp.fin" },
	{ "ipv4 tcp xmas syn", "ipv4 tcp:flags=0x02b",
	  TCP4 " tcp.xmas tcp.fin tcp.syn_noack tcp.syn_fin" },
	{ "ipv4 tcp xmas ack", "ipv4 tcp:flags=0x039", TCP4 " tcp.xmas tcp.fin" },
	{ "ipv4 tcp syn fin", "ipv4 tcp:flags=0x003",
	  TCP4 " tcp.syn_noack tcp.syn_fin tcp.fin" },

	/* Port classes at their edges: destination, then source. */
	{ "ipv4 tcp dport 0", "ipv4 tcp:dport=0",
	  TCP4P "tcp.dst.well_known tcp.src.dynamic" },
	{ "ipv4 tcp dport 1023", "ipv4 tcp:dport=1023",
	  TCP4P "tcp.dst.well_known tcp.src.dynamic" },
	{ "ipv4 tcp dport 1024", "ipv4 tcp:dport=1024",
	  TCP4P "tcp.dst.registered tcp.src.dynamic" },
	{ "ipv4 tcp dport 49151", "ipv4 tcp:dport=49151",
	  TCP4P "tcp.dst.registered tcp.src.dynamic" },
	{ "ipv4 tcp dport 49152", "ipv4 tcp:dport=49152",
	  TCP4P "tcp.dst.dynamic tcp.src.dynamic" },
	{ "ipv4 tcp dport 65535", "ipv4 tcp:dport=65535",
	  TCP4P "tcp.dst.dynamic tcp.src.dynamic" },
	{ "ipv4 tcp sport 0", "ipv4 tcp:sport=0",
	  TCP4P "tcp.dst.well_known tcp.src.well_known" },
	{ "ipv4 tcp sport 1023", "ipv4 tcp:sport=1023",
	  TCP4P "tcp.dst.well_known tcp.src.well_known" },
	{ "ipv4 tcp sport 1024", "ipv4 tcp:sport=1024",
	  TCP4P "tcp.dst.well_known tcp.src.registered" },
	{ "ipv4 tcp sport 49151", "ipv4 tcp:sport=49151",
	  TCP4P "tcp.dst.well_known tcp.src.registered" },
	{ "ipv4 tcp sport 49152", "ipv4 tcp:sport=49152",
	  TCP4P "tcp.dst.well_known tcp.src.dynamic" },
	{ "ipv4 tcp sport 65535", "ipv4 tcp:sport=65535",
	  TCP4P "tcp.dst.well_known tcp.src.dynamic" },

	/* UDP and ICMP over IPv4. */
	{ "ipv4 udp", "ipv4 udp", UDP4 },
	{ "ipv4 udp 53 to 49152", "ipv4 udp:sport=53,dport=49152",
	  "l3.ipv4 udp udp.ipv4_packets udp.dst.dynamic udp.src.well_known" },
	{ "ipv4 icmp echo request", "ipv4 icmp:type=8",
	  "l3.ipv4 icmp.packets icmp.echo_request" },
	{ "ipv4 icmp echo reply", "ipv4 icmp:type=0",
	  "l3.ipv4 icmp.packets icmp.echo_reply" },
	{ "ipv4 icmp unreachable", "ipv4 icmp:type=3 ipv4 udp", "l3.ipv4 icmp.packets" },
	{ "ipv4 proto 58 not icmp", "ipv4:proto=58 icmp6", "l3.ipv4" },

	/* IPv4 options. */
	{ "ipv4 opt router alert", "ipv4:opt=94040000 tcp", TCP4 },
	{ "ipv4 opt nop nop eol", "ipv4:opt=01010000 tcp", TCP4 },
	{ "ipv4 opt 40 nop", "ipv4:opt=" NOP40 " tcp", TCP4 },
	{ "ipv4 opt record route len 3", "ipv4:opt=07030400 tcp", TCP4 },
	{ "ipv4 opt security len 2", "ipv4:opt=82020000 tcp", MALFORMED4 },
	{ "ipv4 opt security len 2 mf", "ipv4:opt=82020000,frag=0x2000 tcp",
	  MALFORMED4 " ipv4_fragments" },
	{ "ipv4 opt timestamp len 3", "ipv4:opt=44030000 tcp", MALFORMED4 },
	{ "ipv4 opt router alert then timestamp len 3",
	  "ipv4:opt=9404000044030000 tcp", MALFORMED4 },
	{ "ipv4 opt len 0", "ipv4:opt=44000000 tcp", TCP4 },
	{ "ipv4 opt len past header", "ipv4:opt=44080000 tcp", TCP4 },
	/*
	 * The kernel checks options before reassembly (ip_rcv_options()), so
	 * a later fragment's header is as malformed or incomplete as any.
	 */
	{ "ipv4 later fragment opt router alert",
	  "ipv4:opt=94040000,frag=0x0003 data:n=24", "l3.ipv4 ipv4_fragments" },
	{ "ipv4 later fragment opt security len 2",
	  "ipv4:opt=82020000,frag=0x0003 data:n=24",
	  MALFORMED4 " ipv4_fragments" },

	/* IPv4 fragments and length fields. */
	{ "ipv4 first fragment tcp", "ipv4:frag=0x2000 tcp data:n=32",
	  TCP4 " ipv4_fragments" },
	{ "ipv4 first fragment 8 tcp bytes", "ipv4:frag=0x2000,len=28 tcp",
	  "l3.ipv4 ipv4_fragments tcp.header_incomplete" },
	{ "ipv4 later fragment", "ipv4:frag=0x0005 tcp data:n=20",
	  "l3.ipv4 ipv4_fragments" },
	{ "ipv4 middle fragment", "ipv4:frag=0x2005 tcp data:n=20",
	  "l3.ipv4 ipv4_fragments" },
	{ "ipv4 version 5", "ipv4:ver=5 tcp", MALFORMED4 },
	{ "ipv4 ihl 4", "ipv4:ihl=4 tcp", MALFORMED4 },
	{ "ipv4 tot_len 19", "ipv4:len=19 tcp", MALFORMED4 },
	{ "ipv4 ihl 6 tot_len 22", "ipv4:opt=94040000,len=22 tcp", MALFORMED4 },
	{ "ipv4 tot_len = ihl*4 proto tcp", "ipv4:len=20 tcp", "l3.ipv4" },
	{ "ipv4 tot_len 0 tso", "ipv4:len=0 tcp data:n=100", TCP4 },
	{ "ipv4 src eq dst", "ipv4:same=1 tcp", TCP4 " extras.ipv4_src_eq_dst" },
	{ "ipv4 land tcp", "ipv4:same=1 tcp:sport=139,dport=139",
	  TCP4P "tcp.dst.well_known tcp.src.well_known"
	  " extras.ipv4_src_eq_dst extras.land" },
	{ "ipv4 land udp", "ipv4:same=1 udp:sport=5353,dport=5353",
	  "l3.ipv4 udp udp.ipv4_packets udp.dst.registered udp.src.registered"
	  " extras.ipv4_src_eq_dst extras.land" },
	/* No L4 header, so no ports: never LAND (the ports would read 0 = 0). */
	{ "ipv4 land-looking later fragment", "ipv4:same=1,frag=0x0005 data:n=20",
	  "l3.ipv4 ipv4_fragments extras.ipv4_src_eq_dst" },
	{ "ipv4 land-looking tot_len = ihl*4", "ipv4:same=1,len=20 tcp",
	  "l3.ipv4 extras.ipv4_src_eq_dst" },
	{ "ipv4 src eq dst icmp", "ipv4:same=1 icmp",
	  "l3.ipv4 icmp.packets icmp.echo_request extras.ipv4_src_eq_dst" },
	{ "ipv4 gre", "ipv4:proto=47 data:n=24", "l3.ipv4" },
	{ "ipv4 in ipv4", "ipv4 ipv4 tcp", "l3.ipv4" },
	{ "ipv4 udp padded to 60", "ipv4 udp pad:to=60", UDP4 },
	{ "ipv4 syn 13 tcp bytes then padding", "ipv4:len=33 tcp:flags=0x002 pad:to=87",
	  "l3.ipv4 tcp.header_incomplete" },
	{ "ipv4 udp 4 bytes then padding", "ipv4:len=24 udp pad:to=60",
	  "l3.ipv4 udp.header_incomplete" },
	{ "ipv4 tcp doff 4", "ipv4 tcp:doff=4", "l3.ipv4 tcp.header_incomplete" },
	{ "ipv4 tcp doff 15", "ipv4 tcp:doff=15", TCP4 },
	{ "ipv4 udp 1514 bytes", "ipv4 udp data:n=1472", UDP4 },
	{ "ipv4 udp 1600 bytes", "ipv4 udp data:n=1558",
	  UDP4 " extras.frames_over_1514" },
	{ "ipv4 udp 9000 bytes multi-buffer", "ipv4 udp data:n=8958",
	  UDP4 " extras.frames_over_1514" },

	/* IPv6. */
	{ "ipv6 tcp", "ipv6 tcp", TCP6 },
	{ "ipv6 tcp syn dport 65535", "ipv6 tcp:flags=0x002,dport=65535",
	  "l3.ipv6 tcp tcp.ipv6_packets tcp.dst.dynamic tcp.src.dynamic tcp.syn_noack" },
	{ "ipv6 udp", "ipv6 udp", UDP6 },
	{ "ipv6 icmpv6 echo request", "ipv6 icmp6:type=128",
	  "l3.ipv6 icmpv6.packets icmpv6.echo_request" },
	{ "ipv6 icmpv6 echo reply", "ipv6 icmp6:type=129",
	  "l3.ipv6 icmpv6.packets icmpv6.echo_reply" },
	{ "ipv6 icmpv6 neighbour solicitation", "ipv6 icmp6:type=135",
	  "l3.ipv6 icmpv6.packets" },
	{ "ipv6 next header 1 not icmpv6", "ipv6:nh=1 icmp", "l3.ipv6" },
	{ "ipv6 hbh udp", "ipv6 hbh udp", UDP6 },
	{ "ipv6 rt udp", "ipv6 rt udp", UDP6 },
	{ "ipv6 dstopt icmpv6", "ipv6 dstopt icmp6",
	  "l3.ipv6 icmpv6.packets icmpv6.echo_request" },
	{ "ipv6 hbh rt udp", "ipv6 hbh rt udp", UDP6 },
	{ "ipv6 first fragment udp", "ipv6 frag6:off=0,m=1 udp data:n=16",
	  UDP6 " ipv6_fragments" },
	{ "ipv6 atomic fragment udp", "ipv6 frag6 udp", UDP6 " ipv6_fragments" },
	{ "ipv6 later fragment", "ipv6 frag6:off=185 udp",
	  "l3.ipv6 ipv6_fragments" },
	{ "ipv6 hbh later fragment", "ipv6 hbh frag6:off=3,m=1 data:n=24",
	  "l3.ipv6 ipv6_fragments" },
	{ "ipv6 ah tcp", "ipv6 ah tcp", TCP6 },
	{ "ipv6 8 dstopt udp",
	  "ipv6 dstopt dstopt dstopt dstopt dstopt dstopt dstopt dstopt udp", UDP6 },
	{ "ipv6 9 dstopt udp",
	  "ipv6 dstopt dstopt dstopt dstopt dstopt dstopt dstopt dstopt dstopt udp",
	  "l3.ipv6" },
	{ "ipv6 version 4", "ipv6:ver=4 udp", "l3.ipv6 extras.l3_malformed" },
	{ "ipv6 plen shorter than hbh", "ipv6:plen=4 hbh udp", "l3.ipv6" },
	{ "ipv6 plen leaves 4 udp bytes", "ipv6:plen=4 udp pad:to=64",
	  "l3.ipv6 udp.header_incomplete" },
	{ "ipv6 plen leaves 13 tcp bytes", "ipv6:plen=13 tcp",
	  "l3.ipv6 tcp.header_incomplete" },
};

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
static int want_counters(const char *want, size_t len, __u64 *w,
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
static void trunc_want(const struct pkt *p, const char *full, size_t cut,
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

/* ------------------------------------------------------------------ */
/* Running one program on one frame. */

static int stats_fd;
static __u8 data_out[PB_MAX_LEN];
static int failures;

static void run_case(const struct ht_prog *pr, const char *name,
		     const __u8 *frame, size_t len, const char *want, __u32 want_ret)
{
	const struct ps_field *fields = ps_fields();
	struct ps_counters got, other;
	__u64 exp[PS_COUNTERS_WORDS];
	struct sbuf why = { .n = 0 };
	__u32 ret, out_len = len;
	size_t w;
	int err;

	if (want_counters(want, len, exp, &why))
		goto report;
	err = ht_clear_counters(stats_fd);
	if (err) {
		sb_add(&why, "clearing ps_stats: %s", strerror(-err));
		goto report;
	}
	memset(data_out, 0xee, len);
	err = ht_run(pr->fd, frame, len, &ret, data_out, &out_len);
	if (err) {
		if (err == -EINVAL && !pr->xdp && ht_skb_run_refuses(frame, len)) {
			printf("skip - prog_run %s %s # the kernel's skb test run"
			       " refuses an IP frame shorter than the IP header"
			       " (XDP runs it)\n", pr->name, name);
			return;
		}
		sb_add(&why, "BPF_PROG_TEST_RUN of %zu bytes: %s", len,
		       strerror(-err));
		goto report;
	}
	if (ret != want_ret)
		sb_add(&why, "retval got %d want %d; ", (int)ret,
		       (int)want_ret);
	if (out_len != len)
		sb_add(&why, "data_size_out got %u want %zu; ",
		       out_len, len);
	else if (memcmp(data_out, frame, len))
		sb_add(&why, "data_out differs from data_in; ");

	err = ht_read_counters(stats_fd, pr->dir, &got);
	if (!err)
		err = ht_read_counters(stats_fd, !pr->dir, &other);
	if (err) {
		sb_add(&why, "reading ps_stats: %s", strerror(-err));
		goto report;
	}
	for (w = 0; w < PS_COUNTERS_WORDS; w++)
		if (ps_counter_word(&got, w) != exp[w])
			sb_add(&why, "%s got %llu want %llu; ", fields[w].name,
			       (unsigned long long)ps_counter_word(&got, w),
			       (unsigned long long)exp[w]);
	for (w = 0; w < PS_COUNTERS_WORDS; w++)
		if (ps_counter_word(&other, w))
			sb_add(&why, "%s %s got %llu want 0; ",
			       ps_dir_names[!pr->dir], fields[w].name,
			       (unsigned long long)ps_counter_word(&other, w));
	/* Drop the trailing "; ". */
	if (why.n >= 2)
		why.s[why.n -= 2] = 0;
report:
	if (why.n) {
		failures++;
		printf("not ok - prog_run %s %s: %s\n", pr->name, name, why.s);
	} else {
		printf("ok - prog_run %s %s\n", pr->name, name);
	}
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Every header boundary of @p and the byte before it, sorted, unique. */
static int cut_points(const struct pkt *p, size_t *cuts)
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

/*
 * --mirror (ps_mirror_drop in bpf/portsense.bpf.c): ifindex 1 a mirror port
 * whose MAC is pktbuild.h's destination.  A unicast frame for another MAC
 * is counted like any frame, then counted as mirror_dropped and dropped;
 * the others pass.  Without --mirror (ps_mirror_on 0) every frame passes.
 */
static const struct mcase {
	const char *name;
	__u8 dst[6];
	__u32 port;	/* the ps_mirror entry's ifindex (test runs come in on 1) */
	bool drop;
} mcases[] = {
	{ "own MAC", { 0x02, 0, 0, 0, 0, 0x02 }, HT_IFINDEX, false },
	{ "another MAC", { 0x02, 0, 0, 0, 0, 0x03 }, HT_IFINDEX, true },
	{ "another MAC, first byte differs", { 0x06, 0, 0, 0, 0, 0x02 }, HT_IFINDEX, true },
	{ "another MAC, fifth byte differs", { 0x02, 0, 0, 0, 0x01, 0x02 }, HT_IFINDEX, true },
	{ "broadcast", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, HT_IFINDEX, false },
	{ "IPv4 multicast", { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, HT_IFINDEX, false },
	{ "IPv6 multicast", { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 }, HT_IFINDEX, false },
	{ "another MAC on another port", { 0x02, 0, 0, 0, 0, 0x03 }, HT_IFINDEX + 1, false },
};

static void mirror_cases(const struct ht_prog *plain)
{
	static const char *const want = "l3.ipv4 udp udp.ipv4_packets udp.dst.well_known udp.src.dynamic";
	static const char *const dropped = "l3.ipv4 udp udp.ipv4_packets udp.dst.well_known"
		" udp.src.dynamic extras.mirror_dropped";
	struct portsense_bpf *skel = portsense_bpf__open();
	static struct pkt pkt;
	struct ht_prog progs[HT_NPROGS];
	char name[96];
	size_t c;
	__u32 k = HT_IFINDEX & (PS_IFSLOT_SIZE - 1);
	int saved = stats_fd, err;

	if (!skel || pb_build(&pkt, "ipv4 udp")) {
		failures++;
		printf("not ok - prog_run mirror setup: %s\n", skel ? pkt.err : strerror(errno));
		portsense_bpf__destroy(skel);
		return;
	}
	/* The main skeleton has no --mirror: a frame for another MAC passes. */
	memcpy(pkt.b, mcases[1].dst, 6);
	for (c = 0; c < HT_NPROGS; c++)
		run_case(&plain[c], "another MAC without --mirror", pkt.b, pkt.len, want,
			 ht_observe_ret(&plain[c]));
	skel->rodata->ps_mirror_on = 1;
	bpf_map__set_max_entries(skel->maps.ps_mirror, PS_IFSLOT_SIZE);	/* as the loader does */
	err = portsense_bpf__load(skel) ? -errno : ht_give_slot(skel->obj);
	if (err) {
		failures++;
		printf("not ok - prog_run mirror setup: loading with ps_mirror_on: %s\n", strerror(-err));
		portsense_bpf__destroy(skel);
		return;
	}
	stats_fd = bpf_map__fd(skel->maps.ps_stats);
	ht_progs(skel, progs);
	for (c = 0; c < sizeof(mcases) / sizeof(mcases[0]); c++) {
		const struct mcase *m = &mcases[c];
		struct ps_mirror e = { .ifindex = m->port, .mac = { 0x02, 0, 0, 0, 0, 0x02 } };

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.ps_mirror), &k, &e, BPF_ANY)) {
			failures++;
			printf("not ok - prog_run mirror %s: ps_mirror: %s\n", m->name, strerror(errno));
			continue;
		}
		memcpy(pkt.b, m->dst, 6);
		snprintf(name, sizeof(name), "mirror %s", m->name);
		run_case(&progs[0], name, pkt.b, pkt.len, m->drop ? dropped : want,
			 m->drop ? XDP_DROP : XDP_PASS);
	}
	stats_fd = saved;
	portsense_bpf__destroy(skel);
}

int main(void)
{
	static struct pkt pkt;
	struct portsense_bpf *skel;
	struct ht_prog progs[HT_NPROGS];
	size_t c, n_cases = sizeof(cases) / sizeof(cases[0]);
	int i, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ht_quiet_libbpf();
	if (!ps_fields()) {
		printf("not ok - prog_run setup: field table broken\n");
		return 1;
	}
	skel = portsense_bpf__open_and_load();
	if (!skel) {
		printf("not ok - prog_run setup: loading the skeleton failed: %s\n",
		       strerror(errno));
		return 1;
	}
	if (bpf_map__value_size(skel->maps.ps_stats) != sizeof(struct ps_counters)) {
		printf("not ok - prog_run setup: ps_stats value is %u bytes, struct ps_counters %zu\n",
		       bpf_map__value_size(skel->maps.ps_stats),
		       sizeof(struct ps_counters));
		portsense_bpf__destroy(skel);
		return 1;
	}
	stats_fd = bpf_map__fd(skel->maps.ps_stats);
	err = ht_give_slot(skel->obj);
	if (err) {
		printf("not ok - prog_run setup: cannot give ifindex 1 a slot: %s\n", strerror(-err));
		portsense_bpf__destroy(skel);
		return 1;
	}
	ht_progs(skel, progs);

	for (c = 0; c < n_cases; c++) {
		const struct tcase *tc = &cases[c];
		size_t cuts[4 * PB_MAX_LAYERS];
		int k, ncuts = 0;

		if (pb_build(&pkt, tc->pkt)) {
			for (i = 0; i < HT_NPROGS; i++) {
				failures++;
				printf("not ok - prog_run %s %s: bad packet description: %s\n",
				       progs[i].name, tc->name, pkt.err);
			}
			continue;
		}
		if (pb_headers(&pkt) > 1)
			ncuts = cut_points(&pkt, cuts);
		for (i = 0; i < HT_NPROGS; i++) {
			if (pkt.len > HT_TC_MAX_LEN && !progs[i].xdp)
				continue;
			run_case(&progs[i], tc->name, pkt.b, pkt.len, tc->want, ht_observe_ret(&progs[i]));
			for (k = 0; k < ncuts; k++) {
				struct sbuf want = { .n = 0 };
				char name[160];

				trunc_want(&pkt, tc->want, cuts[k], &want);
				snprintf(name, sizeof(name), "%s cut %zu",
					 tc->name, cuts[k]);
				run_case(&progs[i], name, pkt.b, cuts[k], want.s, ht_observe_ret(&progs[i]));
			}
		}
	}
	mirror_cases(progs);
	portsense_bpf__destroy(skel);
	return failures ? 1 : 0;
}
